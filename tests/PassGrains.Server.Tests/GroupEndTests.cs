using System.Globalization;
using System.Net;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// A group with an end (issue 14: expiry): its passes carry expirationDate, and at the end plus its grace they are voided
/// and every device holding one is pushed (over the APNs double), without the issuer doing anything more.
/// </summary>
public sealed class GroupEndTests(PushServerFixture server) : IClassFixture<PushServerFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private PassGrainsClient Issuer => server.Client;

    private static string Time(DateTimeOffset at) => at.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private async Task<List<JsonElement>> SchedulesOf(string groupId)
    {
        using var response = await Issuer.SendAsync(HttpMethod.Get, $"api/schedules?target=groups/{groupId}");
        return [.. (await Expect.Json(response, HttpStatusCode.OK)).GetProperty("schedules").EnumerateArray().Select(s => s.Clone())];
    }

    private async Task<(string Serial, PassPackage Pass, WalletDevice Device)> InstallAsync(string groupId)
    {
        var serial = TestEnvironment.UniqueId("end");
        var issued = await Issuer.IssueAsync(new { templateId = PushServerFixture.Template, serialNumber = serial, groupId });
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, serial);
        var device = new WalletDevice(server.Http, pass.WebServiceUrl);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        return (serial, pass, device);
    }

    [Fact]
    public async Task At_a_groups_end_plus_grace_its_passes_are_voided_and_every_device_is_pushed()
    {
        var groupId = TestEnvironment.UniqueId("match");
        // The end seconds away and no grace, so the voiding comes within the test.
        var end = DateTimeOffset.UtcNow.AddSeconds(4);
        using (var put = await Issuer.PutGroupAsync(groupId, new { templateId = PushServerFixture.Template, fields = new { gate = "G1" }, end = new { at = Time(end), graceMinutes = 0, then = "void" } }))
            await Expect.Status(put, HttpStatusCode.Created);
        var (serial, pass, device) = await InstallAsync(groupId);
        Assert.Equal(end.ToUnixTimeSeconds(), DateTimeOffset.Parse((string)pass.PassJson["expirationDate"]!, CultureInfo.InvariantCulture).ToUnixTimeSeconds());
        Assert.Null(pass.PassJson["voided"]);
        var voiding = Assert.Single(await SchedulesOf(groupId));
        Assert.Equal("pending", voiding.GetProperty("status").GetString());

        await server.Apns.WaitUntilAsync(a => a.RequestsFor(device.PushToken).Count >= 1, Deadline);
        var ended = Assert.Single(await SchedulesOf(groupId));
        Assert.Equal("succeeded", ended.GetProperty("status").GetString());
        Assert.True(ended.GetProperty("endedAt").GetDateTimeOffset() >= end.AddSeconds(-1), "voided before the end");

        // What the pushed device fetches is the voided pass, still with its expirationDate.
        var changed = await device.ListAsync(PassType);
        Assert.Equal([serial], changed.SerialNumbers);
        using var latest = await device.GetPassAsync(PassType, serial, pass.AuthenticationToken);
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        var voided = PassPackage.Read(await latest.Content.ReadAsByteArrayAsync());
        Assert.True((bool)voided.PassJson["voided"]!);
        Assert.Equal((string)pass.PassJson["expirationDate"]!, (string)voided.PassJson["expirationDate"]!);
        Assert.True((await Issuer.GetPassInfoAsync(PassType, serial)).GetProperty("voided").GetBoolean());
    }

    [Fact]
    public async Task An_end_that_expires_gives_expirationDate_only_and_a_new_end_replaces_the_old_ones_schedule()
    {
        var groupId = TestEnvironment.UniqueId("flight");
        var first = DateTimeOffset.UtcNow.AddDays(3);
        using (var put = await Issuer.PutGroupAsync(groupId, new { templateId = PushServerFixture.Template, end = new { at = Time(first), graceMinutes = 120 } }))
            await Expect.Status(put, HttpStatusCode.Created);
        var pending = Assert.Single(await SchedulesOf(groupId));
        Assert.Equal(first.AddMinutes(120).ToUnixTimeSeconds(), pending.GetProperty("at").GetDateTimeOffset().ToUnixTimeSeconds());

        // Moved a day later: the first end's voiding is cancelled, the new one waits.
        var moved = first.AddDays(1);
        using (var put = await Issuer.PutGroupAsync(groupId, new { end = new { at = Time(moved), graceMinutes = 120 } }))
            await Expect.Status(put, HttpStatusCode.OK);
        var schedules = await SchedulesOf(groupId);
        Assert.Equal(["pending", "cancelled"], schedules.Select(s => s.GetProperty("status").GetString()));
        Assert.Equal(moved.AddMinutes(120).ToUnixTimeSeconds(), schedules[0].GetProperty("at").GetDateTimeOffset().ToUnixTimeSeconds());

        // "expire": the passes' expirationDate says it all, and nothing is left to run.
        using (var put = await Issuer.PutGroupAsync(groupId, new { end = new { at = Time(moved), then = "expire" } }))
            await Expect.Status(put, HttpStatusCode.OK);
        Assert.DoesNotContain(await SchedulesOf(groupId), s => s.GetProperty("status").GetString() == "pending");
        var (_, pass, _) = await InstallAsync(groupId);
        Assert.Equal(moved.ToUnixTimeSeconds(), DateTimeOffset.Parse((string)pass.PassJson["expirationDate"]!, CultureInfo.InvariantCulture).ToUnixTimeSeconds());

        // Taken back: no expirationDate.
        using (var put = await Issuer.PutGroupAsync(groupId, new { end = (object?)null }))
            await Expect.Status(put, HttpStatusCode.OK);
        var (_, after, _) = await InstallAsync(groupId);
        Assert.Null(after.PassJson["expirationDate"]);
    }

    public static TheoryData<string, string> BadEnds() => new()
    {
        { """{"at":"2030-01-01T10:00:00"}""", "end.at" },
        { """{"graceMinutes":5}""", "end.at" },
        { """{"at":"2001-01-01T10:00:00Z"}""", "end.at" },
        { """{"at":"AT","graceMinutes":-1}""", "end.graceMinutes" },
        { """{"at":"AT","graceMinutes":1.5}""", "end.graceMinutes" },
        { """{"at":"AT","graceMinutes":100000}""", "end.graceMinutes" },
        { """{"at":"AT","then":"delete"}""", "end.then" },
        { """{"at":"AT","when":"x"}""", "end.when" },
        { "\"tomorrow\"", "end" },
        // The last second there is, plus a week of grace: past the last time there is, not a 500.
        { """{"at":"9999-12-31T23:59:59Z","graceMinutes":10080}""", "end.at" },
    };

    [Theory]
    [MemberData(nameof(BadEnds))]
    public async Task An_end_that_is_none_is_a_400_naming_it_and_the_group_is_not_stored(string end, string field)
    {
        var groupId = TestEnvironment.UniqueId("bad-end");
        var body = $$"""{"templateId":"{{PushServerFixture.Template}}","end":{{end.Replace("\"AT\"", JsonSerializer.Serialize(Time(DateTimeOffset.UtcNow.AddDays(1))), StringComparison.Ordinal)}}}""";
        using (var put = await Issuer.SendAsync(HttpMethod.Put, $"api/groups/{groupId}", PassGrainsClient.RawJson(body)))
            await Expect.Problem(put, HttpStatusCode.BadRequest, field);
        // Not stored: a pass cannot join it (a group issues only once it exists).
        using var issue = await Issuer.PostPassAsync(new { templateId = PushServerFixture.Template, serialNumber = TestEnvironment.UniqueId("end"), groupId });
        Assert.NotEqual(HttpStatusCode.Created, issue.StatusCode);
        Assert.Empty(await SchedulesOf(groupId));
    }

    [Fact]
    public async Task An_end_whose_void_cannot_be_scheduled_as_the_groups_book_is_full_is_a_409_naming_it_and_the_group_is_not_changed()
    {
        var groupId = TestEnvironment.UniqueId("full-end");
        using (var put = await Issuer.PutGroupAsync(groupId, new { templateId = PushServerFixture.Template, fields = new { gate = "G1" } }))
            await Expect.Status(put, HttpStatusCode.Created);
        async Task<HttpResponseMessage> ScheduleChangeAsync(int n) => await Issuer.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(new
        {
            at = Time(DateTimeOffset.UtcNow.AddDays(1)), method = "PUT", path = $"/api/groups/{groupId}", body = new { fields = new { gate = $"S{n}" } },
        }));
        for (var n = 0; n < 99; n++)
        {
            using var made = await ScheduleChangeAsync(n);
            await Expect.Status(made, HttpStatusCode.Created);
        }
        // 99 waiting and the end's: full. A new end replaces the old one's schedule, so it still fits.
        using (var put = await Issuer.PutGroupAsync(groupId, new { end = new { at = Time(DateTimeOffset.UtcNow.AddDays(2)) } }))
            await Expect.Status(put, HttpStatusCode.OK);
        using (var put = await Issuer.PutGroupAsync(groupId, new { end = new { at = Time(DateTimeOffset.UtcNow.AddDays(3)) } }))
            await Expect.Status(put, HttpStatusCode.OK);
        using (var put = await Issuer.PutGroupAsync(groupId, new { end = (object?)null }))
            await Expect.Status(put, HttpStatusCode.OK);
        using (var made = await ScheduleChangeAsync(99))
            await Expect.Status(made, HttpStatusCode.Created);

        // 100 waiting, none of them an end: the end's void has no room, and the group is left as it was.
        using (var put = await Issuer.PutGroupAsync(groupId, new { fields = new { gate = "G2" }, end = new { at = Time(DateTimeOffset.UtcNow.AddDays(4)) } }))
            await Expect.Problem(put, HttpStatusCode.Conflict, "end");
        var (_, pass, _) = await InstallAsync(groupId);
        Assert.Null(pass.PassJson["expirationDate"]);
        Assert.Equal("G1", pass.FieldValue("gate"));
        var schedules = await SchedulesOf(groupId);
        Assert.Equal(100, schedules.Count(s => s.GetProperty("status").GetString() == "pending"));
        Assert.DoesNotContain(schedules, s => s.GetProperty("status").GetString() == "pending" && s.GetProperty("id").GetString()!.Contains(".group-end-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_end_moved_and_moved_back_or_taken_back_and_given_again_has_its_void_scheduled_again()
    {
        var groupId = TestEnvironment.UniqueId("moved-back");
        var end = DateTimeOffset.UtcNow.AddDays(2);
        end = end.AddTicks(-(end.Ticks % TimeSpan.TicksPerSecond));
        using (var put = await Issuer.PutGroupAsync(groupId, new { templateId = PushServerFixture.Template, end = new { at = Time(end) } }))
            await Expect.Status(put, HttpStatusCode.Created);
        var steps = new (object Body, DateTimeOffset? Voids)[]
        {
            (new { end = new { at = Time(end.AddDays(1)) } }, end.AddDays(1)), (new { end = new { at = Time(end) } }, end), // moved, and back
            (new { end = (object?)null }, null), (new { end = new { at = Time(end) } }, end), // taken back, and given again
            (new { end = new { at = Time(end), then = "expire" } }, null), (new { end = new { at = Time(end), then = "void" } }, end), // expire only, then void again
            (new { end = new { at = Time(end) } }, end), // the same end again (a retried PUT) keeps the one waiting
        };
        foreach (var (body, voids) in steps)
        {
            using (var put = await Issuer.PutGroupAsync(groupId, body))
                await Expect.Status(put, HttpStatusCode.OK);
            // Whatever came before, the end the group has now is the one whose void waits, alone.
            var waiting = (await SchedulesOf(groupId)).Where(s => s.GetProperty("status").GetString() == "pending").Select(s => s.GetProperty("at").GetDateTimeOffset());
            Assert.Equal(voids is { } at ? [at] : [], waiting);
        }
    }
}
