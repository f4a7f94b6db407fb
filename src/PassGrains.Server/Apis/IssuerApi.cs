using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PassGrains.Abstractions;
using PassGrains.Packaging.Models;
using PassGrains.Packaging.Validation;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>
/// The issuer API of CONTRACT.md under /api/: templates, groups, passes. Every error is RFC 9457
/// problem+json naming the offending field; every request needs an issuer API key.
/// </summary>
public static partial class IssuerApi
{
    private const long MaxJsonBytes = 1024 * 1024;
    private const long MaxTemplateBytes = 32 * 1024 * 1024;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdShape();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex SerialShape();

    public static IEndpointRouteBuilder MapIssuerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Issuer API").AddEndpointFilter(RequireApiKey);
        api.MapPut("/templates/{templateId}", PutTemplate).WithSummary("Upload a pass model (zip) as a new template revision");
        api.MapPut("/groups/{groupId}", PutGroup).WithSummary("Create or change a group; its passes follow");
        api.MapPost("/passes", CreatePass).WithSummary("Issue a pass");
        api.MapPatch("/passes/{passTypeIdentifier}/{serialNumber}", PatchPass).WithSummary("Change a pass");
        api.MapGet("/passes/{passTypeIdentifier}/{serialNumber}", GetPass).WithSummary("Show a pass");
        api.MapPost("/passes/{passTypeIdentifier}/{serialNumber}/void", VoidPass).WithSummary("Void a pass");
        api.MapPost("/downloads", CreateBundleLink).WithSummary("A signed .pkpasses link for up to 10 passes of one pass type");
        api.MapGet("/device-logs", GetDeviceLogs).WithSummary("Recent messages devices sent to /v1/log");
        return app;
    }

    private static async ValueTask<object?> RequireApiKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var keys = context.HttpContext.RequestServices.GetRequiredService<IssuerApiKeys>();
        if (!keys.Any)
            return Problems.Unauthorized("the issuer API has no keys configured (PassGrains:IssuerApiKeys), so it refuses every request");
        if (!keys.IsValid(context.HttpContext.Request.Headers.Authorization))
            return Problems.Unauthorized("send an issuer API key as 'Authorization: Bearer <key>'");
        return await next(context);
    }

    private static async Task<IResult> PutTemplate(string templateId, HttpRequest request, IGrainFactory grains, PassRenderer renderer, PassTypeRegistry passTypes)
    {
        if (!IdShape().IsMatch(templateId))
            return Problems.Invalid("templateId", "template ids are 1–100 letters, digits, '.', '_' or '-'");
        var body = await RequestBodies.ReadBytes(request, MaxTemplateBytes);
        if (body is null)
            return Problems.TooLarge($"a template zip may have at most {MaxTemplateBytes / 1024 / 1024} MiB");
        using var zip = new MemoryStream(body);
        var result = PassModelReader.ReadZip(zip, options: renderer.ValidationOptions with { IsTemplate = true });
        if (result.Model is not { } model)
            return Problems.FromPassProblems("the template is not a valid pass model", result.Problems);
        var passType = JsonNode.Parse(model.PassJson.Span)?["passTypeIdentifier"]?.GetValue<string>() ?? "";
        if (passTypes.Find(passType) is null)
            return Problems.Invalid("pass.json/passTypeIdentifier",
                $"no signing certificate is configured for pass type '{passType}' (configured: {string.Join(", ", passTypes.All.Select(t => t.Identifier))})");
        var put = await grains.GetGrain<ITemplateGrain>(GrainKeys.Template(templateId)).Put(body, passType);
        var response = new TemplateResponse(templateId, put.Revision, passType, result.Problems.Select(p => p.ToString()).ToList());
        return put.Created ? Results.Created($"/api/templates/{templateId}", response) : Results.Ok(response);
    }

    private static async Task<IResult> PutGroup(string groupId, HttpRequest request, IGrainFactory grains, PassRenderer renderer)
    {
        if (!IdShape().IsMatch(groupId))
            return Problems.Invalid("groupId", "group ids are 1–100 letters, digits, '.', '_' or '-'");
        var (body, error) = await RequestBodies.ReadObject(request, MaxJsonBytes);
        if (error is not null)
            return error;
        var (content, contentError) = ContentOf(body!);
        if (contentError is not null)
            return contentError;
        var templateId = OptionalString(body!, "templateId");
        var existing = await grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)).GetSnapshot();
        templateId ??= existing?.TemplateId;
        if (templateId is null)
            return Problems.Invalid("templateId", "a new group needs the templateId of its passes");
        var problems = await renderer.CheckAsync(templateId, "GROUP-CHECK", existing is null ? content : Grains.JsonContent.Merge(existing.Content, content), new PassContent(null, null));
        if (problems.Any(p => p.IsError))
            return Problems.FromPassProblems("the group's values would make invalid passes", problems);
        var result = await grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)).Put(new GroupPut(templateId, content));
        var response = new GroupResponse(groupId, result.Version);
        return result.Created ? Results.Created($"/api/groups/{groupId}", response) : Results.Ok(response);
    }

    private static async Task<IResult> CreatePass(HttpRequest request, IGrainFactory grains, PassRenderer renderer, DownloadLinks links)
    {
        var (body, error) = await RequestBodies.ReadObject(request, MaxJsonBytes);
        if (error is not null)
            return error;
        var templateId = OptionalString(body!, "templateId");
        if (templateId is null)
            return Problems.Invalid("templateId", "templateId is required");
        var serial = OptionalString(body!, "serialNumber") ?? NewSerial();
        if (!SerialShape().IsMatch(serial))
            return Problems.Invalid("serialNumber", "serial numbers are 1–100 letters, digits, '.', '_', '~' or '-' (they appear in URLs)");
        var groupId = OptionalString(body!, "groupId");
        var (content, contentError) = ContentOf(body!);
        if (contentError is not null)
            return contentError;

        var template = await renderer.GetTemplateAsync(templateId, null);
        if (template is null)
            return Problems.Invalid("templateId", $"template '{templateId}' does not exist; upload it with PUT /api/templates/{templateId}");
        GroupSnapshot? group = null;
        if (groupId is not null)
        {
            group = await grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)).GetSnapshot();
            if (group is null)
                return Problems.Invalid("groupId", $"group '{groupId}' does not exist; create it with PUT /api/groups/{groupId}");
        }
        var problems = await renderer.CheckAsync(templateId, serial, group?.Content, content);
        if (problems.Any(p => p.IsError))
            return Problems.FromPassProblems("the pass would be invalid", problems);

        var passType = template.PassTypeIdentifier!;
        var result = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passType, serial)).Issue(new PassIssue(templateId, groupId, content));
        if (result.Status == PassIssueStatus.AlreadyExists)
            return Problems.Conflict("serialNumber", $"pass {passType}/{serial} already exists; change it with PATCH /api/passes/{passType}/{serial}");
        return Results.Created($"/api/passes/{passType}/{serial}",
            new PassCreatedResponse(passType, serial, result.Version, links.ForPass(passType, serial)));
    }

    private static async Task<IResult> PatchPass(string passTypeIdentifier, string serialNumber, HttpRequest request, IGrainFactory grains, PassRenderer renderer)
    {
        var (body, error) = await RequestBodies.ReadObject(request, MaxJsonBytes);
        if (error is not null)
            return error;
        var (content, contentError) = ContentOf(body!);
        if (contentError is not null)
            return contentError;
        var grain = grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber));
        var source = await grain.GetRenderSourceForIssuer();
        if (source is null)
            return Problems.NotFound($"pass {passTypeIdentifier}/{serialNumber} does not exist");
        var problems = await renderer.CheckAsync(source.TemplateId, serialNumber, source.Group, Grains.JsonContent.Merge(source.Pass, content));
        if (problems.Any(p => p.IsError))
            return Problems.FromPassProblems("the change would make the pass invalid", problems);
        var result = await grain.Change(content);
        return Results.Ok(new VersionResponse(result.Version));
    }

    private static async Task<IResult> VoidPass(string passTypeIdentifier, string serialNumber, IGrainFactory grains)
    {
        var result = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).Void();
        return result.Found ? Results.Ok(new VersionResponse(result.Version)) : Problems.NotFound($"pass {passTypeIdentifier}/{serialNumber} does not exist");
    }

    private static async Task<IResult> GetPass(string passTypeIdentifier, string serialNumber, IGrainFactory grains, DownloadLinks links)
    {
        var summary = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).GetSummary();
        if (summary is null)
            return Problems.NotFound($"pass {passTypeIdentifier}/{serialNumber} does not exist");
        return Results.Ok(new PassResponse(summary.PassTypeIdentifier, summary.SerialNumber, summary.TemplateId, summary.GroupId, summary.Version,
            summary.Stamp.Tag.ToString(System.Globalization.CultureInfo.InvariantCulture), summary.Stamp.LastModified, summary.Voided, summary.Devices,
            links.ForPass(passTypeIdentifier, serialNumber)));
    }

    private static async Task<IResult> CreateBundleLink(HttpRequest request, DownloadLinks links)
    {
        var (body, error) = await RequestBodies.ReadObject(request, MaxJsonBytes);
        if (error is not null)
            return error;
        var passType = OptionalString(body!, "passTypeIdentifier");
        if (passType is null)
            return Problems.Invalid("passTypeIdentifier", "passTypeIdentifier is required");
        if (body!["serialNumbers"] is not JsonArray serials || serials.Count is < 1 or > Packaging.Packaging.PassBundle.MaxPasses
            || serials.Any(s => s is not JsonValue v || !v.TryGetValue<string>(out var text) || !SerialShape().IsMatch(text)))
            return Problems.Invalid("serialNumbers", $"serialNumbers must list 1 to {Packaging.Packaging.PassBundle.MaxPasses} serial numbers");
        return Results.Ok(new BundleLinkResponse(links.ForBundle(passType, serials.Select(s => s!.GetValue<string>()).ToList())));
    }

    private static IResult GetDeviceLogs(DeviceLogStore store, int? count) =>
        Results.Ok(store.Recent(Math.Clamp(count ?? 100, 1, DeviceLogStore.Capacity)));

    private static (PassContent Content, IResult? Error) ContentOf(JsonObject body)
    {
        string? fields = null, patch = null;
        if (body.TryGetPropertyValue("fields", out var f) && f is not null)
        {
            if (f is not JsonObject fieldObject)
                return (null!, Problems.Invalid("fields", "fields must be an object of field key to value"));
            foreach (var (key, value) in fieldObject)
            {
                if (value is not JsonValue v || v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
                    return (null!, Problems.Invalid($"fields.{key}", "a field value must be a string or a number"));
            }
            fields = fieldObject.ToJsonString();
        }
        if (body.TryGetPropertyValue("pass", out var p) && p is not null)
        {
            if (p is not JsonObject patchObject)
                return (null!, Problems.Invalid("pass", "pass must be a JSON merge patch object for pass.json"));
            foreach (var reserved in new[] { "serialNumber", "passTypeIdentifier", "teamIdentifier", "authenticationToken", "webServiceURL" })
            {
                if (patchObject.ContainsKey(reserved))
                    return (null!, Problems.Invalid($"pass.{reserved}", $"{reserved} is set by the server and cannot be patched"));
            }
            patch = patchObject.ToJsonString();
        }
        return (new PassContent(fields, patch), null);
    }

    private static string? OptionalString(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    /// <summary>20 characters of Crockford base32: unguessable, URL-safe, no ambiguous letters.</summary>
    private static string NewSerial()
    {
        const string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        Span<byte> bytes = stackalloc byte[20];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(20, bytes.ToArray(), (chars, source) =>
        {
            for (var i = 0; i < chars.Length; i++)
                chars[i] = alphabet[source[i] & 31];
        });
    }
}

public sealed record TemplateResponse(string TemplateId, int Revision, string PassTypeIdentifier, IReadOnlyList<string> Warnings);
public sealed record GroupResponse(string GroupId, long Version);
public sealed record PassCreatedResponse(string PassTypeIdentifier, string SerialNumber, long Version, string DownloadUrl);
public sealed record VersionResponse(long Version);
public sealed record PassResponse(string PassTypeIdentifier, string SerialNumber, string TemplateId, string? GroupId, long Version,
    string LastUpdated, DateTimeOffset LastModified, bool Voided, int Devices, string DownloadUrl);
public sealed record BundleLinkResponse(string DownloadUrl);
