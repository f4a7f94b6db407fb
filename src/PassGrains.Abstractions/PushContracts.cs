namespace PassGrains.Abstractions;

/// <summary>One device to push: its library id and the push token it registered for the pass type.</summary>
[GenerateSerializer, Immutable]
public sealed record PushTarget([property: Id(0)] string DeviceLibraryIdentifier, [property: Id(1)] string PushToken);

/// <summary>What became of a push, as far as the pass and device grains need to know.</summary>
public enum PushOutcome
{
    Delivered,

    /// <summary>APNs says the token is gone (410, 400 BadDeviceToken): the registration is removed.</summary>
    TokenInvalid,

    /// <summary>Refused for good (a malformed request): logged, not retried.</summary>
    Rejected,

    /// <summary>Not delivered yet (retries ran out, or the pass type's pushes are stopped): still owed.</summary>
    NotDelivered,
}

[GenerateSerializer, Immutable]
public sealed record PushReport(
    [property: Id(0)] string DeviceLibraryIdentifier,
    [property: Id(1)] string PushToken,
    [property: Id(2)] PushOutcome Outcome);
