using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>
/// GET /api/events: the event feed the webhooks are delivered from, for issuers that would rather pull. Read with
/// <c>after</c> set to the last answer's <c>next</c>; events come oldest first, each at least once (an event's
/// <c>id</c> is the same on every copy). A key scoped to pass types sees only theirs; <c>next</c> moves past the others.
/// </summary>
public static class EventsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    internal static RouteGroupBuilder MapEvents(this RouteGroupBuilder api)
    {
        api.MapGet("/events", ReadEvents).WithSummary("Lifecycle events after a cursor, oldest first (the feed webhooks are delivered from)")
            .RequireIssuerScope(IssuerAccess.Read).ProducesProblem(StatusCodes.Status400BadRequest).AsksGrains();
        return api;
    }

    private static async Task<Results<Ok<EventListResponse>, ProblemHttpResult>> ReadEvents(HttpContext context, IGrainFactory grains,
        string? after, int? limit, string? passType)
    {
        var cursor = 0L;
        if (after is not null && (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out cursor) || cursor < 0))
            return Problems.Invalid("after", "after must be the next of an earlier answer (a cursor: digits), or absent to read from the oldest kept event");
        if (limit is < 1 or > MaxLimit)
            return Problems.Invalid("limit", $"limit must be between 1 and {MaxLimit}");
        var scope = context.IssuerScope();
        if (passType is not null && !scope.Allows(passType))
            return Problems.Forbidden(PassTypeScope.Refusal(passType));
        var page = await grains.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed).Read(cursor, limit ?? DefaultLimit);
        var events = page.Events
            .Where(e => scope.Allows(e.PassTypeIdentifier) && (passType is null || e.PassTypeIdentifier == passType))
            .Select(EventResponse.Of)
            .ToList();
        return TypedResults.Ok(new EventListResponse(events, page.Next.ToString(CultureInfo.InvariantCulture), page.Skipped));
    }
}

/// <summary>
/// One lifecycle event, as webhooks receive it too: <c>cursor</c> is its place in the feed, <c>id</c> names it on
/// every copy, <c>version</c> the pass version it happened at.
/// </summary>
public sealed record EventResponse(long Cursor, string Id, string Type, string PassTypeIdentifier, string? SerialNumber, DateTimeOffset At,
    long? Version, string? DeviceLibraryIdentifier, string? Detail)
{
    public static EventResponse Of(LifecycleEvent e) =>
        new(e.Cursor, e.Id, e.Type, e.PassTypeIdentifier, e.SerialNumber, e.At, e.Version, e.DeviceLibraryIdentifier, e.Detail);
}

/// <summary>
/// Events after the cursor asked with; <c>next</c> is the cursor to ask with next time. <c>skipped</c>: events after
/// that cursor were older than the feed's retention and are gone.
/// </summary>
public sealed record EventListResponse(IReadOnlyList<EventResponse> Events, string Next, bool Skipped);
