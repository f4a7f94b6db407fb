using PassGrains.Server.Http;
using PassGrains.Server.PassTypes;
using PassGrains.Server.DeviceLogs;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Abstractions;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Validation;
using PassGrains.Server.Issuing;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>
/// The issuer API (README) under /api/: templates, groups, passes. Every error is RFC 9457
/// problem+json naming the offending field; every request needs an issuer API key.
/// </summary>
public static partial class IssuerApi
{
    private const long MaxJsonBytes = 1024 * 1024;
    private const long MaxTemplateBytes = 32 * 1024 * 1024;

    private static readonly BodyShape WebhookBody = new(("url", JsonValueKind.String), ("secret", JsonValueKind.String), ("passTypeIdentifier", JsonValueKind.String));

    private static readonly BodyShape BundleLinkBody = new(("passTypeIdentifier", JsonValueKind.String), ("serialNumbers", JsonValueKind.Array));

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdShape();

    public static IEndpointRouteBuilder MapIssuerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Issuer API").AddEndpointFilter(IssuerAuthorization.RequireIssuerKey).WithPassLogScope();
        // Reads need any key; changes need a read-write key. A {passTypeIdentifier} in the route is checked against the
        // key's pass types by the filter; a pass type learnt from a body or a lookup is checked where it is learnt.
        api.MapPut("/templates/{templateId}", PutTemplate).WithSummary("Upload a pass model (zip) as a new template revision").RequireIssuerScope(IssuerAccess.Write);
        api.MapPut("/groups/{groupId}", PutGroup).WithSummary("Create or change a group; its passes follow").RequireIssuerScope(IssuerAccess.Write);
        api.MapPost("/passes", CreatePass).WithSummary("Issue a pass").RequireIssuerScope(IssuerAccess.Write);
        api.MapPost("/passes/batch", CreateBatch).WithSummary("Issue many passes from NDJSON, one POST /api/passes body a line; 202 with a job id").RequireIssuerScope(IssuerAccess.Write);
        api.MapGet("/jobs/{jobId}", GetJob).WithSummary("Progress of a batch job").RequireIssuerScope(IssuerAccess.Read);
        api.MapPatch("/passes/{passTypeIdentifier}/{serialNumber}", PatchPass).WithSummary("Change a pass").RequireIssuerScope(IssuerAccess.Write);
        api.MapGet("/passes/{passTypeIdentifier}/{serialNumber}", GetPass).WithSummary("Show a pass").RequireIssuerScope(IssuerAccess.Read);
        api.MapPost("/passes/{passTypeIdentifier}/{serialNumber}/void", VoidPass).WithSummary("Void a pass").RequireIssuerScope(IssuerAccess.Write);
        // A link changes nothing, and a read-only key already gets one with GET /api/passes/...: a read.
        api.MapPost("/downloads", CreateBundleLink).WithSummary("A signed .pkpasses link for up to 10 passes of one pass type").RequireIssuerScope(IssuerAccess.Read);
        api.MapGet("/device-logs", GetDeviceLogs).WithSummary("Recent messages devices sent to /v1/log").RequireIssuerScope(IssuerAccess.Read);
        api.MapPut("/webhooks/{name}", PutWebhook).WithSummary("Subscribe a URL to a pass type's lifecycle events (signed JSON POSTs)").RequireIssuerScope(IssuerAccess.Write);
        api.MapGet("/webhooks/{name}", GetWebhook).WithSummary("Show a webhook (its secret is never shown)").RequireIssuerScope(IssuerAccess.Read);
        api.MapDelete("/webhooks/{name}", DeleteWebhook).WithSummary("Delete a webhook; its undelivered events are dropped").RequireIssuerScope(IssuerAccess.Write);
        api.MapGet("/pass-types", ListPassTypes).WithSummary("Pass types this server signs for, with the expiry of their certificates").RequireIssuerScope(IssuerAccess.Read);
        api.MapGet("/alarms", (HttpContext http, Pushes.PushAlarms alarms) => Results.Ok(alarms.All.Where(a => http.IssuerScope().Allows(a.PassTypeIdentifier))))
            .WithSummary("Pass types whose pushes APNs refused (403): stopped until cleared").RequireIssuerScope(IssuerAccess.Read);
        api.MapDelete("/alarms/{passTypeIdentifier}", (string passTypeIdentifier, Pushes.PushAlarms alarms) =>
            alarms.Clear(passTypeIdentifier) ? Results.NoContent() : Problems.NotFound($"no alarm for {passTypeIdentifier}"))
            .WithSummary("Clear an alarm after fixing the certificate; owed pushes go out again").RequireIssuerScope(IssuerAccess.Write);
        return app;
    }

    /// <summary>A scoped key sees only its own pass types.</summary>
    private static IResult ListPassTypes(HttpContext http, PassTypeRegistry passTypes, TimeProvider time)
    {
        var now = time.GetUtcNow();
        CertificateResponse Describe(Packaging.Signing.PassCertificateInfo info) => new(info.Subject, info.NotAfter, info.DaysLeft(now));
        return Results.Ok(passTypes.All.Where(t => http.IssuerScope().Allows(t.Identifier)).OrderBy(t => t.Identifier, StringComparer.Ordinal)
            .Select(t => new PassTypeResponse(t.Identifier, t.TeamIdentifier, Describe(t.Signer.Certificate),
                Describe(Packaging.Signing.PassCertificateInfo.From(t.Signer.Wwdr))))
            .ToList());
    }

    private static async Task<IResult> PutTemplate(string templateId, HttpRequest request, IGrainFactory grains, PassRenderer renderer, PassTypeRegistry passTypes)
    {
        if (!IdShape().IsMatch(templateId))
            return Problems.Invalid("templateId", "template ids are 1–100 letters, digits, '.', '_' or '-'");
        // Both the revision it replaces and the new one must be of the key's pass types.
        if (await request.HttpContext.TemplateProblemAsync(renderer, templateId) is { } forbidden)
            return forbidden;
        AllowBody(request, MaxTemplateBytes);
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
        if (request.HttpContext.PassTypeProblem(passType) is { } outOfScope)
            return outOfScope;
        var put = await grains.GetGrain<ITemplateGrain>(GrainKeys.Template(templateId)).Put(body, passType);
        var response = new TemplateResponse(templateId, put.Revision, passType, result.Problems.Select(p => p.ToString()).ToList());
        return put.Created ? Results.Created($"/api/templates/{templateId}", response) : Results.Ok(response);
    }

    private static async Task<IResult> PutGroup(string groupId, HttpRequest request, IGrainFactory grains, PassRenderer renderer)
    {
        if (!IdShape().IsMatch(groupId))
            return Problems.Invalid("groupId", "group ids are 1–100 letters, digits, '.', '_' or '-'");
        var (body, error) = await RequestBodies.ReadObject(request, MaxJsonBytes, RequestContent.GroupBody);
        if (error is not null)
            return error;
        var (content, contentError) = RequestContent.ContentOf(body!);
        if (contentError is { } invalid)
            return Problems.Invalid(invalid.Field, invalid.Message);
        var templateId = RequestContent.OptionalString(body!, "templateId");
        var existing = await grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)).GetSnapshot();
        templateId ??= existing?.TemplateId;
        if (templateId is null)
            return Problems.Invalid("templateId", "a new group needs the templateId of its passes");
        // A group's passes are of its template's pass type: the group's current template and the one it moves to.
        foreach (var template in new[] { existing?.TemplateId, templateId }.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await request.HttpContext.TemplateProblemAsync(renderer, template) is { } forbidden)
                return forbidden;
        }
        var problems = await renderer.CheckAsync(templateId, "GROUP-CHECK", existing is null ? content : Grains.JsonContent.Merge(existing.Content, content), new PassContent(null, null));
        if (problems.Any(p => p.IsError))
            return Problems.FromPassProblems("the group's values would make invalid passes", problems);
        var result = await grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)).Put(new GroupPut(templateId, content));
        var response = new GroupResponse(groupId, result.Version);
        return result.Created ? Results.Created($"/api/groups/{groupId}", response) : Results.Ok(response);
    }

    private static async Task<IResult> CreatePass(HttpRequest request, PassIssuer issuer)
    {
        var (body, error) = await RequestBodies.ReadObject(request, MaxJsonBytes);
        if (error is not null)
            return error;
        var outcome = await issuer.IssueAsync(body!, scope: request.HttpContext.IssuerScope());
        return outcome.Created is { } created
            ? Results.Created($"/api/passes/{created.PassTypeIdentifier}/{created.SerialNumber}", created)
            : Problems.From(outcome);
    }

    private static async Task<IResult> CreateBatch(HttpRequest request, BatchJobs jobs)
    {
        AllowBody(request, BatchJobs.MaxUploadBytes);
        if (request.ContentLength > BatchJobs.MaxUploadBytes)
            return Problems.TooLarge($"a batch may have at most {BatchJobs.MaxUploadBytes / 1024 / 1024} MiB");
        var (jobId, error) = await jobs.SubmitAsync(request.Body, request.HttpContext.IssuerScope(), request.HttpContext.RequestAborted);
        if (jobId is null)
            return error!.StartsWith("a batch may have at most", StringComparison.Ordinal) ? Problems.TooLarge(error) : Problems.Invalid("$", error);
        return Results.Accepted($"/api/jobs/{jobId}", new JobCreatedResponse(jobId));
    }

    private static async Task<IResult> GetJob(string jobId, IGrainFactory grains)
    {
        var status = await grains.GetGrain<IBatchJobGrain>(GrainKeys.Job(jobId)).GetStatus();
        return status is null
            ? Problems.NotFound($"job {jobId} does not exist")
            : Results.Ok(new JobResponse(jobId, status.State == BatchJobState.Completed ? "completed" : "running", status.Total, status.Done, status.Failed, status.Errors));
    }

    private static async Task<IResult> PutWebhook(string name, HttpRequest request, IGrainFactory grains, PassTypeRegistry passTypes,
        Webhooks.WebhookSubscriptions subscriptions, Microsoft.Extensions.Options.IOptions<Webhooks.WebhookOptions> webhookOptions)
    {
        if (!IdShape().IsMatch(name))
            return Problems.Invalid("name", "webhook names are 1–100 letters, digits, '.', '_' or '-'");
        var (body, error) = await RequestBodies.ReadObject(request, MaxJsonBytes, WebhookBody);
        if (error is not null)
            return error;
        var url = RequestContent.OptionalString(body!, "url");
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return Problems.Invalid("url", "url must be an absolute http(s) URL");
        var secret = RequestContent.OptionalString(body!, "secret");
        if (secret is null || secret.Length < 16)
            return Problems.Invalid("secret", "secret must have at least 16 characters; it signs every event (HMAC-SHA256)");
        var passType = RequestContent.OptionalString(body!, "passTypeIdentifier");
        if (passType is null || passTypes.Find(passType) is null)
            return Problems.Invalid("passTypeIdentifier", $"passTypeIdentifier must be a pass type this server signs for ({string.Join(", ", passTypes.All.Select(t => t.Identifier))})");
        if (request.HttpContext.PassTypeProblem(passType) is { } forbidden)
            return forbidden;
        if (await ReplacedWebhookProblem(request.HttpContext, grains, name) is { } replacesOther)
            return replacesOther;
        if (await RefuseWebhookHost(uri, webhookOptions.Value.AllowPrivateNetworks, request.HttpContext.RequestAborted) is { } refusal)
            return Problems.Invalid("url", refusal);
        var created = await grains.GetGrain<IWebhookRegistryGrain>(Grains.WebhookRegistryGrain.Key).Put(new Webhook(name, uri.ToString(), secret, passType));
        await subscriptions.RefreshAsync(); // this silo publishes at once; the others within WebhookSubscriptions.RefreshInterval
        var response = new WebhookResponse(name, uri.ToString(), passType);
        return created ? Results.Created($"/api/webhooks/{name}", response) : Results.Ok(response);
    }

    /// <summary>
    /// Why a webhook URL's host may not be stored: an IP literal or a name that resolves, now, to an address
    /// webhooks may not reach. A name that does not resolve (yet) is accepted, since a receiver's DNS may be
    /// published after its subscription; every delivery vets the addresses it connects to anyway, so this
    /// check only tells the issuer early.
    /// </summary>
    private static async Task<string?> RefuseWebhookHost(Uri uri, bool allowPrivateNetworks, CancellationToken aborted)
    {
        if (allowPrivateNetworks)
            return null;
        System.Net.IPAddress[] addresses;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await Webhooks.WebhookAddresses.ResolveAsync(uri.IdnHost, timeout.Token);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && !aborted.IsCancellationRequested)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return $"url host '{uri.Host}' is not a name DNS can resolve";
        }
        return Webhooks.WebhookAddresses.FirstForbidden(addresses, allowPrivateNetworks) is { } forbidden
            ? $"url host '{uri.Host}' resolves to {forbidden}, which is not a public address: webhooks may not reach loopback, private, link-local, "
              + "multicast or reserved networks (an operator can allow them with PassGrains:Webhooks:AllowPrivateNetworks)"
            : null;
    }

    /// <summary>A scoped key sees and deletes only the webhooks of its pass types; others are answered as if they did not exist.</summary>
    private static async Task<Webhook?> FindWebhookInScope(HttpContext http, IGrainFactory grains, string name) =>
        await grains.GetGrain<IWebhookRegistryGrain>(Grains.WebhookRegistryGrain.Key).Find(name) is { } hook && http.IssuerScope().Allows(hook.PassTypeIdentifier)
            ? hook
            : null;

    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> GetWebhook(string name, HttpContext http, IGrainFactory grains)
    {
        var hook = await FindWebhookInScope(http, grains, name);
        return hook is null
            ? Problems.NotFound($"webhook {name} does not exist")
            : TypedResults.Ok(new WebhookResponse(hook.Name, hook.Url, hook.PassTypeIdentifier));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhook(string name, HttpContext http, IGrainFactory grains, Webhooks.WebhookSubscriptions subscriptions)
    {
        if (await FindWebhookInScope(http, grains, name) is null || !await grains.GetGrain<IWebhookRegistryGrain>(Grains.WebhookRegistryGrain.Key).Delete(name))
            return Problems.NotFound($"webhook {name} does not exist");
        await subscriptions.RefreshAsync(); // this silo stops at once, undelivered events included; the others within WebhookSubscriptions.RefreshInterval
        return TypedResults.NoContent();
    }

    /// <summary>A webhook is replaced by name: a scoped key may not take over another pass type's webhook.</summary>
    private static async Task<IResult?> ReplacedWebhookProblem(HttpContext http, IGrainFactory grains, string name) =>
        http.IssuerScope().IsUnrestricted || await grains.GetGrain<IWebhookRegistryGrain>(Grains.WebhookRegistryGrain.Key).Find(name) is not { } existing
            ? null
            : http.PassTypeProblem(existing.PassTypeIdentifier);

    private static async Task<IResult> PatchPass(string passTypeIdentifier, string serialNumber, HttpRequest request, IGrainFactory grains, PassRenderer renderer)
    {
        var (body, error) = await RequestBodies.ReadObject(request, MaxJsonBytes, RequestContent.ChangeBody);
        if (error is not null)
            return error;
        var (content, contentError) = RequestContent.ContentOf(body!);
        if (contentError is { } invalid)
            return Problems.Invalid(invalid.Field, invalid.Message);
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
        var owed = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).GetOwedPushCount();
        return Results.Ok(new PassResponse(summary.PassTypeIdentifier, summary.SerialNumber, summary.TemplateId, summary.GroupId, summary.Version,
            summary.Stamp.Tag.ToString(System.Globalization.CultureInfo.InvariantCulture), summary.Stamp.LastModified, summary.Voided, summary.Devices,
            links.ForPass(passTypeIdentifier, serialNumber), owed));
    }

    private static async Task<IResult> CreateBundleLink(HttpRequest request, DownloadLinks links)
    {
        var (body, error) = await RequestBodies.ReadObject(request, MaxJsonBytes, BundleLinkBody);
        if (error is not null)
            return error;
        var passType = RequestContent.OptionalString(body!, "passTypeIdentifier");
        if (passType is null)
            return Problems.Invalid("passTypeIdentifier", "passTypeIdentifier is required");
        if (request.HttpContext.PassTypeProblem(passType) is { } forbidden)
            return forbidden;
        if (body!["serialNumbers"] is not JsonArray serials || serials.Count is < 1 or > Packaging.Building.PassBundle.MaxPasses
            || serials.Any(s => s is not JsonValue v || !v.TryGetValue<string>(out var text) || !PassIssuer.IsValidSerial(text)))
            return Problems.Invalid("serialNumbers", $"serialNumbers must list 1 to {Packaging.Building.PassBundle.MaxPasses} serial numbers");
        return Results.Ok(new BundleLinkResponse(links.ForBundle(passType, serials.Select(s => s!.GetValue<string>()).ToList())));
    }

    /// <summary>Kestrel refuses bodies over 30 MB by default; these endpoints check their own, larger limit while reading.</summary>
    private static void AllowBody(HttpRequest request, long limit)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit + 1;
    }

    /// <summary>Devices' messages name no pass type, so only a key for every pass type reads them.</summary>
    private static IResult GetDeviceLogs(HttpContext http, DeviceLogStore store, int? count) =>
        http.UnscopedProblem("reading device logs") ?? Results.Ok(store.Recent(Math.Clamp(count ?? 100, 1, DeviceLogStore.Capacity)));

}

public sealed record TemplateResponse(string TemplateId, int Revision, string PassTypeIdentifier, IReadOnlyList<string> Warnings);
public sealed record GroupResponse(string GroupId, long Version);
public sealed record VersionResponse(long Version);

public sealed record CertificateResponse(string Subject, DateTimeOffset NotAfter, int DaysLeft);

public sealed record PassTypeResponse(string PassTypeIdentifier, string? TeamIdentifier, CertificateResponse Certificate, CertificateResponse Intermediate);
public sealed record PassResponse(string PassTypeIdentifier, string SerialNumber, string TemplateId, string? GroupId, long Version,
    string LastUpdated, DateTimeOffset LastModified, bool Voided, int Devices, string DownloadUrl, int OwedPushes);
public sealed record BundleLinkResponse(string DownloadUrl);
public sealed record JobCreatedResponse(string JobId);
public sealed record WebhookResponse(string Name, string Url, string PassTypeIdentifier);
public sealed record JobResponse(string JobId, string State, int Total, int Done, int Failed, IReadOnlyList<string> Errors);
