using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace PassGrains.Cli.Http;

/// <summary>The outcome of issuing one pass: its serial number, or the problem the server named.</summary>
public sealed record IssueResult(string? SerialNumber, ApiProblem? Problem)
{
    public bool Issued => Problem is null;
}

/// <summary>
/// The issuer API over HTTP. Failures that concern the whole run (no server, a refused key) throw
/// <see cref="IssuerApiException"/>; a refused pass is an <see cref="IssueResult"/>, since a bulk issue goes on.
/// </summary>
public sealed class IssuerClient : IDisposable
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    private const int MaxRetries = 4;
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;

    public IssuerClient(ServerTarget target, int maxConnections = 4)
    {
        Server = target.Server;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, maxConnections),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.All,
        };
        _http = new HttpClient(handler) { BaseAddress = target.Server, Timeout = RequestTimeout };
        // Without validation: a key with unusual characters is still sent as given, and the server judges it.
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {target.ApiKey}");
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
    }

    public Uri Server { get; }

    /// <summary>Sends one request and reads the whole answer; only the transport can make it throw.</summary>
    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return new ApiAnswer(response.StatusCode, response.ReasonPhrase, text) { RetryAfter = RetryDelay(response) };
        }
        catch (HttpRequestException e)
        {
            throw IssuerApiException.Unreachable(Server, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw IssuerApiException.TimedOut(Server, RequestTimeout, e);
        }
    }

    /// <summary>A successful answer's body; any other answer throws with the server's reasons.</summary>
    public async Task<ApiAnswer> ExpectSuccessAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(method, path, body, cancellationToken).ConfigureAwait(false);
        return answer.IsSuccess ? answer : throw IssuerApiException.From(answer);
    }

    public async Task<JsonNode> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        var answer = await ExpectSuccessAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        return answer.Json() ?? throw new IssuerApiException($"the server answered GET {path} with something that is not JSON: {Start(answer.Body)}");
    }

    /// <summary>
    /// POST /api/passes. The server answers 503 (with Retry-After) while a silo fails over and 429 when it
    /// sheds load; neither committed anything, so those are retried. A refused key ends the run.
    /// </summary>
    public async Task<IssueResult> IssueAsync(JsonObject body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var answer = await SendAsync(HttpMethod.Post, "api/passes", body, cancellationToken).ConfigureAwait(false);
            if (answer.IsSuccess)
                return new IssueResult(answer.Json()?["serialNumber"]?.GetValue<string>(), null);
            if (answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw IssuerApiException.From(answer);
            if (answer.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests && attempt < MaxRetries)
            {
                await Task.Delay(answer.RetryAfter ?? TimeSpan.FromSeconds(attempt + 1), cancellationToken).ConfigureAwait(false);
                continue;
            }
            return new IssueResult(null, ApiProblem.From(answer));
        }
    }

    public void Dispose() => _http.Dispose();

    private static TimeSpan? RetryDelay(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        var delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return delay is null ? null : TimeSpan.FromTicks(Math.Clamp(delay.Value.Ticks, 0, MaxRetryDelay.Ticks));
    }

    private static string Start(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
