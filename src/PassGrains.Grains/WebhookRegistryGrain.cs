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
        var created = !state.State.Webhooks.ContainsKey(webhook.Name);
        state.State.Webhooks[webhook.Name] = webhook;
        await state.WriteOrForgetAsync(this);
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
        if (!state.State.Webhooks.Remove(name))
            return false;
        await state.WriteOrForgetAsync(this);
        return true;
    }

    Task<IReadOnlyList<Webhook>> IWebhookRegistryGrain.All()
    {
        IReadOnlyList<Webhook> hooks = state.State.Webhooks.Values.ToList();
        return Task.FromResult(hooks);
    }
}
