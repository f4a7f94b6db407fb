using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

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
public sealed class StampCache : IDisposable
{
    private readonly MemoryCache? _entries;
    private readonly Lock _gate = new();
    private long _epoch;

    public StampCache(IOptions<StampCacheOptions> options)
    {
        if (options.Value.MaxEntries > 0)
            _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.MaxEntries });
    }

    /// <summary>Moves on with every forget and every clear; a fill takes it before asking the owner.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    public bool TryGet<T>(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? value) where T : class
    {
        value = _entries?.Get(key) as T;
        return value is not null;
    }

    /// <summary>Keeps what the owner answered, unless something was forgotten since <paramref name="epoch"/>.</summary>
    public void Store(string key, object value, long epoch)
    {
        if (_entries is null)
            return;
        lock (_gate)
        {
            if (_epoch == epoch)
                _entries.Set(key, value, new MemoryCacheEntryOptions { Size = 1 });
        }
    }

    public void Forget(IEnumerable<string> keys)
    {
        lock (_gate)
        {
            foreach (var key in keys)
                _entries?.Remove(key);
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
            _entries?.Clear();
            _epoch++;
        }
    }

    public void Dispose() => _entries?.Dispose();
}
