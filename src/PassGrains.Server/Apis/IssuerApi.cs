using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>
/// The issuer API (README) under /api/: one file a resource (<see cref="TemplatesApi"/>, <see cref="GroupsApi"/>,
/// <see cref="PassesApi"/>, <see cref="JobsApi"/>, <see cref="DownloadLinksApi"/>, <see cref="DeviceLogsApi"/>,
/// <see cref="WebhooksApi"/>, <see cref="PassTypesApi"/>, <see cref="AlarmsApi"/>, <see cref="SchedulesApi"/>, <see cref="StatsApi"/>), and here what they share: every request
/// needs an issuer API key, and every error is RFC 9457 problem+json naming the offending field.
/// </summary>
public static class IssuerApi
{
    internal const long MaxJsonBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapIssuerApi(this IEndpointRouteBuilder app)
    {
        // Reads need any key; changes need a read-write key. A {passTypeIdentifier} in the route is checked against the
        // key's pass types by the filter; a pass type learnt from a body or a lookup is checked where it is learnt.
        // The filter answers 401 and 403, and the 401 budget 429, before any handler runs, so every endpoint has them.
        var api = app.MapGroup("/api").WithTags("Issuer API").AddEndpointFilter(IssuerAuthorization.RequireIssuerKey).WithPassLogScope()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapTemplates();
        api.MapGroups();
        api.MapPasses();
        api.MapJobs();
        api.MapDownloadLinks();
        api.MapDeviceLogs();
        api.MapWebhooks();
        api.MapEvents();
        api.MapPassTypes();
        api.MapAlarms();
        api.MapSchedules();
        api.MapStats();
        return app;
    }

    /// <summary>
    /// The endpoint asks grains: while a silo that held one is being replaced it answers 503 with Retry-After
    /// (the exception handler of <c>Hosting/PassGrainsHosting.cs</c>), which clients should retry.
    /// </summary>
    internal static RouteHandlerBuilder AsksGrains(this RouteHandlerBuilder endpoint) => endpoint.ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>The endpoint reads a JSON body (<c>Http/RequestBodies.cs</c>): too large is 413, another media type 415, and what does not parse or fit 400.</summary>
    internal static RouteHandlerBuilder ReadsJson(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

}
