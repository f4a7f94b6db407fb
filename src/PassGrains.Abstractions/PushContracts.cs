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

/// <summary>Sends a group's change to every device in its index, shard by shard, outside the group grain.</summary>
public interface IGroupPushGrain : IGrainWithStringKey
{
    /// <param name="version">The group version to push.</param>
    /// <param name="nudge">
    /// A watchdog's check that the fan-out is alive: ignored by an activation that already ran this version
    /// (its undelivered pushes are the reminder's to retry); a new activation (its silo died) runs it.
    /// </param>
    [Orleans.Concurrency.OneWay]
    Task Push(long version, bool nudge = false);
}
