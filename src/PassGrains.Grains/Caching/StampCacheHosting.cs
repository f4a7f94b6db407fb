using Microsoft.Extensions.DependencyInjection;

namespace PassGrains.Grains.Caching;

public static class StampCacheHosting
{
    /// <summary>
    /// This silo's device read cache, its <see cref="StampCacheService"/> for owners elsewhere, and the reads that use it.
    /// The host binds <see cref="StampCacheOptions"/> (PassGrains:StampCache); without it the defaults hold.
    /// </summary>
    public static ISiloBuilder AddStampCache(this ISiloBuilder silo)
    {
        silo.AddGrainService<StampCacheService>();
        silo.Services.AddSingleton<StampCache>();
        silo.Services.AddSingleton<StampCacheBroadcast>();
        silo.Services.AddSingleton<CachedDeviceReads>();
        return silo;
    }
}
