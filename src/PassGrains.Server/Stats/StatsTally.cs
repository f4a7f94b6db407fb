using PassGrains.Abstractions;
using PassGrains.Grains;

namespace PassGrains.Server.Stats;

/// <summary>
/// What this silo counts that is no lifecycle event (a download on every device request would make the event feed the
/// bottleneck of every herd): downloads and pushes APNs took, added up in memory by scope and hour and handed to the scopes'
/// <see cref="IStatsGrain"/>s every <see cref="FlushEvery"/> (<see cref="StatsFlushing"/>) and when the silo stops.
/// </summary>
/// <remarks>
/// A batch a scope may have added (its call failed) is sent again as it was, under its sequence, before anything newer goes
/// to that scope, so a scope adds each batch once. What is counted here and not yet handed on is lost if the process dies:
/// at most <see cref="FlushEvery"/> of downloads and pushes (docs/operations.md, "Stats").
/// </remarks>
public sealed class StatsTally(TimeProvider time) : IDisposable
{
    public static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private Dictionary<(string Kind, string Id, long Hour), StatsCounts> _counted = [];

    /// <summary>Per scope key: a batch whose add failed, to send again before anything newer.</summary>
    private readonly Dictionary<string, (long Sequence, List<StatsEntry> Entries)> _unsure = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private long _sequence;

    /// <summary>This process, as the scopes know its batches: a new one every start, so sequences never repeat.</summary>
    public string Source { get; } = Guid.NewGuid().ToString("N");

    private static readonly StatsCounts OneDownload = new(0, 0, 0, 0, Downloads: 1, 0, 0);
    private static readonly StatsCounts OnePushSent = new(0, 0, 0, 0, 0, PushesSent: 1, 0);

    /// <summary>A signed pass was sent to a holder.</summary>
    public void Downloaded(PassRenderSource pass)
    {
        var hour = StatsOfEvents.HourOf(time.GetUtcNow());
        lock (_lock)
        {
            Add((GrainKeys.StatsPassType, pass.PassTypeIdentifier, hour), OneDownload);
            Add((GrainKeys.StatsTemplate, pass.TemplateId, hour), OneDownload);
            if (pass.GroupId is { } group)
                Add((GrainKeys.StatsGroup, group, hour), OneDownload);
        }
    }

    /// <summary>APNs took a push for a device of <paramref name="passTypeIdentifier"/>.</summary>
    public void PushSent(string passTypeIdentifier)
    {
        var hour = StatsOfEvents.HourOf(time.GetUtcNow());
        lock (_lock)
            Add((GrainKeys.StatsPassType, passTypeIdentifier, hour), OnePushSent);
    }

    private void Add((string Kind, string Id, long Hour) key, StatsCounts counts) =>
        _counted[key] = _counted.GetValueOrDefault(key) + counts;

    /// <summary>
    /// Hands what is counted to the scopes, each scope's batch once; a scope that cannot take it now keeps it for the next
    /// flush (and what is counted meanwhile waits behind it). Returns how many scopes are still owed a batch.
    /// </summary>
    public async Task<int> FlushAsync(IGrainFactory grains)
    {
        await _flushing.WaitAsync().ConfigureAwait(false);
        try
        {
            Dictionary<(string Kind, string Id, long Hour), StatsCounts> counted;
            lock (_lock)
            {
                counted = _counted;
                _counted = [];
            }
            var fresh = new Dictionary<string, List<StatsEntry>>(StringComparer.Ordinal);
            foreach (var ((kind, id, hour), counts) in counted)
            {
                var scope = GrainKeys.Stats(kind, id);
                if (!fresh.TryGetValue(scope, out var entries))
                    fresh[scope] = entries = [];
                entries.Add(new StatsEntry(0, hour, counts));
            }
            var scopes = _unsure.Keys.Union(fresh.Keys, StringComparer.Ordinal).ToList();
            var owed = await Task.WhenAll(scopes.Select(scope => FlushScope(grains, scope, fresh.GetValueOrDefault(scope)))).ConfigureAwait(false);
            return owed.Count(o => o);
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>True when the scope is still owed something.</summary>
    private async Task<bool> FlushScope(IGrainFactory grains, string scope, List<StatsEntry>? fresh)
    {
        var grain = grains.GetGrain<IStatsGrain>(scope);
        if (Unsure(scope) is { } unsure)
        {
            if (!await TryAdd(grain, scope, unsure.Sequence, unsure.Entries).ConfigureAwait(false))
            {
                if (fresh is not null)
                    Requeue(scope, fresh);
                return true;
            }
        }
        if (fresh is null)
            return false;
        return !await TryAdd(grain, scope, Interlocked.Increment(ref _sequence), fresh).ConfigureAwait(false);
    }

    private async Task<bool> TryAdd(IStatsGrain grain, string scope, long sequence, List<StatsEntry> entries)
    {
        try
        {
            await grain.AddTally(Source, sequence, entries).ConfigureAwait(false);
            lock (_lock)
                _unsure.Remove(scope);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (_lock)
                _unsure[scope] = (sequence, entries);
            return false;
        }
    }

    private (long Sequence, List<StatsEntry> Entries)? Unsure(string scope)
    {
        lock (_lock)
            return _unsure.TryGetValue(scope, out var batch) ? batch : null;
    }

    /// <summary>Counts not yet sent go back to be counted with the next ones (they were never sent, so they may merge).</summary>
    private void Requeue(string scope, List<StatsEntry> entries)
    {
        var (kind, id) = ScopeOf(scope);
        lock (_lock)
        {
            foreach (var entry in entries)
                Add((kind, id, entry.HourStart), entry.Counts);
        }
    }

    public void Dispose() => _flushing.Dispose();

    private static (string Kind, string Id) ScopeOf(string scope)
    {
        var body = scope["stats:".Length..];
        var slash = body.IndexOf('/', StringComparison.Ordinal);
        return (body[..slash], body[(slash + 1)..]);
    }
}
