using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class WebhookRegistryState
{
    public Dictionary<string, Webhook> Webhooks { get; set; } = new(StringComparer.Ordinal);
}

public sealed class WebhookRegistryGrain(
    [PersistentState(StorageNames.Webhooks, StorageNames.Provider)] IPersistentState<WebhookRegistryState> state) : Grain, IWebhookRegistryGrain
{
    public const string Key = "webhooks";

    async Task<bool> IWebhookRegistryGrain.Put(Webhook webhook)
    {
        // Read before the webhook is stored: every event after it exists is delivered.
        var tail = await GrainFactory.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed).Tail();
        var created = !state.State.Webhooks.ContainsKey(webhook.Name);
        if (created || state.State.Webhooks[webhook.Name] != webhook)
        {
            state.State.Webhooks[webhook.Name] = webhook;
            await state.WriteOrForgetAsync(this);
        }
        // Every time, not only when created: a retry after a failed start starts it (a started delivery keeps its cursor).
        await Delivery(webhook.Name).Start(tail);
        return created;
    }

    Task<IReadOnlyList<Webhook>> IWebhookRegistryGrain.ForPassType(string passTypeIdentifier)
    {
        IReadOnlyList<Webhook> hooks = state.State.Webhooks.Values.Where(w => w.PassTypeIdentifier == passTypeIdentifier).ToList();
        return Task.FromResult(hooks);
    }

    Task<Webhook?> IWebhookRegistryGrain.Find(string name) => Task.FromResult(state.State.Webhooks.GetValueOrDefault(name));

    async Task<bool> IWebhookRegistryGrain.Delete(string name)
    {
        var existed = state.State.Webhooks.Remove(name);
        if (existed)
            await state.WriteOrForgetAsync(this);
        // A delivery that misses this stops itself: it finds its webhook gone before each page.
        await Delivery(name).Finish();
        return existed;
    }

    private IWebhookDeliveryGrain Delivery(string name) => GrainFactory.GetGrain<IWebhookDeliveryGrain>(GrainKeys.WebhookDelivery(name));

    Task<IReadOnlyList<Webhook>> IWebhookRegistryGrain.All()
    {
        IReadOnlyList<Webhook> hooks = state.State.Webhooks.Values.ToList();
        return Task.FromResult(hooks);
    }
}
