using System.Collections.Concurrent;

namespace PassGrains.Server.Pushes;

/// <summary>
/// Counts a silo's credential refusals per pass type, so that one refusal (a TLS hiccup, a connection cut in
/// its handshake) is a failed push and not an alarm: the alarm is due after <paramref name="threshold"/>
/// refusals within <paramref name="window"/> with no push delivered between them. A revoked or wrong
/// credential is refused on every push from every silo, so each silo reaches the threshold on its own.
/// </summary>
public sealed class PushRefusals(int threshold, TimeSpan window, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _runs = new(StringComparer.Ordinal);

    /// <summary>Records a refusal; the number of refusals in the current run when that reaches the threshold, else null.</summary>
    public int? Refused(string passTypeIdentifier)
    {
        var now = time.GetUtcNow();
        var run = _runs.GetOrAdd(passTypeIdentifier, _ => new Queue<DateTimeOffset>());
        lock (run)
        {
            while (run.TryPeek(out var first) && now - first > window)
                run.Dequeue();
            run.Enqueue(now);
            // Only the newest refusals matter for the threshold; the run stays this short.
            while (run.Count > threshold)
                run.Dequeue();
            return run.Count >= threshold ? run.Count : null;
        }
    }

    /// <summary>A delivered push ends the pass type's run of refusals. On the hot path: free while nothing was refused.</summary>
    public void Delivered(string passTypeIdentifier)
    {
        if (!_runs.IsEmpty)
            _runs.TryRemove(passTypeIdentifier, out _);
    }

    /// <summary>Starts counting afresh (the alarm was raised or cleared).</summary>
    public void Forget(string passTypeIdentifier) => _runs.TryRemove(passTypeIdentifier, out _);
}
