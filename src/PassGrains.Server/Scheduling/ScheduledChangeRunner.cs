using System.Text.Json.Nodes;
using PassGrains.Abstractions;
using PassGrains.Grains;
using PassGrains.Server.Issuing;
using PassGrains.Server.Security;

namespace PassGrains.Server.Scheduling;

/// <summary>
/// Makes a schedule's change at its time: the stored request is read again and handed to <see cref="PassIssuer"/> with
/// the key that made the schedule, as it is configured now, as if the issuer sent it now: a key taken out of the
/// configuration (or made read-only, or scoped away from the pass type) since stops its schedules. A refusal is the
/// schedule's end; an exception (storage, a silo away) goes back to the book, which tries again.
/// </summary>
public sealed class ScheduledChangeRunner(PassIssuer issuer, IssuerApiKeys issuerKeys, StagedRevisions staged, IGrainFactory grains) : IScheduledChangeRunner
{
    public async Task<ScheduledChangeOutcome> RunAsync(Schedule schedule)
    {
        var body = schedule.Request.BodyJson is { } json ? JsonNode.Parse(json) as JsonObject : null;
        var (change, error) = ScheduledChange.Read(schedule.Request.Method, schedule.Request.Path, body);
        if (change is null)
            return ScheduledChangeOutcome.Refused($"{error?.Field}: {error?.Message}", null);
        if (issuerKeys.FindByFingerprint(schedule.KeyFingerprint) is not { CanWrite: true } key)
            return ScheduledChangeOutcome.Refused("the issuer key that made the schedule is no longer configured with write access", change.PassTypeIdentifier);
        var scope = key.Scope;
        if (change.Kind == ScheduledChangeKind.ReviseTemplate)
            return await ReviseTemplateAsync(change, scope);
        var (content, _) = change.Content();
        var outcome = change.Kind switch
        {
            _ when change.PassTypeIdentifier is { } passType && !scope.Allows(passType) => new ChangeOutcome.Forbidden(PassTypeScope.Refusal(passType)),
            ScheduledChangeKind.ChangePass => await issuer.ChangePassAsync(change.PassTypeIdentifier!, change.SerialNumber!, content!),
            ScheduledChangeKind.VoidPass => await issuer.VoidPassAsync(change.PassTypeIdentifier!, change.SerialNumber!),
            _ => await issuer.PutGroupAsync(change.GroupId!, RequestContent.OptionalString(change.Body!, "templateId"), content!, scope, change.DropUnknownFields),
        };
        return outcome is ChangeOutcome.Stored stored
            ? ScheduledChangeOutcome.Made(stored.Version, change.PassTypeIdentifier)
            : ScheduledChangeOutcome.Refused(Describe(outcome), change.PassTypeIdentifier);
    }

    /// <summary>
    /// A staged revision stored as the template's next revision. A tick that stored it but not the schedule's end runs
    /// again: the template holding those very bytes already is what the schedule made, and is not revised a second time
    /// (which would change every pass of the template again and push their devices for nothing).
    /// </summary>
    private async Task<ScheduledChangeOutcome> ReviseTemplateAsync(ScheduledChange change, PassTypeScope scope)
    {
        var templateId = change.TemplateId!;
        if (await staged.ModelZipAsync(templateId, change.StagedId!) is not { } zip)
            return ScheduledChangeOutcome.Refused($"the staged revision {change.StagedId} of template '{templateId}' is gone (dropped, or kept past its time)", null);
        if (await grains.GetGrain<ITemplateGrain>(GrainKeys.Template(templateId)).GetCurrent() is { } current && current.ModelZip.AsSpan().SequenceEqual(zip))
            return ScheduledChangeOutcome.Made(current.Revision, current.PassTypeIdentifier);
        var outcome = await issuer.PutTemplateAsync(templateId, zip, scope, change.DropUnknownFields);
        return outcome is ChangeOutcome.TemplateStored stored
            ? ScheduledChangeOutcome.Made(stored.Revision, stored.PassTypeIdentifier)
            : ScheduledChangeOutcome.Refused(Describe(outcome), null);
    }

    /// <summary>A refusal in words, as its problem's detail would say it.</summary>
    private static string Describe(ChangeOutcome refusal) => refusal switch
    {
        ChangeOutcome.NotFound notFound => notFound.Message,
        ChangeOutcome.Invalid invalid => $"{invalid.Field}: {invalid.Message}",
        ChangeOutcome.Forbidden forbidden => forbidden.Message,
        ChangeOutcome.WouldBreak wouldBreak => wouldBreak.Message,
        ChangeOutcome.WouldBeInvalid wouldBe => $"{wouldBe.Title}: {string.Join("; ", wouldBe.Problems.Where(p => p.IsError).Select(p => $"{p.Path}: {p.Message}"))}",
        _ => refusal.GetType().Name,
    };
}
