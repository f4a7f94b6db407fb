using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Security;

namespace PassGrains.Server.Scheduling;

/// <summary>What happens to a group's passes at its end (plus grace).</summary>
public enum GroupEndAction
{
    /// <summary>Voided at the end, and every device pushed: Wallet shows them as no longer valid at once.</summary>
    Void,

    /// <summary>Only their expirationDate: Wallet moves them to expired passes by itself at that time.</summary>
    Expire,
}

/// <summary>A group's end (a match's final whistle, a flight's landing), the grace after it, and what its passes do then.</summary>
public sealed record GroupEnd(DateTimeOffset At, TimeSpan Grace, GroupEndAction Then)
{
    public const int MaxGraceMinutes = 7 * 24 * 60;

    /// <summary>When the passes expire: the end plus its grace.</summary>
    public DateTimeOffset ExpiresAt => At + Grace;

    public static readonly Http.BodyShape Shape = new(("at", JsonValueKind.String), ("graceMinutes", JsonValueKind.Number), ("then", JsonValueKind.String));

    /// <summary>A group body's <c>end</c>: null when absent, <see cref="Remove"/> when it is null (the end is taken back), else read or refused.</summary>
    public static (GroupEnd? End, bool Remove, (string Field, string Message)? Error) Read(JsonObject body)
    {
        if (!body.TryGetPropertyValue("end", out var node))
            return (null, false, null);
        if (node is null)
            return (null, true, null);
        if (node is not JsonObject end)
            return (null, false, ("end", "end must be an object: {\"at\": RFC 3339 time, \"graceMinutes\": 0..10080, \"then\": \"void\" or \"expire\"}"));
        if (Shape.Check(end) is { } misfit)
            return (null, false, ($"end.{misfit.Member}", misfit.Message));
        if (RequestContent.OptionalString(end, "at") is not { } atText || !Rfc3339.TryRead(atText, out var at))
            return (null, false, ("end.at", "end.at is required: an RFC 3339 date and time with its offset, such as 2026-12-24T22:00:00+01:00"));
        var grace = 0;
        if (end["graceMinutes"] is JsonValue g && (!g.TryGetValue(out grace) || grace is < 0 or > MaxGraceMinutes))
            return (null, false, ("end.graceMinutes", $"end.graceMinutes must be a whole number of minutes from 0 to {MaxGraceMinutes}"));
        // The end plus its grace must be a time there is (the year 9999 ends): the rest of its bounds are checked against now.
        if (at > DateTimeOffset.MaxValue - TimeSpan.FromMinutes(grace))
            return (null, false, ("end.at", $"the end plus its grace may be at most {ScheduledChanges.LongestAhead.Days} days ahead"));
        var then = RequestContent.OptionalString(end, "then") ?? "void";
        if (then is not ("void" or "expire"))
            return (null, false, ("end.then", "end.then must be \"void\" (voided and pushed at the end) or \"expire\" (expirationDate only)"));
        return (new GroupEnd(at, TimeSpan.FromMinutes(grace), then == "void" ? GroupEndAction.Void : GroupEndAction.Expire), false, null);
    }
}

/// <summary>
/// A group PUT that carries an end: every pass of the group gets <c>expirationDate</c> (the end plus its grace) through the
/// group's pass.json patch, and for <see cref="GroupEndAction.Void"/> the group's schedule book gets the change that
/// voids them then (a group PUT of <c>"voided": true</c>, which pushes every device, <see cref="ScheduledChanges"/>).
/// A new end replaces the one before; <c>"end": null</c> takes it back. The group is stored first and its end's schedule
/// after, so a failure between leaves a 503 whose retry (the same PUT) stores nothing new and adds the schedule.
/// </summary>
public sealed class GroupEnds(PassIssuer issuer, ScheduledChanges schedules, IGrainFactory grains, TimeProvider time)
{
    /// <summary>The keys of end schedules start so (the rest is the time they run, and a suffix of its own when that key was used before): a new end cancels the others.</summary>
    private const string KeyPrefix = "group-end-";

    /// <summary>Whether the group's pass.json patch voids every pass of it (as its end's schedule does).</summary>
    public static bool VoidsItsPasses(GroupSnapshot? group) =>
        group?.Content.PatchJson is { } patch && JsonNode.Parse(patch) is JsonObject o && o["voided"] is JsonValue v && v.TryGetValue<bool>(out var voided) && voided;

    public async Task<ChangeOutcome> PutGroupAsync(string groupId, string? templateId, PassContent change, GroupEnd? end, bool removeEnd, IssuerKey issuerKey,
        bool dropUnknownFields)
    {
        var scope = issuerKey.Scope;
        if (end is null && !removeEnd)
            return await issuer.PutGroupAsync(groupId, templateId, change, scope, dropUnknownFields);
        // Checked before anything is stored: the schedule that voids them could not be made afterwards.
        if (end is not null && end.ExpiresAt < time.GetUtcNow() - ScheduledChanges.LatestPast)
            return new ChangeOutcome.Invalid("end.at", $"the end plus its grace ({end.ExpiresAt:O}) is in the past");
        if (end is not null && end.ExpiresAt > time.GetUtcNow() + ScheduledChanges.LongestAhead)
            return new ChangeOutcome.Invalid("end.at", $"the end plus its grace may be at most {ScheduledChanges.LongestAhead.Days} days ahead");
        var patch = change.PatchJson is { } json ? JsonNode.Parse(json)!.AsObject() : [];
        if (patch.ContainsKey("expirationDate"))
            return new ChangeOutcome.Invalid("pass.expirationDate", "a group with an end gets its expirationDate from the end; set one or the other");
        var target = $"{ScheduledChange.GroupsPrefix}{groupId}";
        var voiding = end is { Then: GroupEndAction.Void } ? new ScheduledRequest("PUT", $"/api/groups/{groupId}", VoidBody) : null;
        var book = grains.GetGrain<IScheduleBookGrain>(GrainKeys.ScheduleBook(target));
        // Checked before anything is stored, too: a book with no room for the void would leave the group changed and its
        // end never voiding. The end's earlier voids are cancelled below and make room.
        if (voiding is not null)
        {
            // After the key's scope: a key that may not touch the group learns nothing of its schedules.
            if (await issuer.GroupRefusalAsync(await grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)).GetSnapshot(), templateId, scope) is { } refused)
                return refused;
            var listed = await book.List();
            if (Waiting(listed, end!, voiding) is null && listed.Count(s => s.Status == ScheduleStatus.Pending && !IsEndKey(s)) >= IScheduleBookGrain.MaxPending)
                return new ChangeOutcome.WouldBreak($"{target} has {IScheduleBookGrain.MaxPending} schedules waiting, so the void at its end cannot be scheduled; "
                    + "cancel one (DELETE /api/schedules/{id}) or let it run first, or give the end with \"then\": \"expire\"", [], "end");
        }
        patch["expirationDate"] = end is null ? null : end.ExpiresAt.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        var outcome = await issuer.PutGroupAsync(groupId, templateId, change with { PatchJson = patch.ToJsonString() }, scope, dropUnknownFields);
        if (outcome is not ChangeOutcome.Stored)
            return outcome;

        // The void of this end still waiting (the same PUT again, or its retry after a 503) stays; every other end's goes.
        var schedulesNow = await book.List();
        var waiting = voiding is null ? null : Waiting(schedulesNow, end!, voiding);
        foreach (var earlier in schedulesNow)
        {
            if (earlier.Status == ScheduleStatus.Pending && IsEndKey(earlier) && earlier != waiting)
                await book.Cancel(earlier.Id);
        }
        if (voiding is null || waiting is not null)
            return outcome;
        // The key of an end's time may name a void already ended (an end moved away and back, or taken back and given
        // again, has its first void cancelled): that one would be answered as if it were this end's, so this one gets a key of its own.
        var key = KeyPrefix + end!.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (schedulesNow.Any(s => KeyOf(s) == key))
            key += "-" + PassIssuer.NewSerial()[..10];
        var made = await schedules.CreateAsync(new JsonObject
        {
            ["at"] = end.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
            ["method"] = voiding.Method,
            ["path"] = voiding.Path,
            ["body"] = JsonNode.Parse(VoidBody),
            ["key"] = key,
        }, issuerKey);
        return made.Refusal ?? outcome;
    }

    private const string VoidBody = """{"pass":{"voided":true}}""";

    /// <summary>The void of <paramref name="end"/> waiting in the book, if any.</summary>
    private static Schedule? Waiting(IReadOnlyList<Schedule> schedules, GroupEnd end, ScheduledRequest voiding) =>
        schedules.FirstOrDefault(s => s.Status == ScheduleStatus.Pending && IsEndKey(s) && s.At == end.ExpiresAt && s.Request == voiding);

    private static string KeyOf(Schedule schedule) => schedule.Id[(schedule.Id.LastIndexOf('.') + 1)..];

    private static bool IsEndKey(Schedule schedule) => KeyOf(schedule).StartsWith(KeyPrefix, StringComparison.Ordinal);
}
