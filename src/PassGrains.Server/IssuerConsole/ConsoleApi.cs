using PassGrains.Server.Apis;
using PassGrains.Server.Http;
using PassGrains.Server.Security;
using PassGrains.Server.Stats;

namespace PassGrains.Server.IssuerConsole;

/// <summary>Pages for issuers under /console/, opened in a browser with an issuer key (<see cref="IssuerPageAccess"/>): the stats drawn as charts.</summary>
public static class ConsoleApi
{
    public static IEndpointRouteBuilder MapConsoleApi(this IEndpointRouteBuilder app)
    {
        var console = app.MapGroup("/console").WithTags("Console").AddEndpointFilter(IssuerPageAccess.RequireIssuerKey);
        console.MapGet("/stats", StatsPageOf)
            .WithSummary("The numbers of GET /api/stats as an HTML page of charts (same query: passType, template or group; interval; from; to)")
            .Produces(200, contentType: "text/html").RequireIssuerScope(IssuerAccess.Read);
        return app;
    }

    private static async Task<IResult> StatsPageOf(HttpContext context, IssuerStats stats, string? passType, string? template, string? group,
        string? interval, string? from, string? to)
    {
        var (report, refusal) = await stats.ReadAsync(new StatsQuery(passType, template, group, interval, from, to), context.IssuerScope());
        return report is null ? refusal!.ToProblem() : new HtmlPage(StatsPage.Render(report));
    }
}
