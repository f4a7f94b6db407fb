using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Scheduling;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>
/// /api/templates/{templateId}: pass models (zips) as template revisions, now (<see cref="PassIssuer.PutTemplateAsync"/>
/// decides) or staged for a schedule to make later (<see cref="StagedRevisions"/> decides).
/// </summary>
public static class TemplatesApi
{
    private const long MaxTemplateBytes = 32 * 1024 * 1024;

    internal static RouteGroupBuilder MapTemplates(this RouteGroupBuilder api)
    {
        api.MapPut("/templates/{templateId}", PutTemplate).WithSummary("Upload a pass model (zip) as a new template revision").RequireIssuerScope(IssuerAccess.Write)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).AsksGrains();
        api.MapPost("/templates/{templateId}/staged", StageRevision).WithSummary("Upload a pass model (zip) to be made the template's revision by a schedule")
            .RequireIssuerScope(IssuerAccess.Write).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).AsksGrains();
        api.MapGet("/templates/{templateId}/staged/{stagedId}", GetStagedRevision).WithSummary("Show a staged template revision and the schedule that holds it")
            .RequireIssuerScope(IssuerAccess.Read).ProducesProblem(StatusCodes.Status404NotFound).AsksGrains();
        api.MapDelete("/templates/{templateId}/staged/{stagedId}", DropStagedRevision).WithSummary("Forget a staged template revision no waiting schedule holds")
            .RequireIssuerScope(IssuerAccess.Write).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).AsksGrains();
        return api;
    }

    /// <summary>The zip of a template revision, once the key may replace the template: null (and the problem) when not.</summary>
    private static async Task<(byte[]? Zip, ProblemHttpResult? Problem)> ReadModelZip(string templateId, HttpRequest request, PassIssuer issuer)
    {
        if (!PassIssuer.IsValidId(templateId))
            return (null, Problems.Invalid("templateId", "template ids are 1–100 letters, digits, '.', '_' or '-'"));
        // Both the revision it replaces and the new one must be of the key's pass types; the first is known before the upload is read.
        if (await issuer.TemplateRefusalAsync(templateId, request.HttpContext.IssuerScope()) is { } replaced)
            return (null, Problems.Forbidden(replaced));
        RequestBodies.AllowUpTo(request, MaxTemplateBytes);
        var body = await RequestBodies.ReadBytes(request, MaxTemplateBytes);
        return body is null ? (null, Problems.TooLarge($"a template zip may have at most {MaxTemplateBytes / 1024 / 1024} MiB")) : (body, null);
    }

    /// <param name="dropUnknownFields">Store a revision without fields that stored passes or groups set: their values render as nothing (else 409 names them).</param>
    private static async Task<Results<Created<TemplateResponse>, Ok<TemplateResponse>, ProblemHttpResult>> PutTemplate(string templateId, HttpRequest request, PassIssuer issuer,
        bool dropUnknownFields = false)
    {
        var (body, problem) = await ReadModelZip(templateId, request, issuer);
        if (body is null)
            return problem!;
        var outcome = await issuer.PutTemplateAsync(templateId, body, request.HttpContext.IssuerScope(), dropUnknownFields);
        if (outcome is not ChangeOutcome.TemplateStored stored)
            return outcome.ToProblem();
        var response = new TemplateResponse(templateId, stored.Revision, stored.PassTypeIdentifier,
            [.. stored.Problems.Select(p => p.ToString()), .. stored.Dropped.Select(FieldUses.Dropped)],
            stored.Dropped.Select(u => new FieldInUse(FieldUses.Field(u), u.Key, u.Passes, u.Groups)).ToList());
        return stored.Created ? TypedResults.Created($"/api/templates/{templateId}", response) : TypedResults.Ok(response);
    }

    private static async Task<Results<Created<StagedRevisionResponse>, Ok<StagedRevisionResponse>, ProblemHttpResult>> StageRevision(string templateId, HttpRequest request,
        PassIssuer issuer, StagedRevisions staged)
    {
        var (body, problem) = await ReadModelZip(templateId, request, issuer);
        if (body is null)
            return problem!;
        var outcome = await staged.StageAsync(templateId, body, request.HttpContext.IssuerScope());
        if (outcome.Revision is not { } revision)
            return outcome.Refusal!.ToProblem();
        var response = StagedRevisionResponse.Of(revision, outcome.Problems);
        return outcome.Created ? TypedResults.Created($"/api/templates/{templateId}/staged/{revision.StagedId}", response) : TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<StagedRevisionResponse>, ProblemHttpResult>> GetStagedRevision(string templateId, string stagedId, HttpContext context, StagedRevisions staged)
    {
        if (!PassIssuer.IsValidId(templateId))
            return Problems.Invalid("templateId", "template ids are 1–100 letters, digits, '.', '_' or '-'");
        var outcome = await staged.GetAsync(templateId, stagedId, context.IssuerScope());
        return outcome.Revision is { } revision ? TypedResults.Ok(StagedRevisionResponse.Of(revision, null)) : outcome.Refusal!.ToProblem();
    }

    private static async Task<Results<Ok<StagedRevisionResponse>, ProblemHttpResult>> DropStagedRevision(string templateId, string stagedId, HttpContext context, StagedRevisions staged)
    {
        if (!PassIssuer.IsValidId(templateId))
            return Problems.Invalid("templateId", "template ids are 1–100 letters, digits, '.', '_' or '-'");
        var outcome = await staged.DropAsync(templateId, stagedId, context.IssuerScope());
        return outcome.Revision is { } revision ? TypedResults.Ok(StagedRevisionResponse.Of(revision, null)) : outcome.Refusal!.ToProblem();
    }
}

/// <param name="DroppedFields">Keys in use the revision has no field for (stored with dropUnknownFields): those passes and groups render without them.</param>
public sealed record TemplateResponse(string TemplateId, int Revision, string PassTypeIdentifier, IReadOnlyList<string> Warnings, IReadOnlyList<FieldInUse> DroppedFields);

/// <summary>
/// A template revision staged for a schedule: <c>stagedId</c> (the zip's SHA-256) goes in the schedule's body,
/// <c>{"staged": stagedId}</c>, of <c>PUT /api/templates/{templateId}</c>. Kept until <c>keptUntil</c> unless a schedule
/// claims it (<c>claimedBy</c>), then until that schedule ends. <c>warnings</c>: what its model left, on upload only.
/// </summary>
public sealed record StagedRevisionResponse(string TemplateId, string StagedId, string PassTypeIdentifier, int Size, DateTimeOffset StagedAt, DateTimeOffset KeptUntil,
    string? ClaimedBy, IReadOnlyList<string> Warnings)
{
    public static StagedRevisionResponse Of(StagedRevisionInfo r, IReadOnlyList<Packaging.Validation.PassProblem>? problems) =>
        new(r.TemplateId, r.StagedId, r.PassTypeIdentifier, r.Size, r.StagedAt, r.KeptUntil, r.ClaimedBy, [.. (problems ?? []).Select(p => p.ToString())]);
}
