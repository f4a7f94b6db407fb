using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using PassGrains.Packaging.Signing;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// A server whose APNs is the loopback double (TLS, HTTP/2 only, client certificate required). Its first credential
/// refusal raises the alarm (<c>AlarmRefusals</c> 1), so a test of what an alarm does needs one refused push.
/// </summary>
public class PushServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _root = new("push");
    private WebApplication? _app;

    public ApnsDouble Apns { get; private set; } = null!;

    public PassGrainsClient Client { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    /// <summary>The server's data directory (its SQLite database).</summary>
    public string DataDirectory => _root.Combine("data");

    public const string Template = "boarding";

    /// <summary><c>PassGrains:Apns:AlarmRefusals</c>, or null for the default.</summary>
    protected virtual string? AlarmRefusals => "1";

    /// <summary>Further settings of a fixture's server.</summary>
    protected virtual void Configure(Dictionary<string, string?> configuration)
    {
    }

    public async Task InitializeAsync()
    {
        var chainDirectory = _root.Combine("chain");
        var chain = DevelopmentChain.Create(TestEnvironment.PassType, TestEnvironment.Team);
        chain.WriteTo(chainDirectory, TestEnvironment.CertificatePassword);
        Apns = await ApnsDouble.StartAsync(chain);
        var settings = ServerSettings.Create(_root.Combine("data"), new SigningChain(chainDirectory));
        var configuration = settings.ToConfiguration();
        configuration["Logging:LogLevel:Default"] = "Warning";
        configuration["PassGrains:Apns:Endpoint"] = Apns.Endpoint.ToString();
        configuration["PassGrains:Apns:TrustedCaPath"] = Apns.CaPath;
        configuration["PassGrains:Apns:RetryDeadline"] = "00:00:10";
        if (AlarmRefusals is { } refusals)
            configuration["PassGrains:Apns:AlarmRefusals"] = refusals;
        Configure(configuration);
        _app = PassGrainsApp.Build(["--urls", settings.BaseUrl.TrimEnd('/')], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await _app.StartAsync();
        Client = new PassGrainsClient(new Uri(settings.BaseUrl));
        using var upload = await Client.UploadTemplateAsync(Template, ModelZip.FromFolder(TestEnvironment.Model("boarding")));
        await Expect.Status(upload, HttpStatusCode.Created);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Apns is not null)
            await Apns.DisposeAsync();
        _root.Dispose();
    }

    public void Dispose()
    {
        _root.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The same server with the default alarm threshold (three refusals in a row).</summary>
public sealed class DefaultAlarmPushServerFixture : PushServerFixture
{
    protected override string? AlarmRefusals => null;
}

/// <summary>Through the running server: changes reach every registered device as one APNs push per token.</summary>
public sealed class PushTests(PushServerFixture server) : IClassFixture<PushServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private const string PassType = TestEnvironment.PassType;

    private async Task<(string Serial, PassPackage Pass)> InstallAsync(string? groupId = null)
    {
        var serial = TestEnvironment.UniqueId("push");
        var issued = await server.Client.IssueAsync(new { templateId = PushServerFixture.Template, serialNumber = serial, groupId });
        return (serial, await server.Client.DownloadAsync(issued.DownloadUrl, serial));
    }

    private async Task<WalletDevice> RegisterAsync(PassPackage pass, string serial, WalletDevice? device = null)
    {
        device ??= new WalletDevice(server.Http, pass.WebServiceUrl);
        var status = await device.RegisterAsync(PassType, serial, pass.AuthenticationToken);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"registration answered {status}");
        return device;
    }

    private async Task WaitForOwedPushes(string serial, int expected)
    {
        var until = DateTime.UtcNow + Deadline;
        int owed;
        do
        {
            owed = (await server.Client.GetPassInfoAsync(PassType, serial)).GetProperty("owedPushes").GetInt32();
            if (owed == expected)
                return;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < until);
        Assert.Fail($"pass {serial} still owes {owed} pushes, expected {expected}");
    }

    [Fact]
    public async Task A_patch_pushes_each_registered_token_once_with_the_pass_type_as_topic()
    {
        var (serial, pass) = await InstallAsync();
        var devices = new List<WalletDevice>();
        for (var i = 0; i < 3; i++)
            devices.Add(await RegisterAsync(pass, serial));
        var (_, otherPass) = await InstallAsync();
        var bystander = await RegisterAsync(otherPass, otherPass.SerialNumber);

        await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "B9" } });

        foreach (var device in devices)
            await server.Apns.WaitUntilAsync(a => a.RequestsFor(device.PushToken).Count >= 1, Deadline);
        await WaitForOwedPushes(serial, 0);
        foreach (var device in devices)
        {
            var request = Assert.Single(server.Apns.RequestsFor(device.PushToken));
            Assert.Equal(PassType, request.Topic);
            Assert.Equal("{}", request.BodyText);
            Assert.Equal("background", request.PushType);
            Assert.Equal("5", request.Priority);
            Assert.Equal("HTTP/2", request.Protocol);
        }
        Assert.Empty(server.Apns.RequestsFor(bystander.PushToken));
    }

    private async Task WaitForDevices(string serial, int expected)
    {
        var until = DateTime.UtcNow + Deadline;
        while ((await server.Client.GetPassInfoAsync(PassType, serial)).GetProperty("devices").GetInt32() != expected && DateTime.UtcNow < until)
            await Task.Delay(50);
        Assert.Equal(expected, (await server.Client.GetPassInfoAsync(PassType, serial)).GetProperty("devices").GetInt32());
    }

    /// <summary>The size of the pass's stored row in the server's SQLite database.</summary>
    private long StoredPassBytes(string serial)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "passgrains.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT length(PayloadBinary) FROM OrleansStorage WHERE GrainTypeString = 'pass' AND CAST(PayloadBinary AS TEXT) LIKE $serial";
        command.Parameters.AddWithValue("$serial", $"%\"serialNumber\":\"{serial}\"%");
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_pass_held_by_more_devices_than_its_state_keeps_pushes_each_token_once_and_stays_a_small_row()
    {
        // A coupon with one serial number, installed on 100 devices: past the registrations a pass keeps in its own state.
        var (serial, pass) = await InstallAsync();
        var devices = new List<WalletDevice>();
        for (var i = 0; i < 100; i++)
            devices.Add(await RegisterAsync(pass, serial));
        await WaitForDevices(serial, 100);
        var (gone, left) = (devices[90], devices[95]);
        server.Apns.Script(gone.PushToken, ApnsReply.Unregistered(DateTimeOffset.UtcNow.AddDays(-1)));
        Assert.Equal(HttpStatusCode.OK, await left.UnregisterAsync(PassType, serial, pass.AuthenticationToken));
        var alive = devices.Where(d => d != gone && d != left).ToList();

        await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "D4" } });

        await server.Apns.WaitUntilAsync(a => alive.All(d => a.RequestsFor(d.PushToken).Count >= 1) && a.RequestsFor(gone.PushToken).Count >= 1, Deadline);
        await WaitForDevices(serial, 98);
        await WaitForOwedPushes(serial, 0);
        Assert.All(alive, d => Assert.Single(server.Apns.RequestsFor(d.PushToken)));
        Assert.Single(server.Apns.RequestsFor(gone.PushToken));
        Assert.Empty(server.Apns.RequestsFor(left.PushToken));
        Assert.Equal(HttpStatusCode.NoContent, (await gone.ListAsync(PassType)).Status);

        // The next change reaches the devices left, and only them.
        await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "D5" } });
        await server.Apns.WaitUntilAsync(a => alive.All(d => a.RequestsFor(d.PushToken).Count >= 2), Deadline);
        await WaitForOwedPushes(serial, 0);
        Assert.All(alive, d => Assert.Equal(2, server.Apns.RequestsFor(d.PushToken).Count));
        Assert.Single(server.Apns.RequestsFor(gone.PushToken));
        // The pass's row holds a few registrations and the index's bitmap, not a registration per device (about 100 bytes each).
        var bytes = StoredPassBytes(serial);
        Assert.True(bytes is > 0 and < 6 * 1024, $"the stored pass takes {bytes} bytes");
    }

    [Fact]
    public async Task A_token_answered_410_loses_its_registration_and_is_not_pushed_again()
    {
        var (serial, pass) = await InstallAsync();
        var gone = await RegisterAsync(pass, serial);
        var alive = await RegisterAsync(pass, serial);
        server.Apns.Script(gone.PushToken, ApnsReply.Unregistered(DateTimeOffset.UtcNow.AddDays(-1)));

        await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "C1" } });
        await server.Apns.WaitUntilAsync(a => a.RequestsFor(gone.PushToken).Count == 1 && a.RequestsFor(alive.PushToken).Count == 1, Deadline);

        var until = DateTime.UtcNow + Deadline;
        while ((await server.Client.GetPassInfoAsync(PassType, serial)).GetProperty("devices").GetInt32() != 1 && DateTime.UtcNow < until)
            await Task.Delay(50);
        Assert.Equal(1, (await server.Client.GetPassInfoAsync(PassType, serial)).GetProperty("devices").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await gone.ListAsync(PassType)).Status);

        await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "C2" } });
        await server.Apns.WaitUntilAsync(a => a.RequestsFor(alive.PushToken).Count == 2, Deadline);
        await WaitForOwedPushes(serial, 0);
        Assert.Single(server.Apns.RequestsFor(gone.PushToken));
    }

    [Fact]
    public async Task A_junk_token_registered_for_a_victims_device_id_leaves_the_victims_registration_and_pushes_intact()
    {
        // The victim holds a pass of a group (an event's tickets); the attacker holds another ticket of the same event and
        // knows the victim's device library id (ids travel in logs and webhooks). They register that id for their own
        // ticket with a junk push token.
        var groupId = TestEnvironment.UniqueId("grp");
        using (var put = await server.Client.PutGroupAsync(groupId, new { templateId = PushServerFixture.Template, fields = new { gate = "A1" } }))
            await Expect.Status(put, HttpStatusCode.Created);
        var (victimSerial, victimPass) = await InstallAsync(groupId);
        var victim = await RegisterAsync(victimPass, victimSerial);
        var (attackerSerial, attackerPass) = await InstallAsync(groupId);
        var attacker = new WalletDevice(server.Http, attackerPass.WebServiceUrl, victim.DeviceLibraryIdentifier, pushToken: new string('0', 64));
        server.Apns.Script(attacker.PushToken, ApnsReply.BadDeviceToken());
        Assert.Equal(HttpStatusCode.Created, await attacker.RegisterAsync(PassType, attackerSerial, attackerPass.AuthenticationToken));

        // The event changes: the group pushes each registration's own token; APNs refuses the junk one.
        using (var put = await server.Client.PutGroupAsync(groupId, new { fields = new { gate = "B2" } }))
            await Expect.Status(put, HttpStatusCode.OK);
        await server.Apns.WaitUntilAsync(a => a.RequestsFor(victim.PushToken).Count == 1 && a.RequestsFor(attacker.PushToken).Count == 1, Deadline);
        var until = DateTime.UtcNow + Deadline;
        while ((await server.Client.GetPassInfoAsync(PassType, attackerSerial)).GetProperty("devices").GetInt32() != 0 && DateTime.UtcNow < until)
            await Task.Delay(50);
        Assert.Equal(0, (await server.Client.GetPassInfoAsync(PassType, attackerSerial)).GetProperty("devices").GetInt32());

        // The victim's registration stands, on the pass and on the device...
        Assert.Equal(1, (await server.Client.GetPassInfoAsync(PassType, victimSerial)).GetProperty("devices").GetInt32());
        var listed = await victim.ListAsync(PassType);
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        Assert.Equal([victimSerial], listed.SerialNumbers);

        // ...and the victim's next changes, its own and its group's, reach the victim's token, never the junk one.
        await server.Client.ChangeAsync(PassType, victimSerial, new { fields = new { seat = "V2" } });
        await server.Apns.WaitUntilAsync(a => a.RequestsFor(victim.PushToken).Count == 2, Deadline);
        await WaitForOwedPushes(victimSerial, 0);
        using (var put = await server.Client.PutGroupAsync(groupId, new { fields = new { gate = "C3" } }))
            await Expect.Status(put, HttpStatusCode.OK);
        await server.Apns.WaitUntilAsync(a => a.RequestsFor(victim.PushToken).Count == 3, Deadline);
        Assert.Single(server.Apns.RequestsFor(attacker.PushToken));
    }

    [Fact]
    public async Task A_group_change_pushes_every_device_of_the_group_once()
    {
        var groupId = TestEnvironment.UniqueId("grp");
        using (var put = await server.Client.PutGroupAsync(groupId, new { templateId = PushServerFixture.Template, fields = new { gate = "A1" } }))
            await Expect.Status(put, HttpStatusCode.Created);
        var (s1, p1) = await InstallAsync(groupId);
        var (s2, p2) = await InstallAsync(groupId);
        var (outsiderSerial, outsiderPass) = await InstallAsync();
        var both = await RegisterAsync(p1, s1);
        await RegisterAsync(p2, s2, both); // one device holding two passes of the group
        var second = await RegisterAsync(p2, s2);
        var outsider = await RegisterAsync(outsiderPass, outsiderSerial);

        using (var put = await server.Client.PutGroupAsync(groupId, new { fields = new { gate = "A7" } }))
            await Expect.Status(put, HttpStatusCode.OK);

        await server.Apns.WaitUntilAsync(a => a.RequestsFor(both.PushToken).Count >= 1 && a.RequestsFor(second.PushToken).Count >= 1, Deadline);
        // Give a duplicate the time to show up: wait until a later push (the outsider's, after a change) arrived.
        await server.Client.ChangeAsync(PassType, outsiderSerial, new { fields = new { gate = "Z9" } });
        await server.Apns.WaitUntilAsync(a => a.RequestsFor(outsider.PushToken).Count >= 1, Deadline);
        Assert.Single(server.Apns.RequestsFor(both.PushToken));
        Assert.Single(server.Apns.RequestsFor(second.PushToken));

        // And the devices find the changed passes when they ask.
        var listed = await both.ListAsync(PassType);
        Assert.Contains(s1, listed.SerialNumbers);
        Assert.Contains(s2, listed.SerialNumbers);
    }

    [Fact]
    public async Task Pushes_retry_429_and_dropped_connections_until_delivered()
    {
        var (serial, pass) = await InstallAsync();
        var busy = await RegisterAsync(pass, serial);
        var dropped = await RegisterAsync(pass, serial);
        server.Apns.ScriptFailures(busy.PushToken, 2, ApnsReply.TooManyRequests());
        server.Apns.ScriptFailures(dropped.PushToken, 2, ApnsReply.DropConnection());

        await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "D4" } });

        await WaitForOwedPushes(serial, 0);
        Assert.Equal(3, server.Apns.RequestsFor(busy.PushToken).Count);
        Assert.Equal(3, server.Apns.RequestsFor(dropped.PushToken).Count);
    }

    [Fact]
    public async Task A_refused_certificate_stops_the_pass_type_raises_an_alarm_and_keeps_the_push_owed()
    {
        var (serial, pass) = await InstallAsync();
        var device = await RegisterAsync(pass, serial);
        server.Apns.Script(device.PushToken, ApnsReply.BadCertificate());
        try
        {
            await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "E5" } });
            await server.Apns.WaitUntilAsync(a => a.RequestsFor(device.PushToken).Count >= 1, Deadline);

            JsonElement alarm = default;
            var until = DateTime.UtcNow + Deadline;
            while (DateTime.UtcNow < until)
            {
                using var response = await server.Client.SendAsync(HttpMethod.Get, "api/alarms");
                var alarms = await Expect.Json(response, HttpStatusCode.OK);
                alarm = alarms.EnumerateArray().FirstOrDefault(a => a.GetProperty("passTypeIdentifier").GetString() == PassType);
                if (alarm.ValueKind == JsonValueKind.Object)
                    break;
                await Task.Delay(50);
            }
            Assert.Equal(JsonValueKind.Object, alarm.ValueKind);
            Assert.Equal(403, alarm.GetProperty("status").GetInt32());
            Assert.Equal("BadCertificate", alarm.GetProperty("reason").GetString());
            Assert.Equal(1, (await server.Client.GetPassInfoAsync(PassType, serial)).GetProperty("owedPushes").GetInt32());

            // While stopped, further changes do not reach APNs for this pass type.
            await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "E6" } });
            await WaitForOwedPushes(serial, 1);
            Assert.Single(server.Apns.RequestsFor(device.PushToken));
        }
        finally
        {
            server.Apns.Script(device.PushToken, ApnsReply.Ok());
            using var clear = await server.Client.SendAsync(HttpMethod.Delete, $"api/alarms/{PassType}");
        }
    }

    [Fact]
    public async Task Push_outcomes_are_counted_on_the_passgrains_meter()
    {
        var measurements = new System.Collections.Concurrent.ConcurrentQueue<(long Value, string? Outcome, string? PassType)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "PassGrains" && instrument.Name == "passgrains.pushes")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? outcome = null, passType = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                    outcome = tag.Value as string;
                if (tag.Key == "pass_type")
                    passType = tag.Value as string;
            }
            measurements.Enqueue((value, outcome, passType));
        });
        listener.Start();

        var (serial, pass) = await InstallAsync();
        var device = await RegisterAsync(pass, serial);
        await server.Client.ChangeAsync(PassType, serial, new { fields = new { gate = "M1" } });
        await server.Apns.WaitUntilAsync(a => a.RequestsFor(device.PushToken).Count == 1, Deadline);
        await WaitForOwedPushes(serial, 0);

        Assert.Contains(measurements, m => m.Value == 1 && m.Outcome == "Delivered" && m.PassType == PassType);
    }
}
