using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Abstractions;
using PassGrains.Server.Security;
using PassGrains.Server.Stats;

namespace PassGrains.Server.Apis;

/// <summary>GET /api/stats: a pass type's, template's or group's numbers by hour or day; <see cref="IssuerStats"/> decides.</summary>
public static class StatsApi
{
    internal static RouteGroupBuilder MapStats(this RouteGroupBuilder api)
    {
        api.MapGet("/stats", ReadStats)
            .WithSummary("Issued, voided, installs, uninstalls, active installs, downloads and pushes of one pass type, template or group, by hour or day")
            .RequireIssuerScope(IssuerAccess.Read).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).AsksGrains();
        return api;
    }

    /// <param name="passType">The scope: a pass type (or give template, or group).</param>
    /// <param name="template">The scope: a template's passes.</param>
    /// <param name="group">The scope: a group's passes.</param>
    /// <param name="interval">hour or day (default).</param>
    /// <param name="from">RFC 3339; default a day (hours) or 30 days (days) before to. Taken down to its bucket's start, UTC.</param>
    /// <param name="to">RFC 3339; default now. The last bucket is the one it falls in.</param>
    private static async Task<Results<Ok<StatsResponse>, ProblemHttpResult>> ReadStats(HttpContext context, IssuerStats stats,
        string? passType, string? template, string? group, string? interval, string? from, string? to)
    {
        var (report, refusal) = await stats.ReadAsync(new StatsQuery(passType, template, group, interval, from, to), context.IssuerScope());
        return report is null ? refusal!.ToProblem() : TypedResults.Ok(StatsResponse.Of(report));
    }
}

/// <summary>
/// One scope's numbers (README "Numbers for issuers"). <c>countedThrough</c> is the event feed's cursor up to which every
/// event is counted: compare it with <c>GET /api/events</c>'s <c>next</c>.
/// </summary>
public sealed record StatsResponse(string Scope, string Id, string Interval, DateTimeOffset From, DateTimeOffset To, string CountedThrough,
    IReadOnlyList<StatsBucketResponse> Buckets)
{
    public static StatsResponse Of(StatsReport report)
    {
        var step = report.Interval == StatsInterval.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var scope = report.ScopeKind switch
        {
            GrainKeys.StatsPassType => "passType",
            GrainKeys.StatsTemplate => "template",
            _ => "group",
        };
        return new StatsResponse(scope, report.ScopeId, report.Interval == StatsInterval.Hour ? "hour" : "day", report.From, report.To,
            report.CountedThrough.ToString(CultureInfo.InvariantCulture),
            report.Buckets.Select(b => StatsBucketResponse.Of(b, step, report.CountsPushes)).ToList());
    }
}

/// <summary>
/// One hour or day: what happened in it, and <c>activeInstalls</c>, the devices holding a pass of the scope at its end.
/// <c>pushesSent</c> (APNs took them) and <c>pushesFailed</c> are given for a pass type only: a push wakes a device for
/// every pass of the type it holds, whatever template or group asked for it.
/// </summary>
public sealed record StatsBucketResponse(DateTimeOffset Start, DateTimeOffset End, long Issued, long Voided, long Installs, long Uninstalls,
    long ActiveInstalls, long Downloads, long? PushesSent, long? PushesFailed)
{
    public static StatsBucketResponse Of(StatsBucket bucket, TimeSpan step, bool countsPushes)
    {
        var c = bucket.Counts;
        return new StatsBucketResponse(bucket.Start, bucket.Start + step, c.Issued, c.Voided, c.Installs, c.Uninstalls, bucket.ActiveInstalls, c.Downloads,
            countsPushes ? c.PushesSent : null, countsPushes ? c.PushesFailed : null);
    }
}
