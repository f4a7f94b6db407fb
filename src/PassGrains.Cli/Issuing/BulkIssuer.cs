using System.Collections.Concurrent;
using PassGrains.Cli.Http;

namespace PassGrains.Cli.Issuing;

/// <summary>A row the server refused: its CSV line and one "field: message" per reason.</summary>
public sealed record RowFailure(long Line, IReadOnlyList<string> Reasons)
{
    public override string ToString() => $"line {Line}: {string.Join("; ", Reasons)}";
}

/// <summary>How a bulk issue ended. <paramref name="Aborted"/> says why rows were left unfinished (no server, a refused key, Ctrl+C).</summary>
public sealed record IssueReport(int Issued, int Failed, int Unfinished, IReadOnlyList<RowFailure> Failures, string? Aborted);

/// <summary>Counts that the progress display reads while the run goes on.</summary>
public sealed class IssueCounters
{
    private int _issued;
    private int _failed;

    public int Issued => Volatile.Read(ref _issued);

    public int Failed => Volatile.Read(ref _failed);

    public int Done => Issued + Failed;

    internal void AddIssued() => Interlocked.Increment(ref _issued);

    internal void AddFailed() => Interlocked.Increment(ref _failed);
}

/// <summary>
/// Issues one pass per row with N requests in flight. A refused row is recorded and the run goes on; a
/// failure of the whole run (the server gone, the key refused) stops sending and is reported once.
/// </summary>
public sealed class BulkIssuer(IssuerClient client, string templateId, string? defaultGroup, int concurrency)
{
    private readonly ConcurrentBag<RowFailure> _failures = [];
    private string? _aborted;

    public IssueCounters Counters { get; } = new();

    /// <param name="waitForEarlier">
    /// Rows that repeat an earlier row's serial number. They are sent after all others, one at a time, so
    /// that the earlier row is the one issued and the repeat is the one refused, whatever the timing.
    /// </param>
    public async Task<IssueReport> RunAsync(IEnumerable<PassRow> rows, int total, Func<PassRow, bool> waitForEarlier, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var repeats = new List<PassRow>();
        IEnumerable<PassRow> FirstRound()
        {
            foreach (var row in rows)
            {
                if (waitForEarlier(row))
                    repeats.Add(row); // Parallel.ForEachAsync enumerates one at a time, so no lock is needed
                else
                    yield return row;
            }
        }
        await IssueAsync(FirstRound(), concurrency, stop).ConfigureAwait(false);
        if (_aborted is null)
            await IssueAsync(repeats, 1, stop).ConfigureAwait(false);
        // Rows in flight when a run stops count as unfinished: the server may or may not have issued them.
        return new IssueReport(Counters.Issued, Counters.Failed, total - Counters.Done, _failures.OrderBy(f => f.Line).ToList(), _aborted);
    }

    private async Task IssueAsync(IEnumerable<PassRow> rows, int parallelism, CancellationTokenSource stop)
    {
        try
        {
            await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = stop.Token }, async (row, token) =>
            {
                try
                {
                    var result = await client.IssueAsync(row.ToIssueBody(templateId, defaultGroup), token).ConfigureAwait(false);
                    if (result.Problem is { } problem)
                    {
                        _failures.Add(new RowFailure(row.Line, problem.Reasons()));
                        Counters.AddFailed();
                    }
                    else
                    {
                        Counters.AddIssued();
                    }
                }
                catch (IssuerApiException e)
                {
                    Interlocked.CompareExchange(ref _aborted, $"line {row.Line}: {e.Message}", null);
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped on purpose after a failure of the whole run, or by Ctrl+C; the report says which.
            Interlocked.CompareExchange(ref _aborted, "interrupted", null);
        }
    }
}
