using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Abstractions;
using PassGrains.Grains;
using PassGrains.Packaging.Json;

namespace PassGrains.Server.Issuing;

/// <summary>Issues a chunk's lines with bounded concurrency, looking its templates and groups up once.</summary>
public sealed class BatchChunkIssuer(PassIssuer issuer) : IBatchChunkIssuer
{
    /// <summary>Passes of one chunk in flight at once; a job runs several chunks on every silo.</summary>
    public const int Concurrency = 16;

    public async Task<BatchChunkResult> IssueAsync(BatchChunk chunk)
    {
        await using var lookups = issuer.NewLookups(); // disposed: the chunk's unused usage leases go back (IssueLookups.cs)
        var scope = chunk.PassTypes is null ? Security.PassTypeScope.All : new Security.PassTypeScope(chunk.PassTypes.ToHashSet(StringComparer.Ordinal));
        var done = 0;
        var failed = 0;
        var errors = new List<string>();
        await Parallel.ForEachAsync(chunk.Lines, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (line, _) =>
        {
            var error = await IssueLine(chunk.JobId, line, chunk.Resumed, lookups, scope);
            lock (errors)
            {
                if (error is null)
                {
                    done++;
                }
                else
                {
                    failed++;
                    if (errors.Count < BatchJobGrain.MaxErrors)
                        errors.Add($"line {line.Number}: {error}");
                }
            }
        });
        return new BatchChunkResult(done, failed, errors);
    }

    private async Task<string?> IssueLine(string jobId, BatchLine line, bool resumed, IssueLookups lookups, Security.PassTypeScope scope)
    {
        var (body, problem) = StrictJson.ParseObject(line.Text);
        if (problem is { } refused)
            return refused.Member != "$" ? $"{refused.Member}: {refused.Message}"
                : body is null && refused.Message.StartsWith("the body must be", StringComparison.Ordinal) ? "each line must be a JSON object" : refused.Message;
        try
        {
            var outcome = await issuer.IssueAsync(body!, PassIssuer.DerivedSerial(jobId, line.Number), lookups, fromBatch: true, scope: scope);
            if (outcome.Created is not null || (resumed && outcome.Status == StatusCodes.Status409Conflict))
                return null;
            return outcome.Describe();
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or InvalidOperationException)
        {
            return $"could not be issued: {e.Message}";
        }
    }
}
