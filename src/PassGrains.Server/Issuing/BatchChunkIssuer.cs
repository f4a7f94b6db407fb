using PassGrains.Abstractions;
using PassGrains.Grains;
using PassGrains.Packaging.Json;

namespace PassGrains.Server.Issuing;

/// <summary>
/// Issues a chunk's lines with bounded concurrency, looking its templates and groups up once. Every line ends done or
/// failed with its reason: a transient failure (storage, a timeout, a silo going) is retried a few times first, and any
/// other exception fails that line only, never the chunk.
/// </summary>
public sealed class BatchChunkIssuer(PassIssuer issuer, Telemetry.PassGrainsMetrics metrics, TimeProvider time) : IBatchChunkIssuer
{
    /// <summary>Passes of one chunk in flight at once; a job runs several chunks on every silo.</summary>
    public const int Concurrency = 16;

    /// <summary>Attempts at a line whose failure is transient, before it counts as failed.</summary>
    public const int LineAttempts = 4;

    public async Task<BatchChunkResult> IssueAsync(BatchChunk chunk)
    {
        await using var lookups = issuer.NewLookups(); // disposed: the chunk's unused usage leases go back (IssueLookups.cs)
        var scope = chunk.PassTypes is null ? Security.PassTypeScope.All : new Security.PassTypeScope(chunk.PassTypes.ToHashSet(StringComparer.Ordinal));
        var done = 0;
        var failed = 0;
        var errors = new List<string>();
        void Count(int number, string? error)
        {
            lock (errors)
            {
                if (error is null)
                {
                    done++;
                    return;
                }
                failed++;
                if (errors.Count < BatchJobGrain.MaxErrors)
                    errors.Add($"line {number}: {error}");
            }
        }
        foreach (var refused in chunk.Refused ?? [])
            Count(refused.Number, refused.Reason);
        await Parallel.ForEachAsync(chunk.Lines, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (line, _) =>
            Count(line.Number, await IssueLine(chunk.JobId, line, lookups, scope)));
        metrics.BatchLines(done, failed);
        return new BatchChunkResult(done, failed, errors);
    }

    private async Task<string?> IssueLine(string jobId, BatchLine line, IssueLookups lookups, Security.PassTypeScope scope)
    {
        var (body, problem) = StrictJson.ParseObject(line.Text);
        if (problem is { } refused)
            return refused.Member != "$" ? $"{refused.Member}: {refused.Message}"
                : body is null && refused.Message.StartsWith("the body must be", StringComparison.Ordinal) ? "each line must be a JSON object" : refused.Message;
        var origin = new PassOrigin(jobId, line.Number);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // A retried line whose pass was stored before the failure finds it by its origin: done, not a conflict.
                var outcome = await issuer.IssueAsync(body!, PassIssuer.DerivedSerial(jobId, line.Number), lookups, fromBatch: true, scope: scope, origin: origin);
                return outcome.Created is not null ? null : outcome.Describe();
            }
            catch (Exception e) when (IsTransient(e) && attempt < LineAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 << (attempt - 1)), time);
            }
            catch (Exception e) when (IsTransient(e))
            {
                return $"could not be issued after {attempt} attempts: {e.Message}";
            }
            catch (Exception e)
            {
                return $"could not be issued: {e.Message}";
            }
        }
    }

    private static bool IsTransient(Exception e) => e is StorageUnavailableException or TimeoutException or OrleansException;
}
