namespace PassGrains.Abstractions;

/// <summary>Event types on the lifecycle stream and in webhook bodies.</summary>
public static class LifecycleEventTypes
{
    public const string PassIssued = "pass.issued";
    public const string PassChanged = "pass.changed";
    public const string PassVoided = "pass.voided";
    public const string RegistrationAdded = "registration.added";
    public const string RegistrationRemoved = "registration.removed";
    public const string PushFailed = "push.failed";
}

/// <summary>
/// Something that happened to a pass, as issuers' backends hear of it (a holder added or removed a
/// pass, a push failed). Published on the Orleans stream <see cref="StreamNamespace"/> keyed by pass type.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LifecycleEvent(
    [property: Id(0)] string Type,
    [property: Id(1)] string PassTypeIdentifier,
    [property: Id(2)] string? SerialNumber,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] long? Version = null,
    [property: Id(5)] string? DeviceLibraryIdentifier = null,
    [property: Id(6)] string? Detail = null)
{
    public const string StreamProvider = "lifecycle";
    public const string StreamNamespace = "passgrains.lifecycle";
}

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

    /// <summary>Pass types with at least one webhook: silos publish lifecycle events only for these.</summary>
    Task<IReadOnlyList<string>> SubscribedPassTypes();
}
