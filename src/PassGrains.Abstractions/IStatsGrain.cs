using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>
/// The numbers of one scope (key <see cref="GrainKeys.Stats"/>: a pass type, a template or a group), hour by hour and day by
/// day. The event feed's counts come from <see cref="IStatsProjectionGrain"/>, each event once by its cursor; what is not an
/// event (downloads, pushes sent) comes from each silo's tally, each batch once by its source and sequence.
/// </summary>
public interface IStatsGrain : IGrainWithStringKey
{
    /// <summary>Hours are kept this many days; older hours are kept as their days only.</summary>
    const int HourlyDays = 62;

    /// <summary>Adds the entries of events past the last cursor this scope added, in one write.</summary>
    Task Apply(IReadOnlyList<StatsEntry> entries);

    /// <summary>
    /// Adds a silo's tally (<paramref name="source"/>: the silo process, <paramref name="sequence"/>: its batch for this scope),
    /// unless that batch was added already (a retried call whose first answer was lost).
    /// </summary>
    Task AddTally(string source, long sequence, IReadOnlyList<StatsEntry> entries);

    /// <summary><paramref name="count"/> buckets of <paramref name="interval"/> from <paramref name="from"/> (a bucket start, UTC).</summary>
    [ReadOnly]
    Task<StatsSeries> Read(StatsInterval interval, DateTimeOffset from, int count);
}
