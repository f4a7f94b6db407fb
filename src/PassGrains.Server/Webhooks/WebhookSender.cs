using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PassGrains.Abstractions;
using PassGrains.Grains;

namespace PassGrains.Server.Webhooks;

/// <summary>
/// POSTs lifecycle events to webhook URLs as JSON with two signatures: <c>X-PassGrains-Signature: sha256=&lt;hex
/// HMAC-SHA256 of the body&gt;</c>, and <c>X-PassGrains-Webhook-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex
/// HMAC-SHA256 of "t.body"&gt;</c>, whose timestamp lets receivers refuse replayed requests. Failures (network,
/// timeouts, non-2xx, redirects) are retried with exponential backoff and jitter for up to
/// <see cref="WebhookOptions.RetryDeadline"/>. Each webhook's delivery grain calls this for its own events
/// (Grains/WebhookDeliveryGrain.cs), so a receiver that is slow, down or holds connections open delays only its own.
/// </summary>
public sealed partial class WebhookSender(
    IHttpClientFactory http, IOptions<WebhookOptions> options, WebhookSubscriptions subscriptions, TimeProvider time, ILogger<WebhookSender> logger)
    : IWebhookSender, IHostedService, IDisposable
{
    public const string SignatureHeader = "X-PassGrains-Signature";
    public const string TimestampedSignatureHeader = "X-PassGrains-Webhook-Signature";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly WebhookOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The body of an event's POST: the event as the feed stores it (<c>GET /api/events</c> answers the same fields).</summary>
    public static byte[] Body(LifecycleEvent lifecycleEvent) => JsonSerializer.SerializeToUtf8Bytes(lifecycleEvent, Json);

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The Stripe scheme: the HMAC covers the timestamp too, so an old request cannot pass for a new one.</summary>
    public static string SignWithTimestamp(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var prefix = Encoding.UTF8.GetBytes(t + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}";
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deliveries under way are cancelled: their events stay after their webhook's stored cursor, for the next start.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

    public async Task DeliverAsync(Webhook webhook, LifecycleEvent lifecycleEvent, long readAt, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var stopping = linked.Token;
        var body = Body(lifecycleEvent);
        var deadline = time.GetUtcNow() + _options.RetryDeadline;
        var client = http.CreateClient(nameof(WebhookSender));
        for (var attempt = 1; ; attempt++)
        {
            // Deleted, or changed, while the event waited (or between retries): follow the webhook as it is now.
            if (subscriptions.Current(webhook, readAt) is not { } hook)
            {
                LogDeleted(logger, webhook.Name);
                return;
            }
            string failure;
            try
            {
                using var attemptTimeout = new CancellationTokenSource(_options.AttemptTimeout, time);
                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping, attemptTimeout.Token);
                using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(hook.Secret, body));
                request.Headers.TryAddWithoutValidation(TimestampedSignatureHeader, SignWithTimestamp(hook.Secret, time.GetUtcNow().ToUnixTimeSeconds(), body));
                // Headers only: the status is the answer, and a receiver must not be able to make us buffer a huge body.
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                    return;
                failure = (int)response.StatusCode is >= 300 and < 400
                    ? $"HTTP {(int)response.StatusCode}: redirects are not followed"
                    : $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e) when (Refusal(e) is { } refused)
            {
                // Not a passing fault: the host resolves to an address webhooks may not reach.
                LogRefused(logger, hook.Name, refused.Host, refused.Address.ToString());
                return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !stopping.IsCancellationRequested)
            {
                failure = e is OperationCanceledException ? $"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s"
                    : e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message;
            }
            var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, attempt - 1)) * (0.5 + Random.Shared.NextDouble() * 0.5));
            if (time.GetUtcNow() + delay > deadline)
            {
                LogGaveUp(logger, hook.Name, attempt, failure);
                return;
            }
            LogRetrying(logger, hook.Name, attempt, failure);
            await Task.Delay(delay, time, stopping).ConfigureAwait(false);
        }
    }

    private static WebhookAddressRefusedException? Refusal(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookAddressRefusedException refused)
                return refused;
        }
        return null;
    }

    // Log lines name the webhook, never its URL's query or its secret.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Webhook}: attempt {Attempt} failed ({Failure}); retrying")]
    private static partial void LogRetrying(ILogger logger, string webhook, int attempt, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Webhook}: gave up after {Attempt} attempts ({Failure})")]
    private static partial void LogGaveUp(ILogger logger, string webhook, int attempt, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Webhook}: refused to connect, {Host} resolves to {Address}, which is not a public address (PassGrains:Webhooks:AllowPrivateNetworks is off); event dropped")]
    private static partial void LogRefused(ILogger logger, string webhook, string host, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {Webhook}: deleted (or moved to another pass type) before its event was delivered; event dropped")]
    private static partial void LogDeleted(ILogger logger, string webhook);
}
