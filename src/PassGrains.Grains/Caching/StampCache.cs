using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Caching;

/// <summary>
/// This silo's copy of what device requests read: pass views, group and template stamps, a device's serials of a pass
/// type. An entry is kept until the grain that owns it says it moved (<see cref="CacheWatchers"/> calls
/// <see cref="StampCacheService"/>), never for a time, so an answer from it is as current as one from the grain.
/// </summary>
/// <remarks>
/// A fill can race a change: the owner answers with the old value, changes, and its Forget overtakes that answer. So a
/// fill is stored only when nothing was forgotten since it began (<see cref="Epoch"/>): a lost fill costs one grain call
/// later, a kept stale one would cost a wrong 304.
/// </remarks>
public sealed class StampCache
{
    // A plain dictionary rather than MemoryCache: an entry costs its value and one node (about 150 bytes for a pass whose
    // key holds its grain's strings), where MemoryCache's entries cost three times that (memory per grain, docs/benchmarks.md).
    private readonly ConcurrentDictionary<StampCacheKey, object> _entries = new();
    private readonly int _maxEntries;
    private readonly Lock _gate = new();
    private long _epoch;
    private int _count;

    public StampCache(IOptions<StampCacheOptions> options) => _maxEntries = options.Value.MaxEntries;

    /// <summary>Moves on with every forget and every clear; a fill takes it before asking the owner.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    public bool TryGet<T>(StampCacheKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? value) where T : class
    {
        value = _entries.TryGetValue(key, out var entry) ? entry as T : null;
        return value is not null;
    }

    /// <summary>Keeps what the owner answered, unless something was forgotten since <paramref name="epoch"/>.</summary>
    public void Store(StampCacheKey key, object value, long epoch)
    {
        if (_maxEntries == 0)
            return;
        lock (_gate)
        {
            if (_epoch != epoch)
                return;
            // Full: a tenth goes, in the dictionary's own (hash) order, which no caller chooses.
            if (_count >= _maxEntries)
            {
                foreach (var old in _entries.Keys.Take(Math.Max(1, _maxEntries / 10)).ToList())
                    Remove(old);
            }
            if (_entries.TryAdd(key, value))
                _count++;
            else
                _entries[key] = value;
        }
    }

    public void Forget(IEnumerable<StampCacheKey> keys)
    {
        lock (_gate)
        {
            foreach (var key in keys)
                Remove(key);
            _epoch++;
        }
    }

    /// <summary>
    /// Everything goes: a silo died, and the owners that lived there may have stored a change they never announced.
    /// Their next activations announce to every silo, but only on their next change.
    /// </summary>
    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
            _count = 0;
            _epoch++;
        }
    }

    private void Remove(StampCacheKey key)
    {
        if (_entries.TryRemove(key, out _))
            _count--;
    }
}
