using PassGrains.Abstractions;

namespace PassGrains.Grains.Caching;

/// <summary>
/// The owner's side of the silo caches (<see cref="StampCache"/>): which silos asked for this grain's view, and the
/// forgets they are still owed. A grain that changes its view owes a forget (<see cref="Owe"/>) and
/// <see cref="FlushAsync"/>es before it answers, so no silo answers from the old view once the change is acknowledged.
/// </summary>
/// <remarks>
/// A new activation does not know which silos an earlier one served, so its first forget goes to every silo; a silo that
/// died took its cache with it, and an owner that died mid-change is covered by every silo emptying its cache when
/// membership declares a silo dead (<see cref="StampCacheService"/>). A forget that no live silo took fails the call
/// (503) and stays owed: the next call to the grain tries again first.
/// </remarks>
public sealed class CacheWatchers(StampCacheBroadcast? broadcast)
{
    // Silos are few: an array (32 bytes for one) rather than a set, made on first use (memory per grain, docs/benchmarks.md).
    private SiloAddress[]? _watchers;
    private HashSet<StampCacheKey>? _owed;
    private bool _watchersUnknown = true;
    private long _owedCount;

    public void Watch(SiloAddress watcher)
    {
        if (_watchers is null)
            _watchers = [watcher];
        else if (!_watchers.Contains(watcher))
            _watchers = [.. _watchers, watcher];
    }

    public void Owe(StampCacheKey key)
    {
        if (broadcast is null)
            return;
        (_owed ??= []).Add(key);
        _owedCount++;
    }

    public async Task FlushAsync()
    {
        while (broadcast is not null && _owed is { Count: > 0 } owed)
        {
            var keys = owed.ToArray();
            var owedCount = _owedCount;
            var everyone = _watchersUnknown;
            await broadcast.ForgetAsync(_watchers ?? [], everyone, keys);
            if (everyone)
                _watchersUnknown = false;
            // Interleaved read-only calls may have owed more meanwhile (a settlement): those go round again.
            if (_owedCount == owedCount)
                _owed = null;
        }
    }
}
