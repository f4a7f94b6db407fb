using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>PUT /api/groups/{groupId}: a group's template and content, which its passes follow; <see cref="PassIssuer.PutGroupAsync"/> decides.</summary>
public static class GroupsApi
{
    internal static RouteGroupBuilder MapGroups(this RouteGroupBuilder api)
    {
        api.MapPut("/groups/{groupId}", PutGroup).WithSummary("Create or change a group; its passes follow").RequireIssuerScope(IssuerAccess.Write)
            .ReadsJson().AsksGrains();
        return api;
    }

    private static async Task<Results<Created<GroupResponse>, Ok<GroupResponse>, ProblemHttpResult>> PutGroup(string groupId, HttpRequest request, PassIssuer issuer)
    {
        if (!IssuerApi.IdShape().IsMatch(groupId))
            return Problems.Invalid("groupId", "group ids are 1–100 letters, digits, '.', '_' or '-'");
        var (body, error) = await RequestBodies.ReadObject(request, IssuerApi.MaxJsonBytes, RequestContent.GroupBody);
        if (error is not null)
            return error;
        var (content, contentError) = RequestContent.ContentOf(body!);
        if (contentError is { } invalid)
            return Problems.Invalid(invalid.Field, invalid.Message);
        var outcome = await issuer.PutGroupAsync(groupId, RequestContent.OptionalString(body!, "templateId"), content, request.HttpContext.IssuerScope());
        if (outcome is not ChangeOutcome.Stored stored)
            return outcome.ToProblem();
        var response = new GroupResponse(groupId, stored.Version);
        return stored.Created ? TypedResults.Created($"/api/groups/{groupId}", response) : TypedResults.Ok(response);
    }
}

public sealed record GroupResponse(string GroupId, long Version);
