namespace PassGrains.Abstractions;

/// <summary>Where a schedule is in its life: waiting for its time, or ended one of three ways.</summary>
public enum ScheduleStatus
{
    Pending,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>
/// The issuer API request a schedule makes at its time, as the issuer would have sent it: <see cref="Method"/> and
/// <see cref="Path"/> of one of the changes a schedule may make (Scheduling/ScheduledRequests.cs in the server), and its
/// JSON body (null for a void).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScheduledRequest(
    [property: Id(0)] string Method,
    [property: Id(1)] string Path,
    [property: Id(2)] string? BodyJson);

/// <summary>
/// One scheduled change of one target (a pass, a group), kept by the target's <see cref="IScheduleBookGrain"/>.
/// <see cref="KeyFingerprint"/> names the issuer key that made it: the change runs with that key's access and pass types
/// as configured at its time, and is refused when the key is configured no more. <see cref="Version"/> is the target's version the change made, <see cref="Error"/> why
/// it was refused or given up; <see cref="EndedAt"/> when it ran, failed or was cancelled; <see cref="PassTypeIdentifier"/>
/// the target's pass type (its events are of it).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Schedule(
    [property: Id(0)] string Id,
    [property: Id(1)] string Target,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] ScheduledRequest Request,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] string KeyFingerprint,
    [property: Id(6)] ScheduleStatus Status = ScheduleStatus.Pending,
    [property: Id(7)] long? Version = null,
    [property: Id(8)] string? Error = null,
    [property: Id(9)] DateTimeOffset? EndedAt = null,
    [property: Id(10)] string? PassTypeIdentifier = null);

/// <summary>What <see cref="IScheduleBookGrain.Add"/> did.</summary>
public enum ScheduleAddStatus
{
    Added,
    /// <summary>A schedule of that id is already in the book (a retried request): the book holds it as it was.</summary>
    AlreadyAdded,
    /// <summary>The target has <see cref="IScheduleBookGrain.MaxPending"/> schedules waiting already.</summary>
    Full,
}

/// <summary>What <see cref="IScheduleBookGrain.Cancel"/> did; <see cref="Schedule"/> is the schedule as it now stands (null: no such schedule).</summary>
[GenerateSerializer, Immutable]
public sealed record ScheduleCancelResult(
    [property: Id(0)] bool Cancelled,
    [property: Id(1)] Schedule? Schedule);
