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

/// <summary>A webhook receiver on loopback: records every POST with its body and signature header.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<(string Body, string? Signature)> Received { get; } = new();

    /// <summary>Answers 503 to the first N posts, to exercise the sender's retries.</summary>
    public int FailFirst { get; set; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var port = TestEnvironment.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, $"http://127.0.0.1:{port}/hook");
        var calls = 0;
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Increment(ref calls) <= receiver.FailFirst)
                return Results.StatusCode(503);
            receiver.Received.Enqueue((body, request.Headers["X-PassGrains-Signature"].ToString()));
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            foreach (var (body, _) in Received)
            {
                var json = JsonDocument.Parse(body).RootElement;
                if (match(json))
                    return json;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"no matching webhook call within {timeout}; got {Received.Count}: {string.Join(" | ", Received.Select(r => r.Body))}");
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
        foreach (var (body, signature) in receiver.Received)
        {
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));
            Assert.Equal(expected, signature);
        }
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
