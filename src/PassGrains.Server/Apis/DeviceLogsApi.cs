using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Server.DeviceLogs;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>GET /api/device-logs: what devices reported to /v1/log, kept in memory by <see cref="DeviceLogStore"/>.</summary>
public static class DeviceLogsApi
{
    internal static RouteGroupBuilder MapDeviceLogs(this RouteGroupBuilder api)
    {
        api.MapGet("/device-logs", GetDeviceLogs).WithSummary("Recent messages devices sent to /v1/log").RequireIssuerScope(IssuerAccess.Read);
        return api;
    }

    /// <summary>Devices' messages name no pass type, so only a key for every pass type reads them.</summary>
    private static Results<Ok<IReadOnlyList<DeviceLogEntry>>, ProblemHttpResult> GetDeviceLogs(HttpContext http, DeviceLogStore store, int? count) =>
        http.UnscopedProblem("reading device logs") is { } forbidden
            ? forbidden
            : TypedResults.Ok(store.Recent(Math.Clamp(count ?? 100, 1, DeviceLogStore.Capacity)));
}
