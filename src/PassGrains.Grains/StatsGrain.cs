using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class StatsState
{
    /// <summary>Every event of the feed up to this cursor that belongs to the scope is counted.</summary>
    public long AppliedThrough { get; set; }

    /// <summary>Hour start (Unix seconds) → counts, for the last <see cref="IStatsGrain.HourlyDays"/> days.</summary>
    public SortedDictionary<long, StatsCounts> Hours { get; set; } = [];

    /// <summary>Day start (Unix seconds, UTC midnight) → counts, kept for good: a day is a few dozen bytes.</summary>
    public SortedDictionary<long, StatsCounts> Days { get; set; } = [];

    /// <summary>Silo process → the last tally batch of it added here, and when: forgotten a day after its last batch.</summary>
    public Dictionary<string, StatsTallyMark> Tallies { get; set; } = new(StringComparer.Ordinal);
}

public sealed class StatsTallyMark
{
    public long Sequence { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// The stats of one scope (<see cref="IStatsGrain"/>). Every addition is one write of the whole state; a write that fails
/// deactivates the grain (<see cref="StateWrites.WriteOrForgetAsync"/>), so memory never counts what storage does not, and the
/// caller's retry adds it then.
/// </summary>
public sealed class StatsGrain(
    [PersistentState(StorageNames.Stats, StorageNames.Provider)] IPersistentState<StatsState> state,
    TimeProvider time) : Grain, IStatsGrain
{
    private const long HourSeconds = 3600;
    private const long DaySeconds = 86400;
    private static readonly TimeSpan TallyMarkKept = TimeSpan.FromDays(1);

    private StatsState State => state.State;

    async Task IStatsGrain.Apply(IReadOnlyList<StatsEntry> entries)
    {
        var added = false;
        foreach (var entry in entries)
        {
            if (entry.Cursor <= State.AppliedThrough)
                continue;
            Add(entry);
            State.AppliedThrough = entry.Cursor;
            added = true;
        }
        if (added)
            await state.WriteOrForgetAsync(this);
    }

    async Task IStatsGrain.AddTally(string source, long sequence, IReadOnlyList<StatsEntry> entries)
    {
        if (State.Tallies.TryGetValue(source, out var mark) && sequence <= mark.Sequence)
            return;
        var now = time.GetUtcNow();
        foreach (var entry in entries)
            Add(entry);
        State.Tallies[source] = new StatsTallyMark { Sequence = sequence, At = now };
        foreach (var gone in State.Tallies.Where(t => now - t.Value.At > TallyMarkKept).Select(t => t.Key).ToList())
            State.Tallies.Remove(gone);
        await state.WriteOrForgetAsync(this);
    }

    Task<StatsSeries> IStatsGrain.Read(StatsInterval interval, DateTimeOffset from, int count)
    {
        var step = interval == StatsInterval.Hour ? HourSeconds : DaySeconds;
        var start = from.ToUnixTimeSeconds() / step * step;
        if (interval == StatsInterval.Hour && start < OldestKeptHour())
            return Task.FromResult(new StatsSeries([], HourlyNotKept: true));
        var active = ActiveBefore(start);
        var buckets = new List<StatsBucket>(count);
        for (var i = 0; i < count; i++, start += step)
        {
            var counts = interval == StatsInterval.Hour ? State.Hours.GetValueOrDefault(start) : State.Days.GetValueOrDefault(start);
            active += counts.NetInstalls;
            buckets.Add(new StatsBucket(DateTimeOffset.FromUnixTimeSeconds(start), counts, active));
        }
        return Task.FromResult(new StatsSeries(buckets));
    }

    private void Add(StatsEntry entry)
    {
        var hour = entry.HourStart / HourSeconds * HourSeconds;
        var day = hour / DaySeconds * DaySeconds;
        State.Days[day] = State.Days.GetValueOrDefault(day) + entry.Counts;
        if (hour >= OldestKeptHour())
            State.Hours[hour] = State.Hours.GetValueOrDefault(hour) + entry.Counts;
        var oldest = OldestKeptHour();
        while (State.Hours.Count > 0 && State.Hours.First().Key < oldest)
            State.Hours.Remove(State.Hours.First().Key);
    }

    /// <summary>The first hour still kept as an hour: midnight <see cref="IStatsGrain.HourlyDays"/> days ago.</summary>
    private long OldestKeptHour() => (time.GetUtcNow().ToUnixTimeSeconds() / DaySeconds - IStatsGrain.HourlyDays) * DaySeconds;

    /// <summary>Devices holding a pass of the scope at <paramref name="moment"/>: whole days before it, then its day's hours.</summary>
    private long ActiveBefore(long moment)
    {
        var day = moment / DaySeconds * DaySeconds;
        var active = 0L;
        foreach (var (start, counts) in State.Days)
        {
            if (start >= day)
                break;
            active += counts.NetInstalls;
        }
        foreach (var (start, counts) in State.Hours)
        {
            if (start >= moment)
                break;
            if (start >= day)
                active += counts.NetInstalls;
        }
        return active;
    }
}
