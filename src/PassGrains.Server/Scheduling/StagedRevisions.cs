using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PassGrains.Abstractions;
using PassGrains.Grains;
using PassGrains.Packaging.Validation;
using PassGrains.Server.Issuing;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;

namespace PassGrains.Server.Scheduling;

/// <summary>A staged revision stored, found or dropped (<see cref="Problems"/>: the warnings its model left), or the one reason it was not.</summary>
public sealed record StagedRevisionOutcome(StagedRevisionInfo? Revision, bool Created = false, IReadOnlyList<PassProblem>? Problems = null, ChangeOutcome? Refusal = null)
{
    public static StagedRevisionOutcome Refused(ChangeOutcome refusal) => new(null, Refusal: refusal);
}

/// <summary>
/// Template revisions staged for a schedule: a model zip uploaded and checked now (as a PUT of the template would check
/// it, <see cref="PassIssuer.ReadTemplateRevisionAsync"/>) and made later by a schedule that names it
/// (<c>PUT /api/templates/{templateId}</c> with <c>{"staged": id}</c>). Its id is the zip's SHA-256, so an upload retried
/// is the same staged revision. What its passes and groups set is checked when the schedule runs, as it can change until then.
/// </summary>
public sealed class StagedRevisions(IGrainFactory grains, PassIssuer issuer, PassRenderer renderer, TimeProvider time, IOptions<ScheduleOptions> options)
{
    public async Task<StagedRevisionOutcome> StageAsync(string templateId, byte[] modelZip, PassTypeScope scope)
    {
        var (read, refusal) = await issuer.ReadTemplateRevisionAsync(templateId, modelZip, scope);
        if (read is null)
            return StagedRevisionOutcome.Refused(refusal!);
        if ((await renderer.GetTemplateAsync(templateId, null))?.PassTypeIdentifier is { } kept && kept != read.PassTypeIdentifier)
            return StagedRevisionOutcome.Refused(PassIssuer.PassTypeKept(templateId, kept, read.PassTypeIdentifier));
        var staged = Grain(templateId, Convert.ToHexStringLower(SHA256.HashData(modelZip)));
        var before = await staged.GetInfo();
        var revision = await staged.Stage(modelZip, read.PassTypeIdentifier, time.GetUtcNow() + options.Value.StagedRevisionsKeptFor);
        return new StagedRevisionOutcome(revision, Created: before is null, read.Problems);
    }

    public async Task<StagedRevisionOutcome> GetAsync(string templateId, string stagedId, PassTypeScope scope)
    {
        var revision = ScheduledChange.IsStagedId(stagedId) ? await Grain(templateId, stagedId).GetInfo() : null;
        return revision is not null && scope.Allows(revision.PassTypeIdentifier)
            ? new StagedRevisionOutcome(revision)
            : StagedRevisionOutcome.Refused(NoSuch(templateId, stagedId));
    }

    /// <summary>Forgets a staged revision no waiting schedule holds.</summary>
    public async Task<StagedRevisionOutcome> DropAsync(string templateId, string stagedId, PassTypeScope scope)
    {
        var found = await GetAsync(templateId, stagedId, scope);
        if (found.Revision is not { } revision)
            return found;
        var dropped = await Grain(templateId, stagedId).Drop();
        return dropped.Status switch
        {
            StagedRevisionStatus.Done => new StagedRevisionOutcome(revision),
            StagedRevisionStatus.ClaimedByAnother => StagedRevisionOutcome.Refused(Held(stagedId, dropped.ClaimedBy)),
            _ => StagedRevisionOutcome.Refused(NoSuch(templateId, stagedId)),
        };
    }

    /// <summary>
    /// The pass type of a staged revision a new schedule makes, once the key may touch it and its template's current
    /// pass type, or why the schedule cannot be made.
    /// </summary>
    public async Task<(string? PassType, ChangeOutcome? Refusal)> PassTypeOfAsync(string templateId, string stagedId, PassTypeScope scope)
    {
        if (await issuer.TemplateRefusalAsync(templateId, scope) is { } refusal)
            return (null, new ChangeOutcome.Forbidden(refusal));
        var found = await GetAsync(templateId, stagedId, scope);
        return found.Revision is { } revision ? (revision.PassTypeIdentifier, null) : (null, found.Refusal);
    }

    /// <summary>Holds the staged revision for the schedule <paramref name="scheduleId"/> until it ends; null when it does.</summary>
    public async Task<ChangeOutcome?> ClaimAsync(string templateId, string stagedId, string scheduleId, string target)
    {
        var claimed = await Grain(templateId, stagedId).Claim(scheduleId, target);
        return claimed.Status switch
        {
            StagedRevisionStatus.Done => null,
            StagedRevisionStatus.ClaimedByAnother => Held(stagedId, claimed.ClaimedBy),
            _ => NoSuch(templateId, stagedId),
        };
    }

    /// <summary>The staged zip, for the schedule that makes it; null when it is gone.</summary>
    public Task<byte[]?> ModelZipAsync(string templateId, string stagedId) => Grain(templateId, stagedId).GetModelZip();

    private IStagedRevisionGrain Grain(string templateId, string stagedId) => grains.GetGrain<IStagedRevisionGrain>(GrainKeys.StagedRevision(templateId, stagedId));

    private static ChangeOutcome.NotFound NoSuch(string templateId, string stagedId) =>
        new($"template '{templateId}' has no staged revision {Packaging.Json.StrictJson.Shorten(stagedId)} (never staged, dropped, or kept past its time)");

    private static ChangeOutcome.WouldBreak Held(string stagedId, string? scheduleId) =>
        new($"staged revision {stagedId} is held by schedule {scheduleId}, which is still waiting; cancel it first", [], "staged");
}
