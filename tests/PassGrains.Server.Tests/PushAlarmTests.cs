using System.Net;
using System.Text.Json;
using PassGrains.Server.Pushes;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>Through the running server with the default threshold: one refused push is a failed push; a run of them is an alarm.</summary>
public sealed class PushAlarmThresholdTests(DefaultAlarmPushServerFixture server) : IClassFixture<DefaultAlarmPushServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private const string PassType = TestEnvironment.PassType;

    private async Task<(string Serial, PassPackage Pass)> InstallAsync()
    {
        var serial = TestEnvironment.UniqueId("alarm");
        var issued = await server.Client.IssueAsync(new { templateId = PushServerFixture.Template, serialNumber = serial });
        return (serial, await server.Client.DownloadAsync(issued.DownloadUrl, serial));
    }

    private async Task<WalletDevice> RegisterAsync(PassPackage pass, string serial)
    {
        var device = new WalletDevice(server.Http, pass.WebServiceUrl);
        var status = await device.RegisterAsync(PassType, serial, pass.AuthenticationToken);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"registration answered {status}");
        return device;
    }

    private async Task<int> OwedPushes(string serial) => (await server.Client.GetPassInfoAsync(PassType, serial)).GetProperty("owedPushes").GetInt32();

    private async Task WaitForOwedPushes(string serial, int expected)
    {
        var until = DateTime.UtcNow + Deadline;
        int owed;
        while ((owed = await OwedPushes(serial)) != expected && DateTime.UtcNow < until)
            await Task.Delay(50);
        Assert.True(owed == expected, $"pass {serial} still owes {owed} pushes, expected {expected}");
    }

    private async Task<JsonElement?> AlarmAsync()
    {
        using var response = await server.Client.SendAsync(HttpMethod.Get, "api/alarms");
        var alarms = await Expect.Json(response, HttpStatusCode.OK);
        return alarms.EnumerateArray().Where(a => a.GetProperty("passTypeIdentifier").GetString() == PassType).Select(a => (JsonElement?)a.Clone()).FirstOrDefault();
    }

    [Fact]
    public async Task One_or_two_refused_pushes_stay_owed_without_an_alarm_and_a_third_in_a_row_raises_it()
    {
        var (first, firstPass) = await InstallAsync();
        var a = await RegisterAsync(firstPass, first);
        var b = await RegisterAsync(firstPass, first);
        var (second, secondPass) = await InstallAsync();
        var c = await RegisterAsync(secondPass, second);
        foreach (var device in new[] { a, b, c })
            server.Apns.Script(device.PushToken, ApnsReply.BadCertificate());
        try
        {
            await server.Client.ChangeAsync(PassType, first, new { fields = new { gate = "R1" } });
            await server.Apns.WaitUntilAsync(d => d.RequestsFor(a.PushToken).Count == 1 && d.RequestsFor(b.PushToken).Count == 1, Deadline);
            Assert.Null(await AlarmAsync());
            Assert.Equal(2, await OwedPushes(first));

            // Two refusals stopped nothing: the next push still reaches APNs, and its refusal is the third in a row.
            await server.Client.ChangeAsync(PassType, second, new { fields = new { gate = "R2" } });
            await server.Apns.WaitUntilAsync(d => d.RequestsFor(c.PushToken).Count == 1, Deadline);
            JsonElement? alarm = null;
            var until = DateTime.UtcNow + Deadline;
            while ((alarm = await AlarmAsync()) is null && DateTime.UtcNow < until)
                await Task.Delay(50);
            Assert.NotNull(alarm);
            Assert.Equal(403, alarm.Value.GetProperty("status").GetInt32());
            Assert.Equal("BadCertificate", alarm.Value.GetProperty("reason").GetString());
            Assert.Equal(3, alarm.Value.GetProperty("refusals").GetInt32());
            Assert.Equal(2, await OwedPushes(first));
            Assert.Equal(1, await OwedPushes(second));
        }
        finally
        {
            foreach (var device in new[] { a, b, c })
                server.Apns.Script(device.PushToken, ApnsReply.Ok());
            using var clear = await server.Client.SendAsync(HttpMethod.Delete, $"api/alarms/{PassType}");
        }

        // Cleared, the pass type pushes again: a change sends what its pass owed.
        await server.Client.ChangeAsync(PassType, first, new { fields = new { gate = "R3" } });
        await WaitForOwedPushes(first, 0);
        Assert.Null(await AlarmAsync());
    }

    [Fact]
    public async Task A_failed_TLS_handshake_once_is_a_failed_push_not_an_alarm()
    {
        var (serial, pass) = await InstallAsync();
        var device = await RegisterAsync(pass, serial);
        server.Apns.FailHandshakes(1);

        await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "T1" } });
        var until = DateTime.UtcNow + Deadline;
        while (server.Apns.HandshakesToFail > 0 && DateTime.UtcNow < until)
            await Task.Delay(20);
        Assert.Equal(0, server.Apns.HandshakesToFail);
        Assert.Empty(server.Apns.RequestsFor(device.PushToken));
        Assert.Equal(1, await OwedPushes(serial));

        // The next push goes out (no alarm stopped the pass type) and takes the owed one with it.
        await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "T2" } });
        await WaitForOwedPushes(serial, 0);
        Assert.Single(server.Apns.RequestsFor(device.PushToken));
        Assert.Null(await AlarmAsync());
    }
}

/// <summary>The threshold itself, on a clock the test moves.</summary>
public sealed class PushRefusalsTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private const string PassType = "pass.com.example.refusals";
    private readonly ManualTime _time = new();

    [Fact]
    public void Three_refusals_in_a_row_within_the_window_are_due_an_alarm_and_fewer_are_not()
    {
        var refusals = new PushRefusals(3, TimeSpan.FromMinutes(1), _time);
        Assert.Null(refusals.Refused(PassType));
        Assert.Null(refusals.Refused(PassType));
        Assert.Null(refusals.Refused("pass.com.example.other"));
        Assert.Equal(3, refusals.Refused(PassType));
    }

    [Fact]
    public void A_delivered_push_between_refusals_starts_the_count_again()
    {
        var refusals = new PushRefusals(3, TimeSpan.FromMinutes(1), _time);
        refusals.Refused(PassType);
        refusals.Refused(PassType);
        refusals.Delivered(PassType);
        Assert.Null(refusals.Refused(PassType));
        Assert.Null(refusals.Refused(PassType));
        Assert.Equal(3, refusals.Refused(PassType));
    }

    [Fact]
    public void Refusals_older_than_the_window_do_not_count()
    {
        var refusals = new PushRefusals(3, TimeSpan.FromMinutes(1), _time);
        refusals.Refused(PassType);
        _time.Now += TimeSpan.FromSeconds(40);
        refusals.Refused(PassType);
        _time.Now += TimeSpan.FromSeconds(40);
        Assert.Null(refusals.Refused(PassType)); // the first is 80 s old
        _time.Now += TimeSpan.FromSeconds(10);
        Assert.Equal(3, refusals.Refused(PassType));
    }
}
