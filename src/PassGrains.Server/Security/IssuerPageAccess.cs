using PassGrains.Server.Http;
using Microsoft.Net.Http.Headers;

namespace PassGrains.Server.Security;

/// <summary>
/// Issuer pages (previews, the console) show issuers' passes and numbers, so they take an issuer API key: as <c>Authorization: Bearer &lt;key&gt;</c> (tools),
/// or as the password of HTTP Basic authentication so that a browser can open a preview. Never from the URL:
/// a key in a query string ends up in logs, browser history and Referer headers.
/// </summary>
public static class IssuerPageAccess
{
    public const string Challenge = "Basic realm=\"PassGrains issuers\", charset=\"UTF-8\"";

    public static async ValueTask<object?> RequireIssuerKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var keys = http.RequestServices.GetRequiredService<IssuerApiKeys>();
        if (!keys.Any)
            return Problems.Unauthorized("issuer pages (previews, the console) need an issuer API key and none is configured (PassGrains:IssuerApiKeys), so they refuse every request");
        var authorization = http.Request.Headers.Authorization.ToString();
        if (keys.FindBearerOrBasicPassword(authorization) is { } key)
            return IssuerAuthorization.Authorize(http, key) ?? await next(context);
        http.Response.Headers[HeaderNames.WWWAuthenticate] = Challenge;
        return Problems.Unauthorized("sign in with an issuer API key as the password (any user name), or send 'Authorization: Bearer <key>'; a key in the URL is never accepted");
    }
}
