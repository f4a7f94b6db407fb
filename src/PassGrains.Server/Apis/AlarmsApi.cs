using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Server.Http;
using PassGrains.Server.Pushes;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>/api/alarms: pass types whose pushes APNs refused (<see cref="PushAlarms"/>), and clearing one once it is fixed.</summary>
public static class AlarmsApi
{
    internal static RouteGroupBuilder MapAlarms(this RouteGroupBuilder api)
    {
        api.MapGet("/alarms", ListAlarms)
            .WithSummary("Pass types whose pushes APNs refused (403): stopped until cleared").RequireIssuerScope(IssuerAccess.Read);
        api.MapDelete("/alarms/{passTypeIdentifier}", ClearAlarm)
            .WithSummary("Clear an alarm after fixing the certificate; owed pushes go out again").RequireIssuerScope(IssuerAccess.Write)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    /// <summary>A scoped key sees only the alarms of its pass types.</summary>
    private static Ok<List<PushAlarm>> ListAlarms(HttpContext http, PushAlarms alarms) =>
        TypedResults.Ok(alarms.All.Where(a => http.IssuerScope().Allows(a.PassTypeIdentifier)).ToList());

    private static Results<NoContent, ProblemHttpResult> ClearAlarm(string passTypeIdentifier, PushAlarms alarms) =>
        alarms.Clear(passTypeIdentifier) ? TypedResults.NoContent() : Problems.NotFound($"no alarm for {passTypeIdentifier}");
}
