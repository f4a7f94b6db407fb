using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// Lifecycle events survive the silo: SIGKILL in the middle of a burst of changes and registrations, and after the
/// restart the webhook has received, at least once, the event of every change and registration that was answered
/// 2xx, and <c>GET /api/events</c> lists the same.
/// </summary>
public sealed class EventDurabilityTests : IDisposable
{
    private const string PassType = TestEnvironment.PassType;
    private const int Passes = 8;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _root = new("events");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Every_change_answered_2xx_before_a_SIGKILL_reaches_the_webhook_after_the_restart()
    {
        var chain = SigningChain.Create(_root.Combine("chain"));
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        var settings = ServerSettings.Create(data, chain);
        await using var receiver = await WebhookReceiver.StartAsync();
        var serials = Enumerable.Range(0, Passes).Select(_ => TestEnvironment.UniqueId("burst")).ToList();
        var changed = new ConcurrentBag<(string Serial, long Version)>();
        var registered = new ConcurrentBag<(string Serial, string Device)>();

        await using (var first = await ServerProcess.StartAsync(settings))
        {
            using var issuer = new PassGrainsClient(new Uri(settings.BaseUrl));
            using (var upload = await issuer.UploadTemplateAsync("burst-boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
                await Expect.Json(upload, HttpStatusCode.Created);
            using (var put = await issuer.SendAsync(HttpMethod.Put, "api/webhooks/burst",
                PassGrainsClient.JsonBody(new { url = receiver.Url, secret = "burst-secret-0123456789", passTypeIdentifier = PassType })))
                await Expect.Status(put, HttpStatusCode.Created);
            var tokens = new Dictionary<string, string>();
            string webServiceUrl = "";
            foreach (var serial in serials)
            {
                var issued = await issuer.IssueAsync(new { templateId = "burst-boarding", serialNumber = serial, fields = new { seat = "0" } });
                var package = await issuer.DownloadAsync(issued.DownloadUrl, serial);
                tokens[serial] = package.AuthenticationToken;
                webServiceUrl = package.WebServiceUrl;
            }

            using var stop = new CancellationTokenSource();
            var burst = serials.Select(serial => Task.Run(async () =>
            {
                using var http = new PassGrainsClient(new Uri(settings.BaseUrl));
                for (var i = 1; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        using var patch = await http.PatchAsync(PassType, serial, new { fields = new { seat = i.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
                        if (patch.StatusCode == HttpStatusCode.OK)
                            changed.Add((serial, JsonDocument.Parse(await patch.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetInt64()));
                        var device = Guid.NewGuid().ToString("N");
                        using var register = await new WalletDevice(http.Http, webServiceUrl, device).RegisterRawAsync(PassType, serial, tokens[serial]);
                        if (register.StatusCode == HttpStatusCode.Created)
                            registered.Add((serial, device));
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToList();
            // Killed while every pass has changes in flight, well into the burst.
            var until = DateTime.UtcNow + Deadline;
            while (changed.Count < 15 * Passes && DateTime.UtcNow < until)
                await Task.Delay(10);
            Assert.True(changed.Count >= 15 * Passes, $"only {changed.Count} changes answered before the deadline");
            await first.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(burst);
        }

        await using var second = await ServerProcess.StartAsync(settings with { SiloPort = TestEnvironment.FreePort() });
        using var client = new PassGrainsClient(new Uri(settings.BaseUrl));
        var expectedChanges = changed.ToHashSet();
        var expectedRegistrations = registered.ToHashSet();
        Assert.NotEmpty(expectedRegistrations);

        var delivered = await WaitUntilAsync(() => new Heard(receiver.Received.Select(c => JsonDocument.Parse(c.Body).RootElement)), expectedChanges, expectedRegistrations);
        Assert.All(delivered.Ids, group => Assert.True(group.Value.Distinct().Count() == 1, $"event {group.Key} arrived with different contents"));

        var feed = new List<JsonElement>();
        var cursor = "0";
        while (true)
        {
            using var response = await client.SendAsync(HttpMethod.Get, $"api/events?after={cursor}&limit=1000");
            var page = await Expect.Json(response, HttpStatusCode.OK);
            feed.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.Clone()));
            if (page.GetProperty("next").GetString() == cursor)
                break;
            cursor = page.GetProperty("next").GetString()!;
        }
        var read = new Heard(feed);
        Assert.Empty(expectedChanges.Except(read.Changes));
        Assert.Empty(expectedRegistrations.Except(read.Registrations));
        var cursors = feed.Select(e => e.GetProperty("cursor").GetInt64()).ToList();
        Assert.Equal(cursors.Order(), cursors);
        Assert.Equal(cursors.Count, cursors.Distinct().Count());
    }

    private sealed record Heard(HashSet<(string Serial, long Version)> Changes, HashSet<(string Serial, string Device)> Registrations, Dictionary<string, List<string>> Ids)
    {
        public Heard(IEnumerable<JsonElement> events)
            : this([], [], [])
        {
            foreach (var e in events)
            {
                var type = e.GetProperty("type").GetString();
                var serial = e.GetProperty("serialNumber").GetString()!;
                if (type == "pass.changed")
                    Changes.Add((serial, e.GetProperty("version").GetInt64()));
                else if (type == "registration.added")
                    Registrations.Add((serial, e.GetProperty("deviceLibraryIdentifier").GetString()!));
                var id = e.GetProperty("id").GetString()!;
                Ids[id] = [.. Ids.GetValueOrDefault(id) ?? [], $"{type} {serial} {(e.TryGetProperty("version", out var v) ? v.GetInt64() : 0)}"];
            }
        }
    }

    private static async Task<Heard> WaitUntilAsync(Func<Heard> hear, HashSet<(string, long)> changes, HashSet<(string, string)> registrations)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            var heard = hear();
            var missingChanges = changes.Except(heard.Changes).ToList();
            var missingRegistrations = registrations.Except(heard.Registrations).ToList();
            if (missingChanges.Count == 0 && missingRegistrations.Count == 0)
                return heard;
            if (DateTime.UtcNow > until)
                Assert.Fail($"after the restart the webhook still misses {missingChanges.Count} of {changes.Count} changes and {missingRegistrations.Count} of {registrations.Count} registrations answered 2xx: "
                    + string.Join(", ", missingChanges.Take(5).Select(c => $"{c.Item1} v{c.Item2}")));
            await Task.Delay(100);
        }
    }
}
