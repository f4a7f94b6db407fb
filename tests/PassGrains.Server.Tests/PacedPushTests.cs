using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using PassGrains.Server.Pushes;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>The push server with a ceiling far below what its dispatcher could send (<c>PassGrains:Pushes:Pacing:MaxPushesPerSecond</c>).</summary>
public sealed class PacedPushServerFixture : PushServerFixture
{
    public const int Ceiling = 500;

    protected override void Configure(Dictionary<string, string?> configuration) =>
        configuration["PassGrains:Pushes:Pacing:MaxPushesPerSecond"] = Ceiling.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A group change paced by the silo (Pushes/PushPacer.cs) still reaches every device exactly once, and the pushes left at
/// the ceiling's rate: what the APNs double saw is an order and a spread, not a time the test waits for.
/// </summary>
public sealed class PacedPushTests(PacedPushServerFixture server) : IClassFixture<PacedPushServerFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private const int Passes = 20;
    private const int DevicesPerPass = 100;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_paced_group_change_pushes_every_device_exactly_once_and_no_faster_than_the_ceiling()
    {
        var groupId = TestEnvironment.UniqueId("paced");
        using (var put = await server.Client.PutGroupAsync(groupId, new { templateId = PushServerFixture.Template, fields = new { gate = "A1" } }))
            await Expect.Status(put, HttpStatusCode.Created);
        var devices = new List<WalletDevice>();
        for (var p = 0; p < Passes; p++)
        {
            var serial = TestEnvironment.UniqueId("paced");
            var issued = await server.Client.IssueAsync(new { templateId = PushServerFixture.Template, serialNumber = serial, groupId });
            var pass = await server.Client.DownloadAsync(issued.DownloadUrl, serial);
            var holders = Enumerable.Range(0, DevicesPerPass).Select(_ => new WalletDevice(server.Http, pass.WebServiceUrl)).ToList();
            await Parallel.ForEachAsync(holders, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (device, _) =>
                Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken)));
            devices.AddRange(holders);
        }
        var tokens = devices.Select(d => d.PushToken).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(Passes * DevicesPerPass, tokens.Count);
        // A bystander whose push, asked for after the herd's, comes after every one of theirs through the same paced queue.
        var (bystanderSerial, bystander) = await BystanderAsync();

        using (var put = await server.Client.PutGroupAsync(groupId, new { fields = new { gate = "B2" } }))
            await Expect.Status(put, HttpStatusCode.OK);
        await server.Apns.WaitUntilAsync(a => a.Requests.Count(r => tokens.Contains(r.Token)) >= tokens.Count, Deadline);
        await server.Client.ChangeAsync(PassType, bystanderSerial, new { fields = new { gate = "Z9" } });
        await server.Apns.WaitUntilAsync(a => a.RequestsFor(bystander.PushToken).Count >= 1, Deadline);

        // Exactly once: every device's token one push, none twice, none for anyone else.
        var herd = server.Apns.Requests.Where(r => tokens.Contains(r.Token)).OrderBy(r => r.ReceivedAt).ToList();
        var twice = herd.GroupBy(r => r.Token).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} devices were pushed more than once");
        Assert.Equal(tokens.Count, herd.Count);

        // Paced: a bucket of at most Burst lets n pushes go no sooner than (n - burst) / ceiling after its first; unpaced, the
        // dispatcher sends these 2,000 within a fraction of a second. And no second of the timeline holds much more than the ceiling.
        var burst = PacedPushServerFixture.Ceiling * PushPacer.Burst.TotalSeconds;
        var least = TimeSpan.FromSeconds((herd.Count - burst) / PacedPushServerFixture.Ceiling) - TimeSpan.FromMilliseconds(250);
        var spread = herd[^1].ReceivedAt - herd[0].ReceivedAt;
        Assert.True(spread >= least, $"{herd.Count} pushes arrived within {spread.TotalSeconds:F2} s; at {PacedPushServerFixture.Ceiling}/s they take at least {least.TotalSeconds:F2} s");
        var busiest = BusiestSecond(herd.Select(r => r.ReceivedAt).ToList());
        Assert.True(busiest <= PacedPushServerFixture.Ceiling * 1.5 + burst, $"{busiest} pushes arrived within one second (ceiling {PacedPushServerFixture.Ceiling}/s)");

        // The operator sees the pace: at most the ceiling.
        using var scraped = await server.Client.SendAsync(HttpMethod.Get, "metrics");
        var metrics = await Expect.Status(scraped, HttpStatusCode.OK);
        var rate = Regex.Match(metrics, @"^passgrains_pushes_paced_per_second(?:\{[^}]*\})? (\S+)", RegexOptions.Multiline);
        Assert.True(rate.Success, "/metrics has no passgrains_pushes_paced_per_second");
        Assert.InRange(double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture), 1, PacedPushServerFixture.Ceiling);
    }

    private async Task<(string Serial, WalletDevice Device)> BystanderAsync()
    {
        var serial = TestEnvironment.UniqueId("bystander");
        var issued = await server.Client.IssueAsync(new { templateId = PushServerFixture.Template, serialNumber = serial });
        var pass = await server.Client.DownloadAsync(issued.DownloadUrl, serial);
        var device = new WalletDevice(server.Http, pass.WebServiceUrl);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        return (serial, device);
    }

    /// <summary>The most arrivals (in order) within any one second.</summary>
    private static int BusiestSecond(List<DateTimeOffset> arrivals)
    {
        var most = 0;
        for (int first = 0, last = 0; last < arrivals.Count; last++)
        {
            while (arrivals[last] - arrivals[first] >= TimeSpan.FromSeconds(1))
                first++;
            most = Math.Max(most, last - first + 1);
        }
        return most;
    }
}
