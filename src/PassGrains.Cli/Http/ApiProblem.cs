using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PassGrains.Cli.Http;

/// <summary>One entry of a problem's <c>errors</c>: the offending field and what is wrong with it.</summary>
public sealed record FieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>What the server answered, before anyone decided whether it is a success.</summary>
public sealed record ApiAnswer(HttpStatusCode Status, string? ReasonPhrase, string Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public string StatusText => $"{(int)Status} {ReasonPhrase ?? Status.ToString()}";

    /// <summary>How long the server asked us to wait before trying again (503, 429), if it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public JsonNode? Json()
    {
        try
        {
            return Body.Length == 0 ? null : JsonNode.Parse(Body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// An RFC 9457 problem as the issuer API writes it (title, detail, errors[{field, rule, message}]); for an
/// answer that is not problem+json (a proxy's error page), the start of its body stands in as the detail.
/// </summary>
public sealed record ApiProblem(HttpStatusCode Status, string Title, string Detail, IReadOnlyList<FieldError> Errors)
{
    private const int MaxDetail = 300;

    public static ApiProblem From(ApiAnswer answer)
    {
        if (answer.Json() is JsonObject problem)
        {
            var errors = (problem["errors"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Select(e => new FieldError(Text(e["field"]) ?? "$", Text(e["message"]) ?? ""))
                .ToList();
            return new ApiProblem(answer.Status, Text(problem["title"]) ?? answer.StatusText, Text(problem["detail"]) ?? "", errors);
        }
        var body = answer.Body.Trim();
        return new ApiProblem(answer.Status, answer.StatusText, body.Length > MaxDetail ? body[..MaxDetail] + "…" : body, []);
    }

    /// <summary>One "field: message" per error, or the detail when the server named no field.</summary>
    public IReadOnlyList<string> Reasons() =>
        Errors.Count > 0 ? Errors.Select(e => e.ToString()).ToList()
        : [Detail.Length > 0 ? Detail : Title];

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
}

/// <summary>A request the server refused or could not be reached for; the message says which and what to do.</summary>
public sealed class IssuerApiException(string message, Exception? inner = null) : Exception(message, inner)
{
    public static IssuerApiException From(ApiAnswer answer)
    {
        var problem = ApiProblem.From(answer);
        var detail = problem.Detail.Length > 0 ? problem.Detail : problem.Title;
        var message = answer.Status switch
        {
            HttpStatusCode.Unauthorized =>
                $"the server refused the API key ({answer.StatusText}: {detail}); check --api-key or {ServerOptions.ApiKeyVariable}",
            HttpStatusCode.Forbidden => $"the server refused access ({answer.StatusText}): {detail}",
            HttpStatusCode.NotFound => $"not found ({answer.StatusText}): {detail}",
            >= HttpStatusCode.InternalServerError => $"the server failed ({answer.StatusText}): {detail}",
            // The errors name each field below; the detail only repeats them.
            _ when problem.Errors.Count > 0 => $"the server refused the request ({answer.StatusText}): {problem.Title}",
            _ => $"the server refused the request ({answer.StatusText}, {problem.Title}): {detail}",
        };
        var fields = answer.Status == HttpStatusCode.Unauthorized ? [] : problem.Errors.Select(e => $"  {e}");
        return new IssuerApiException(string.Join(Environment.NewLine, [message, .. fields]));
    }

    public static IssuerApiException Unreachable(Uri server, Exception e) =>
        new($"cannot reach the server at {server}: {e.Message}", e);

    public static IssuerApiException TimedOut(Uri server, TimeSpan timeout, Exception e) =>
        new($"the server at {server} did not answer within {timeout.TotalSeconds:0} s", e);
}
