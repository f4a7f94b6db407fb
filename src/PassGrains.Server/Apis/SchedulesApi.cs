using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Scheduling;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>/api/schedules: a change given a time, listed by target, cancelled before it runs; <see cref="ScheduledChanges"/> decides.</summary>
public static class SchedulesApi
{
    internal static RouteGroupBuilder MapSchedules(this RouteGroupBuilder api)
    {
        api.MapPost("/schedules", CreateSchedule).WithSummary("Schedule a change of a pass or group for a time").RequireIssuerScope(IssuerAccess.Write)
            .ReadsJson().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).AsksGrains();
        api.MapGet("/schedules", ListSchedules).WithSummary("The schedules of a pass or group: waiting ones by time, then the last that ended")
            .RequireIssuerScope(IssuerAccess.Read).ProducesProblem(StatusCodes.Status400BadRequest).AsksGrains();
        api.MapGet("/schedules/{id}", GetSchedule).WithSummary("Show a schedule and how it ended").RequireIssuerScope(IssuerAccess.Read)
            .ProducesProblem(StatusCodes.Status404NotFound).AsksGrains();
        api.MapDelete("/schedules/{id}", CancelSchedule).WithSummary("Cancel a schedule before it runs").RequireIssuerScope(IssuerAccess.Write)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).AsksGrains();
        return api;
    }

    private static async Task<Results<Created<ScheduleResponse>, Ok<ScheduleResponse>, ProblemHttpResult>> CreateSchedule(HttpRequest request, ScheduledChanges schedules)
    {
        var (body, error) = await RequestBodies.ReadObject(request, ScheduledChanges.MaxScheduleBytes, ScheduledChange.ScheduleBody);
        if (error is not null)
            return error;
        var outcome = await schedules.CreateAsync(body!, request.HttpContext.IssuerKey());
        if (outcome.Schedule is not { } schedule)
            return outcome.Refusal!.ToProblem();
        var response = ScheduleResponse.Of(schedule);
        return outcome.Created ? TypedResults.Created($"/api/schedules/{schedule.Id}", response) : TypedResults.Ok(response);
    }

    /// <param name="target">passes/{passTypeIdentifier}/{serialNumber} or groups/{groupId}</param>
    private static async Task<Results<Ok<ScheduleListResponse>, ProblemHttpResult>> ListSchedules(HttpContext context, ScheduledChanges schedules, string? target)
    {
        if (target is null)
            return Problems.Invalid("target", "target is required: passes/{passTypeIdentifier}/{serialNumber} or groups/{groupId}");
        var (list, refusal) = await schedules.ListAsync(target, context.IssuerScope());
        return list is null ? refusal!.ToProblem() : TypedResults.Ok(new ScheduleListResponse(target, list.Select(ScheduleResponse.Of).ToList()));
    }

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> GetSchedule(string id, HttpContext context, ScheduledChanges schedules)
    {
        var outcome = await schedules.GetAsync(id, context.IssuerScope());
        return outcome.Schedule is { } schedule ? TypedResults.Ok(ScheduleResponse.Of(schedule)) : outcome.Refusal!.ToProblem();
    }

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> CancelSchedule(string id, HttpContext context, ScheduledChanges schedules)
    {
        var outcome = await schedules.CancelAsync(id, context.IssuerScope());
        return outcome.Schedule is { } schedule ? TypedResults.Ok(ScheduleResponse.Of(schedule)) : outcome.Refusal!.ToProblem();
    }
}

/// <summary>
/// A schedule: the request it makes (<c>method</c>, <c>path</c>, <c>body</c>) at <c>at</c> (UTC), and its <c>status</c>:
/// pending, succeeded (<c>version</c> is the target's new version), failed (<c>error</c> says why) or cancelled.
/// </summary>
public sealed record ScheduleResponse(string Id, string Target, DateTimeOffset At, string Method, string Path, JsonObject? Body, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? EndedAt, long? Version, string? Error)
{
    public static ScheduleResponse Of(Schedule s) => new(s.Id, s.Target, s.At, s.Request.Method, s.Request.Path,
        s.Request.BodyJson is { } json ? JsonNode.Parse(json) as JsonObject : null, ScheduledChanges.Describe(s.Status), s.CreatedAt, s.EndedAt, s.Version, s.Error);
}

public sealed record ScheduleListResponse(string Target, IReadOnlyList<ScheduleResponse> Schedules);
