using Microsoft.Net.Http.Headers;
using PassGrains.Server.Telemetry;

namespace PassGrains.Server.Security;

/// <summary>
/// Guards the operator surfaces: <c>/metrics</c> takes an operator key, or an issuer key scoped to no pass type
/// (metrics count every pass type), as a bearer token (what a Prometheus scrape config sends); <c>/dashboard</c> takes an operator key, as a bearer token or as the
/// password of HTTP Basic authentication so that a browser can open it. Neither is ever anonymous: with no
/// operator keys configured the dashboard refuses everyone and says which setting opens it.
/// </summary>
public sealed class OperatorAccess(IssuerApiKeys issuerKeys, OperatorApiKeys operatorKeys)
{
    public const string MetricsPath = TelemetryHosting.MetricsPath;
    public const string DashboardPath = TelemetryHosting.DashboardPath;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        var authorization = context.Request.Headers.Authorization.ToString();
        if (path.StartsWithSegments(MetricsPath))
        {
            // Metrics count every pass type: an issuer key scoped to some of them does not read the others' numbers.
            if (issuerKeys.Find(authorization) is { Scope.IsUnrestricted: true } || operatorKeys.IsValid(authorization))
            {
                await next(context);
                return;
            }
            if (issuerKeys.IsValid(authorization))
            {
                await Results.Problem("this key is scoped to pass types: /metrics needs a key for every pass type or an operator key (PassGrains:OperatorApiKeys)",
                    statusCode: StatusCodes.Status403Forbidden, title: "forbidden").ExecuteAsync(context);
                return;
            }
            await Refuse(context, "Bearer", "send an issuer or operator API key as 'Authorization: Bearer <key>' (PassGrains:IssuerApiKeys, PassGrains:OperatorApiKeys)");
            return;
        }
        if (path.StartsWithSegments(DashboardPath))
        {
            if (!operatorKeys.Any)
            {
                await Refuse(context, null, "the dashboard is closed: configure PassGrains:OperatorApiKeys to open it");
                return;
            }
            if (operatorKeys.IsValidBearerOrBasicPassword(authorization))
            {
                await next(context);
                return;
            }
            await Refuse(context, "Basic realm=\"PassGrains operators\", charset=\"UTF-8\"", "sign in with an operator API key as the password (PassGrains:OperatorApiKeys)");
            return;
        }
        await next(context);
    }

    private static Task Refuse(HttpContext context, string? challenge, string detail)
    {
        if (challenge is not null)
            context.Response.Headers[HeaderNames.WWWAuthenticate] = challenge;
        return Results.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(context);
    }
}

/// <summary>Keys for operators (metrics, dashboard), separate from issuers' keys.</summary>
public sealed class OperatorApiKeys(IEnumerable<string> keys)
{
    // Checked by the same constant-time comparison as issuers' keys; no scopes, each key allows everything.
    private readonly IssuerApiKeys _keys = IssuerApiKeys.Unscoped(keys);

    public bool Any => _keys.Any;

    public bool IsValid(string? authorization) => _keys.IsValid(authorization);

    public bool IsValidBearerOrBasicPassword(string? authorization) => _keys.IsValidBearerOrBasicPassword(authorization);
}
