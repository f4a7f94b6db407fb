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
