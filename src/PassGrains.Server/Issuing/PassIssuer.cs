using PassGrains.Server.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PassGrains.Abstractions;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Validation;
using PassGrains.Server.PassTypes;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;

namespace PassGrains.Server.Issuing;

/// <summary>The outcome of issuing one pass: the created pass, or the status and every problem.</summary>
public sealed record IssueOutcome(int Status, PassCreatedResponse? Created, string Title, IReadOnlyList<FieldProblem> Errors) : IProblemOutcome
{
    public static IssueOutcome Invalid(string field, string message) =>
        new(StatusCodes.Status400BadRequest, null, "invalid request", [new FieldProblem(field, "invalid", message)]);

    public static IssueOutcome Forbidden(string field, string message) =>
        new(StatusCodes.Status403Forbidden, null, "forbidden", [new FieldProblem(field, "scope", message)]);

    public string Describe() => string.Join("; ", Errors.Select(e => $"{e.Field}: {e.Message}"));
}

/// <summary>
/// Issues passes and changes what they are made of (templates, groups, passes), checking before anything is stored
/// that every pass.json rule still holds for what the change makes, and that the key may touch every pass type the
/// change involves. The issuer API and batch jobs go through it alike, so a rule is kept in one place, not per endpoint.
/// </summary>
public sealed partial class PassIssuer(IGrainFactory grains, PassRenderer renderer, PassTypeRegistry passTypes, DownloadLinks links, Grains.NewPassWriter newPasses,
    Telemetry.PassGrainsMetrics metrics)
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex SerialShape();

    public static bool IsValidSerial(string serial) => SerialShape().IsMatch(serial);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdShape();

    /// <summary>The shape of the ids issuers choose (templates, groups, webhooks): they appear in URLs and grain keys.</summary>
    public static bool IsValidId(string id) => IdShape().IsMatch(id);

    /// <summary>Lookups for one request; a batch chunk shares one across its lines.</summary>
    public IssueLookups NewLookups() => new(grains, renderer);

    /// <param name="defaultSerial">The serial to use when the body names none (batch jobs derive it from the job and line, so a resumed job issues the same serials).</param>
    /// <param name="lookups">Template and group lookups shared by the lines of a batch chunk.</param>
    /// <param name="fromBatch">Batch-issued passes are stored without activating their grains (nobody holds them yet) and get no download link (nobody reads it).</param>
    /// <param name="scope">The pass types the issuer's key may issue; the pass type is known only once the template is looked up, so it is checked here.</param>
    /// <param name="origin">The batch job and line issuing it: stored with the pass, so the line run again finds its own pass (created, once) rather than a conflict.</param>
    public async Task<IssueOutcome> IssueAsync(JsonObject body, string? defaultSerial = null, IssueLookups? lookups = null, bool fromBatch = false, PassTypeScope? scope = null,
        PassOrigin? origin = null)
    {
        if (lookups is not null)
            return await IssueWithAsync(body, defaultSerial, lookups, fromBatch, scope, origin);
        // Its own lookups give back, when done, a count taken for a pass that was not stored.
        await using var own = NewLookups();
        return await IssueWithAsync(body, defaultSerial, own, fromBatch, scope, origin);
    }

    private async Task<IssueOutcome> IssueWithAsync(JsonObject body, string? defaultSerial, IssueLookups lookups, bool fromBatch, PassTypeScope? scope, PassOrigin? origin)
    {
        if (RequestContent.PassBody.Check(body) is { } misfit)
            return IssueOutcome.Invalid(misfit.Member, misfit.Message);
        var templateId = RequestContent.OptionalString(body, "templateId");
        if (templateId is null)
            return IssueOutcome.Invalid("templateId", "templateId is required");
        var serial = RequestContent.OptionalString(body, "serialNumber") ?? defaultSerial ?? NewSerial();
        if (!IsValidSerial(serial))
            return IssueOutcome.Invalid("serialNumber", "serial numbers are 1–100 letters, digits, '.', '_', '~' or '-' (they appear in URLs)");
        var groupId = RequestContent.OptionalString(body, "groupId");
        var (given, contentError) = RequestContent.ContentOf(body);
        if (contentError is not null)
            return IssueOutcome.Invalid(contentError.Value.Field, contentError.Value.Message);
        // A null field value means "none of my own" (as in a change): a new pass simply stores none.
        PassContent content = PassContentLayers.Merge(default, given);
        var keys = PassContentLayers.FieldKeys(content.FieldsJson);

        var template = await lookups.TemplateAsync(templateId);
        if (template is null)
            return IssueOutcome.Invalid("templateId", $"template '{templateId}' does not exist; upload it with PUT /api/templates/{templateId}");
        if (template.PassTypeIdentifier is { } templateType && scope?.Allows(templateType) == false)
            return IssueOutcome.Forbidden("templateId", PassTypeScope.Refusal(templateType));
        GroupSnapshot? group = null;
        if (groupId is not null)
        {
            group = await lookups.GroupAsync(groupId);
            if (group is null)
                return IssueOutcome.Invalid("groupId", $"group '{groupId}' does not exist; create it with PUT /api/groups/{groupId}");
            // Joining a group of another pass type's template would let the key change that group's passes with it.
            if (scope is { IsUnrestricted: false } && group.TemplateId is { } groupTemplate && groupTemplate != templateId
                && (await lookups.TemplateAsync(groupTemplate))?.PassTypeIdentifier is { } groupType && !scope.Allows(groupType))
                return IssueOutcome.Forbidden("groupId", PassTypeScope.Refusal(groupType));
        }
        // The group's values were checked against the templates it knows (PutGroupAsync); a key one of them lacks was
        // dropped by a revision and renders as nothing. Joining from another template, the group's keys must all be there.
        var groupKnowsTemplate = group?.Templates?.Contains(templateId, StringComparer.Ordinal) ?? true;
        var problems = renderer.Check(template, serial, group?.Content, content, k => keys.Contains(k) || !groupKnowsTemplate);
        if (problems.Any(p => p.IsError))
            return new IssueOutcome(StatusCodes.Status400BadRequest, null, "the pass would be invalid", Problems.ToFieldProblems(problems));

        if (!groupKnowsTemplate)
            await lookups.JoinGroupAsync(groupId!, templateId);
        // Counted before the pass is stored: a failure in between counts a pass too many, never one too few.
        if (await lookups.CountAsync(templateId, keys, fromBatch) is { Count: > 0 } gone)
            return new IssueOutcome(StatusCodes.Status409Conflict, null, "the template changed", gone.Select(k => new FieldProblem($"fields.{k}", "template-changed",
                $"template '{templateId}' was revised meanwhile and has no field '{k}' any more")).ToList());
        var passType = template.PassTypeIdentifier!;
        var issue = new PassIssue(templateId, groupId, content, origin);
        var status = fromBatch
            ? await newPasses.IssueAsync(passType, serial, issue)
            : (await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passType, serial)).Issue(issue)).Status;
        if (status == PassIssueStatus.AlreadyExists)
        {
            await lookups.UncountAsync(templateId, keys);
            return new IssueOutcome(StatusCodes.Status409Conflict, null, "conflict",
                [new FieldProblem("serialNumber", "unique", $"pass {passType}/{serial} already exists; change it with PATCH /api/passes/{passType}/{serial}")]);
        }
        if (status == PassIssueStatus.IssuedBefore)
            await lookups.UncountAsync(templateId, keys); // this line's first run counted the pass it stored
        else
            metrics.Issued(passType, fromBatch);
        return new IssueOutcome(StatusCodes.Status201Created, new PassCreatedResponse(passType, serial, 1, fromBatch ? "" : links.ForPass(passType, serial)), "created", []);
    }

    /// <summary>
    /// Why the key may not replace template <paramref name="templateId"/> (it exists and is of a pass type outside
    /// <paramref name="scope"/>), else null. Asked before the upload is read, so an out-of-scope key cannot make the
    /// server read megabytes; a missing template is no refusal (it is being created).
    /// </summary>
    public async Task<string?> TemplateRefusalAsync(string templateId, PassTypeScope scope)
    {
        if (scope.IsUnrestricted)
            return null;
        var template = await renderer.GetTemplateAsync(templateId, null);
        return template?.PassTypeIdentifier is { } passType && !scope.Allows(passType) ? PassTypeScope.Refusal(passType) : null;
    }

    /// <summary>
    /// Stores <paramref name="modelZip"/> as the next revision of a template, if it is a pass model of a pass type this
    /// server signs for and the key may touch, of the template's pass type, and if it keeps every field key its passes
    /// and groups set (<see cref="ITemplateUsageGrain.Revise"/> checks and stores in one step). With
    /// <paramref name="dropUnknownFields"/> a revision without some of them is stored, and those values render as nothing.
    /// </summary>
    public async Task<ChangeOutcome> PutTemplateAsync(string templateId, byte[] modelZip, PassTypeScope scope, bool dropUnknownFields = false)
    {
        var (read, refusal) = await ReadTemplateRevisionAsync(templateId, modelZip, scope);
        if (read is null)
            return refusal!;
        var (passJson, passType, problems) = read;
        var current = await renderer.GetTemplateAsync(templateId, null);
        var revise = new TemplateRevise(modelZip, passType, PassJsonComposer.FieldKeys(passJson).ToList(), current?.PassTypeIdentifier,
            current is null ? null : PassJsonComposer.FieldKeys(current.PassJson).ToList(), dropUnknownFields);
        var revised = await grains.GetGrain<ITemplateUsageGrain>(GrainKeys.TemplateUsage(templateId)).Revise(revise);
        if (revised.KeptPassTypeIdentifier is { } kept)
            return PassTypeKept(templateId, kept, passType);
        if (revised.Stored is not { } put)
            return new ChangeOutcome.WouldBreak($"the revision has no field for {string.Join("; ", revised.Gone.Select(FieldUses.Who))}; "
                + "keep those fields, or PUT again with ?dropUnknownFields=true to store it and render those passes without the values", revised.Gone);
        return new ChangeOutcome.TemplateStored(put.Revision, put.Created, passType, problems, revised.Gone);
    }

    /// <summary>A template revision read and checked as <see cref="PutTemplateAsync"/> checks it before it looks at the passes: its pass.json, pass type and warnings.</summary>
    public sealed record TemplateRevisionRead(JsonObject PassJson, string PassTypeIdentifier, IReadOnlyList<PassProblem> Problems);

    /// <summary>
    /// Reads <paramref name="modelZip"/> as the next revision of <paramref name="templateId"/>: a valid pass model of a pass
    /// type this server signs for and the key may touch, and of the template's pass type when it exists. What its passes
    /// and groups set is checked only when it is stored, as that can change until then.
    /// </summary>
    public async Task<(TemplateRevisionRead? Read, ChangeOutcome? Refusal)> ReadTemplateRevisionAsync(string templateId, byte[] modelZip, PassTypeScope scope)
    {
        if (await TemplateRefusalAsync(templateId, scope) is { } replaced)
            return (null, new ChangeOutcome.Forbidden(replaced));
        using var zip = new MemoryStream(modelZip);
        var result = PassModelReader.ReadZip(zip, options: renderer.ValidationOptions with { IsTemplate = true });
        if (result.Model is not { } model)
            return (null, new ChangeOutcome.WouldBeInvalid("the template is not a valid pass model", result.Problems));
        var passJson = (JsonObject)JsonNode.Parse(model.PassJson.Span)!;
        var passType = passJson["passTypeIdentifier"]?.GetValue<string>() ?? "";
        if (passTypes.Find(passType) is null)
            return (null, new ChangeOutcome.Invalid("pass.json/passTypeIdentifier",
                $"no signing certificate is configured for pass type '{passType}' (configured: {string.Join(", ", passTypes.All.Select(t => t.Identifier))})"));
        if (!scope.Allows(passType))
            return (null, new ChangeOutcome.Forbidden(PassTypeScope.Refusal(passType)));
        return (new TemplateRevisionRead(passJson, passType, result.Problems), null);
    }

    /// <summary>A revision refused for naming another pass type than its template's.</summary>
    public static ChangeOutcome.WouldBreak PassTypeKept(string templateId, string kept, string passType) =>
        new($"template '{templateId}' is of pass type '{kept}' and its passes stay so (their URLs and signatures are of that pass type); "
            + $"upload a pass model of pass type '{passType}' as a new template", [], "pass.json/passTypeIdentifier");

    /// <summary>
    /// Creates or changes a group: <paramref name="change"/> is merged over its content (<c>PassContentLayers.Merge</c>,
    /// as the grain merges it) and checked against every template whose passes render it before it is stored, so no
    /// change makes the group's passes invalid at once. <paramref name="templateId"/> null keeps the group's template;
    /// a template without a field the group sets is refused (409) unless <paramref name="dropUnknownFields"/>.
    /// </summary>
    /// <summary>
    /// Why a PUT of the group <paramref name="existing"/> (null: not made yet) with <paramref name="templateId"/> (null: its
    /// own) is refused before its content is looked at: a new group without a template, or a key outside the pass type of
    /// the group's current template or the one it moves to. Null when it is not.
    /// </summary>
    public async Task<ChangeOutcome?> GroupRefusalAsync(GroupSnapshot? existing, string? templateId, PassTypeScope scope)
    {
        templateId ??= existing?.TemplateId;
        if (templateId is null)
            return new ChangeOutcome.Invalid("templateId", "a new group needs the templateId of its passes");
        // A group's passes are of its template's pass type: the group's current template and the one it moves to.
        foreach (var template in new[] { existing?.TemplateId, templateId }.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await TemplateRefusalAsync(template, scope) is { } refusal)
                return new ChangeOutcome.Forbidden(refusal);
        }
        return null;
    }

    public async Task<ChangeOutcome> PutGroupAsync(string groupId, string? templateId, PassContent change, PassTypeScope scope, bool dropUnknownFields = false)
    {
        var group = grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId));
        var existing = await group.GetSnapshot();
        if (await GroupRefusalAsync(existing, templateId, scope) is { } refused)
            return refused;
        templateId ??= existing?.TemplateId!; // not null: refused otherwise
        PassContent merged = Packaging.Building.PassContentLayers.Merge(existing?.Content, change);
        var changed = PassContentLayers.FieldKeys(change.FieldsJson);
        var keys = PassContentLayers.FieldKeys(merged.FieldsJson);
        var dropped = new List<FieldUse>();
        // Moving to another template, the values the group already sets must have fields there.
        if (existing is not null && existing.TemplateId != templateId && await renderer.GetTemplateAsync(templateId, null) is { } next)
        {
            var nextKeys = PassJsonComposer.FieldKeys(next.PassJson).ToHashSet(StringComparer.Ordinal);
            dropped = keys.Where(k => !changed.Contains(k) && !nextKeys.Contains(k)).Order(StringComparer.Ordinal).Select(k => new FieldUse(k, 0, [groupId])).ToList();
            if (dropped.Count > 0 && !dropUnknownFields)
                return new ChangeOutcome.WouldBreak($"template '{templateId}' has no field for what {string.Join("; ", dropped.Select(FieldUses.Who))}; "
                    + "add those fields to it, or PUT again with ?dropUnknownFields=true to render the group's passes without the values", dropped);
        }
        // Every template whose passes render the group (Grains/GroupGrain.cs Templates) must take what this change sets.
        var templates = (existing?.Templates ?? []).Append(templateId).Distinct(StringComparer.Ordinal);
        foreach (var template in templates)
        {
            var problems = await renderer.CheckAsync(template, "GROUP-CHECK", merged, new PassContent(null, null), changed.Contains);
            if (problems.Any(p => p.IsError))
                return new ChangeOutcome.WouldBeInvalid(template == templateId ? "the group's values would make invalid passes"
                    : $"the group's values would make its passes of template '{template}' invalid", problems);
        }
        var result = await group.Put(new GroupPut(templateId, change));
        return new ChangeOutcome.Stored(result.Version, result.Created, dropped);
    }

    /// <summary>
    /// Changes an issued pass: <paramref name="change"/> is merged over its own content and checked with its template and
    /// group before it is stored. The key's scope was checked on the route's pass type.
    /// </summary>
    public async Task<ChangeOutcome> ChangePassAsync(string passTypeIdentifier, string serialNumber, PassContent change)
    {
        var pass = grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber));
        var source = await pass.GetRenderSourceForIssuer();
        if (source is null)
            return new ChangeOutcome.NotFound($"pass {passTypeIdentifier}/{serialNumber} does not exist");
        // Only what the change sets must have a field: a value stored before and dropped by a revision stays dropped.
        var keys = PassContentLayers.FieldKeys(change.FieldsJson);
        var problems = await renderer.CheckAsync(source.TemplateId, serialNumber, source.Group, PassContentLayers.Merge(source.Pass, change), keys.Contains);
        if (problems.Any(p => p.IsError))
            return new ChangeOutcome.WouldBeInvalid("the change would make the pass invalid", problems);
        // Every key the change sets is counted before it is stored; what it did not add (set before) or removed is
        // taken off after, from what the pass itself says changed. A failure in between leaves the count high.
        var usage = grains.GetGrain<ITemplateUsageGrain>(GrainKeys.TemplateUsage(source.TemplateId));
        if (keys.Count > 0 && await usage.AddPasses(keys.ToDictionary(k => k, _ => 1L, StringComparer.Ordinal)) is { Count: > 0 } gone)
            return new ChangeOutcome.WouldBreak($"template '{source.TemplateId}' was revised meanwhile and has no field for {string.Join(", ", gone.Select(k => $"'{k}'"))} any more",
                [], $"fields.{gone[0]}");
        var result = await pass.Change(change);
        var uncounted = result is { Found: true, AddedKeys: { } added, RemovedKeys: { } removed }
            ? keys.Except(added, StringComparer.Ordinal).Concat(removed).ToList()
            : result.Found ? [] : keys.ToList(); // an older silo's answer says nothing of keys: the count stays high
        if (uncounted.Count > 0)
            await usage.RemovePasses(uncounted.Distinct(StringComparer.Ordinal).ToDictionary(k => k, _ => 1L, StringComparer.Ordinal));
        return result.Found ? new ChangeOutcome.Stored(result.Version, Created: false) : new ChangeOutcome.NotFound($"pass {passTypeIdentifier}/{serialNumber} does not exist");
    }

    /// <summary>Voids an issued pass; a pass voided before stays as it is and answers its version.</summary>
    public async Task<ChangeOutcome> VoidPassAsync(string passTypeIdentifier, string serialNumber)
    {
        var result = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).Void();
        return result.Found ? new ChangeOutcome.Stored(result.Version, Created: false) : new ChangeOutcome.NotFound($"pass {passTypeIdentifier}/{serialNumber} does not exist");
    }

    /// <summary>20 characters of Crockford base32: unguessable, URL-safe, no ambiguous letters.</summary>
    public static string NewSerial() => Encode(RandomNumberGenerator.GetBytes(20));

    /// <summary>A serial derived from a job and line: the same on every run of that job.</summary>
    public static string DerivedSerial(string jobId, int line) => Encode(SHA256.HashData(Encoding.UTF8.GetBytes($"{jobId}\n{line}")));

    private static string Encode(byte[] bytes)
    {
        const string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        return string.Create(20, bytes, (chars, source) =>
        {
            for (var i = 0; i < chars.Length; i++)
                chars[i] = alphabet[source[i] & 31];
        });
    }
}

/// <summary>Reading the parts of issuer request bodies.</summary>
public static class RequestContent
{
    /// <summary>A POST /api/passes body (and a batch line).</summary>
    public static readonly BodyShape PassBody = new(("templateId", JsonValueKind.String), ("serialNumber", JsonValueKind.String),
        ("groupId", JsonValueKind.String), ("fields", JsonValueKind.Object), ("pass", JsonValueKind.Object));

    /// <summary>A PUT /api/groups/{groupId} body.</summary>
    public static readonly BodyShape GroupBody = new(("templateId", JsonValueKind.String), ("fields", JsonValueKind.Object), ("pass", JsonValueKind.Object),
        ("end", JsonValueKind.Object));

    /// <summary>A PATCH /api/passes/{passTypeIdentifier}/{serialNumber} body.</summary>
    public static readonly BodyShape ChangeBody = new(("fields", JsonValueKind.Object), ("pass", JsonValueKind.Object));

    private static readonly string[] ServerKeys = ["serialNumber", "passTypeIdentifier", "teamIdentifier", "authenticationToken", "webServiceURL"];

    public static string? OptionalString(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    /// <summary>"fields" (field key → string or number) and "pass" (a merge patch), as stored JSON text.</summary>
    public static (PassContent Content, (string Field, string Message)? Error) ContentOf(JsonObject body)
    {
        string? fields = null, patch = null;
        if (body.TryGetPropertyValue("fields", out var f) && f is not null)
        {
            if (f is not JsonObject fieldObject)
                return (null!, ("fields", "fields must be an object of field key to value"));
            foreach (var (key, value) in fieldObject)
            {
                // null takes a value back, as in a merge patch (the group's or the template's shows again).
                if (value is not null && (value is not JsonValue v || v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number)))
                    return (null!, ($"fields.{key}", "a field value must be a string, a number, or null to remove the value set before"));
            }
            fields = fieldObject.ToJsonString();
        }
        if (body.TryGetPropertyValue("pass", out var p) && p is not null)
        {
            if (p is not JsonObject patchObject)
                return (null!, ("pass", "pass must be a JSON merge patch object for pass.json"));
            foreach (var reserved in ServerKeys)
            {
                if (patchObject.ContainsKey(reserved))
                    return (null!, ($"pass.{reserved}", $"{reserved} is set by the server and cannot be patched"));
            }
            patch = patchObject.ToJsonString();
        }
        return (new PassContent(fields, patch), null);
    }
}
