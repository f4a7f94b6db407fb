using Orleans.Runtime;
using PassGrains.Abstractions;
using PassGrains.Grains;

namespace PassGrains.Server.Webhooks;

/// <summary>Puts lifecycle events on the Orleans stream of their pass type, without holding up the grain that reported them.</summary>
public sealed partial class StreamLifecycleEvents(IClusterClient client, WebhookSubscriptions subscriptions, ILogger<StreamLifecycleEvents> logger) : ILifecycleEvents
{
    public void Publish(LifecycleEvent lifecycleEvent)
    {
        if (subscriptions.MayHaveSubscribers(lifecycleEvent.PassTypeIdentifier))
            _ = PublishAsync(lifecycleEvent);
    }

    private async Task PublishAsync(LifecycleEvent lifecycleEvent)
    {
        try
        {
            var stream = client.GetStreamProvider(LifecycleEvent.StreamProvider)
                .GetStream<LifecycleEvent>(StreamId.Create(LifecycleEvent.StreamNamespace, lifecycleEvent.PassTypeIdentifier));
            await stream.OnNextAsync(lifecycleEvent).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            LogPublishFailed(logger, lifecycleEvent.Type, lifecycleEvent.PassTypeIdentifier, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {EventType} for {PassType}")]
    private static partial void LogPublishFailed(ILogger logger, string eventType, string passType, Exception exception);
}
