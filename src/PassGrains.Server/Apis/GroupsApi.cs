using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Scheduling;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>
/// PUT /api/groups/{groupId}: a group's template and content, which its passes follow, and its end; <see cref="GroupEnds"/> and
/// <see cref="PassIssuer.PutGroupAsync"/> decide.
/// </summary>
public static class GroupsApi
{
    internal static RouteGroupBuilder MapGroups(this RouteGroupBuilder api)
    {
        api.MapPut("/groups/{groupId}", PutGroup).WithSummary("Create or change a group; its passes follow").RequireIssuerScope(IssuerAccess.Write)
            .ReadsJson().ProducesProblem(StatusCodes.Status409Conflict).AsksGrains();
        return api;
    }

    /// <param name="dropUnknownFields">Move the group to a template without fields for some of its values: they render as nothing (else 409 names them).</param>
    private static async Task<Results<Created<GroupResponse>, Ok<GroupResponse>, ProblemHttpResult>> PutGroup(string groupId, HttpRequest request, GroupEnds groups,
        bool dropUnknownFields = false)
    {
        if (!PassIssuer.IsValidId(groupId))
            return Problems.Invalid("groupId", "group ids are 1–100 letters, digits, '.', '_' or '-'");
        var (body, error) = await RequestBodies.ReadObject(request, IssuerApi.MaxJsonBytes, RequestContent.GroupBody);
        if (error is not null)
            return error;
        var (content, contentError) = RequestContent.ContentOf(body!);
        if (contentError is { } invalid)
            return Problems.Invalid(invalid.Field, invalid.Message);
        var (end, removeEnd, endError) = GroupEnd.Read(body!);
        if (endError is { } badEnd)
            return Problems.Invalid(badEnd.Field, badEnd.Message);
        var outcome = await groups.PutGroupAsync(groupId, RequestContent.OptionalString(body!, "templateId"), content, end, removeEnd, request.HttpContext.IssuerKey(),
            dropUnknownFields);
        if (outcome is not ChangeOutcome.Stored stored)
            return outcome.ToProblem();
        var response = new GroupResponse(groupId, stored.Version, (stored.Dropped ?? []).Select(FieldUses.Dropped).ToList());
        return stored.Created ? TypedResults.Created($"/api/groups/{groupId}", response) : TypedResults.Ok(response);
    }
}

/// <param name="Warnings">Values of the group its template has no field for (stored with dropUnknownFields).</param>
public sealed record GroupResponse(string GroupId, long Version, IReadOnlyList<string> Warnings);
