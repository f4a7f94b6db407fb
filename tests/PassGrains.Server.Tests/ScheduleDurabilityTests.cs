using System.Globalization;
using System.Net;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// Schedules outlive the server process: made, then the server SIGKILLed before their time and started again on the
/// same SQLite file, they run once after the restart. And a schedule acts with its key as configured at its time: one
/// made by a key the operator has since taken out of the configuration is refused, not run.
/// </summary>
public sealed class ScheduleDurabilityTests : IDisposable
{
    private const string PassType = TestEnvironment.PassType;
    private const string DepartingKey = "departing-issuer-key-0123456789";

    /// <summary>
    /// Due a while after the restart begins; a first tick missed while no silo ran comes on a later one
    /// (Grains/ScheduleBookGrain.cs QuickPeriod, 15 s), so a minute covers a slow restart too.
    /// </summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _root = new("schedule-durability");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task A_schedule_made_before_a_sigkill_runs_once_after_the_restart_and_one_whose_key_was_removed_is_refused()
    {
        var chain = SigningChain.Create(_root.Combine("chain"));
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        var withBothKeys = ServerSettings.Create(data, chain) with { Extra = new Dictionary<string, string?> { ["PassGrains:IssuerApiKeys:1"] = DepartingKey } };
        var serial = TestEnvironment.UniqueId("kept");
        var other = TestEnvironment.UniqueId("orphan");
        string kept, orphaned;
        DateTimeOffset at;
        IssuedPass issued;

        await using (var first = await ServerProcess.StartAsync(withBothKeys))
        {
            using var issuer = new PassGrainsClient(new Uri(withBothKeys.BaseUrl));
            using (var upload = await issuer.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
                await Expect.Json(upload, HttpStatusCode.Created);
            issued = await issuer.IssueAsync(new { templateId = "boarding", serialNumber = serial, fields = new { gate = "A1" } });
            await issuer.IssueAsync(new { templateId = "boarding", serialNumber = other, fields = new { gate = "A1" } });
            at = DateTimeOffset.UtcNow.AddSeconds(4);
            kept = await ScheduleAsync(issuer, at, serial, TestEnvironment.ApiKey);
            orphaned = await ScheduleAsync(issuer, at, other, DepartingKey);
            await first.KillAsync();
        }

        // Down over their time, as a crash would leave them: their first tick is missed, and a later one must run them.
        var down = at.AddSeconds(1) - DateTimeOffset.UtcNow;
        if (down > TimeSpan.Zero)
            await Task.Delay(down);

        // The operator takes the departing key out of the configuration meanwhile.
        await using var second = await ServerProcess.StartAsync(ServerSettings.Create(data, chain) with { HttpPort = withBothKeys.HttpPort, SiloPort = TestEnvironment.FreePort() });
        using var client = new PassGrainsClient(new Uri(withBothKeys.BaseUrl));
        var ran = await EndedAsync(client, kept);
        Assert.Equal("succeeded", ran.GetProperty("status").GetString());
        Assert.True(ran.GetProperty("endedAt").GetDateTimeOffset() > at, "ran before its time");
        Assert.Equal(2, ran.GetProperty("version").GetInt64());
        var pass = await client.DownloadAsync(issued.DownloadUrl, serial);
        Assert.Equal("B2", pass.FieldValue("gate"));

        var refused = await EndedAsync(client, orphaned);
        Assert.Equal("failed", refused.GetProperty("status").GetString());
        Assert.Contains("no longer configured", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await client.GetPassInfoAsync(PassType, other)).GetProperty("version").GetInt64());
    }

    private static async Task<string> ScheduleAsync(PassGrainsClient issuer, DateTimeOffset at, string serial, string key)
    {
        using var response = await issuer.SendAsync(HttpMethod.Post, "api/schedules",
            PassGrainsClient.JsonBody(new { at = at.ToString("O", CultureInfo.InvariantCulture), method = "PATCH", path = $"/api/passes/{PassType}/{serial}", body = new { fields = new { gate = "B2" } } }), apiKey: key);
        return (await Expect.Json(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private static Task<JsonElement> EndedAsync(PassGrainsClient client, string id) => client.ScheduleEndedAsync(id, Deadline);
}
