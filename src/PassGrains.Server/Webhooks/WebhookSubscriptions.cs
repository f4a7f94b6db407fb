using System.Collections.Frozen;
using PassGrains.Abstractions;
using PassGrains.Grains;

namespace PassGrains.Server.Webhooks;

/// <summary>
/// The webhooks of the service, known on every silo: so that an event being retried for a webhook that was deleted
/// (or changed) since is dropped (or sent to its new URL), and so that every webhook's delivery runs: each refresh
/// pokes them, which brings back within seconds a delivery whose silo died (its reminder would take a minute).
/// Refreshed every <see cref="RefreshInterval"/> and at once on the silo that took a change.
/// </summary>
public sealed partial class WebhookSubscriptions(IGrainFactory grains, TimeProvider time, ILogger<WebhookSubscriptions> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    private sealed record Snapshot(FrozenDictionary<string, Webhook> ByName, long ReadStartedAt);

    private volatile Snapshot? _snapshot;

    /// <summary>
    /// What an event queued at <paramref name="queuedAt"/> (a <see cref="TimeProvider.GetTimestamp"/>) for
    /// <paramref name="queued"/> should now go to: the webhook as stored now, or null when it was deleted or moved
    /// to another pass type. Only a registry read that began after the event was queued can say so; until
    /// then the webhook as queued stands (a webhook created a moment ago is not yet in an older read).
    /// </summary>
    public Webhook? Current(Webhook queued, long queuedAt)
    {
        if (_snapshot is not { } known || known.ReadStartedAt <= queuedAt)
            return queued;
        return known.ByName.TryGetValue(queued.Name, out var current) && current.PassTypeIdentifier == queued.PassTypeIdentifier ? current : null;
    }

    public async Task RefreshAsync()
    {
        try
        {
            var startedAt = time.GetTimestamp();
            var hooks = await grains.GetGrain<IWebhookRegistryGrain>(WebhookRegistryGrain.Key).All();
            var next = new Snapshot(hooks.ToFrozenDictionary(h => h.Name, StringComparer.Ordinal), startedAt);
            foreach (var hook in hooks)
                _ = grains.GetGrain<IWebhookDeliveryGrain>(GrainKeys.WebhookDelivery(hook.Name)).Poke();
            // A change's refresh and the timer's can overlap: an older read finishing last must not win.
            Snapshot? seen;
            do
            {
                seen = _snapshot;
                if (seen is not null && seen.ReadStartedAt > startedAt)
                    return;
            }
            while (Interlocked.CompareExchange(ref _snapshot, next, seen) != seen);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            _snapshot = null;
            LogRefreshFailed(logger, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await RefreshAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the webhook subscriptions; trying again at the next refresh")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
