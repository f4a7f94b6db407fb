using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PassGrains.Apns;
using PassGrains.Packaging.Signing;

namespace PassGrains.TestSupport;

/// <summary>
/// An in-process stand-in for APNs: Kestrel on 127.0.0.1 (random port), TLS with a server certificate for
/// localhost/127.0.0.1 issued by the CA of a <see cref="DevelopmentChain"/>, HTTP/2 only, and (by default) a
/// client certificate that must be issued by that same CA — certificates of other CAs fail the TLS handshake.
/// Handles <c>POST /3/device/{token}</c>, records every request and answers per token from a script.
/// </summary>
public sealed class ApnsDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _ca;
    private readonly ConcurrentQueue<ApnsDoubleRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ApnsReply[]> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConnectionContext> _connections = new(StringComparer.Ordinal);
    private readonly Lock _waitersLock = new();
    private readonly List<(Func<ApnsDouble, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private ApnsReply[] _defaultScript = [ApnsReply.Ok()];
    private int _connectionsAccepted;
    private int _untrustedHandshakes;
    private int _rejectedClientCertificates;
    private int _inFlight;
    private int _maxInFlight;

    private ApnsDouble(WebApplication app, X509Certificate2 ca, string caPath)
    {
        _app = app;
        _ca = ca;
        CaPath = caPath;
    }

    /// <summary>The base address to put in <see cref="ApnsOptions.Endpoint"/>, e.g. <c>https://127.0.0.1:41234</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>A temporary PEM file with the CA, for <see cref="ApnsOptions.TrustedCaPath"/>; deleted on dispose.</summary>
    public string CaPath { get; }

    /// <summary>Options pointing at this double, with small backoffs (10 ms .. 100 ms) so retries are quick.</summary>
    public ApnsOptions ClientOptions => new()
    {
        Endpoint = Endpoint,
        TrustedCaPath = CaPath,
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(100),
        RetryDeadline = TimeSpan.FromSeconds(10),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Every request received (including ones answered by a reset or a dropped connection), in arrival order.</summary>
    public IReadOnlyList<ApnsDoubleRequest> Requests => [.. _requests];

    /// <summary>TCP/TLS connections that completed the TLS handshake.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>Client certificates refused during the TLS handshake (not issued by the trusted CA).</summary>
    public int RejectedClientCertificates => Volatile.Read(ref _rejectedClientCertificates);

    /// <summary>The largest number of requests being handled at the same time (streams in flight).</summary>
    public int MaxConcurrentRequests => Volatile.Read(ref _maxInFlight);

    /// <summary>
    /// Starts a double whose server certificate and accepted client certificates come from <paramref name="trustedChain"/>'s CA.
    /// With <paramref name="requireClientCertificate"/> false (token authentication) no client certificate is asked for.
    /// </summary>
    public static async Task<ApnsDouble> StartAsync(DevelopmentChain trustedChain, bool requireClientCertificate = true)
    {
        ArgumentNullException.ThrowIfNull(trustedChain);
        var ca = X509CertificateLoader.LoadCertificate(trustedChain.CaCertificate.GetEncoded());
        var serverCertificate = TestCertificates.IssueServerCertificate(trustedChain);
        var untrustedCertificate = TestCertificates.IssueServerCertificate(TestCertificates.OtherCa);
        var caPath = Path.Combine(Path.GetTempPath(), $"apns-double-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(caPath, trustedChain.CaPem, Encoding.ASCII);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        ApnsDouble? self = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificateSelector = (_, _) => self!.TakeUntrustedHandshake() ? untrustedCertificate : serverCertificate,
                    ClientCertificateMode = requireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                    CheckCertificateRevocation = false,
                    ClientCertificateValidation = (certificate, _, _) => self!.ValidateClientCertificate(certificate),
                });
                // After TLS: remember each connection so a script can drop it as a whole.
                listen.Use(next => async connection =>
                {
                    Interlocked.Increment(ref self!._connectionsAccepted);
                    self._connections[connection.ConnectionId] = connection;
                    try
                    {
                        await next(connection);
                    }
                    finally
                    {
                        self._connections.TryRemove(connection.ConnectionId, out _);
                    }
                });
            });
        });
        var app = builder.Build();
        self = new ApnsDouble(app, ca, caPath);
        app.MapPost("/3/device/{token}", (HttpContext context, string token) => self.HandleAsync(context, token));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        self.Endpoint = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return self;
    }

    /// <summary>
    /// What to answer to <paramref name="token"/>: attempt n gets <c>replies[n-1]</c>, and the last reply repeats, so
    /// <c>Script(t, TooManyRequests(), TooManyRequests(), Ok())</c> is "429 twice, then 200".
    /// </summary>
    public void Script(string token, params ApnsReply[] replies)
    {
        ArgumentOutOfRangeException.ThrowIfZero(replies.Length);
        _scripts[token] = replies;
    }

    /// <summary>"<paramref name="failure"/> for the first <paramref name="times"/> attempts, then 200".</summary>
    public void ScriptFailures(string token, int times, ApnsReply failure) =>
        Script(token, [.. Enumerable.Repeat(failure, times), ApnsReply.Ok()]);

    /// <summary>
    /// The next <paramref name="handshakes"/> TLS handshakes present a server certificate of another CA, so the client's
    /// handshake fails (a TLS hiccup, or a man in the middle); later connections get the trusted one again.
    /// </summary>
    public void FailHandshakes(int handshakes)
    {
        Volatile.Write(ref _untrustedHandshakes, handshakes);
        // Connections already open would carry the next pushes without a handshake.
        foreach (var connection in _connections.Values)
            connection.Abort(new ConnectionAbortedException("APNs double makes the next connections handshake again"));
    }

    /// <summary>Handshakes <see cref="FailHandshakes"/> asked for that have not happened yet.</summary>
    public int HandshakesToFail => Volatile.Read(ref _untrustedHandshakes);

    private bool TakeUntrustedHandshake()
    {
        int left;
        do
        {
            left = Volatile.Read(ref _untrustedHandshakes);
            if (left <= 0)
                return false;
        }
        while (Interlocked.CompareExchange(ref _untrustedHandshakes, left - 1, left) != left);
        return true;
    }

    /// <summary>The script for tokens without their own (200 unless changed).</summary>
    public void ScriptDefault(params ApnsReply[] replies)
    {
        ArgumentOutOfRangeException.ThrowIfZero(replies.Length);
        _defaultScript = replies;
    }

    /// <summary>Requests for one token, in arrival order.</summary>
    public IReadOnlyList<ApnsDoubleRequest> RequestsFor(string token) => [.. _requests.Where(r => r.Token == token)];

    /// <summary>Completes when at least <paramref name="count"/> requests arrived; throws <see cref="TimeoutException"/> otherwise.</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(d => d._requests.Count >= count, timeout);

    /// <summary>Completes when <paramref name="condition"/> holds (checked now and after every request).</summary>
    public async Task WaitUntilAsync(Func<ApnsDouble, bool> condition, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitersLock)
        {
            if (condition(this))
                return;
            _waiters.Add((condition, done));
        }
        try
        {
            await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
        }
        finally
        {
            lock (_waitersLock)
                _waiters.RemoveAll(w => w.Done == done);
        }
    }

    /// <summary>Forgets recorded requests and attempt counters (scripts stay).</summary>
    public void Reset()
    {
        _requests.Clear();
        _attempts.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ca.Dispose();
        try
        {
            File.Delete(CaPath);
        }
        catch (IOException)
        {
        }
    }

    private bool ValidateClientCertificate(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var ok = chain.Build(certificate);
        if (!ok)
            Interlocked.Increment(ref _rejectedClientCertificates);
        return ok;
    }

    private async Task HandleAsync(HttpContext context, string token)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxInFlight, inFlight);
        try
        {
            var request = context.Request;
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, context.RequestAborted);
            var attempt = _attempts.AddOrUpdate(token, 1, (_, n) => n + 1);
            var script = _scripts.TryGetValue(token, out var s) ? s : _defaultScript;
            var reply = script[Math.Min(attempt, script.Length) - 1];

            var recorded = new ApnsDoubleRequest(
                token, attempt, request.Method, request.Path.Value ?? "", request.Protocol,
                Header(request, "apns-topic"), Header(request, "apns-push-type"), Header(request, "apns-priority"),
                Header(request, "apns-expiration"), Header(request, "apns-id"), Header(request, "authorization"),
                Header(request, "content-type"), body.ToArray(), context.Connection.ClientCertificate?.Subject,
                context.Connection.Id, DateTimeOffset.UtcNow);
            Record(recorded);

            if (reply.Delay > TimeSpan.Zero)
                await Task.Delay(reply.Delay, context.RequestAborted);
            switch (reply.Kind)
            {
                case ApnsReplyKind.ResetStream:
                    context.Abort();
                    return;
                case ApnsReplyKind.DropConnection:
                    if (_connections.TryGetValue(context.Connection.Id, out var connection))
                        connection.Abort(new ConnectionAbortedException("APNs double drops the connection"));
                    else
                        context.Abort();
                    return;
                default:
                    break;
            }

            var apnsId = recorded.ApnsId ?? Guid.NewGuid().ToString("D");
            context.Response.StatusCode = reply.Status;
            context.Response.Headers["apns-id"] = apnsId;
            if (reply.Status != 200)
            {
                context.Response.ContentType = "application/json";
                var json = reply.TimestampMs is { } ms
                    ? $$"""{"reason":"{{reply.Reason}}","timestamp":{{ms.ToString(CultureInfo.InvariantCulture)}}}"""
                    : $$"""{"reason":"{{reply.Reason}}"}""";
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(json), context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up (timeout) while a slow answer was pending.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void Record(ApnsDoubleRequest request)
    {
        lock (_waitersLock)
        {
            _requests.Enqueue(request);
            foreach (var waiter in _waiters)
            {
                if (waiter.Condition(this))
                    waiter.Done.TrySetResult();
            }
        }
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
                return;
            current = seen;
        }
    }
}

/// <summary>One request as the double saw it. <see cref="Attempt"/> counts requests for the same token, from 1.</summary>
public sealed record ApnsDoubleRequest(
    string Token,
    int Attempt,
    string Method,
    string Path,
    string Protocol,
    string? Topic,
    string? PushType,
    string? Priority,
    string? Expiration,
    string? ApnsId,
    string? Authorization,
    string? ContentType,
    byte[] Body,
    string? ClientCertificateSubject,
    string ConnectionId,
    DateTimeOffset ReceivedAt)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

public enum ApnsReplyKind
{
    /// <summary>An HTTP answer with <see cref="ApnsReply.Status"/> (and a JSON reason unless 200).</summary>
    Answer,

    /// <summary>The request's stream is reset (<c>HttpContext.Abort()</c>, RST_STREAM); the connection stays.</summary>
    ResetStream,

    /// <summary>The whole TCP/TLS connection is closed without an answer (every stream on it fails).</summary>
    DropConnection,
}

/// <summary>One scripted answer of the <see cref="ApnsDouble"/>.</summary>
public sealed record ApnsReply(ApnsReplyKind Kind, int Status = 200, string? Reason = null, long? TimestampMs = null, TimeSpan Delay = default)
{
    public static ApnsReply Ok() => new(ApnsReplyKind.Answer);

    public static ApnsReply Error(int status, string reason, long? timestampMs = null) => new(ApnsReplyKind.Answer, status, reason, timestampMs);

    /// <summary>410 Unregistered with the time (ms since epoch) the token stopped being valid.</summary>
    public static ApnsReply Unregistered(DateTimeOffset since) => Error(410, "Unregistered", since.ToUnixTimeMilliseconds());

    public static ApnsReply BadDeviceToken() => Error(400, "BadDeviceToken");

    public static ApnsReply BadCertificate() => Error(403, "BadCertificate");

    public static ApnsReply TooManyRequests() => Error(429, "TooManyRequests");

    public static ApnsReply InternalServerError() => Error(500, "InternalServerError");

    public static ApnsReply ServiceUnavailable() => Error(503, "ServiceUnavailable");

    /// <summary>Waits <paramref name="delay"/> (or until the client gives up), then answers <paramref name="then"/> (200 by default).</summary>
    public static ApnsReply Slow(TimeSpan delay, ApnsReply? then = null) => (then ?? Ok()) with { Delay = delay };

    public static ApnsReply ResetStream() => new(ApnsReplyKind.ResetStream);

    public static ApnsReply DropConnection() => new(ApnsReplyKind.DropConnection);
}
