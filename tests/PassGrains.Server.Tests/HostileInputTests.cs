using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Data.Sqlite;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// Every endpoint the server maps, found from its own route table (so a new endpoint is swept without anyone
/// remembering to add it), is sent hostile route values, bodies and headers, with and without credentials.
/// Nothing may answer 5xx or log an error, the server keeps serving, and nothing stored changes.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _root = new("hostile");
    private TestServer _server = null!;
    private ServerSettings _settings = null!;
    private PassGrainsClient _issuer = null!;

    /// <summary>Route values no endpoint should take, or should take only after checking them.</summary>
    private static readonly string[] RouteValues =
    [
        "..", "%2E%2E", "a%2Fb", "%00", "a%00b", "%F0%9F%8E%9F", "a%0D%0Ab", "%22%3E%3Cscript%3E", "pass.com.example.event%2F..%2F..",
        new string('a', 10_000), "pass." + new string('x', 300), "%C0%AF", "%FF%FE", "CON", "-1", "1e999", "%20",
    ];

    /// <summary>Bodies of every kind a parser can trip on, whatever endpoint reads them.</summary>
    private static readonly (string Name, Func<HttpContent?> Content)[] RawBodies =
    [
        ("none", () => null),
        ("truncated", () => Json("{\"templateId\": ")),
        ("deep", () => Json(string.Concat(Enumerable.Repeat("{\"a\":", 5000)) + "1" + string.Concat(Enumerable.Repeat("}", 5000)))),
        ("array", () => Json("[[[[1]]]]")),
        ("not UTF-8", () => new ByteArrayContent([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]) { Headers = { { "Content-Type", "application/json" } } }),
        ("big", () => Json("{\"logs\":[\"" + new string('a', 2 * 1024 * 1024) + "\"]}")),
        ("zip junk", () => new ByteArrayContent("PK\u0003\u0004junkjunkjunk"u8.ToArray()) { Headers = { { "Content-Type", "application/zip" } } }),
        ("odd type", OddType),
    ];

    /// <summary>
    /// Well-formed bodies of each endpoint's own vocabulary, so that the hostile variants made of them
    /// (<see cref="Variants"/>) get past the first check and reach the rules further in.
    /// </summary>
    private static readonly string[] Dialects =
    [
        """{"templateId":"boarding","serialNumber":"S1","groupId":"G1","fields":{"seat":"1","gate":2},"pass":{"barcodes":[{"message":"m","format":"PKBarcodeFormatQR","messageEncoding":"utf-8"}],"relevantDate":"2026-01-01T10:00Z"}}""",
        """{"templateId":"boarding","fields":{"gate":"1"},"pass":{"locations":[{"latitude":1.5,"longitude":2.5}]}}""",
        """{"pushToken":"abcdef0123456789abcdef0123456789"}""",
        """{"personalizationToken":"0123456789abcdef0123","requiredPersonalizationInfo":{"fullName":"J","emailAddress":"j@example.com"}}""",
        """{"logs":["a message"]}""",
        """{"url":"https://example.com/hook","secret":"0123456789abcdef0","passTypeIdentifier":"pass.com.example.event"}""",
        """{"passTypeIdentifier":"pass.com.example.event","serialNumbers":["S1"]}""",
    ];

    /// <summary>Hostile variants of a well-formed body: a repeated member, each member of a wrong kind, odd strings, too deep, trailing garbage.</summary>
    private static IEnumerable<(string Name, string Text)> Variants(string dialect)
    {
        var body = JsonNode.Parse(dialect)!.AsObject();
        var first = body.First();
        yield return ("repeated member", dialect.Insert(1, $"\"{first.Key}\":{first.Value!.ToJsonString()},"));
        foreach (var (name, value) in body)
        {
            var copy = body.DeepClone().AsObject();
            copy[name] = value!.GetValueKind() switch
            {
                JsonValueKind.String => JsonValue.Create(5),
                JsonValueKind.Object => new JsonArray(1),
                JsonValueKind.Array => new JsonObject { ["a"] = 1 },
                _ => JsonValue.Create("x"),
            };
            yield return ($"{name} of a wrong kind", copy.ToJsonString());
            if (value is JsonObject nested && nested.Count > 0)
            {
                var inner = nested.First();
                copy[name] = nested.DeepClone();
                var text = copy.ToJsonString();
                var at = text.IndexOf($"\"{name}\":{{", StringComparison.Ordinal) + name.Length + 4;
                yield return ($"{name} with a repeated member", text.Insert(at, $"\"{inner.Key}\":{inner.Value!.ToJsonString()},"));
            }
        }
        foreach (var (label, replacement) in new[] { ("NUL and emoji", "\\u0000\ud83c\udf9f\ufe0f"), ("lone surrogate", "\\ud800"), ("10,000 characters", new string('w', 10_000)), ("dots", "../../etc/passwd") })
            yield return ($"strings: {label}", Regex.Replace(dialect, "\"[^\"]*\"(?!:)", _ => $"\"{replacement}\""));
        yield return ("too deep", dialect[..^1] + ",\"zz\":" + string.Concat(Enumerable.Repeat("[", 64)) + string.Concat(Enumerable.Repeat("]", 64)) + "}");
        yield return ("trailing garbage", dialect + "}x");
        yield return ("a byte-order mark first", "\ufeff" + dialect);
    }

    private static readonly (string Name, Func<HttpContent?> Content)[] DialectBodies =
        [.. Dialects.SelectMany(Variants).Select(v => (v.Name, (Func<HttpContent?>)(() => Json(v.Text))))];

    /// <summary>Header values a client may send; the server must answer each with a 4xx (Kestrel refuses some itself).</summary>
    private static readonly (string Name, string Value)[] HostileHeaders =
    [
        ("X-Padding", new string('p', 64 * 1024)), ("Accept-Language", "\u00e9\u00e9;q=abc"), ("If-None-Match", "\u0001\u007f"),
        ("Content-Type", "application/json; charset=\"x"), ("X-Forwarded-For", "not an address, 999.1.1.1"), ("Authorization", new string('A', 40_000)),
    ];

    /// <summary>Authorization headers: none, a valid issuer key (to reach the handlers), and garbage.</summary>
    private static readonly string?[] Credentials =
    [
        null, $"Bearer {TestEnvironment.ApiKey}", "ApplePass ", "ApplePass " + new string('z', 8000), "Basic %%%", "Bearer \u00e9\u00e9\u00e9",
    ];

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_root.Combine("data"), SigningChain.Create(_root.Combine("chain")), ServerSettings.NewSecretKey(), _ => { });
        _settings = _server.Settings;
        _issuer = _server.Client;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _root.Dispose();
    }

    public void Dispose() => _root.Dispose();

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static ByteArrayContent OddType()
    {
        var content = new ByteArrayContent("{}"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=\u00e9v\u00efl; x=\"" + new string('q', 2000));
        return content;
    }

    /// <summary>Each mapped route as (methods, pattern).</summary>
    private List<(IReadOnlyList<string> Methods, RoutePattern Pattern)> Routes() =>
        _server.Endpoints.OfType<RouteEndpoint>()
            .Select(e => ((IReadOnlyList<string>)(e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"]), e.RoutePattern))
            .ToList();

    private static string Fill(RoutePattern pattern, string value) => Fill(pattern, _ => value);

    private static string Fill(RoutePattern pattern, Func<string, string> value) => "/" + string.Join("/", pattern.PathSegments.Select(segment =>
        string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => value(parameter.Name),
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "",
        }))));

    /// <summary>Waits until the scope's stats hold every event of the feed and the setup's download.</summary>
    private async Task StatsSettledAsync(string scope)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var feed = await _issuer.SendAsync(HttpMethod.Get, "api/events?limit=1000");
            var tail = long.Parse((await Expect.Json(feed, HttpStatusCode.OK)).GetProperty("next").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            using var read = await _issuer.SendAsync(HttpMethod.Get, $"api/stats?{scope}&interval=hour");
            var stats = await Expect.Json(read, HttpStatusCode.OK);
            var downloads = stats.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("downloads").GetInt64());
            if (long.Parse(stats.GetProperty("countedThrough").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= tail && downloads >= 1)
                return;
            Assert.True(DateTime.UtcNow < until, $"the stats of {scope} did not settle: {stats}");
            await Task.Delay(100);
        }
    }

    /// <summary>Every stored grain state and reminder, with its version: what "nothing stored changes" compares.</summary>
    private List<string> Stored()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_settings.DataDirectory, "passgrains.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT GrainTypeString || ' ' || COALESCE(GrainIdExtensionString, '') || ' v' || COALESCE(Version, 0) FROM OrleansStorage
            UNION ALL SELECT 'reminder ' || GrainId || ' ' || ReminderName FROM OrleansRemindersTable
            """;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(reader.GetString(0));
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    [Fact]
    public async Task Every_endpoint_answers_hostile_input_with_a_4xx_keeps_serving_and_stores_nothing()
    {
        var issued = await _issuer.IssueAsync(new { templateId = "boarding", serialNumber = TestEnvironment.UniqueId("keep") });
        var pass = await _issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
        var device = new WalletDevice(_issuer.Http, pass.WebServiceUrl);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(issued.PassTypeIdentifier, issued.SerialNumber, pass.AuthenticationToken));
        // The stats count the issue, the download and the registration a moment later: stored before the snapshot, not during the sweep.
        await StatsSettledAsync($"passType={issued.PassTypeIdentifier}");
        await StatsSettledAsync("template=boarding");
        var routes = Routes();
        Assert.True(routes.Count >= 20, $"the sweep found only {routes.Count} routes");
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_settings.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var sent = 0;
        var headerTurn = 0;

        async Task Sweep(IEnumerable<(string Method, string Path)> targets, (string Name, Func<HttpContent?> Content)[] bodies, string?[] credentials)
        {
            await Parallel.ForEachAsync(targets.Distinct(), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (target, cancellationToken) =>
            {
                foreach (var (bodyName, body) in bodies)
                {
                    foreach (var credential in credentials)
                    {
                        using var request = new HttpRequestMessage(new HttpMethod(target.Method), target.Path) { Content = body() };
                        if (credential is not null)
                            request.Headers.TryAddWithoutValidation("Authorization", credential);
                        // Headers a client controls: a garbage date on every request; with no body, also one of a 64 KiB
                        // header, a non-ASCII one or a control character (Kestrel refuses those itself, with a 4xx).
                        request.Headers.TryAddWithoutValidation("If-Modified-Since", "Tue, 99 Foo 20xx 25:61:61 GMT");
                        if (bodyName == "none")
                        {
                            var (name, value) = HostileHeaders[Interlocked.Increment(ref headerTurn) % HostileHeaders.Length];
                            request.Headers.TryAddWithoutValidation(name, value);
                        }
                        var status = await SendAsync(http, request, cancellationToken);
                        Interlocked.Increment(ref sent);
                        statuses.AddOrUpdate(status ?? 0, 1, (_, n) => n + 1);
                        if (status is null or >= 500)
                            failures.Enqueue($"{target.Method} {Shorten(target.Path)} body={bodyName} auth={Shorten(credential ?? "none")}: {status?.ToString() ?? "no answer"}");
                    }
                }
            });
        }

        // 1. Hostile route values, every body, every kind of credential: nothing may be stored.
        var before = Stored();
        var hostileTargets = from route in routes from method in route.Methods from value in RouteValues select (method, Fill(route.Pattern, value));
        await Sweep(hostileTargets, [.. RawBodies, .. DialectBodies], Credentials);
        Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} requests answered 5xx or not at all:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(40))}");
        // A batch upload is stored (its chunks), becomes a job (its record, its place in the job registry, its reminder), and
        // its job then records every line as failed: that is all such a request may store; no pass, group or template may change.
        string[] batch = ["job ", "batchchunk ", "jobregistry ", "reminder batchjob/"];
        var changed = Stored().Where(r => !batch.Any(b => r.StartsWith(b, StringComparison.Ordinal))).Except(before).ToList();
        var gone = before.Except(Stored()).ToList();
        Assert.True(changed.Count == 0 && gone.Count == 0, $"stored state changed: added or moved [{string.Join(", ", changed.Take(20))}], gone [{string.Join(", ", gone)}]");

        // 2. Real route values (a pass of its own, the template, a group), so hostile bodies reach the rules behind the ids.
        var target = await _issuer.IssueAsync(new { templateId = "boarding", serialNumber = TestEnvironment.UniqueId("target") });
        var targetPass = await _issuer.DownloadAsync(target.DownloadUrl, target.SerialNumber);
        using (var group = await _issuer.PutGroupAsync("G1", new { templateId = "boarding", fields = new { gate = "1" } }))
            await Expect.Status(group, HttpStatusCode.Created);
        var realTargets = from route in routes
                          from method in route.Methods
                          select (method, Fill(route.Pattern, p => p switch
                          {
                              "passTypeIdentifier" => target.PassTypeIdentifier,
                              "serialNumber" => target.SerialNumber,
                              "templateId" => "boarding",
                              "groupId" => "G1",
                              "deviceLibraryIdentifier" => device.DeviceLibraryIdentifier,
                              _ => "x1",
                          }));
        await Sweep(realTargets, [.. RawBodies, .. DialectBodies], [null, $"Bearer {TestEnvironment.ApiKey}", $"ApplePass {targetPass.AuthenticationToken}"]);

        Assert.True(sent > 20_000, $"the sweep sent only {sent} requests");
        // The sweep reached the handlers: refusals of every kind, and some answers that were served.
        var histogram = string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"));
        foreach (var expected in new[] { 200, 400, 401, 404 })
            Assert.True(statuses.ContainsKey(expected), $"no request was answered {expected}: {histogram}");
        Assert.True(statuses.GetValueOrDefault(400) < sent * 0.8, $"most requests were refused before reaching a handler: {histogram}");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} requests answered 5xx or not at all:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(40))}");
        var errors = _server.Logs.Lines.Where(l => l.Contains(" [Error] ", StringComparison.Ordinal) || l.Contains(" [Critical] ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"the server logged errors:{Environment.NewLine}{string.Join(Environment.NewLine, errors.Take(20))}");
        using (var alive = await http.GetAsync("alive"))
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        // The pass nobody aimed at is as it was.
        var info = await _issuer.GetPassInfoAsync(issued.PassTypeIdentifier, issued.SerialNumber);
        Assert.Equal(1, info.GetProperty("version").GetInt32());
        Assert.Equal(1, info.GetProperty("devices").GetInt32());
        Assert.Contains(issued.SerialNumber, (await device.ListAsync(issued.PassTypeIdentifier)).SerialNumbers);
        (await _issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber)).AssertVerifies(_settings.Chain.Wwdr);
    }

    private static async Task<int?> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // Kestrel may close a connection it refuses (an oversized header block) before answering: a refusal, not a failure.
            return 400;
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + $"…({text.Length})";
}
