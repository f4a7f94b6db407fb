using Microsoft.Net.Http.Headers;
using PassGrains.Packaging.Building;

namespace PassGrains.Server.Apis;

/// <summary>Writes a signed pass's segments straight to the response, with Last-Modified and a file name.</summary>
/// <remarks>
/// Each segment goes to Kestrel in one write. Writing in 64 KB slices, each waiting for the socket, would bound what a
/// download holds in connection buffers, but in alternating herds it cost the server and the devices more wake-ups
/// than the fresh pages it saved (docs/benchmarks.md, "Response slices again").
/// </remarks>
public sealed class PassFileResult(SignedPass pass, DateTimeOffset? lastModified, string? fileName) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = SignedPass.MediaType;
        response.ContentLength = pass.Length;
        if (lastModified is { } modified)
            response.GetTypedHeaders().LastModified = modified;
        if (fileName is not null)
            response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = fileName }.ToString();
        await pass.WriteToAsync(response.Body, httpContext.RequestAborted);
    }
}
