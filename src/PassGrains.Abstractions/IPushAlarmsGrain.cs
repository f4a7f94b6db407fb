namespace PassGrains.Abstractions;

/// <summary>
/// A pass type whose pushes are stopped because APNs refused its credential again and again (403, or a failed
/// TLS handshake): <see cref="Refusals"/> in a row on the silo that raised it. <see cref="ClearedAt"/> is set
/// once an operator cleared it; the record stays as the pass type's last alarm.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PushAlarm(
    [property: Id(0)] string PassTypeIdentifier,
    [property: Id(1)] int Status,
    [property: Id(2)] string? Reason,
    [property: Id(3)] DateTimeOffset RaisedAt,
    [property: Id(4)] int Refusals,
    [property: Id(5)] DateTimeOffset? ClearedAt = null)
{
    public bool Stands => ClearedAt is null;
}

/// <summary>The alarms standing now; <see cref="Version"/> grows with every raise and clear, so a silo can drop a read older than one it has.</summary>
[GenerateSerializer, Immutable]
public sealed record PushAlarmSet([property: Id(0)] long Version, [property: Id(1)] IReadOnlyList<PushAlarm> Standing);

/// <summary>What a raise or clear did (<see cref="Changed"/> false: the alarm already stood, or stood no more) and the set after it.</summary>
[GenerateSerializer, Immutable]
public sealed record PushAlarmChange([property: Id(0)] bool Changed, [property: Id(1)] PushAlarmSet Alarms);

/// <summary>
/// The push alarms of the cluster (one grain, <see cref="GrainKeys.PushAlarms"/>; pass types are few and configured):
/// stored, so an alarm raised on one silo stops every silo, survives restarts, and is cleared once for all.
/// Every silo reads it every few seconds; no push waits on it.
/// </summary>
public interface IPushAlarmsGrain : IGrainWithStringKey
{
    /// <summary>Raises the alarm unless one stands for the pass type already (the first one is kept).</summary>
    Task<PushAlarmChange> Raise(PushAlarm alarm);

    /// <summary>Clears the pass type's standing alarm; not <see cref="PushAlarmChange.Changed"/> when none stood.</summary>
    Task<PushAlarmChange> Clear(string passTypeIdentifier);

    [Orleans.Concurrency.ReadOnly]
    Task<PushAlarmSet> GetAlarms();
}
