using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>A field key stored content sets under a template: how many passes set it, and which groups.</summary>
[GenerateSerializer, Immutable]
public sealed record FieldUse(
    [property: Id(0)] string Key,
    [property: Id(1)] long Passes,
    [property: Id(2)] IReadOnlyList<string> Groups);

/// <summary>
/// A template revision to store if it breaks no stored pass or group. The current revision as the caller read it
/// (its pass type and field keys) stands in for the one the usage grain recorded when the template grain holds one
/// the usage grain did not store: a template stored before usage was counted, or by the demo's setup.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TemplateRevise(
    [property: Id(0)] byte[] ModelZip,
    [property: Id(1)] string PassTypeIdentifier,
    [property: Id(2)] IReadOnlyList<string> FieldKeys,
    [property: Id(3)] string? CurrentPassTypeIdentifier,
    [property: Id(4)] IReadOnlyList<string>? CurrentFieldKeys,
    [property: Id(5)] bool DropUnknownFields);

/// <param name="Stored">The stored revision; null when refused.</param>
/// <param name="Gone">Keys in use that the current revision has and the new one lacks, with their use: why it was refused, or (stored with dropUnknownFields) what its passes now render without.</param>
/// <param name="KeptPassTypeIdentifier">The template's pass type, when the revision was refused for naming another.</param>
[GenerateSerializer, Immutable]
public sealed record TemplateReviseResult(
    [property: Id(0)] TemplatePutResult? Stored,
    [property: Id(1)] IReadOnlyList<FieldUse> Gone,
    [property: Id(2)] string? KeptPassTypeIdentifier);

/// <summary>
/// Which field keys the passes and groups of one template set (key <see cref="GrainKeys.TemplateUsage"/>), counted
/// exactly and stored, so that a template revision that would drop a key in use is refused before it is stored.
/// Every revision of the template goes through <see cref="Revise"/>, which stores it in the template grain: the
/// check and the store are one step, and a pass setting a key the stored revision no longer has is refused
/// (<see cref="AddPasses"/>).
/// </summary>
/// <remarks>
/// Counts are raised before a pass is stored and lowered after a removal is stored: a failure in between leaves
/// too many, never too few, so a revision is at worst refused for passes that do not exist.
/// The count calls interleave (a template of a million passes is issued by many batch chunks at once) and share
/// state writes; <see cref="Revise"/> does not interleave with another revision.
/// </remarks>
public interface ITemplateUsageGrain : IGrainWithStringKey
{
    Task<TemplateReviseResult> Revise(TemplateRevise revise);

    /// <summary>
    /// Counts more passes setting these keys (key → how many), before they are stored. Nothing is counted and the
    /// keys are answered when the template's revision lacks any of them (changed since the caller checked).
    /// </summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> AddPasses(Dictionary<string, long> keys);

    /// <summary>Counts fewer passes setting these keys: after a removal was stored, or what was added for passes that were not.</summary>
    [AlwaysInterleave]
    Task RemovePasses(Dictionary<string, long> keys);

    /// <summary>The keys a group sets over this template's passes now (none: the group is forgotten here). Idempotent.</summary>
    [AlwaysInterleave]
    Task SetGroup(string groupId, IReadOnlyList<string> keys);

    [AlwaysInterleave]
    Task<IReadOnlyList<FieldUse>> GetUsage();
}
