using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>
/// A staged revision as it stands: of which template, its id (the zip's SHA-256, hex), its pass type and size, when it
/// was staged, until when it is kept unless a schedule claims it, and the schedule that claimed it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StagedRevisionInfo(
    [property: Id(0)] string TemplateId,
    [property: Id(1)] string StagedId,
    [property: Id(2)] string PassTypeIdentifier,
    [property: Id(3)] int Size,
    [property: Id(4)] DateTimeOffset StagedAt,
    [property: Id(5)] DateTimeOffset KeptUntil,
    [property: Id(6)] string? ClaimedBy);

/// <summary>What <see cref="IStagedRevisionGrain.Claim"/> or <see cref="IStagedRevisionGrain.Drop"/> found.</summary>
public enum StagedRevisionStatus
{
    Done,
    /// <summary>Nothing is staged under that id (never, or it expired, or it was dropped).</summary>
    Gone,
    /// <summary>A schedule still waiting holds it (<see cref="StagedRevisionResult.ClaimedBy"/>).</summary>
    ClaimedByAnother,
}

[GenerateSerializer, Immutable]
public sealed record StagedRevisionResult([property: Id(0)] StagedRevisionStatus Status, [property: Id(1)] string? ClaimedBy = null);

/// <summary>
/// A template revision uploaded and checked now to be made by a schedule later (key <see cref="GrainKeys.StagedRevision"/>):
/// a schedule's body is JSON, and a model zip of megabytes belongs in no schedule book. Kept until its time to be claimed
/// runs out, or, once claimed, until its schedule ends; a reminder clears it then, so nothing is kept for ever.
/// </summary>
public interface IStagedRevisionGrain : IGrainWithStringKey
{
    /// <summary>Stores <paramref name="modelZip"/> (checked by the caller) to be claimed by <paramref name="keptUntil"/>; the same zip again keeps it that long.</summary>
    Task<StagedRevisionInfo> Stage(byte[] modelZip, string passTypeIdentifier, DateTimeOffset keptUntil);

    [ReadOnly]
    Task<StagedRevisionInfo?> GetInfo();

    /// <summary>
    /// The staged zip, for the schedule that makes it; null when gone. Interleaved with every call: a claim (or a drop, or
    /// the reminder) asks the holder's schedule book whether it waits while the book, running the holder, asks for this zip;
    /// in turns, each waited for the other until the call timed out.
    /// </summary>
    [AlwaysInterleave]
    Task<byte[]?> GetModelZip();

    /// <summary>
    /// Holds the revision for schedule <paramref name="scheduleId"/> of <paramref name="target"/> until that schedule ends.
    /// Another schedule's claim gives way only when that schedule waits no more (it ran, was cancelled, or was never added).
    /// </summary>
    Task<StagedRevisionResult> Claim(string scheduleId, string target);

    /// <summary>Forgets the staged revision, unless a schedule still waiting holds it.</summary>
    Task<StagedRevisionResult> Drop();
}
