namespace PassGrains.Abstractions;

/// <summary>A webhook an issuer subscribed: lifecycle events of one pass type are POSTed to its URL, signed with its secret.</summary>
[GenerateSerializer, Immutable]
public sealed record Webhook(
    [property: Id(0)] string Name,
    [property: Id(1)] string Url,
    [property: Id(2)] string Secret,
    [property: Id(3)] string PassTypeIdentifier)
{
    // Records print every property; anything that logs or formats a webhook must not reveal the signing secret.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name).Append(", Url = ").Append(Url)
            .Append(", Secret = ***, PassTypeIdentifier = ").Append(PassTypeIdentifier);
        return true;
    }
}

/// <summary>The webhooks of the service (one grain, key "webhooks"; a few entries per pass type).</summary>
public interface IWebhookRegistryGrain : IGrainWithStringKey
{
    /// <returns>True when the webhook is new.</returns>
    Task<bool> Put(Webhook webhook);

    Task<IReadOnlyList<Webhook>> ForPassType(string passTypeIdentifier);

    Task<Webhook?> Find(string name);

    /// <returns>True when the webhook existed.</returns>
    Task<bool> Delete(string name);

    /// <summary>Every webhook, for the silos' subscription caches (a few entries per pass type).</summary>
    Task<IReadOnlyList<Webhook>> All();
}
