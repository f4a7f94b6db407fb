using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>PUT /api/templates/{templateId}: pass models (zips) as template revisions; <see cref="PassIssuer.PutTemplateAsync"/> decides.</summary>
public static class TemplatesApi
{
    private const long MaxTemplateBytes = 32 * 1024 * 1024;

    internal static RouteGroupBuilder MapTemplates(this RouteGroupBuilder api)
    {
        api.MapPut("/templates/{templateId}", PutTemplate).WithSummary("Upload a pass model (zip) as a new template revision").RequireIssuerScope(IssuerAccess.Write)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).AsksGrains();
        return api;
    }

    /// <param name="dropUnknownFields">Store a revision without fields that stored passes or groups set: their values render as nothing (else 409 names them).</param>
    private static async Task<Results<Created<TemplateResponse>, Ok<TemplateResponse>, ProblemHttpResult>> PutTemplate(string templateId, HttpRequest request, PassIssuer issuer,
        bool dropUnknownFields = false)
    {
        if (!PassIssuer.IsValidId(templateId))
            return Problems.Invalid("templateId", "template ids are 1–100 letters, digits, '.', '_' or '-'");
        // Both the revision it replaces and the new one must be of the key's pass types; the first is known before the upload is read.
        var scope = request.HttpContext.IssuerScope();
        if (await issuer.TemplateRefusalAsync(templateId, scope) is { } replaced)
            return Problems.Forbidden(replaced);
        RequestBodies.AllowUpTo(request, MaxTemplateBytes);
        var body = await RequestBodies.ReadBytes(request, MaxTemplateBytes);
        if (body is null)
            return Problems.TooLarge($"a template zip may have at most {MaxTemplateBytes / 1024 / 1024} MiB");
        var outcome = await issuer.PutTemplateAsync(templateId, body, scope, dropUnknownFields);
        if (outcome is not ChangeOutcome.TemplateStored stored)
            return outcome.ToProblem();
        var response = new TemplateResponse(templateId, stored.Revision, stored.PassTypeIdentifier,
            [.. stored.Problems.Select(p => p.ToString()), .. stored.Dropped.Select(FieldUses.Dropped)],
            stored.Dropped.Select(u => new FieldInUse(FieldUses.Field(u), u.Key, u.Passes, u.Groups)).ToList());
        return stored.Created ? TypedResults.Created($"/api/templates/{templateId}", response) : TypedResults.Ok(response);
    }
}

/// <param name="DroppedFields">Keys in use the revision has no field for (stored with dropUnknownFields): those passes and groups render without them.</param>
public sealed record TemplateResponse(string TemplateId, int Revision, string PassTypeIdentifier, IReadOnlyList<string> Warnings, IReadOnlyList<FieldInUse> DroppedFields);
