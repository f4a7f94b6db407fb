namespace PassGrains.Abstractions;

/// <summary>
/// What issuers count, for one scope (a pass type, a template or a group) and one stretch of time. <see cref="Installs"/> is a
/// pass registered on a device it was not registered on (Wallet's first registration), <see cref="Uninstalls"/> a registration
/// removed (the holder deleted the pass, or its push token died). <see cref="Downloads"/> counts signed passes sent (Wallet's
/// latest-pass answers with the pass, download links, bundles: one per pass). Pushes are counted by pass type only: one push
/// wakes a device for every pass of the type it holds.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct StatsCounts(
    [property: Id(0)] long Issued,
    [property: Id(1)] long Voided,
    [property: Id(2)] long Installs,
    [property: Id(3)] long Uninstalls,
    [property: Id(4)] long Downloads,
    [property: Id(5)] long PushesSent,
    [property: Id(6)] long PushesFailed)
{
    public static StatsCounts operator +(StatsCounts a, StatsCounts b) => new(a.Issued + b.Issued, a.Voided + b.Voided, a.Installs + b.Installs,
        a.Uninstalls + b.Uninstalls, a.Downloads + b.Downloads, a.PushesSent + b.PushesSent, a.PushesFailed + b.PushesFailed);

    /// <summary>How many more devices hold a pass of the scope after these counts than before.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long NetInstalls => Installs - Uninstalls;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => this == default;
}

/// <summary>
/// Counts to add to a scope's hour (<see cref="HourStart"/>: Unix seconds, a multiple of 3,600, UTC). From the event feed,
/// <see cref="Cursor"/> is the event's place in it: a scope adds each cursor once, so a page read again adds nothing twice.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StatsEntry(
    [property: Id(0)] long Cursor,
    [property: Id(1)] long HourStart,
    [property: Id(2)] StatsCounts Counts);

/// <summary>How long each bucket of a stats read is.</summary>
public enum StatsInterval
{
    Hour,
    Day,
}

/// <summary>
/// One bucket of a stats read: from <see cref="Start"/> for one interval, its counts, and how many devices held a pass of the
/// scope at its end (every install before then, less every uninstall).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StatsBucket(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] StatsCounts Counts,
    [property: Id(2)] long ActiveInstalls);

/// <summary>
/// A read of one scope: its buckets, oldest first, or <see cref="HourlyNotKept"/> when hours were asked of a day whose hours
/// were already folded into days (<see cref="IStatsGrain.HourlyDays"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StatsSeries(
    [property: Id(0)] IReadOnlyList<StatsBucket> Buckets,
    [property: Id(1)] bool HourlyNotKept = false);
