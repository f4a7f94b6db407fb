using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// What anyone may call without a credential is budgeted per client address: the personalize and log endpoints,
/// and requests answered 401. Each client here connects from an address of its own on the loopback network
/// (127.0.0.2, 127.0.0.3, ...), so the server sees distinct addresses as it would on the internet.
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime, IDisposable
{
    private const int AnonymousPerWindow = 5;
    private const int UnauthorizedPerWindow = 5;
    private const int LogEntriesPerWindow = 30;
    private const int LogEntriesPerAddress = 20;
    private readonly TempDirectory _root = new("ratelimit");
    private TestServer _server = null!;

    private ServerSettings Settings => _server.Settings;

    private LogSink Logs => _server.Logs;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(_root.Combine("data"), SigningChain.Create(_root.Combine("chain")), ServerSettings.NewSecretKey(), configuration =>
        {
            // An hour's window: no budget is renewed while a test counts.
            configuration["PassGrains:RateLimits:Window"] = "01:00:00";
            configuration["PassGrains:RateLimits:AnonymousRequests"] = AnonymousPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture);
            configuration["PassGrains:RateLimits:UnauthorizedRequests"] = UnauthorizedPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture);
            configuration["PassGrains:RateLimits:DeviceLogEntries"] = LogEntriesPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture);
            configuration["PassGrains:RateLimits:DeviceLogEntriesPerAddress"] = LogEntriesPerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture);
            configuration["Logging:LogLevel:PassGrains.DeviceLog"] = "Information";
        });

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _root.Dispose();
    }

    public void Dispose() => _root.Dispose();

    /// <summary>An HTTP client whose connections leave from <paramref name="source"/>.</summary>
    private HttpClient ClientFrom(string source) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { BaseAddress = new Uri(Settings.BaseUrl) };

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static async Task AssertTooManyRequests(HttpResponseMessage response)
    {
        await Expect.Problem(response, HttpStatusCode.TooManyRequests);
        Assert.True(response.Headers.RetryAfter?.Delta is { } wait && wait > TimeSpan.Zero && wait <= TimeSpan.FromHours(1),
            $"a 429 says when to come back (Retry-After), got '{response.Headers.RetryAfter}'");
    }

    [Fact]
    public async Task Flooding_personalize_and_the_log_from_one_address_gets_429_while_another_address_is_served()
    {
        using var flooder = ClientFrom("127.0.0.2");
        using var bystander = ClientFrom("127.0.0.3");
        const string personalize = $"v1/passes/{TestEnvironment.PassType}/no-such-serial/personalize";
        const string body = """{"personalizationToken":"0123456789abcdef0123","requiredPersonalizationInfo":{"fullName":"J"}}""";

        for (var i = 0; i < AnonymousPerWindow; i++)
        {
            using var answered = await flooder.PostAsync(personalize, Json(body));
            Assert.Equal(HttpStatusCode.NotFound, answered.StatusCode);
        }
        using (var refused = await flooder.PostAsync(personalize, Json(body)))
            await AssertTooManyRequests(refused);
        // The log endpoint shares the address's budget for anonymous calls.
        using (var refusedLog = await flooder.PostAsync("v1/log", Json("""{"logs":["flood"]}""")))
            await AssertTooManyRequests(refusedLog);

        using (var served = await bystander.PostAsync(personalize, Json(body)))
            Assert.Equal(HttpStatusCode.NotFound, served.StatusCode);
        using (var servedLog = await bystander.PostAsync("v1/log", Json("""{"logs":["hello from a device"]}""")))
            Assert.Equal(HttpStatusCode.OK, servedLog.StatusCode);
    }

    [Fact]
    public async Task Guessing_credentials_from_one_address_gets_429_while_another_address_is_served()
    {
        using var guesser = ClientFrom("127.0.0.4");
        using var bystander = ClientFrom("127.0.0.5");
        for (var i = 0; i < UnauthorizedPerWindow; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/passes/{TestEnvironment.PassType}/guess-{i}");
            request.Headers.TryAddWithoutValidation("Authorization", $"ApplePass guess-{i}-0123456789abcdef");
            using var answered = await guesser.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, answered.StatusCode);
        }
        // The next guess is not even tried, whichever credential it carries (a pass token or an issuer key).
        using (var request = new HttpRequestMessage(HttpMethod.Get, "api/pass-types"))
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {TestEnvironment.ApiKey}");
            using var refused = await guesser.SendAsync(request);
            await AssertTooManyRequests(refused);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "api/pass-types"))
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {TestEnvironment.ApiKey}");
            using var served = await bystander.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
        // Health checks stay answerable for the balancer.
        using var health = await guesser.GetAsync("alive");
        Assert.NotEqual(HttpStatusCode.TooManyRequests, health.StatusCode);
    }

    [Fact]
    public async Task Behind_the_balancer_each_forwarded_client_has_a_budget_of_its_own()
    {
        // The local cluster's balancer connects from loopback and names the client in X-Forwarded-For (right-most entry).
        using var balancer = ClientFrom("127.0.0.10");
        async Task<HttpStatusCode> LogAsync(string forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/log") { Content = Json("""{"logs":["via the balancer"]}""") };
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
            using var response = await balancer.SendAsync(request);
            return response.StatusCode;
        }
        for (var i = 0; i < AnonymousPerWindow; i++)
            Assert.Equal(HttpStatusCode.OK, await LogAsync("203.0.113.7"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await LogAsync("203.0.113.7"));
        // A client cannot pick a fresh budget by claiming an address of its own: the balancer's entry is the right-most.
        Assert.Equal(HttpStatusCode.TooManyRequests, await LogAsync("198.51.100.1, 203.0.113.7"));
        Assert.Equal(HttpStatusCode.OK, await LogAsync("203.0.113.8"));
    }

    [Fact]
    public async Task Device_log_entries_are_bounded_per_request_per_address_and_per_window()
    {
        var marker = Guid.NewGuid().ToString("N");
        async Task PostAsync(string source, int count, string label)
        {
            using var client = ClientFrom(source);
            var logs = Enumerable.Range(0, count).Select(i => $"{marker} {label} {i}").ToArray();
            using var response = await client.PostAsync("v1/log", Json(JsonSerializer.Serialize(new { logs })));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // One address cannot spend the budget of all devices, and all of them together cannot pass the window's budget.
        await PostAsync("127.0.0.6", 500, "first");
        await PostAsync("127.0.0.6", 1, "again");
        await PostAsync("127.0.0.7", 50, "second");
        await PostAsync("127.0.0.8", 1, "late");

        using var issuer = new PassGrainsClient(new Uri(Settings.BaseUrl));
        using var recent = await issuer.SendAsync(HttpMethod.Get, "api/device-logs?count=1000");
        var kept = (await Expect.Json(recent, HttpStatusCode.OK)).EnumerateArray()
            .Select(e => e.GetProperty("message").GetString()!).Where(m => m.StartsWith(marker, StringComparison.Ordinal)).ToList();
        Assert.Equal(LogEntriesPerAddress, kept.Count(m => m.Contains(" first ", StringComparison.Ordinal)));
        Assert.DoesNotContain(kept, m => m.Contains(" again ", StringComparison.Ordinal));
        Assert.Equal(LogEntriesPerWindow - LogEntriesPerAddress, kept.Count(m => m.Contains(" second ", StringComparison.Ordinal)));
        Assert.DoesNotContain(kept, m => m.Contains(" late ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_device_log_message_cannot_forge_lines_of_the_servers_log()
    {
        using var client = ClientFrom("127.0.0.9");
        var forged = $"real {Guid.NewGuid():N}\r\nfail: Forged.Logger[0]\r\n      forged line\u2028more";
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/log") { Content = Json(JsonSerializer.Serialize(new { logs = new[] { forged } })) };
        request.Headers.TryAddWithoutValidation("User-Agent", "Agent\u0007Bell");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var line = await Logs.WaitForAsync(l => l.Contains(forged[..37], StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain('\u2028', line);
        Assert.Contains("\\u000d\\u000afail: Forged.Logger[0]", line, StringComparison.Ordinal);
    }
}
