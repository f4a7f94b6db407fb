using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;

namespace PassGrains.Server.Scheduling;

/// <summary>A schedule made, found or cancelled, or the one reason it was not (<see cref="Refusal"/>, mapped as a change's refusal).</summary>
public sealed record ScheduleOutcome(Schedule? Schedule, bool Created = false, ChangeOutcome? Refusal = null)
{
    public static ScheduleOutcome Refused(ChangeOutcome refusal) => new(null, Refusal: refusal);
}

/// <summary>
/// Scheduled changes (POST /api/schedules and the rest): a change the issuer API can make, given a time. What it would
/// change is checked when it is made (the request's form and body, that the target exists or can be created, that the
/// key may touch its pass type) and in full when it runs, by <see cref="PassIssuer"/> as if sent then
/// (<see cref="ScheduledChangeRunner"/>). A schedule is visible to the keys scoped to its pass type.
/// </summary>
public sealed partial class ScheduledChanges(IGrainFactory grains, PassRenderer renderer, PassIssuer issuer, StagedRevisions staged, TimeProvider time)
{
    /// <summary>How far ahead a schedule may be: a season, with room to spare.</summary>
    public static readonly TimeSpan LongestAhead = TimeSpan.FromDays(731);

    /// <summary>
    /// The largest schedule request. A book holds up to 100 waiting schedules and rewrites them all on every add and
    /// cancel, and lists them all in one answer: at the issuer API's 1 MiB a target's book could reach 100 MiB, past
    /// what one Orleans message carries. A scheduled change is a patch of fields, not an upload.
    /// </summary>
    public const long MaxScheduleBytes = 64 * 1024;

    /// <summary>How far in the past <c>at</c> may be (a clock behind ours, a request retried): such a schedule runs at once.</summary>
    public static readonly TimeSpan LatestPast = TimeSpan.FromMinutes(5);


    public async Task<ScheduleOutcome> CreateAsync(JsonObject body, IssuerKey issuerKey)
    {
        var scope = issuerKey.Scope;
        if (RequestContent.OptionalString(body, "at") is not { } atText)
            return Invalid("at", "at is required: when the change is made, RFC 3339 with its offset (2026-12-24T17:00:00+01:00)");
        if (!Rfc3339.TryRead(atText, out var at))
            return Invalid("at", "at must be an RFC 3339 date and time with its offset, such as 2026-12-24T17:00:00+01:00 or 2026-12-24T16:00:00Z");
        var now = time.GetUtcNow();
        if (at < now - LatestPast)
            return Invalid("at", $"at is in the past ({at:O}; now is {now:O})");
        if (at > now + LongestAhead)
            return Invalid("at", $"at may be at most {LongestAhead.Days} days ahead");
        if (RequestContent.OptionalString(body, "method") is not { } method)
            return Invalid("method", "method is required: PATCH, POST or PUT, as the change would be sent");
        if (RequestContent.OptionalString(body, "path") is not { } path)
            return Invalid("path", "path is required: the issuer API path the change would be sent to, such as /api/groups/{groupId}");
        var key = RequestContent.OptionalString(body, "key");
        if (key is not null && !ScheduleIds.IsKey(key))
            return Invalid("key", "key must be 1–64 letters, digits, '_' or '-'");
        var changeBody = body["body"] as JsonObject;
        var (change, error) = ScheduledChange.Read(method, path, changeBody);
        if (error is { } e)
            return Invalid(e.Field, e.Message);
        var (passType, refusal) = await PassTypeOfNewAsync(change!, scope);
        if (refusal is not null)
            return ScheduleOutcome.Refused(refusal);

        var id = ScheduleIds.Make(change!.Target, key ?? PassIssuer.NewSerial());
        var request = new ScheduledRequest(method.ToUpperInvariant(), path, changeBody?.ToJsonString());
        var schedule = new Schedule(id, change.Target, at.ToUniversalTime(), request, now, issuerKey.Fingerprint, PassTypeIdentifier: passType);
        var book = Book(change.Target);
        if (change.Kind == ScheduledChangeKind.ReviseTemplate)
        {
            // What the book would refuse is refused before the claim, which a refusal must not leave behind: a key used
            // before (its schedule holds a revision of its own, and this one would look held by it) or a full book.
            switch (await book.WouldAdd(id))
            {
                case ScheduleAddStatus.AlreadyAdded when await book.Find(id) is { } earlier:
                    return SameKey(earlier, request, schedule.At, key, change.Target);
                case ScheduleAddStatus.Full:
                    return Full(change.Target);
            }
            // Claimed before the schedule is stored, so no other schedule can take the zip it makes; a claim whose schedule
            // was never stored gives way to the next (Grains/StagedRevisionGrain.cs).
            if (await staged.ClaimAsync(change.TemplateId!, change.StagedId!, id, change.Target) is { } held)
                return ScheduleOutcome.Refused(held);
        }
        return await book.Add(schedule) switch
        {
            ScheduleAddStatus.Added => new ScheduleOutcome(schedule, Created: true),
            ScheduleAddStatus.AlreadyAdded => await book.Find(id) is { } existing
                ? SameKey(existing, request, schedule.At, key, change.Target)
                : ScheduleOutcome.Refused(new ChangeOutcome.WouldBreak($"key '{key}' already names another schedule of {change.Target}", [], "key")),
            _ => Full(change.Target),
        };
    }

    /// <summary>The same key again: a retried request answers the schedule it made; another request under it is a conflict.</summary>
    private static ScheduleOutcome SameKey(Schedule existing, ScheduledRequest request, DateTimeOffset at, string? key, string target) =>
        existing.Request == request && existing.At == at
            ? new ScheduleOutcome(existing)
            : ScheduleOutcome.Refused(new ChangeOutcome.WouldBreak($"key '{key}' already names another schedule of {target}", [], "key"));

    private static ScheduleOutcome Full(string target) => ScheduleOutcome.Refused(new ChangeOutcome.WouldBreak(
        $"{target} has {IScheduleBookGrain.MaxPending} schedules waiting; cancel one (DELETE /api/schedules/{{id}}) or let it run first", [], "at"));

    /// <summary>The schedules of <paramref name="target"/> the key may see.</summary>
    public async Task<(IReadOnlyList<Schedule>? Schedules, ChangeOutcome? Refusal)> ListAsync(string target, PassTypeScope scope)
    {
        if (ScheduledChange.ReadTarget(target) is not { } read)
            return (null, new ChangeOutcome.Invalid("target", "target must be passes/{passTypeIdentifier}/{serialNumber}, groups/{groupId} or templates/{templateId}"));
        if (read.PassTypeIdentifier is { } passType && !scope.Allows(passType))
            return (null, new ChangeOutcome.Forbidden(PassTypeScope.Refusal(passType)));
        var schedules = await Book(target).List();
        return (schedules.Where(s => Visible(s, scope)).ToList(), null);
    }

    public async Task<ScheduleOutcome> GetAsync(string id, PassTypeScope scope)
    {
        var schedule = ScheduleIds.TargetOf(id) is { } target ? await Book(target).Find(id) : null;
        return schedule is not null && Visible(schedule, scope) ? new ScheduleOutcome(schedule) : ScheduleOutcome.Refused(NoSuch(id));
    }

    /// <summary>Cancels a waiting schedule; one that ended is a conflict naming how it ended.</summary>
    public async Task<ScheduleOutcome> CancelAsync(string id, PassTypeScope scope)
    {
        if (ScheduleIds.TargetOf(id) is not { } target)
            return ScheduleOutcome.Refused(NoSuch(id));
        var book = Book(target);
        // The key's scope is checked before anything changes: the stored schedule says its pass type.
        if (await book.Find(id) is not { } schedule || !Visible(schedule, scope))
            return ScheduleOutcome.Refused(NoSuch(id));
        var result = await book.Cancel(id);
        if (result.Schedule is null)
            return ScheduleOutcome.Refused(NoSuch(id));
        return result.Cancelled
            ? new ScheduleOutcome(result.Schedule)
            : ScheduleOutcome.Refused(new ChangeOutcome.WouldBreak($"schedule {id} has ended ({Describe(result.Schedule.Status)}) and cannot be cancelled", [], "id"));
    }

    public static string Describe(ScheduleStatus status) => status.ToString().ToLowerInvariant();

    private static bool Visible(Schedule schedule, PassTypeScope scope) => schedule.PassTypeIdentifier is { } passType ? scope.Allows(passType) : scope.IsUnrestricted;

    private static ChangeOutcome.NotFound NoSuch(string id) => new ChangeOutcome.NotFound($"there is no schedule {Packaging.Json.StrictJson.Shorten(id)}");

    private static ScheduleOutcome Invalid(string field, string message) => ScheduleOutcome.Refused(new ChangeOutcome.Invalid(field, message));

    private IScheduleBookGrain Book(string target) => grains.GetGrain<IScheduleBookGrain>(GrainKeys.ScheduleBook(target));

    /// <summary>
    /// The pass type of what a new schedule changes, once the key is known to be allowed it: a pass that exists, a
    /// group that exists or that the change creates (with a template that exists, as the group's PUT would need), or a
    /// template revision staged.
    /// </summary>
    private async Task<(string? PassType, ChangeOutcome? Refusal)> PassTypeOfNewAsync(ScheduledChange change, PassTypeScope scope)
    {
        if (change.PassTypeIdentifier is { } passType)
        {
            if (!scope.Allows(passType))
                return (null, new ChangeOutcome.Forbidden(PassTypeScope.Refusal(passType)));
            // Its stamp says whether it is issued, without counting its devices as a summary would.
            var stamp = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passType, change.SerialNumber!)).GetStamp();
            return stamp is null ? (null, new ChangeOutcome.NotFound($"pass {passType}/{change.SerialNumber} does not exist")) : (passType, null);
        }
        if (change.Kind == ScheduledChangeKind.ReviseTemplate)
            return await staged.PassTypeOfAsync(change.TemplateId!, change.StagedId!, scope);
        var existing = await grains.GetGrain<IGroupGrain>(GrainKeys.Group(change.GroupId!)).GetSnapshot();
        var templateId = RequestContent.OptionalString(change.Body!, "templateId") ?? existing?.TemplateId;
        if (templateId is null)
            return (null, new ChangeOutcome.Invalid("body.templateId", $"group {change.GroupId} does not exist yet: the change that creates it needs the templateId of its passes"));
        foreach (var template in new[] { existing?.TemplateId, templateId }.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await issuer.TemplateRefusalAsync(template, scope) is { } refusal)
                return (null, new ChangeOutcome.Forbidden(refusal));
        }
        var compiled = await renderer.GetTemplateAsync(templateId, null);
        if (compiled?.PassTypeIdentifier is not { } groupPassType)
            return (null, new ChangeOutcome.Invalid("body.templateId", $"template '{templateId}' does not exist; upload it with PUT /api/templates/{templateId}"));
        return (groupPassType, null);
    }
}

/// <summary>
/// Schedule ids: the target's name (base64url) and the schedule's own key, so that an id alone finds the book that
/// holds it. Nothing in an id is secret; a key only sees the schedules of its pass types.
/// </summary>
public static partial class ScheduleIds
{
    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyShape();

    public static bool IsKey(string key) => KeyShape().IsMatch(key);

    public static string Make(string target, string key) => $"{Base64Url(target)}.{key}";

    /// <summary>The target an id names, or null when it is no schedule id.</summary>
    public static string? TargetOf(string id)
    {
        var dot = id.LastIndexOf('.');
        if (dot <= 0 || dot > 600 || dot == id.Length - 1)
            return null;
        try
        {
            var target = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(id.AsSpan(0, dot)));
            return ScheduledChange.ReadTarget(target) is not null && IsKey(id[(dot + 1)..]) && Make(target, id[(dot + 1)..]) == id ? target : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Base64Url(string text) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
}
