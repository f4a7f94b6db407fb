namespace PassGrains.Abstractions;

/// <summary>Event types on the event feed and in webhook bodies.</summary>
public static class LifecycleEventTypes
{
    public const string PassIssued = "pass.issued";
    public const string PassChanged = "pass.changed";
    public const string PassVoided = "pass.voided";
    public const string RegistrationAdded = "registration.added";
    public const string RegistrationRemoved = "registration.removed";
    public const string PushFailed = "push.failed";
    /// <summary>A schedule made its change (<see cref="LifecycleEvent.Version"/> is the target's new version).</summary>
    public const string ScheduleSucceeded = "schedule.succeeded";
    /// <summary>A schedule's change was refused at its time, or could not be made within the time allowed.</summary>
    public const string ScheduleFailed = "schedule.failed";
}

/// <summary>
/// Something that happened to a pass, as issuers' backends hear of it (a holder added or removed a pass, a push failed),
/// kept in the event feed (<see cref="IEventFeedGrain"/>). <see cref="Id"/> is given where the event happens and is the
/// same on every copy of it: the feed delivers at least once, so a receiver that must not count an event twice keys
/// on it. <see cref="Cursor"/> is the event's place in the feed, given when the feed stores it (0 before).
/// <see cref="TemplateId"/> and <see cref="GroupId"/> are the pass's when it happened (null for events of no one pass, and
/// for events recorded by builds before they were kept): the stats count an event for them too.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LifecycleEvent(
    [property: Id(0)] string Type,
    [property: Id(1)] string PassTypeIdentifier,
    [property: Id(2)] string? SerialNumber,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] long? Version = null,
    [property: Id(5)] string? DeviceLibraryIdentifier = null,
    [property: Id(6)] string? Detail = null,
    [property: Id(7)] string Id = "",
    [property: Id(8)] long Cursor = 0,
    [property: Id(9)] string? TemplateId = null,
    [property: Id(10)] string? GroupId = null);
