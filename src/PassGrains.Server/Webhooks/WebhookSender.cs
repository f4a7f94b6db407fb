using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using PassGrains.Abstractions;
using PassGrains.Grains;

namespace PassGrains.Server.Webhooks;

/// <summary>
/// POSTs lifecycle events to webhook URLs as JSON, signed with <c>X-PassGrains-Signature: sha256=&lt;hex
/// HMAC-SHA256 of the body with the webhook's secret&gt;</c>; failures (network, non-2xx) are retried with
/// exponential backoff and jitter for up to <see cref="RetryDeadline"/>.
/// </summary>
public sealed partial class WebhookSender(IHttpClientFactory http, ILogger<WebhookSender> logger) : IWebhookSender, IHostedService, IDisposable
{
    public const string SignatureHeader = "X-PassGrains-Signature";
    private static readonly TimeSpan RetryDeadline = TimeSpan.FromMinutes(10);
    private const int Workers = 4;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Channel<(Webhook Hook, byte[] Body)> _queue = Channel.CreateBounded<(Webhook, byte[])>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _workers = [];

    public void Enqueue(Webhook webhook, LifecycleEvent lifecycleEvent) =>
        _queue.Writer.TryWrite((webhook, JsonSerializer.SerializeToUtf8Bytes(lifecycleEvent, Json)));

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None)).ToArray();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutdown ran out of time; undelivered events are dropped (they live in memory, as documented).
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var (hook, body) in _queue.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
                await DeliverAsync(hook, body, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DeliverAsync(Webhook hook, byte[] body, CancellationToken stopping)
    {
        var deadline = DateTimeOffset.UtcNow + RetryDeadline;
        var client = http.CreateClient(nameof(WebhookSender));
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(hook.Secret, body));
                using var response = await client.SendAsync(request, stopping).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                    return;
                failure = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stopping.IsCancellationRequested)
            {
                failure = e.Message;
            }
            var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, attempt - 1)) * (0.5 + Random.Shared.NextDouble() * 0.5));
            if (DateTimeOffset.UtcNow + delay > deadline)
            {
                LogGaveUp(logger, hook.Name, attempt, failure);
                return;
            }
            LogRetrying(logger, hook.Name, attempt, failure);
            await Task.Delay(delay, stopping).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Webhook}: attempt {Attempt} failed ({Failure}); retrying")]
    private static partial void LogRetrying(ILogger logger, string webhook, int attempt, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Webhook}: gave up after {Attempt} attempts ({Failure})")]
    private static partial void LogGaveUp(ILogger logger, string webhook, int attempt, string failure);
}
