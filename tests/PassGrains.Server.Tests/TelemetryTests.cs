using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using PassGrains.Packaging.Signing;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// What an operator scrapes and opens: /metrics moves as passes are issued, downloaded, registered, polled
/// and pushed; neither /metrics nor /dashboard answers without a key. A server process of its own, so no
/// other test's server feeds the process-wide meters it reads.
/// </summary>
public sealed partial class TelemetryTests : IAsyncLifetime, IDisposable
{
    private const string OperatorKey = "operator-key-for-telemetry-tests";
    private const string PassType = TestEnvironment.PassType;
    private readonly TempDirectory _root = new("telemetry");
    private readonly HttpClient _http = new();
    private ApnsDouble _apns = null!;
    private ServerProcess _server = null!;
    private PassGrainsClient _client = null!;
    private ServerSettings _settings = null!;

    public async Task InitializeAsync()
    {
        var chainDirectory = _root.Combine("chain");
        var chain = DevelopmentChain.Create(PassType, TestEnvironment.Team);
        chain.WriteTo(chainDirectory, TestEnvironment.CertificatePassword);
        _apns = await ApnsDouble.StartAsync(chain);
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        _settings = ServerSettings.Create(data, new SigningChain(chainDirectory)) with
        {
            Extra = new Dictionary<string, string?>
            {
                ["PassGrains:OperatorApiKeys:0"] = OperatorKey,
                ["PassGrains:Apns:Endpoint"] = _apns.Endpoint.ToString(),
                ["PassGrains:Apns:TrustedCaPath"] = _apns.CaPath,
                // JSON lines with scopes, as a log shipper reads them.
                ["Logging:Console:FormatterName"] = "json",
                ["Logging:Console:FormatterOptions:IncludeScopes"] = "true",
                ["Logging:LogLevel:PassGrains"] = "Information",
                // Request and HTTP client logging as verbose as an operator may make it: secrets must stay out even then.
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
                ["Logging:LogLevel:System.Net.Http"] = "Information",
            },
        };
        _server = await ServerProcess.StartAsync(_settings);
        _client = new PassGrainsClient(new Uri(_settings.BaseUrl));
        using var upload = await _client.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding")));
        await Expect.Status(upload, HttpStatusCode.Created);
        using var rewards = await _client.UploadTemplateAsync("rewards", ModelZip.FromFolder(TestEnvironment.Model("rewards")));
        await Expect.Status(rewards, HttpStatusCode.Created);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        await _apns.DisposeAsync();
    }

    public void Dispose()
    {
        _http.Dispose();
        _root.Dispose();
    }

    [Fact]
    public async Task Metrics_move_as_passes_are_issued_rendered_registered_polled_and_pushed()
    {
        var before = await ScrapeAsync();

        var serial = TestEnvironment.UniqueId("metrics");
        var issued = await _client.IssueAsync(new { templateId = "boarding", serialNumber = serial });
        var pass = await _client.DownloadAsync(issued.DownloadUrl, serial);
        var device = new WalletDevice(_http, pass.WebServiceUrl);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        var (_, lastModified) = await device.FetchPassAsync(PassType, serial, pass.AuthenticationToken);
        using (var current = await device.GetPassAsync(PassType, serial, pass.AuthenticationToken, lastModified))
            Assert.Equal(HttpStatusCode.NotModified, current.StatusCode);
        Assert.Equal(2, await _client.ChangeAsync(PassType, serial, new { fields = new { gate = "B7" } }));
        await _apns.WaitUntilAsync(a => a.RequestsFor(device.PushToken).Count == 1);

        // Pushes are reported after APNs answered: wait for the counter rather than for time.
        var after = await ScrapeUntilAsync(m => Value(m, "passgrains_pushes_total", ("outcome", "Delivered")) >= 1);
        double Moved(string name, params (string Label, string Value)[] labels) => Value(after, name, labels) - Value(before, name, labels);

        Assert.Equal(1, Moved("passgrains_passes_issued_total", ("pass_type", PassType), ("source", "api")));
        // The download signs the version; the device's fetch of that same version is sent as signed (Rendering/RenderedPassCache.cs).
        Assert.True(Moved("passgrains_passes_rendered_total", ("pass_type", PassType)) >= 1, "the download is rendered");
        Assert.True(Moved("passgrains_render_duration_seconds_count", ("pass_type", PassType)) >= 1);
        Assert.True(Moved("passgrains_passes_render_cache_hits_total", ("pass_type", PassType)) >= 1, "the device's fetch of the downloaded version needs no signature");
        Assert.Equal(1, Moved("passgrains_registrations_total", ("pass_type", PassType), ("change", "added")));
        Assert.Equal(1, Moved("passgrains_latest_pass_responses_total", ("pass_type", PassType), ("status", "304")));
        Assert.Equal(1, Moved("passgrains_latest_pass_responses_total", ("pass_type", PassType), ("status", "200")));
        Assert.Equal(1, Moved("passgrains_pushes_total", ("pass_type", PassType), ("outcome", "Delivered")));
        Assert.InRange(Value(after, "passgrains_certificate_days_remaining", ("pass_type", PassType)), 300, 400);
        Assert.True(after.Keys.Any(k => k.StartsWith("orleans_", StringComparison.Ordinal)), "Orleans' own meter is exported too");
    }

    [Fact]
    public async Task A_pass_on_its_way_to_a_slow_phone_is_not_counted_as_load_by_the_pacer()
    {
        // A pass larger than the server's socket buffer can take at once (Linux grows it to 4 MB at most): a logo with 6 MB
        // of bytes after its image (only the header is read), so each answer stays in flight while its reader does not read.
        var boarding = TestEnvironment.Model("boarding");
        var heavyLogo = (await File.ReadAllBytesAsync(Path.Combine(boarding, "logo.png"))).Concat(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6 << 20)).ToArray();
        using (var upload = await _client.UploadTemplateAsync("heavy", ModelZip.FromFolder(boarding, exclude: name => name == "logo.png",
            extra: new Dictionary<string, byte[]> { ["logo.png"] = heavyLogo })))
            await Expect.Status(upload, HttpStatusCode.Created);
        var serial = TestEnvironment.UniqueId("slow");
        var issued = await _client.IssueAsync(new { templateId = "heavy", serialNumber = serial });
        var pass = await _client.DownloadAsync(issued.DownloadUrl, serial);
        using var slowPhones = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { ReceiveBufferSize = 2048 };
                await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        });
        var url = new Uri(new Uri(pass.WebServiceUrl), $"v1/passes/{PassType}/{serial}");
        var stalled = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("ApplePass", pass.AuthenticationToken);
            return slowPhones.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }));
        try
        {
            Assert.All(stalled, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
            var metrics = await ScrapeAsync();
            // The three answers are still being sent (ASP.NET Core's own count of requests in progress, the scrape included) ...
            Assert.True(Value(metrics, "http_server_active_requests", ("http_request_method", "GET")) >= 3,
                $"the stalled downloads are not in progress: {string.Join(", ", metrics.Where(m => m.Key.StartsWith("http_server_active", StringComparison.Ordinal)))}");
            // ... and none of them waits for the silo: the pacer does not read a phone's reading speed as load.
            Assert.Contains(metrics.Keys, k => k.StartsWith("passgrains_wallet_requests_waiting", StringComparison.Ordinal));
            Assert.Equal(0, Value(metrics, "passgrains_wallet_requests_waiting"));
        }
        finally
        {
            foreach (var response in stalled)
                response.Dispose();
        }
    }

    [Fact]
    public async Task A_device_request_logs_with_its_pass_type_and_serial_number_in_scope()
    {
        var serial = TestEnvironment.UniqueId("scope");
        var issued = await _client.IssueAsync(new { templateId = "rewards", serialNumber = serial });
        var pass = await _client.DownloadAsync(issued.DownloadUrl, serial);
        using var body = new StringContent("""{"personalizationToken":"0123456789abcdef0123456789abcdef","requiredPersonalizationInfo":{"fullName":"J"}}""", Encoding.UTF8, "application/json");
        using (var response = await _http.PostAsync(new Uri(new Uri(pass.WebServiceUrl), $"v1/passes/{PassType}/{serial}/personalize"), body))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The handler's own log line; the scope names the pass even where the message would not.
        var line = await WaitForLogLineAsync(l => l.Contains("personalized", StringComparison.Ordinal) && l.Contains(serial, StringComparison.Ordinal));
        using var entry = System.Text.Json.JsonDocument.Parse(line);
        var scopes = entry.RootElement.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Contains(scopes, scope => scope.ValueKind == System.Text.Json.JsonValueKind.Object
            && scope.TryGetProperty("passTypeIdentifier", out var type) && type.GetString() == PassType
            && scope.TryGetProperty("serialNumber", out var number) && number.GetString() == serial);
    }

    [Fact]
    public async Task A_refused_push_token_and_the_pass_secrets_never_appear_in_the_logs()
    {
        var serial = TestEnvironment.UniqueId("secret");
        var issued = await _client.IssueAsync(new { templateId = "boarding", serialNumber = serial });
        var pass = await _client.DownloadAsync(issued.DownloadUrl, serial);
        var device = new WalletDevice(_http, pass.WebServiceUrl);
        _apns.Script(device.PushToken, ApnsReply.Unregistered(DateTimeOffset.UtcNow.AddDays(-1)));
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        using (var fetched = await device.GetPassAsync(PassType, serial, pass.AuthenticationToken))
            Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(2, await _client.ChangeAsync(PassType, serial, new { fields = new { gate = "D4" } }));

        // APNs answers 410: the token is refused, logged, and its registration removed.
        var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(device.PushToken)))[..8];
        await WaitForLogLineAsync(l => l.Contains("no longer valid", StringComparison.Ordinal) && l.Contains(fingerprint, StringComparison.Ordinal));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await _client.GetPassInfoAsync(PassType, serial)).GetProperty("devices").GetInt32() != 0)
        {
            Assert.True(DateTime.UtcNow < until, "the refused token's registration was not removed");
            await Task.Delay(50);
        }

        var signature = System.Web.HttpUtility.ParseQueryString(new Uri(issued.DownloadUrl).Query)["sig"]!;
        var output = _server.Output;
        Assert.Contains(serial, output); // the lines about this pass are there...
        Assert.DoesNotContain(device.PushToken, output, StringComparison.OrdinalIgnoreCase); // ...without its secrets
        Assert.DoesNotContain(pass.AuthenticationToken, output, StringComparison.Ordinal);
        Assert.DoesNotContain(signature, output, StringComparison.Ordinal);
        Assert.DoesNotContain(TestEnvironment.ApiKey, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_active_install_gauges_count_the_devices_holding_a_pass_by_pass_type_and_template()
    {
        var before = Value(await ScrapeAsync(), "passgrains_installs_active", ("pass_type", PassType));
        var device = new WalletDevice(_http, _settings.BaseUrl);
        var other = new WalletDevice(_http, _settings.BaseUrl);
        var serials = new List<(string Serial, PassPackage Pass)>();
        for (var i = 0; i < 2; i++)
        {
            var serial = TestEnvironment.UniqueId("gauge");
            var issued = await _client.IssueAsync(new { templateId = "rewards", serialNumber = serial });
            serials.Add((serial, await _client.DownloadAsync(issued.DownloadUrl, serial)));
        }
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serials[0].Serial, serials[0].Pass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serials[1].Serial, serials[1].Pass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Created, await other.RegisterAsync(PassType, serials[0].Serial, serials[0].Pass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.OK, await other.UnregisterAsync(PassType, serials[0].Serial, serials[0].Pass.AuthenticationToken));

        // Three installs and one uninstall of the template: two devices' passes, counted from the event feed.
        var after = await ScrapeUntilAsync(m => Value(m, "passgrains_installs_active", ("template", "rewards")) == 2, TimeSpan.FromSeconds(45));
        Assert.Equal(2, Value(after, "passgrains_installs_active", ("template", "rewards")));
        Assert.Equal(before + 2, Value(after, "passgrains_installs_active", ("pass_type", PassType)));
    }

    [Fact]
    public async Task Metric_labels_carry_only_configured_pass_types_and_other_for_anything_else()
    {
        var attacker = $"pass.attacker.{Guid.NewGuid():N}";
        var device = new WalletDevice(_http, _settings.BaseUrl);
        using (var latest = await device.GetPassAsync(attacker, "x", "token-of-nobody-0123456789"))
            Assert.Equal(HttpStatusCode.Unauthorized, latest.StatusCode);
        await device.ListAsync(attacker);
        Assert.Equal(HttpStatusCode.Unauthorized, await device.RegisterAsync(attacker, "x", "token-of-nobody-0123456789"));

        var after = await ScrapeUntilAsync(m => Value(m, "passgrains_registrations_total", ("pass_type", "other"), ("change", "refused")) >= 1);
        Assert.True(Value(after, "passgrains_registrations_total", ("pass_type", "other"), ("change", "refused")) >= 1, "a refused registration counts as pass type 'other'");
        using var response = await SendAsync("metrics", new AuthenticationHeaderValue("Bearer", OperatorKey));
        var text = await Expect.Status(response, HttpStatusCode.OK);
        Assert.DoesNotContain("attacker", text, StringComparison.Ordinal);
    }

    private async Task<string> WaitForLogLineAsync(Func<string, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var found = _server.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith('{') && match(l));
            if (found is not null)
                return found;
            Assert.True(DateTime.UtcNow < deadline, $"no such log line; the server wrote:{Environment.NewLine}{_server.Output}");
            await Task.Delay(50); // the console logger writes on its own thread
        }
    }

    [Fact]
    public async Task Metrics_need_an_issuer_or_operator_key()
    {
        using (var anonymous = await SendAsync("metrics", null))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var wrong = await SendAsync("metrics", new AuthenticationHeaderValue("Bearer", "not-a-key-of-this-server")))
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using (var issuer = await SendAsync("metrics", new AuthenticationHeaderValue("Bearer", TestEnvironment.ApiKey)))
            Assert.Contains("passgrains_certificate_days_remaining", await Expect.Status(issuer, HttpStatusCode.OK));
        using (var operatorKey = await SendAsync("metrics", new AuthenticationHeaderValue("Bearer", OperatorKey)))
            Assert.Equal(HttpStatusCode.OK, operatorKey.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_refuses_requests_without_an_operator_key()
    {
        using (var anonymous = await SendAsync("dashboard/", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme); // the browser asks for the key
        }
        using (var issuer = await SendAsync("dashboard/", new AuthenticationHeaderValue("Bearer", TestEnvironment.ApiKey)))
            Assert.Equal(HttpStatusCode.Unauthorized, issuer.StatusCode);
        using (var wrongPassword = await SendAsync("dashboard/", Basic("operator", "wrong-password-0123456789")))
            Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        using (var browser = await SendAsync("dashboard/", Basic("anyone", OperatorKey)))
            Assert.Contains("Orleans Dashboard", await Expect.Status(browser, HttpStatusCode.OK));
        using (var bearer = await SendAsync("dashboard/", new AuthenticationHeaderValue("Bearer", OperatorKey)))
            Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private async Task<HttpResponseMessage> SendAsync(string path, AuthenticationHeaderValue? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(_settings.BaseUrl), path));
        request.Headers.Authorization = authorization;
        return await _http.SendAsync(request);
    }

    private async Task<Dictionary<string, double>> ScrapeAsync()
    {
        using var response = await SendAsync("metrics", new AuthenticationHeaderValue("Bearer", OperatorKey));
        var text = await Expect.Status(response, HttpStatusCode.OK);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match sample in SampleLine().Matches(text))
            samples[sample.Groups["series"].Value] = double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
        return samples;
    }

    private async Task<Dictionary<string, double>> ScrapeUntilAsync(Func<Dictionary<string, double>, bool> condition, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var samples = await ScrapeAsync();
            if (condition(samples) || DateTime.UtcNow > until)
                return samples;
            await Task.Delay(100);
        }
    }

    /// <summary>The sum over every series of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    private static double Value(Dictionary<string, double> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Where(s => (s.Key == name || s.Key.StartsWith(name + "{", StringComparison.Ordinal))
                && labels.All(l => s.Key.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Sum(s => s.Value);

    [GeneratedRegex(@"^(?<series>[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?) (?<value>[-+0-9.eE]+|NaN|[+-]Inf)(?: \d+)?$", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
