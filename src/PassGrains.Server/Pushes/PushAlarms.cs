using System.Collections.Concurrent;

namespace PassGrains.Server.Pushes;

/// <summary>A pass type whose pushes APNs refused with 403: its certificate is wrong, expired or revoked.</summary>
public sealed record PushAlarm(string PassTypeIdentifier, int Status, string? Reason, DateTimeOffset RaisedAt);

/// <summary>
/// Pass types whose pushes are stopped. While an alarm stands, pushes for that type stay owed
/// (nothing is lost) instead of hammering APNs with a credential it refuses; the issuer API shows
/// the alarm, and clearing it (after fixing the certificate) lets the owed pushes go.
/// </summary>
public sealed class PushAlarms
{
    private readonly ConcurrentDictionary<string, PushAlarm> _alarms = new(StringComparer.Ordinal);

    public bool IsStopped(string passTypeIdentifier) => _alarms.ContainsKey(passTypeIdentifier);

    public bool Raise(PushAlarm alarm) => _alarms.TryAdd(alarm.PassTypeIdentifier, alarm);

    public bool Clear(string passTypeIdentifier) => _alarms.TryRemove(passTypeIdentifier, out _);

    public IReadOnlyList<PushAlarm> All => _alarms.Values.OrderBy(a => a.PassTypeIdentifier, StringComparer.Ordinal).ToList();
}
