using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>
/// POST /api/downloads: signed .pkpasses links for several passes. The links themselves are served, without a key,
/// by <see cref="DownloadApi"/> under /download/.
/// </summary>
public static class DownloadLinksApi
{
    private static readonly BodyShape BundleLinkBody = new(("passTypeIdentifier", JsonValueKind.String), ("serialNumbers", JsonValueKind.Array));

    internal static RouteGroupBuilder MapDownloadLinks(this RouteGroupBuilder api)
    {
        // A link changes nothing, and a read-only key already gets one with GET /api/passes/...: a read.
        api.MapPost("/downloads", CreateBundleLink).WithSummary("A signed .pkpasses link for up to 10 passes of one pass type").RequireIssuerScope(IssuerAccess.Read)
            .ReadsJson();
        return api;
    }

    private static async Task<Results<Ok<BundleLinkResponse>, ProblemHttpResult>> CreateBundleLink(HttpRequest request, DownloadLinks links)
    {
        var (body, error) = await RequestBodies.ReadObject(request, IssuerApi.MaxJsonBytes, BundleLinkBody);
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
        return TypedResults.Ok(new BundleLinkResponse(links.ForBundle(passType, serials.Select(s => s!.GetValue<string>()).ToList())));
    }
}

public sealed record BundleLinkResponse(string DownloadUrl);
