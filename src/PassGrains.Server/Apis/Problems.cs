using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Packaging.Validation;

namespace PassGrains.Server.Apis;

/// <summary>One problem of a request: the field (a JSON path or file), the rule, and what is wrong.</summary>
public sealed record FieldProblem(string Field, string Rule, string Message);

/// <summary>RFC 9457 problem+json answers that name the offending field.</summary>
public static class Problems
{
    public static IResult Invalid(string field, string message) =>
        Create(StatusCodes.Status400BadRequest, "invalid request", message, [new FieldProblem(field, "invalid", message)]);

    public static List<FieldProblem> ToFieldProblems(IReadOnlyList<PassProblem> problems) => problems.Where(p => p.IsError)
        .Select(p => new FieldProblem(p.File is "pass.json" or "request" or "fields" ? p.Path : $"{p.File}{(p.Path.Length > 0 ? ":" + p.Path : "")}", p.Rule, p.Message))
        .ToList();

    public static IResult From(Issuing.IssueOutcome outcome) =>
        Create(outcome.Status, outcome.Title, outcome.Describe(), outcome.Errors.ToList());

    public static IResult FromPassProblems(string title, IReadOnlyList<PassProblem> problems)
    {
        var errors = ToFieldProblems(problems);
        return Create(StatusCodes.Status400BadRequest, title, string.Join("; ", errors.Take(3).Select(e => $"{e.Field}: {e.Message}")), errors,
            problems.Where(p => !p.IsError).Select(p => p.ToString()).ToList());
    }

    public static IResult NotFound(string message) => Create(StatusCodes.Status404NotFound, "not found", message, []);

    public static IResult Conflict(string field, string message) =>
        Create(StatusCodes.Status409Conflict, "conflict", message, [new FieldProblem(field, "unique", message)]);

    public static IResult Unauthorized(string message) => Create(StatusCodes.Status401Unauthorized, "unauthorized", message, []);

    /// <summary>The key is valid but outside its scope; <paramref name="message"/> names the scope it lacks.</summary>
    public static IResult Forbidden(string message) => Create(StatusCodes.Status403Forbidden, "forbidden", message, []);

    public static IResult TooLarge(string message) => Create(StatusCodes.Status413PayloadTooLarge, "request too large", message, []);

    public static IResult UnsupportedMediaType(string message) => Create(StatusCodes.Status415UnsupportedMediaType, "unsupported media type", message, []);

    private static IResult Create(int status, string title, string detail, List<FieldProblem> errors, List<string>? warnings = null)
    {
        var extensions = new Dictionary<string, object?>();
        if (errors.Count > 0)
            extensions["errors"] = errors;
        if (warnings is { Count: > 0 })
            extensions["warnings"] = warnings;
        return Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
    }
}

/// <summary>Reads request bodies within a size limit, checked while reading (Content-Length can lie or be absent).</summary>
public static class RequestBodies
{
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

    public static async Task<(JsonObject? Body, IResult? Error)> ReadObject(HttpRequest request, long limit)
    {
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            && !type.StartsWith("application/merge-patch+json", StringComparison.OrdinalIgnoreCase))
            return (null, Problems.UnsupportedMediaType($"send JSON (application/json), not {type}"));
        var bytes = await ReadBytes(request, limit);
        if (bytes is null)
            return (null, Problems.TooLarge($"a request body may have at most {limit / 1024} KiB"));
        try
        {
            return JsonNode.Parse(bytes) is JsonObject body
                ? (body, null)
                : (null, Problems.Invalid("$", "the body must be a JSON object"));
        }
        catch (JsonException e)
        {
            return (null, Problems.Invalid("$", $"the body is not valid JSON: {e.Message}"));
        }
    }
}
