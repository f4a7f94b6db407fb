using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>One POST a webhook receiver took: its body, both signature headers, and when it arrived.</summary>
public sealed record ReceivedCall(string Body, string? Signature, string? TimestampedSignature, DateTimeOffset At);

/// <summary>A webhook receiver on loopback: records every POST with its body and signature headers.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _calls;

    private WebhookReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    /// <summary>The POSTs answered 2xx.</summary>
    public ConcurrentQueue<ReceivedCall> Received { get; } = new();

    /// <summary>Every POST, answered 2xx or not.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Answers 503 to the first N posts, to exercise the sender's retries.</summary>
    public int FailFirst { get; set; }

    /// <summary>When set, answers every post with 302 to this URL.</summary>
    public string? RedirectTo { get; set; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var port = TestEnvironment.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, $"http://127.0.0.1:{port}/hook");
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Increment(ref receiver._calls) <= receiver.FailFirst)
                return Results.StatusCode(503);
            if (receiver.RedirectTo is { } location)
                return Results.Redirect(location);
            receiver.Received.Enqueue(new ReceivedCall(body, request.Headers["X-PassGrains-Signature"].ToString(),
                request.Headers["X-PassGrains-Webhook-Signature"].ToString(), DateTimeOffset.UtcNow));
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan timeout) =>
        JsonDocument.Parse((await WaitForCallAsync(match, timeout)).Body).RootElement;

    public async Task<ReceivedCall> WaitForCallAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            foreach (var call in Received)
            {
                if (match(JsonDocument.Parse(call.Body).RootElement))
                    return call;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"no matching webhook call within {timeout}; got {Received.Count}: {string.Join(" | ", Received.Select(r => r.Body))}");
    }

    /// <summary>Waits until the receiver was POSTed to at least <paramref name="count"/> times, answered 2xx or not.</summary>
    public async Task WaitForCallsAsync(int count, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (Calls < count)
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"{Calls} POSTs within {timeout}, expected {count}");
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>An issuer's backend hears, through a signed webhook, when a holder adds or removes a pass.</summary>
public sealed class WebhookTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private const string Secret = "webhook-secret-0123456789";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Registration_and_unregistration_reach_the_webhook_signed_with_its_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailFirst = 1; // the first delivery fails: the sender must retry
        using (var put = await server.Client.SendAsync(HttpMethod.Put, "api/webhooks/backend",
                   PassGrainsClient.JsonBody(new { url = receiver.Url, secret = Secret, passTypeIdentifier = PassType })))
            await Expect.Status(put, HttpStatusCode.Created);

        var serial = TestEnvironment.UniqueId("hook");
        var issued = await server.Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = serial });
        var pass = await server.Client.DownloadAsync(issued.DownloadUrl, serial);
        using var http = new HttpClient();
        var device = new WalletDevice(http, pass.WebServiceUrl);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));

        var added = await receiver.WaitForAsync(e => e.GetProperty("type").GetString() == "registration.added"
            && e.GetProperty("serialNumber").GetString() == serial, Deadline);
        Assert.Equal(PassType, added.GetProperty("passTypeIdentifier").GetString());
        Assert.Equal(device.DeviceLibraryIdentifier, added.GetProperty("deviceLibraryIdentifier").GetString());
        Assert.True(added.TryGetProperty("at", out _));

        Assert.Equal(HttpStatusCode.OK, await device.UnregisterAsync(PassType, serial, pass.AuthenticationToken));
        await receiver.WaitForAsync(e => e.GetProperty("type").GetString() == "registration.removed"
            && e.GetProperty("serialNumber").GetString() == serial, Deadline);

        // Every body carries the HMAC-SHA256 of its bytes with the webhook's secret.
        foreach (var (body, signature, _, _) in receiver.Received)
        {
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));
            Assert.Equal(expected, signature);
        }
    }

    [Fact]
    public async Task Every_event_carries_a_timestamped_signature_so_receivers_can_refuse_replays()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await PutAsync("timestamped", receiver.Url, HttpStatusCode.Created);
        try
        {
            var serial = TestEnvironment.UniqueId("stamp");
            await server.Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = serial });
            var call = await receiver.WaitForCallAsync(e => e.GetProperty("serialNumber").GetString() == serial, Deadline);

            // X-PassGrains-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">, as a receiver checks it.
            var parts = (call.TimestampedSignature ?? "").Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
            Assert.True(parts.ContainsKey("t") && parts.ContainsKey("v1"), $"header was '{call.TimestampedSignature}'");
            var t = long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture);
            var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{t}.{call.Body}")));
            Assert.Equal(expected, parts["v1"]);
            Assert.InRange(DateTimeOffset.FromUnixTimeSeconds(t), call.At.AddSeconds(-5), call.At.AddSeconds(5));
            // The older header stays as it was.
            Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(call.Body))), call.Signature);
        }
        finally
        {
            await DeleteAsync("timestamped");
        }
    }

    [Fact]
    public async Task A_webhook_can_be_read_without_its_secret_and_once_deleted_hears_nothing_more()
    {
        await using var kept = await WebhookReceiver.StartAsync();
        await using var deleted = await WebhookReceiver.StartAsync();
        await PutAsync("kept", kept.Url, HttpStatusCode.Created);
        await PutAsync("deleted", deleted.Url, HttpStatusCode.Created);

        using (var get = await server.Client.SendAsync(HttpMethod.Get, "api/webhooks/deleted"))
        {
            var shown = await Expect.Json(get, HttpStatusCode.OK);
            Assert.Equal("deleted", shown.GetProperty("name").GetString());
            Assert.Equal(deleted.Url, shown.GetProperty("url").GetString());
            Assert.Equal(PassType, shown.GetProperty("passTypeIdentifier").GetString());
            Assert.False(shown.TryGetProperty("secret", out _));
            Assert.DoesNotContain(Secret, shown.GetRawText(), StringComparison.Ordinal);
        }

        var before = TestEnvironment.UniqueId("before");
        await server.Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = before });
        await kept.WaitForAsync(e => e.GetProperty("serialNumber").GetString() == before, Deadline);
        await deleted.WaitForAsync(e => e.GetProperty("serialNumber").GetString() == before, Deadline);

        using (var delete = await server.Client.SendAsync(HttpMethod.Delete, "api/webhooks/deleted"))
            await Expect.Status(delete, HttpStatusCode.NoContent);
        using (var get = await server.Client.SendAsync(HttpMethod.Get, "api/webhooks/deleted"))
            await Expect.Problem(get, HttpStatusCode.NotFound);
        using (var again = await server.Client.SendAsync(HttpMethod.Delete, "api/webhooks/deleted"))
            await Expect.Problem(again, HttpStatusCode.NotFound);

        // Events after the DELETE reach the webhook that is left, and not the deleted one.
        var callsBefore = deleted.Calls;
        var after = new[] { TestEnvironment.UniqueId("after"), TestEnvironment.UniqueId("after") };
        foreach (var serial in after)
        {
            await server.Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = serial });
            await kept.WaitForAsync(e => e.GetProperty("serialNumber").GetString() == serial, Deadline);
        }
        Assert.Equal(callsBefore, deleted.Calls);
        await DeleteAsync("kept");
    }

    [Fact]
    public async Task A_redirect_is_a_failed_delivery_and_is_never_followed()
    {
        await using var target = await WebhookReceiver.StartAsync();
        await using var redirecting = await WebhookReceiver.StartAsync();
        redirecting.RedirectTo = target.Url;
        await PutAsync("redirecting", redirecting.Url, HttpStatusCode.Created);
        try
        {
            await server.Client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = TestEnvironment.UniqueId("redirect") });
            // A second POST to the same URL: the 302 failed the delivery, which is retried where it was subscribed.
            await redirecting.WaitForCallsAsync(2, Deadline);
            Assert.Equal(0, target.Calls);
        }
        finally
        {
            await DeleteAsync("redirecting");
        }
    }

    private async Task PutAsync(string name, string url, HttpStatusCode expected)
    {
        using var put = await server.Client.SendAsync(HttpMethod.Put, $"api/webhooks/{name}",
            PassGrainsClient.JsonBody(new { url, secret = Secret, passTypeIdentifier = PassType }));
        await Expect.Status(put, expected);
    }

    private async Task DeleteAsync(string name)
    {
        using var delete = await server.Client.SendAsync(HttpMethod.Delete, $"api/webhooks/{name}");
        await Expect.Status(delete, HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_webhook_needs_a_url_a_secret_and_a_known_pass_type()
    {
        using (var put = await server.Client.SendAsync(HttpMethod.Put, "api/webhooks/bad", PassGrainsClient.JsonBody(new { url = "not a url", secret = Secret, passTypeIdentifier = PassType })))
            await Expect.Problem(put, HttpStatusCode.BadRequest, "url");
        using (var put = await server.Client.SendAsync(HttpMethod.Put, "api/webhooks/bad", PassGrainsClient.JsonBody(new { url = "https://example.com/hook", secret = "short", passTypeIdentifier = PassType })))
            await Expect.Problem(put, HttpStatusCode.BadRequest, "secret");
        using (var put = await server.Client.SendAsync(HttpMethod.Put, "api/webhooks/bad", PassGrainsClient.JsonBody(new { url = "https://example.com/hook", secret = Secret, passTypeIdentifier = "pass.com.unknown" })))
            await Expect.Problem(put, HttpStatusCode.BadRequest, "passTypeIdentifier");
    }
}
