using PassGrains.Abstractions;

namespace PassGrains.Grains.Caching;

/// <summary>
/// The silo's end of <see cref="IStampCacheService"/>: owners on any silo reach this silo's <see cref="StampCache"/>
/// through it. It also empties the cache when a silo dies (<see cref="StampCache.Clear"/>).
/// </summary>
public sealed class StampCacheService(GrainId id, Silo silo, Microsoft.Extensions.Logging.ILoggerFactory loggers, StampCache cache, IClusterMembershipService membership)
    : GrainService(id, silo, loggers), IStampCacheService
{
    private Task? _watchingMembership;

    Task IStampCacheService.Forget(StampCacheKey[] keys)
    {
        cache.Forget(keys);
        return Task.CompletedTask;
    }

    public override async Task Start()
    {
        await base.Start();
        _watchingMembership = Task.Run(() => ClearWhenASiloDies(StoppedCancellationTokenSource.Token));
    }

    public override async Task Stop()
    {
        await base.Stop();
        if (_watchingMembership is { } watching)
            await watching;
    }

    private async Task ClearWhenASiloDies(CancellationToken stopping)
    {
        var dead = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping))
            {
                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (newlyDead.Count > 0)
                    cache.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
