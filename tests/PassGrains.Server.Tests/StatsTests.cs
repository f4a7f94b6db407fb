using System.Globalization;
using System.Net;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;
using PassGrains.TestSupport;

namespace PassGrains.Server.Tests;

/// <summary>
/// Numbers for issuers (issue 14, item 3), through the running server: a scripted sequence of issues, downloads,
/// registrations, unregistrations, changes and pushes (over the APNs double), and GET /api/stats of the group, the template
/// and the pass type counting exactly that, as the event feed tells it too; the console page in Chromium. (The active-install
/// gauges are read from a server process of its own: TelemetryTests.)
/// </summary>
public sealed class StatsTests(PushServerFixture server) : IClassFixture<PushServerFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private PassGrainsClient Issuer => server.Client;

    /// <summary>One scope's counts summed over the buckets of a read, and the active installs at the end of its last bucket.</summary>
    private sealed record Totals(long Issued, long Voided, long Installs, long Uninstalls, long ActiveInstalls, long Downloads, long? PushesSent, long? PushesFailed);

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private async Task<JsonElement> StatsAsync(string query)
    {
        using var response = await Issuer.SendAsync(HttpMethod.Get, $"api/stats?{query}");
        return await Expect.Json(response, HttpStatusCode.OK);
    }

    /// <summary>A template of its own (the boarding model) and a group of it: scopes whose numbers only the test moves.</summary>
    private async Task<(string Template, string Group)> TemplateAndGroupAsync(string prefix)
    {
        var template = TestEnvironment.UniqueId($"{prefix}-tpl");
        using (var upload = await Issuer.UploadTemplateAsync(template, ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
            await Expect.Status(upload, HttpStatusCode.Created);
        var group = TestEnvironment.UniqueId($"{prefix}-group");
        using (var put = await Issuer.PutGroupAsync(group, new { templateId = template, fields = new { gate = "A1" } }))
            await Expect.Status(put, HttpStatusCode.Created);
        return (template, group);
    }

    private static Totals Sum(JsonElement stats)
    {
        var buckets = stats.GetProperty("buckets").EnumerateArray().ToList();
        long Total(string name) => buckets.Sum(b => b.GetProperty(name).GetInt64());
        long? Pushes(string name) => buckets[^1].GetProperty(name).ValueKind == JsonValueKind.Null ? null : Total(name);
        return new Totals(Total("issued"), Total("voided"), Total("installs"), Total("uninstalls"), buckets[^1].GetProperty("activeInstalls").GetInt64(),
            Total("downloads"), Pushes("pushesSent"), Pushes("pushesFailed"));
    }

    /// <summary>Reads until the stats have counted every event of the feed and the tally holds what is expected of it (or the deadline).</summary>
    private async Task<Totals> CountedAsync(string query, long downloads, long? pushesSent = null)
    {
        var until = DateTimeOffset.UtcNow + Deadline;
        while (true)
        {
            var tail = await FeedTailAsync();
            var stats = await StatsAsync(query);
            var totals = Sum(stats);
            if (long.Parse(stats.GetProperty("countedThrough").GetString()!, CultureInfo.InvariantCulture) >= tail
                && totals.Downloads >= downloads && (pushesSent is null || totals.PushesSent >= pushesSent))
                return totals;
            Assert.True(DateTimeOffset.UtcNow < until, $"the stats did not catch up with the feed (cursor {tail}): {stats}");
            await Task.Delay(200);
        }
    }

    private async Task<long> FeedTailAsync() => (await EventsAsync()).Tail;

    /// <summary>The event feed's newest cursor, and every event in it so far.</summary>
    private async Task<(long Tail, List<JsonElement> Events)> EventsAsync()
    {
        var events = new List<JsonElement>();
        var after = "0";
        while (true)
        {
            using var response = await Issuer.SendAsync(HttpMethod.Get, $"api/events?after={after}&limit=1000");
            var page = await Expect.Json(response, HttpStatusCode.OK);
            var read = page.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList();
            events.AddRange(read);
            var next = page.GetProperty("next").GetString()!;
            if (read.Count == 0 || next == after)
                return (long.Parse(next, CultureInfo.InvariantCulture), events);
            after = next;
        }
    }

    [Fact]
    public async Task Stats_count_exactly_the_scripted_issues_installs_uninstalls_downloads_and_pushes_by_group_template_and_pass_type()
    {
        var begun = DateTimeOffset.UtcNow;
        var (template, group) = await TemplateAndGroupAsync("stats");

        // Four passes of the template, three in the group; each downloaded once through its link.
        var passes = new List<(string Serial, PassPackage Pass)>();
        foreach (var inGroup in new[] { true, true, true, false })
        {
            var serial = TestEnvironment.UniqueId("stats");
            var issued = await Issuer.IssueAsync(new { templateId = template, serialNumber = serial, groupId = inGroup ? group : null });
            passes.Add((serial, await Issuer.DownloadAsync(issued.DownloadUrl, serial)));
        }
        var (s1, p1) = passes[0];
        var (s2, p2) = passes[1];
        var (s4, p4) = passes[3];
        var a = new WalletDevice(server.Http, p1.WebServiceUrl);
        var b = new WalletDevice(server.Http, p1.WebServiceUrl);
        var c = new WalletDevice(server.Http, p4.WebServiceUrl);
        // Installs: A holds s1 and s2, B s1, C s4; A registering s1 again is no new install.
        Assert.Equal(HttpStatusCode.Created, await a.RegisterAsync(PassType, s1, p1.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Created, await a.RegisterAsync(PassType, s2, p2.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Created, await b.RegisterAsync(PassType, s1, p1.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Created, await c.RegisterAsync(PassType, s4, p4.AuthenticationToken));
        Assert.Equal(HttpStatusCode.OK, await a.RegisterAsync(PassType, s1, p1.AuthenticationToken));
        // Uninstall: B deletes s1.
        Assert.Equal(HttpStatusCode.OK, await b.UnregisterAsync(PassType, s1, p1.AuthenticationToken));

        // s1 changes: A is pushed (APNs takes it) and fetches the new version (a download).
        await Issuer.ChangeAsync(PassType, s1, new { fields = new { seat = "12C" } });
        await server.Apns.WaitUntilAsync(apns => apns.RequestsFor(a.PushToken).Count >= 1, Deadline);
        using (var latest = await a.GetPassAsync(PassType, s1, p1.AuthenticationToken))
            Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        // s2 is voided: A is pushed again.
        using (var voided = await Issuer.SendAsync(HttpMethod.Post, $"api/passes/{PassType}/{s2}/void"))
            await Expect.Status(voided, HttpStatusCode.OK);
        await server.Apns.WaitUntilAsync(apns => apns.RequestsFor(a.PushToken).Count >= 2, Deadline);
        // s4 changes, and APNs says C's token is dead: a failed push, and C's registration goes (an uninstall).
        server.Apns.Script(c.PushToken, ApnsReply.Unregistered(DateTimeOffset.UtcNow.AddMinutes(1)));
        await Issuer.ChangeAsync(PassType, s4, new { fields = new { seat = "1A" } });
        await server.Apns.WaitUntilAsync(apns => apns.RequestsFor(c.PushToken).Count >= 1, Deadline);

        var range = $"interval=hour&from={Time(begun.AddHours(-1))}&to={Time(DateTimeOffset.UtcNow.AddHours(1))}";
        var groupTotals = await CountedAsync($"group={group}&{range}", downloads: 4);
        Assert.Equal(new Totals(Issued: 3, Voided: 1, Installs: 3, Uninstalls: 1, ActiveInstalls: 2, Downloads: 4, PushesSent: null, PushesFailed: null), groupTotals);
        var templateTotals = await CountedAsync($"template={template}&{range}", downloads: 5);
        Assert.Equal(new Totals(Issued: 4, Voided: 1, Installs: 4, Uninstalls: 2, ActiveInstalls: 2, Downloads: 5, PushesSent: null, PushesFailed: null), templateTotals);

        // The pass type's numbers hold every other test's on this server too: they are what its events say, exactly.
        var passTypeTotals = await CountedAsync($"passType={PassType}&{range}", downloads: 5, pushesSent: 2);
        var (_, events) = await EventsAsync();
        long Count(string type) => events.Count(e => e.GetProperty("type").GetString() == type && e.GetProperty("passTypeIdentifier").GetString() == PassType);
        Assert.Equal(Count("pass.issued"), passTypeTotals.Issued);
        Assert.Equal(Count("pass.voided"), passTypeTotals.Voided);
        Assert.Equal(Count("registration.added"), passTypeTotals.Installs);
        Assert.Equal(Count("registration.removed"), passTypeTotals.Uninstalls);
        Assert.Equal(Count("push.failed"), passTypeTotals.PushesFailed);
        Assert.Equal(1, passTypeTotals.PushesFailed);
        // APNs took both of A's pushes, and C's only push was refused.
        Assert.Equal(server.Apns.Requests.Count(r => r.Token != c.PushToken), passTypeTotals.PushesSent);
        Assert.Equal(2, passTypeTotals.PushesSent);
        Assert.Equal(passTypeTotals.Installs - passTypeTotals.Uninstalls, passTypeTotals.ActiveInstalls);

        // By day the same numbers (the range may span two days).
        var days = Sum(await StatsAsync($"template={template}&interval=day&from={Time(begun.AddDays(-1))}&to={Time(DateTimeOffset.UtcNow.AddDays(1))}"));
        Assert.Equal(templateTotals, days);
    }

    [Fact]
    public async Task A_scope_with_nothing_yet_has_empty_buckets_covering_the_range_asked()
    {
        var template = TestEnvironment.UniqueId("stats-empty");
        using (var upload = await Issuer.UploadTemplateAsync(template, ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
            await Expect.Status(upload, HttpStatusCode.Created);
        var stats = await StatsAsync($"template={template}&interval=hour&from=2026-11-30T10:30:00%2B01:00&to=2026-11-30T14:00:00Z");
        Assert.Equal("template", stats.GetProperty("scope").GetString());
        Assert.Equal(template, stats.GetProperty("id").GetString());
        var buckets = stats.GetProperty("buckets").EnumerateArray().ToList();
        // From 09:30Z down to 09:00Z, up to 14:00Z: five hours.
        Assert.Equal(["2026-11-30T09:00:00+00:00", "2026-11-30T10:00:00+00:00", "2026-11-30T11:00:00+00:00", "2026-11-30T12:00:00+00:00", "2026-11-30T13:00:00+00:00"],
            buckets.Select(b => b.GetProperty("start").GetDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)));
        Assert.All(buckets, b => Assert.Equal(0, b.GetProperty("issued").GetInt64() + b.GetProperty("activeInstalls").GetInt64()));
        Assert.Equal(new Totals(0, 0, 0, 0, 0, 0, null, null), Sum(stats));
    }

    public static TheoryData<string, HttpStatusCode, string?> RefusedQueries() => new()
    {
        { "", HttpStatusCode.BadRequest, "passType" },
        { $"passType={PassType}&template=boarding", HttpStatusCode.BadRequest, "passType" },
        { $"passType={PassType}&interval=week", HttpStatusCode.BadRequest, "interval" },
        { $"passType={PassType}&from=yesterday", HttpStatusCode.BadRequest, "from" },
        { $"passType={PassType}&to=2026-12-01T10:00:00", HttpStatusCode.BadRequest, "to" },
        { $"passType={PassType}&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", HttpStatusCode.BadRequest, "from" },
        { $"passType={PassType}&interval=hour&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", HttpStatusCode.BadRequest, "from" },
        { $"passType={PassType}&interval=day&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", HttpStatusCode.BadRequest, "from" },
        { $"passType={PassType}&interval=hour&from=2021-01-01T00:00:00Z&to=2021-01-02T00:00:00Z", HttpStatusCode.BadRequest, "from" },
        { $"passType={PassType}&to=9999-12-31T23:59:59Z", HttpStatusCode.BadRequest, "to" },
        { "passType=pass.nobody.signs.this", HttpStatusCode.NotFound, null },
        { "template=no-such-template", HttpStatusCode.NotFound, null },
        { "template=..%2F..", HttpStatusCode.NotFound, null },
        { "group=no-such-group", HttpStatusCode.NotFound, null },
    };

    [Theory]
    [MemberData(nameof(RefusedQueries))]
    public async Task A_stats_read_that_is_none_is_refused_naming_what_is_wrong(string query, HttpStatusCode status, string? field)
    {
        using var response = await Issuer.SendAsync(HttpMethod.Get, $"api/stats?{query}");
        if (field is null)
            await Expect.Status(response, status);
        else
            await Expect.Problem(response, status, field);
    }

    [Fact]
    public async Task Stats_need_an_issuer_key()
    {
        using var response = await Issuer.SendAsync(HttpMethod.Get, $"api/stats?passType={PassType}", apiKey: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [ChromiumFact]
    public async Task The_console_stats_page_draws_the_numbers_the_api_gives_in_chromium()
    {
        var begun = DateTimeOffset.UtcNow;
        var (template, group) = await TemplateAndGroupAsync("page");
        WalletDevice? device = null;
        var installed = new List<(string Serial, PassPackage Pass)>();
        for (var i = 0; i < 3; i++)
        {
            var serial = TestEnvironment.UniqueId("page");
            var issued = await Issuer.IssueAsync(new { templateId = template, serialNumber = serial, groupId = group });
            var pass = await Issuer.DownloadAsync(issued.DownloadUrl, serial);
            device ??= new WalletDevice(server.Http, pass.WebServiceUrl);
            Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
            installed.Add((serial, pass));
        }
        Assert.Equal(HttpStatusCode.OK, await device!.UnregisterAsync(PassType, installed[0].Serial, installed[0].Pass.AuthenticationToken));
        var query = $"group={group}&interval=hour&from={Time(begun.AddHours(-2))}&to={Time(DateTimeOffset.UtcNow.AddHours(1))}";
        Assert.Equal(new Totals(Issued: 3, Voided: 0, Installs: 3, Uninstalls: 1, ActiveInstalls: 2, Downloads: 3, null, null), await CountedAsync(query, downloads: 3));
        var api = await StatsAsync(query);

        using var browser = new HeadlessChromium();
        // As a browser sends it after its sign-in prompt: the key as the password of Basic authentication.
        browser.SetAuthorization("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("issuer:" + TestEnvironment.ApiKey)));
        browser.Open(new Uri(Issuer.Http.BaseAddress!, $"console/stats?{query}"));
        Assert.Equal($"group {group}", browser.Find("#scope").Text);
        var buckets = api.GetProperty("buckets").EnumerateArray().ToList();
        var rows = browser.FindAll("#buckets tbody tr");
        Assert.Equal(buckets.Count, rows.Count);
        string[] metrics = ["activeInstalls", "installs", "uninstalls", "issued", "voided", "downloads"];
        for (var i = 0; i < buckets.Count; i++)
        {
            foreach (var metric in metrics)
            {
                var cell = rows[i].FindElement(OpenQA.Selenium.By.CssSelector($"td[data-metric='{metric}']"));
                Assert.Equal(buckets[i].GetProperty(metric).GetInt64().ToString(CultureInfo.InvariantCulture), cell.Text);
            }
        }
        Assert.Equal("2", browser.Find("[data-total='activeInstalls']").Text);
        Assert.Equal("3", browser.Find("[data-total='installs']").Text);
        Assert.Equal("1", browser.Find("[data-total='uninstalls']").Text);
        Assert.Equal("3", browser.Find("[data-total='downloads']").Text);
        // Each chart has a bar a bucket, drawn as high as its number (the tallest nonzero one is visible on the page).
        var bars = browser.FindAll("[data-chart='installs'] rect");
        Assert.Equal(buckets.Count, bars.Count);
        var tallest = bars.MaxBy(b => long.Parse(b.GetDomAttribute("data-value")!, CultureInfo.InvariantCulture))!;
        Assert.Equal("3", tallest.GetDomAttribute("data-value"));
        Assert.True(tallest.Size.Height > 50, $"the bar of 3 installs is {tallest.Size.Height} px high");
        // A group's page has no push charts: pushes are counted by pass type.
        Assert.Empty(browser.FindAll("[data-chart='pushesSent']"));
    }

    [Fact]
    public async Task The_console_page_asks_a_browser_to_sign_in_and_refuses_a_query_that_is_none()
    {
        using (var anonymous = await Issuer.SendAsync(HttpMethod.Get, $"console/stats?passType={PassType}", apiKey: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
        using (var page = await Issuer.SendAsync(HttpMethod.Get, $"console/stats?passType={PassType}"))
        {
            var html = await Expect.Status(page, HttpStatusCode.OK);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Equal(PassGrains.Server.Http.HtmlPage.ContentSecurityPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("data-chart=\"pushesSent\"", html, StringComparison.Ordinal);
        }
        using (var refused = await Issuer.SendAsync(HttpMethod.Get, "console/stats?template=<script>&interval=week"))
            await Expect.Status(refused, HttpStatusCode.NotFound);
        using (var refused = await Issuer.SendAsync(HttpMethod.Get, $"console/stats?passType={PassType}&interval=week"))
            await Expect.Problem(refused, HttpStatusCode.BadRequest, "interval");
    }
}
