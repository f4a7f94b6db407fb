using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>
/// Reads the event feed in order and adds each event to the stats of its pass type, template and group (<see cref="IStatsGrain"/>);
/// one grain, key <see cref="GrainKeys.StatsProjection"/>. It stores how far it has read together with the active installs of
/// every pass type and template, so the gauges read one grain and count every event exactly once.
/// </summary>
public interface IStatsProjectionGrain : IGrainWithStringKey
{
    /// <summary>Starts reading if it is not already (every silo pokes it at start; a reminder brings it back after a crash).</summary>
    Task Poke();

    /// <summary>Active installs by scope key (<see cref="GrainKeys.Stats"/> of pass types and templates), as of <see cref="CountedThrough"/>.</summary>
    [ReadOnly]
    Task<IReadOnlyDictionary<string, long>> ActiveInstalls();

    /// <summary>The feed cursor up to which every event is counted.</summary>
    [ReadOnly]
    Task<long> CountedThrough();
}
