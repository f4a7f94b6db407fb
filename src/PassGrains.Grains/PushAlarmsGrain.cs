using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class PushAlarmsState
{
    /// <summary>Per pass type, its standing alarm or its last cleared one.</summary>
    public Dictionary<string, PushAlarm> Alarms { get; set; } = new(StringComparer.Ordinal);

    public long Version { get; set; }
}

/// <summary>Every pass type's push alarm, stored: see <see cref="IPushAlarmsGrain"/>.</summary>
public sealed class PushAlarmsGrain(
    [PersistentState(StorageNames.PushAlarms, StorageNames.Provider)] IPersistentState<PushAlarmsState> state,
    TimeProvider time) : Grain, IPushAlarmsGrain
{
    async Task<PushAlarmChange> IPushAlarmsGrain.Raise(PushAlarm alarm)
    {
        if (state.State.Alarms.TryGetValue(alarm.PassTypeIdentifier, out var standing) && standing.Stands)
            return new PushAlarmChange(false, Set());
        state.State.Alarms[alarm.PassTypeIdentifier] = alarm with { ClearedAt = null };
        state.State.Version++;
        await state.WriteOrForgetAsync(this);
        return new PushAlarmChange(true, Set());
    }

    async Task<PushAlarmChange> IPushAlarmsGrain.Clear(string passTypeIdentifier)
    {
        if (!state.State.Alarms.TryGetValue(passTypeIdentifier, out var standing) || !standing.Stands)
            return new PushAlarmChange(false, Set());
        state.State.Alarms[passTypeIdentifier] = standing with { ClearedAt = time.GetUtcNow() };
        state.State.Version++;
        await state.WriteOrForgetAsync(this);
        return new PushAlarmChange(true, Set());
    }

    Task<PushAlarmSet> IPushAlarmsGrain.GetAlarms() => Task.FromResult(Set());

    private PushAlarmSet Set() => new(state.State.Version,
        state.State.Alarms.Values.Where(a => a.Stands).OrderBy(a => a.PassTypeIdentifier, StringComparer.Ordinal).ToList());
}
