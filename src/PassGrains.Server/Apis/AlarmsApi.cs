using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Server.Http;
using PassGrains.Server.Pushes;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>A pass type whose pushes are stopped: APNs refused its credential <see cref="Refusals"/> times in a row.</summary>
public sealed record AlarmResponse(string PassTypeIdentifier, int Status, string? Reason, DateTimeOffset RaisedAt, int Refusals);

/// <summary>/api/alarms: the cluster's push alarms (<see cref="PushAlarms"/>), and clearing one once it is fixed, from any silo.</summary>
public static class AlarmsApi
{
    internal static RouteGroupBuilder MapAlarms(this RouteGroupBuilder api)
    {
        api.MapGet("/alarms", ListAlarms)
            .WithSummary("Pass types whose pushes APNs refused repeatedly (403, TLS handshake): stopped on every silo until cleared").RequireIssuerScope(IssuerAccess.Read);
        api.MapDelete("/alarms/{passTypeIdentifier}", ClearAlarm)
            .WithSummary("Clear an alarm after fixing the certificate; every silo pushes again and owed pushes go out").RequireIssuerScope(IssuerAccess.Write)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    /// <summary>A scoped key sees only the alarms of its pass types.</summary>
    private static async Task<Ok<List<AlarmResponse>>> ListAlarms(HttpContext http, PushAlarms alarms) =>
        TypedResults.Ok((await alarms.ListAsync()).Where(a => http.IssuerScope().Allows(a.PassTypeIdentifier))
            .Select(a => new AlarmResponse(a.PassTypeIdentifier, a.Status, a.Reason, a.RaisedAt, a.Refusals)).ToList());

    private static async Task<Results<NoContent, ProblemHttpResult>> ClearAlarm(string passTypeIdentifier, PushAlarms alarms) =>
        await alarms.ClearAsync(passTypeIdentifier) ? TypedResults.NoContent() : Problems.NotFound($"no alarm for {passTypeIdentifier}");
}
