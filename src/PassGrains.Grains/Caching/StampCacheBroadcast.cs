using Orleans.Runtime.Services;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Caching;

/// <summary>Reaches the <see cref="IStampCacheService"/> of given silos (the local one directly).</summary>
public sealed class StampCacheBroadcast(IServiceProvider services, IClusterMembershipService membership, ILocalSiloDetails local, StampCache localCache)
    : GrainServiceClient<IStampCacheService>(services)
{
    public SiloAddress LocalSilo => local.SiloAddress;

    /// <summary>
    /// Tells <paramref name="watchers"/> (and, with <paramref name="everyone"/>, every silo not known dead) to forget
    /// <paramref name="keys"/>. Throws when a silo that may be alive did not take it: the change must then not be
    /// acknowledged, since that silo could still answer from the old value.
    /// </summary>
    public Task ForgetAsync(IReadOnlyCollection<SiloAddress> watchers, bool everyone, StampCacheKey[] keys)
    {
        var targets = new HashSet<SiloAddress>(watchers);
        if (everyone)
        {
            foreach (var member in membership.CurrentSnapshot.Members.Values)
            {
                if (member.Status != SiloStatus.Dead)
                    targets.Add(member.SiloAddress);
            }
            targets.Add(local.SiloAddress);
        }
        return Task.WhenAll(targets.Select(silo => ForgetAtAsync(silo, keys)));
    }

    private async Task ForgetAtAsync(SiloAddress silo, StampCacheKey[] keys)
    {
        if (silo.Equals(local.SiloAddress))
        {
            localCache.Forget(keys);
            return;
        }
        if (IsDead(silo))
            return;
        try
        {
            await GetGrainService(silo).Forget(keys);
        }
        catch (Exception) when (IsDead(silo))
        {
            // Its cache went with it.
        }
    }

    private bool IsDead(SiloAddress silo) => membership.CurrentSnapshot.GetSiloStatus(silo) == SiloStatus.Dead;
}
