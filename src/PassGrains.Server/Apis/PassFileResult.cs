using Microsoft.Net.Http.Headers;
using PassGrains.Packaging.Building;

namespace PassGrains.Server.Apis;

/// <summary>
/// Writes a signed pass's segments to the response, with Last-Modified and a file name, in slices of
/// <see cref="SliceBytes"/> that each wait for the connection to take them.
/// </summary>
/// <remarks>
/// One write of a whole pass (event.pass is 743 KB) copies all of it into the connection's output before the first
/// byte leaves, so every download in progress holds the whole pass in pinned blocks. In a herd of thousands of devices
/// that outgrew what <see cref="Http.ConnectionBufferPool"/> keeps, and the server faulted in fresh pages for every
/// download (docs/benchmarks.md, "Response slices"); a client that stops reading held a whole pass per connection.
/// Written slice by slice, a download holds about one slice: Kestrel's output pauses a writer at 64 KB not yet sent
/// (its default MaxResponseBufferSize), so a slice of that size waits for the socket before the next is copied.
/// </remarks>
public sealed class PassFileResult(SignedPass pass, DateTimeOffset? lastModified, string? fileName) : IResult
{
    public const int SliceBytes = 64 * 1024;

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
        var output = response.BodyWriter;
        foreach (var segment in pass.Segments)
        {
            for (var offset = 0; offset < segment.Length; offset += SliceBytes)
            {
                var flushed = await output.WriteAsync(segment.Slice(offset, Math.Min(SliceBytes, segment.Length - offset)), httpContext.RequestAborted);
                if (flushed.IsCompleted || flushed.IsCanceled)
                    return; // the client went away; Kestrel ends the connection
            }
        }
    }
}
