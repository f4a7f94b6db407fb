using Orleans.Streams;
using Orleans.Streams.Core;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// Subscribed implicitly to the lifecycle stream of one pass type (key = pass type identifier): hands
/// every event to the sender once per webhook registered for that pass type.
/// </summary>
[ImplicitStreamSubscription(LifecycleEvent.StreamNamespace)]
public sealed class WebhookGrain(IWebhookSender sender) : Grain, IWebhookGrain, IStreamSubscriptionObserver, IAsyncObserver<LifecycleEvent>
{
    async Task IStreamSubscriptionObserver.OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<LifecycleEvent>().ResumeAsync(this);

    async Task IAsyncObserver<LifecycleEvent>.OnNextAsync(LifecycleEvent item, StreamSequenceToken? token)
    {
        var hooks = await GrainFactory.GetGrain<IWebhookRegistryGrain>(WebhookRegistryGrain.Key).ForPassType(item.PassTypeIdentifier);
        foreach (var hook in hooks)
            sender.Enqueue(hook, item);
    }

    Task IAsyncObserver<LifecycleEvent>.OnCompletedAsync() => Task.CompletedTask;

    Task IAsyncObserver<LifecycleEvent>.OnErrorAsync(Exception ex) => Task.CompletedTask;
}
