using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Packaging.Json;

namespace PassGrains.Server.Http;

/// <summary>Reads request bodies within a size limit, checked while reading (Content-Length can lie or be absent).</summary>
public static class RequestBodies
{
    /// <summary>
    /// Past its limit a body is still read and dropped, up to this much more, before the connection is cut: a client
    /// streaming the body (chunked, or a balancer passing it on) hears the 413 only once it has sent the rest, while a
    /// connection closed mid-body reaches it as a failure (a balancer answers 502). A body larger still is cut off.
    /// </summary>
    public const long DrainAllowance = 32L * 1024 * 1024;

    /// <summary>What Kestrel lets any request send: every endpoint's own limit is smaller and checked while reading (<see cref="ReadBytes"/>).</summary>
    public const long KestrelLimit = 2 * DrainAllowance;

    /// <summary>For the endpoints whose limit is above <see cref="DrainAllowance"/> (template zips, batch uploads).</summary>
    public static void AllowUpTo(HttpRequest request, long limit)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit + DrainAllowance;
    }

    public static async Task<byte[]?> ReadBytes(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>The body as a JSON object (parsed strictly: <see cref="StrictJson"/>) that fits <paramref name="shape"/>, or the 4xx that says why not.</summary>
    public static async Task<(JsonObject? Body, ProblemHttpResult? Error)> ReadObject(HttpRequest request, long limit, BodyShape? shape = null)
    {
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            && !type.StartsWith("application/merge-patch+json", StringComparison.OrdinalIgnoreCase))
            return (null, Problems.UnsupportedMediaType($"send JSON (application/json), not {(type.Length <= 100 ? type : type[..100] + "…")}"));
        var bytes = await ReadBytes(request, limit);
        if (bytes is null)
            return (null, Problems.TooLarge($"a request body may have at most {limit / 1024} KiB"));
        var (body, problem) = StrictJson.ParseObject(bytes);
        problem ??= shape?.Check(body!);
        return problem is { } refused ? (null, Problems.Invalid(refused.Member, refused.Message)) : (body, null);
    }
}
