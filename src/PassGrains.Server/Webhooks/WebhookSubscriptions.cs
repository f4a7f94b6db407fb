using System.Collections.Frozen;
using PassGrains.Abstractions;
using PassGrains.Grains;

namespace PassGrains.Server.Webhooks;

/// <summary>
/// Which pass types have webhooks, known on every silo so that a million issued passes of a pass type
/// nobody subscribed to put nothing on the lifecycle stream. Refreshed every
/// <see cref="RefreshInterval"/> and at once on the silo that took a subscription; until the first load,
/// and after a failed refresh, every event is published (losing an event is worse than carrying one).
/// </summary>
public sealed partial class WebhookSubscriptions(IGrainFactory grains, ILogger<WebhookSubscriptions> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    private volatile FrozenSet<string>? _passTypes;

    public bool MayHaveSubscribers(string passTypeIdentifier) => _passTypes is not { } known || known.Contains(passTypeIdentifier);

    public async Task RefreshAsync()
    {
        try
        {
            var passTypes = await grains.GetGrain<IWebhookRegistryGrain>(WebhookRegistryGrain.Key).SubscribedPassTypes();
            _passTypes = passTypes.ToFrozenSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            _passTypes = null;
            LogRefreshFailed(logger, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await RefreshAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the webhook subscriptions; publishing every lifecycle event until the next refresh")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
