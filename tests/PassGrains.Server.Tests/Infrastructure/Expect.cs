using System.Net;
using System.Text.Json;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>Assertions on HTTP answers that print the whole answer when they fail.</summary>
public static class Expect
{
    public static async Task<string> Status(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = response.Content is null ? "" : await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected} {expected}, got {(int)response.StatusCode} {response.StatusCode}{Environment.NewLine}{Truncate(body)}");
        return body;
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await Status(response, expected);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// An RFC 9457 answer: the status, application/problem+json, a "status" member equal to it, and,
    /// when <paramref name="field"/> is given, an entry of errors[] whose field is exactly that.
    /// </summary>
    public static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode expected, string? field = null)
    {
        var body = await Status(response, expected);
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"expected application/problem+json, got {response.Content.Headers.ContentType}{Environment.NewLine}{Truncate(body)}");
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            var fields = Errors(problem).Select(e => e.Field).ToList();
            Assert.True(fields.Contains(field), $"expected an error naming '{field}'; errors name [{string.Join(", ", fields)}]{Environment.NewLine}{Truncate(body)}");
        }
        return problem;
    }

    /// <summary>The errors[] entries of a problem (empty when it has none).</summary>
    public static List<(string Field, string Rule, string Message)> Errors(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
            ? errors.EnumerateArray().Select(e => (
                e.TryGetProperty("field", out var f) ? f.GetString() ?? "" : "",
                e.TryGetProperty("rule", out var r) ? r.GetString() ?? "" : "",
                e.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "")).ToList()
            : [];

    private static string Truncate(string text) => text.Length > 4000 ? text[..4000] + "..." : text;
}
