using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Scheduling;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>/api/passes: issuing one pass, changing, showing and voiding it; <see cref="PassIssuer"/> decides every change.</summary>
public static class PassesApi
{
    internal static RouteGroupBuilder MapPasses(this RouteGroupBuilder api)
    {
        api.MapPost("/passes", CreatePass).WithSummary("Issue a pass").RequireIssuerScope(IssuerAccess.Write)
            .ReadsJson().ProducesProblem(StatusCodes.Status409Conflict).AsksGrains();
        api.MapPatch("/passes/{passTypeIdentifier}/{serialNumber}", PatchPass).WithSummary("Change a pass").RequireIssuerScope(IssuerAccess.Write)
            .ReadsJson().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).AsksGrains();
        api.MapGet("/passes/{passTypeIdentifier}/{serialNumber}", GetPass).WithSummary("Show a pass").RequireIssuerScope(IssuerAccess.Read)
            .ProducesProblem(StatusCodes.Status404NotFound).AsksGrains();
        api.MapPost("/passes/{passTypeIdentifier}/{serialNumber}/void", VoidPass).WithSummary("Void a pass").RequireIssuerScope(IssuerAccess.Write)
            .ProducesProblem(StatusCodes.Status404NotFound).AsksGrains();
        return api;
    }

    private static async Task<Results<Created<PassCreatedResponse>, ProblemHttpResult>> CreatePass(HttpRequest request, PassIssuer issuer)
    {
        var (body, error) = await RequestBodies.ReadObject(request, IssuerApi.MaxJsonBytes);
        if (error is not null)
            return error;
        var outcome = await issuer.IssueAsync(body!, scope: request.HttpContext.IssuerScope());
        return outcome.Created is { } created
            ? TypedResults.Created($"/api/passes/{created.PassTypeIdentifier}/{created.SerialNumber}", created)
            : Problems.From(outcome);
    }

    private static async Task<Results<Ok<VersionResponse>, ProblemHttpResult>> PatchPass(string passTypeIdentifier, string serialNumber, HttpRequest request, PassIssuer issuer)
    {
        var (body, error) = await RequestBodies.ReadObject(request, IssuerApi.MaxJsonBytes, RequestContent.ChangeBody);
        if (error is not null)
            return error;
        var (content, contentError) = RequestContent.ContentOf(body!);
        if (contentError is { } invalid)
            return Problems.Invalid(invalid.Field, invalid.Message);
        var outcome = await issuer.ChangePassAsync(passTypeIdentifier, serialNumber, content);
        return outcome is ChangeOutcome.Stored stored ? TypedResults.Ok(new VersionResponse(stored.Version)) : outcome.ToProblem();
    }

    private static async Task<Results<Ok<VersionResponse>, ProblemHttpResult>> VoidPass(string passTypeIdentifier, string serialNumber, PassIssuer issuer)
    {
        var outcome = await issuer.VoidPassAsync(passTypeIdentifier, serialNumber);
        return outcome is ChangeOutcome.Stored stored ? TypedResults.Ok(new VersionResponse(stored.Version)) : outcome.ToProblem();
    }

    private static async Task<Results<Ok<PassResponse>, ProblemHttpResult>> GetPass(string passTypeIdentifier, string serialNumber, IGrainFactory grains, DownloadLinks links)
    {
        var pass = grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber));
        var summary = await pass.GetSummary();
        if (summary is null)
            return Problems.NotFound($"pass {passTypeIdentifier}/{serialNumber} does not exist");
        var owed = await pass.GetOwedPushCount();
        // A pass is void by itself or with its whole group (a group's end, Scheduling/GroupEnds.cs).
        var voided = summary.Voided || (summary.GroupId is { } groupId && GroupEnds.VoidsItsPasses(await grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)).GetSnapshot()));
        return TypedResults.Ok(new PassResponse(summary.PassTypeIdentifier, summary.SerialNumber, summary.TemplateId, summary.GroupId, summary.Version,
            summary.Stamp.Tag.ToString(System.Globalization.CultureInfo.InvariantCulture), summary.Stamp.LastModified, voided, summary.Devices,
            links.ForPass(passTypeIdentifier, serialNumber), owed));
    }
}


public sealed record VersionResponse(long Version);

public sealed record PassResponse(string PassTypeIdentifier, string SerialNumber, string TemplateId, string? GroupId, long Version,
    string LastUpdated, DateTimeOffset LastModified, bool Voided, int Devices, string DownloadUrl, int OwedPushes);
