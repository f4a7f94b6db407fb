using System.Text;

namespace PassGrains.Server.Http;

/// <summary>An issuer page (previews, the console) with headers that keep it inert: no script, no framing, no sniffing, not cached (it shows issuers' data).</summary>
public sealed class HtmlPage(string html) : IResult
{
    /// <summary>The page runs no script and loads nothing: images are data: URIs or inline SVG, styles inline.</summary>
    public const string ContentSecurityPolicy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        var bytes = Encoding.UTF8.GetBytes(html);
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes, httpContext.RequestAborted).AsTask();
    }
}
