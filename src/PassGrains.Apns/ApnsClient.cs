using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace PassGrains.Apns;

/// <summary>
/// Sends pass update pushes: <c>POST /3/device/&lt;token&gt;</c> over HTTP/2 with body <c>{}</c>,
/// <c>apns-topic</c> = pass type identifier, <c>apns-push-type: background</c>, <c>apns-priority: 5</c>
/// and an <c>apns-expiration</c>. <see cref="ApnsOptions.MaxConnections"/> HTTP/2 connections carry the
/// pushes, multiplexed and spread round-robin; every answer is classified, and 429, 5xx and lost connections are retried
/// with exponential backoff and jitter until a deadline. Thread-safe; keep one per credential.
/// </summary>
public sealed class ApnsClient : IDisposable
{
    private static readonly byte[] EmptyPayload = "{}"u8.ToArray();
    /// <summary>Streams on a connection before the next one is used (APNs allows more; this keeps latency even).</summary>
    private const int StreamsBeforeSpreading = 100;

    private readonly HttpClient[] _connections;
    private readonly int[] _inFlight;
    private readonly ApnsOptions _options;
    private readonly ApnsCredentials _credentials;
    private readonly TimeProvider _time;

    public ApnsClient(ApnsOptions options, ApnsCredentials credentials, TimeProvider? time = null, HttpMessageHandler? handler = null)
    {
        _options = options;
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
        // SocketsHttpHandler does not cap HTTP/2 connections (MaxConnectionsPerServer is HTTP/1.1 only), so
        // each of MaxConnections handlers keeps exactly one connection; a push takes the first connection with
        // room (so light traffic stays on one), else the least busy, and a full one queues instead of opening more.
        var count = handler is null ? Math.Max(1, options.MaxConnections) : 1;
        _connections = new HttpClient[count];
        _inFlight = new int[count];
        for (var i = 0; i < count; i++)
        {
            _connections[i] = new HttpClient(handler ?? CreateHandler(options, credentials), disposeHandler: true)
            {
                BaseAddress = options.Endpoint,
                DefaultRequestVersion = HttpVersion.Version20,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Timeout = options.RequestTimeout,
            };
        }
    }

    /// <summary>Pushes once to <paramref name="deviceToken"/>, retrying what may succeed later, and says what became of it.</summary>
    public async Task<ApnsResult> SendAsync(string deviceToken, string topic, CancellationToken cancellationToken = default)
    {
        var deadline = _time.GetUtcNow() + _options.RetryDeadline;
        var attempt = 0;
        while (true)
        {
            attempt++;
            var (result, retry) = await SendOnceAsync(deviceToken, topic, attempt, cancellationToken).ConfigureAwait(false);
            if (!retry)
                return result;
            var delay = Backoff(attempt);
            if (_time.GetUtcNow() + delay > deadline)
                return result with { Outcome = ApnsOutcome.RetriesExhausted };
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(ApnsResult Result, bool Retry)> SendOnceAsync(string deviceToken, string topic, int attempt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/3/device/{Uri.EscapeDataString(deviceToken)}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(EmptyPayload),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("apns-topic", topic);
        request.Headers.TryAddWithoutValidation("apns-push-type", "background");
        request.Headers.TryAddWithoutValidation("apns-priority", "5");
        request.Headers.TryAddWithoutValidation("apns-expiration",
            (_time.GetUtcNow() + _options.Expiration).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        if (_credentials is ApnsTokenCredentials token)
            request.Headers.TryAddWithoutValidation("authorization", $"bearer {token.CurrentToken()}");

        HttpResponseMessage response;
        try
        {
            var index = PickConnection();
            Interlocked.Increment(ref _inFlight[index]);
            try
            {
                response = await _connections[index].SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight[index]);
            }
        }
        catch (HttpRequestException e) when (HandshakeFailure(e) is { } handshake)
        {
            // A refused client certificate (expired, revoked, another CA) or an untrusted server ends in the TLS
            // handshake: no retry will change it, and the operator must hear of it like of a 403.
            return (new ApnsResult(ApnsOutcome.CredentialRejected, null, $"TLS handshake failed: {handshake.Message}", attempt), false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Connection refused or lost, GOAWAY before our stream was processed, or no answer in time.
            return (new ApnsResult(ApnsOutcome.RetriesExhausted, null, e.GetType().Name + ": " + e.Message, attempt), true);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var apnsId = response.Headers.TryGetValues("apns-id", out var ids) ? ids.FirstOrDefault() : null;
            if (status == 200)
                return (new ApnsResult(ApnsOutcome.Delivered, status, null, attempt, apnsId), false);
            var (reason, timestamp) = await ReadError(response, cancellationToken).ConfigureAwait(false);
            return Classify(status, reason) switch
            {
                ApnsOutcome.RetriesExhausted => (new ApnsResult(ApnsOutcome.RetriesExhausted, status, reason, attempt, apnsId), true),
                var outcome => (new ApnsResult(outcome, status, reason, attempt, apnsId, timestamp), false),
            };
        }
    }

    /// <summary>What each APNs answer means for a pass server.</summary>
    public static ApnsOutcome Classify(int status, string? reason) => status switch
    {
        200 => ApnsOutcome.Delivered,
        410 => ApnsOutcome.TokenInvalid,
        400 when reason == "BadDeviceToken" => ApnsOutcome.TokenInvalid,
        403 => ApnsOutcome.CredentialRejected,
        429 when reason == "TooManyProviderTokenUpdates" => ApnsOutcome.RetriesExhausted,
        429 => ApnsOutcome.RetriesExhausted,
        >= 500 => ApnsOutcome.RetriesExhausted,
        _ => ApnsOutcome.Rejected,
    };

    public void Dispose()
    {
        foreach (var connection in _connections)
            connection.Dispose();
    }

    private int PickConnection()
    {
        var least = 0;
        for (var i = 0; i < _inFlight.Length; i++)
        {
            var load = Volatile.Read(ref _inFlight[i]);
            if (load < StreamsBeforeSpreading)
                return i;
            if (load < Volatile.Read(ref _inFlight[least]))
                least = i;
        }
        return least;
    }

    private static System.Security.Authentication.AuthenticationException? HandshakeFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException authentication)
                return authentication;
        }
        return null;
    }

    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 16));
        var capped = Math.Min(exponential, _options.MaxBackoff.TotalMilliseconds);
        // Full jitter between half and the whole delay, so retries of many pushes do not arrive together.
        return TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() * 0.5));
    }

    private static async Task<(string? Reason, DateTimeOffset? Timestamp)> ReadError(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length == 0 || body.Length > 4096)
                return (null, null);
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var reason = root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            DateTimeOffset? timestamp = root.TryGetProperty("timestamp", out var t) && t.TryGetInt64(out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
            return (reason, timestamp);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static SocketsHttpHandler CreateHandler(ApnsOptions options, ApnsCredentials credentials)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            PooledConnectionLifetime = TimeSpan.FromHours(1), // a fresh DNS lookup now and then, as Apple asks
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(30),
            KeepAlivePingDelay = TimeSpan.FromMinutes(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (credentials is ApnsCertificateCredentials certificate)
            handler.SslOptions.ClientCertificates = [certificate.Certificate];
        if (options.TrustedCaPath is { } caPath)
        {
            var ca = X509CertificateLoader.LoadCertificate(X509Certificate2.CreateFromPem(File.ReadAllText(caPath)).RawData);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, serverCertificate, _, errors) =>
                errors == SslPolicyErrors.None || (serverCertificate is not null && ChainsTo(serverCertificate, ca, errors));
        }
        return handler;
    }

    private static bool ChainsTo(X509Certificate serverCertificate, X509Certificate2 ca, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate = X509CertificateLoader.LoadCertificate(serverCertificate.GetRawCertData());
        return chain.Build(certificate);
    }
}
