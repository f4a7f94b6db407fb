using Orleans.Services;

namespace PassGrains.Abstractions;

/// <summary>
/// Each silo's cache of what device requests read (pass views, group and template stamps, a device's serials), one per
/// silo. The grain that owns an entry tells every silo that may hold it to forget it before the change that moved it is
/// acknowledged (<c>Grains/Caching/CacheWatchers.cs</c>).
/// </summary>
public interface IStampCacheService : IGrainService
{
    /// <summary>Drops these keys from this silo's cache.</summary>
    Task Forget(StampCacheKey[] keys);
}
