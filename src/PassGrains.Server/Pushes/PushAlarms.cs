using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using PassGrains.Abstractions;

namespace PassGrains.Server.Pushes;

/// <summary>
/// The silo's view of the cluster's push alarms (<see cref="IPushAlarmsGrain"/>), and where its dispatcher reports
/// credential refusals. While an alarm stands, pushes for that pass type stay owed (nothing is lost) instead of
/// hammering APNs with a credential it refuses; the issuer API shows the alarm, and clearing it (after fixing the
/// certificate) lets the owed pushes go. The dispatcher asks <see cref="IsStopped"/> on every push, so it reads
/// memory: the set is read from the grain every <see cref="RefreshInterval"/>, and at once on the silo that
/// raised or cleared one. A failed read keeps the set it had: a stopped pass type stays stopped.
/// </summary>
public sealed partial class PushAlarms(IGrainFactory grains, IOptions<ApnsSettings> settings, TimeProvider time, ILogger<PushAlarms> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    private sealed record Snapshot(long Version, FrozenDictionary<string, PushAlarm> Standing);

    private volatile Snapshot _snapshot = new(-1, FrozenDictionary<string, PushAlarm>.Empty);

    private readonly PushRefusals _refusals = new(settings.Value.AlarmRefusals, settings.Value.AlarmWindow, time);

    private IPushAlarmsGrain Grain => grains.GetGrain<IPushAlarmsGrain>(GrainKeys.PushAlarms);

    public bool IsStopped(string passTypeIdentifier) => _snapshot.Standing.ContainsKey(passTypeIdentifier);

    /// <summary>The alarms this silo knows of (at most <see cref="RefreshInterval"/> old).</summary>
    public int Count => _snapshot.Standing.Count;

    public void Delivered(string passTypeIdentifier) => _refusals.Delivered(passTypeIdentifier);

    /// <summary>
    /// APNs refused the pass type's credential: counts it, and raises the alarm for the cluster when the count reaches
    /// <see cref="ApnsSettings.AlarmRefusals"/>. True when this refusal raised it (it was not standing already).
    /// </summary>
    public async Task<bool> RefusedAsync(string passTypeIdentifier, int status, string? reason)
    {
        // Pushes in flight when the alarm was raised come back refused too; they add nothing.
        if (IsStopped(passTypeIdentifier) || _refusals.Refused(passTypeIdentifier) is not { } refusals)
            return false;
        try
        {
            var change = await Grain.Raise(new PushAlarm(passTypeIdentifier, status, reason, time.GetUtcNow(), refusals)).ConfigureAwait(false);
            Apply(change.Alarms);
            return change.Changed;
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            // The run stays at the threshold, so the next refusal tries again; meanwhile each is a failed push, still owed.
            LogRaiseFailed(logger, passTypeIdentifier, e);
            return false;
        }
    }

    /// <summary>The standing alarms as stored now (for the issuer API: not this silo's copy).</summary>
    public async Task<IReadOnlyList<PushAlarm>> ListAsync()
    {
        var alarms = await Grain.GetAlarms().ConfigureAwait(false);
        Apply(alarms);
        return alarms.Standing;
    }

    /// <summary>Clears the alarm for the cluster; false when none stood. This silo pushes again at once, the others within <see cref="RefreshInterval"/>.</summary>
    public async Task<bool> ClearAsync(string passTypeIdentifier)
    {
        var change = await Grain.Clear(passTypeIdentifier).ConfigureAwait(false);
        Apply(change.Alarms);
        return change.Changed;
    }

    public async Task RefreshAsync()
    {
        try
        {
            Apply(await Grain.GetAlarms().ConfigureAwait(false));
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            LogRefreshFailed(logger, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, time);
        try
        {
            do
                await RefreshAsync().ConfigureAwait(false);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Takes a read unless this silo already has a newer one (a raise's answer and the timer's read can cross).</summary>
    private void Apply(PushAlarmSet alarms)
    {
        Snapshot? seen;
        var next = new Snapshot(alarms.Version, alarms.Standing.ToFrozenDictionary(a => a.PassTypeIdentifier, StringComparer.Ordinal));
        do
        {
            seen = _snapshot;
            if (seen.Version >= next.Version)
                return;
        }
        while (Interlocked.CompareExchange(ref _snapshot, next, seen) != seen);
        // A raised or cleared alarm starts the count afresh: refusals from before a fix must not count after it.
        foreach (var passType in seen.Standing.Keys.Union(next.Standing.Keys, StringComparer.Ordinal))
        {
            if (seen.Standing.ContainsKey(passType) != next.Standing.ContainsKey(passType))
                _refusals.Forget(passType);
        }
    }

    // Before the silo is active (start-up) the grain factory refuses calls; a failed write is StorageUnavailableException.
    private static bool IsUnavailable(Exception e) =>
        e is OrleansException or TimeoutException or InvalidOperationException or StorageUnavailableException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the push alarms; this silo keeps the ones it knew until the next refresh")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store the push alarm of {PassType}; its pushes are retried and the alarm raised on the next refusal")]
    private static partial void LogRaiseFailed(ILogger logger, string passType, Exception exception);
}
