using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// Scheduled changes as an issuer uses them, over HTTP against the running server (SQLite, Orleans' ADO.NET reminders):
/// a change given a time is made at that time, once, and its result is read back and on the event feed; a cancelled one
/// never runs; one refused at its time is recorded as failed, not retried; and what cannot be scheduled is a 4xx
/// naming the member, with nothing stored.
/// </summary>
public sealed class ScheduleTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private const string Template = InProcessServerFixture.BoardingTemplate;

    /// <summary>A schedule's reminder fires at its time and the change takes a moment: it has ended well within this.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private PassGrainsClient Issuer => server.Client;

    private static string At(TimeSpan fromNow) =>
        (DateTimeOffset.UtcNow + fromNow).ToOffset(TimeSpan.FromHours(1)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    private async Task<JsonElement> Schedule(object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await Issuer.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(body));
        return await Expect.Json(response, expected);
    }

    private async Task<JsonElement> Show(string id)
    {
        using var response = await Issuer.SendAsync(HttpMethod.Get, $"api/schedules/{id}");
        return await Expect.Json(response, HttpStatusCode.OK);
    }

    private Task<JsonElement> Ended(string id) => Issuer.ScheduleEndedAsync(id, Deadline);

    /// <summary>The reminders left of a target's schedule book, read from the server's reminder table (SQLite).</summary>
    private async Task<int> RemindersOf(string target) =>
        (await server.Services.GetRequiredService<IReminderTable>().ReadRows(GrainId.Create("schedulebook", $"schedules:{target}"))).Reminders.Count;

    private async Task<List<JsonElement>> Events(string type)
    {
        var events = new List<JsonElement>();
        var cursor = "0";
        while (true)
        {
            using var response = await Issuer.SendAsync(HttpMethod.Get, $"api/events?after={cursor}&limit=1000");
            var page = await Expect.Json(response, HttpStatusCode.OK);
            var batch = page.GetProperty("events").EnumerateArray().ToList();
            events.AddRange(batch.Where(e => e.GetProperty("type").GetString() == type).Select(e => e.Clone()));
            if (batch.Count == 0)
                return events;
            cursor = page.GetProperty("next").GetString()!;
        }
    }

    [Fact]
    public async Task A_change_given_a_time_is_made_at_that_time_once_and_its_result_is_read_back_and_on_the_event_feed()
    {
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("sched"), fields = new { gate = "A1" } });
        var at = At(TimeSpan.FromSeconds(3));
        var made = await Schedule(new { at, method = "PATCH", path = $"/api/passes/{PassType}/{issued.SerialNumber}", body = new { fields = new { gate = "B7" } } });
        var id = made.GetProperty("id").GetString()!;
        Assert.Equal("pending", made.GetProperty("status").GetString());
        Assert.Equal($"passes/{PassType}/{issued.SerialNumber}", made.GetProperty("target").GetString());
        Assert.Equal(DateTimeOffset.Parse(at, CultureInfo.InvariantCulture), made.GetProperty("at").GetDateTimeOffset());

        // Listed under its target while it waits; the pass is as it was.
        using (var listed = await Issuer.SendAsync(HttpMethod.Get, $"api/schedules?target=passes/{PassType}/{issued.SerialNumber}"))
        {
            var list = await Expect.Json(listed, HttpStatusCode.OK);
            Assert.Equal([id], list.GetProperty("schedules").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        }
        Assert.Equal(issued.Version, (await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber)).GetProperty("version").GetInt64());

        var ended = await Ended(id);
        Assert.Equal("succeeded", ended.GetProperty("status").GetString());
        var endedAt = ended.GetProperty("endedAt").GetDateTimeOffset();
        Assert.True(endedAt >= DateTimeOffset.Parse(at, CultureInfo.InvariantCulture).AddSeconds(-1), $"ran at {endedAt:O}, before its time {at}");
        var info = await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber);
        Assert.Equal(issued.Version + 1, info.GetProperty("version").GetInt64());
        Assert.Equal(issued.Version + 1, ended.GetProperty("version").GetInt64());
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
        Assert.Equal("B7", pass.FieldValue("gate"));

        // Once: one event with its id and the version it made, and no reminder left to tick again.
        var succeeded = (await Events("schedule.succeeded")).Where(e => e.GetProperty("id").GetString() == $"schedule/{id}").ToList();
        var only = Assert.Single(succeeded);
        Assert.Equal(issued.SerialNumber, only.GetProperty("serialNumber").GetString());
        Assert.Equal(issued.Version + 1, only.GetProperty("version").GetInt64());
        Assert.Equal(0, await RemindersOf($"passes/{PassType}/{issued.SerialNumber}"));
    }

    [Fact]
    public async Task A_cancelled_schedule_never_runs_and_an_ended_one_cannot_be_cancelled()
    {
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("sched"), fields = new { gate = "A1" } });
        var path = $"/api/passes/{PassType}/{issued.SerialNumber}";
        var cancelled = (await Schedule(new { at = At(TimeSpan.FromSeconds(2)), method = "PATCH", path, body = new { fields = new { gate = "X9" } } })).GetProperty("id").GetString()!;
        // The later schedule of the same pass is the test's clock: once it ran, the cancelled one's time has passed.
        var later = (await Schedule(new { at = At(TimeSpan.FromSeconds(4)), method = "PATCH", path, body = new { fields = new { seat = "12C" } } })).GetProperty("id").GetString()!;

        using (var cancel = await Issuer.SendAsync(HttpMethod.Delete, $"api/schedules/{cancelled}"))
            Assert.Equal("cancelled", (await Expect.Json(cancel, HttpStatusCode.OK)).GetProperty("status").GetString());

        Assert.Equal("succeeded", (await Ended(later)).GetProperty("status").GetString());
        Assert.Equal("cancelled", (await Show(cancelled)).GetProperty("status").GetString());
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
        Assert.Equal("12C", pass.FieldValue("seat"));
        Assert.Equal("A1", pass.FieldValue("gate"));
        Assert.Equal(issued.Version + 1, (await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber)).GetProperty("version").GetInt64());

        foreach (var id in new[] { cancelled, later })
        {
            using var again = await Issuer.SendAsync(HttpMethod.Delete, $"api/schedules/{id}");
            await Expect.Problem(again, HttpStatusCode.Conflict, "id");
        }
        using var unknown = await Issuer.SendAsync(HttpMethod.Delete, "api/schedules/no-such-schedule");
        await Expect.Problem(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_group_change_given_a_time_moves_every_pass_of_the_group()
    {
        var groupId = TestEnvironment.UniqueId("sched-group");
        using (var put = await Issuer.PutGroupAsync(groupId, new { templateId = Template, fields = new { gate = "C3" } }))
            await Expect.Status(put, HttpStatusCode.Created);
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("sched"), groupId });
        var id = (await Schedule(new { at = At(TimeSpan.FromSeconds(2)), method = "PUT", path = $"/api/groups/{groupId}", body = new { fields = new { gate = "D4" } } }))
            .GetProperty("id").GetString()!;
        var ended = await Ended(id);
        Assert.Equal("succeeded", ended.GetProperty("status").GetString());
        Assert.Equal(2, ended.GetProperty("version").GetInt64());
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
        Assert.Equal("D4", pass.FieldValue("gate"));
    }

    [Fact]
    public async Task A_schedule_refused_at_its_time_is_recorded_as_failed_with_why_and_is_not_tried_again()
    {
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("sched") });
        // Shape is checked when the schedule is made; the pass rules only at its time, against the pass as it is then.
        var id = (await Schedule(new { at = At(TimeSpan.FromSeconds(2)), method = "PATCH", path = $"/api/passes/{PassType}/{issued.SerialNumber}",
            body = new { fields = new { nosuchfield = "x" } } })).GetProperty("id").GetString()!;
        var ended = await Ended(id);
        Assert.Equal("failed", ended.GetProperty("status").GetString());
        Assert.Contains("nosuchfield", ended.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(issued.Version, (await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber)).GetProperty("version").GetInt64());
        var failed = (await Events("schedule.failed")).Where(e => e.GetProperty("id").GetString() == $"schedule/{id}").ToList();
        Assert.Contains("nosuchfield", Assert.Single(failed).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await RemindersOf($"passes/{PassType}/{issued.SerialNumber}"));
    }

    [Fact]
    public async Task A_retried_request_with_its_key_answers_the_schedule_it_made_and_another_request_under_the_key_is_a_conflict()
    {
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("sched") });
        var body = new { at = At(TimeSpan.FromHours(2)), method = "POST", path = $"/api/passes/{PassType}/{issued.SerialNumber}/void", key = "void-after-the-match" };
        var first = await Schedule(body);
        var again = await Schedule(body, HttpStatusCode.OK);
        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        using (var other = await Issuer.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(body with { at = At(TimeSpan.FromHours(3)) })))
            await Expect.Problem(other, HttpStatusCode.Conflict, "key");
        using var listed = await Issuer.SendAsync(HttpMethod.Get, $"api/schedules?target=passes/{PassType}/{issued.SerialNumber}");
        Assert.Single((await Expect.Json(listed, HttpStatusCode.OK)).GetProperty("schedules").EnumerateArray());
    }

    public static TheoryData<string, string> Unschedulable() => new()
    {
        { """{"method":"PATCH","path":"/api/passes/P/S","body":{}}""", "at" },
        { """{"at":"2030-01-01T10:00:00","method":"PATCH","path":"/api/passes/P/S"}""", "at" },
        { """{"at":"2030-01-01 10:00","method":"PATCH","path":"/api/passes/P/S"}""", "at" },
        { """{"at":"2001-01-01T10:00:00Z","method":"PATCH","path":"/api/passes/P/S"}""", "at" },
        { """{"at":"2999-01-01T10:00:00Z","method":"PATCH","path":"/api/passes/P/S"}""", "at" },
        { """{"at":"AT","path":"/api/passes/P/S"}""", "method" },
        { """{"at":"AT","method":"PATCH"}""", "path" },
        { """{"at":"AT","method":"DELETE","path":"/api/passes/P/S"}""", "path" },
        { """{"at":"AT","method":"PUT","path":"/api/templates/boarding"}""", "body" },
        { """{"at":"AT","method":"PUT","path":"/api/templates/boarding","body":{"staged":"not-a-sha256"}}""", "body.staged" },
        { """{"at":"AT","method":"PUT","path":"/api/templates/boarding","body":{"staged":"STAGED","fields":{}}}""", "body.fields" },
        { """{"at":"AT","method":"PUT","path":"/api/templates/boarding?overwrite=1","body":{"staged":"STAGED"}}""", "path" },
        { """{"at":"AT","method":"POST","path":"/api/templates/boarding","body":{"staged":"STAGED"}}""", "path" },
        { """{"at":"AT","method":"PATCH","path":"/api/passes/P/S/../x"}""", "path" },
        { """{"at":"AT","method":"PATCH","path":"https://elsewhere.example/api/passes/P/S"}""", "path" },
        { """{"at":"AT","method":"PATCH","path":"/api/passes/P/S?dropUnknownFields=true"}""", "path" },
        { """{"at":"AT","method":"PATCH","path":"/api/passes/P/S","body":{"fields":{"gate":{"x":1}}}}""", "body.fields.gate" },
        { """{"at":"AT","method":"PATCH","path":"/api/passes/P/S","body":{"serialNumber":"x"}}""", "body.serialNumber" },
        { """{"at":"AT","method":"POST","path":"/api/passes/P/S/void","body":{"fields":{"gate":"1"}}}""", "body" },
        { """{"at":"AT","method":"PUT","path":"/api/groups/never-made-group","body":{"fields":{"gate":"1"}}}""", "body.templateId" },
        { """{"at":"AT","method":"PUT","path":"/api/groups/g","body":{"templateId":"no-such-template"}}""", "body.templateId" },
        // A group's end is kept by the group's own PUT (its void is a schedule itself); a schedule would drop it unread.
        { """{"at":"AT","method":"PUT","path":"/api/groups/g","body":{"templateId":"boarding","end":{"at":"AT"}}}""", "body.end" },
        { """{"at":"AT","method":"PUT","path":"/api/groups/g","body":{"templateId":"boarding","end":{"bogus":true}}}""", "body.end" },
        { """{"at":"AT","method":"PATCH","path":"/api/passes/P/S","key":"has spaces"}""", "key" },
        { """{"at":"AT","method":"PATCH","path":"/api/passes/P/S","when":"now"}""", "when" },
    };

    [Theory]
    [MemberData(nameof(Unschedulable))]
    public async Task What_cannot_be_scheduled_is_a_400_naming_the_member_and_nothing_is_stored(string template, string field)
    {
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("sched") });
        var body = template.Replace("\"AT\"", JsonSerializer.Serialize(At(TimeSpan.FromMinutes(5))), StringComparison.Ordinal)
            .Replace("/P/S", $"/{PassType}/{issued.SerialNumber}", StringComparison.Ordinal)
            .Replace("STAGED", new string('a', 64), StringComparison.Ordinal);
        using var response = await Issuer.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.RawJson(body));
        await Expect.Problem(response, HttpStatusCode.BadRequest, field);
        using var listed = await Issuer.SendAsync(HttpMethod.Get, $"api/schedules?target=passes/{PassType}/{issued.SerialNumber}");
        Assert.Empty((await Expect.Json(listed, HttpStatusCode.OK)).GetProperty("schedules").EnumerateArray());
    }

    [Fact]
    public async Task An_at_with_nine_digits_of_fractional_seconds_as_RFC_3339_allows_is_read_to_the_tick()
    {
        // Go's time.RFC3339Nano, among others, writes nine digits; RFC 3339 allows any number.
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("sched") });
        var instant = DateTimeOffset.UtcNow.AddHours(1);
        instant = new DateTimeOffset(instant.Ticks - instant.Ticks % 10, TimeSpan.Zero);
        var at = instant.ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "000-05:00";
        var made = await Schedule(new { at, method = "PATCH", path = $"/api/passes/{PassType}/{issued.SerialNumber}", body = new { fields = new { gate = "N9" } } });
        Assert.Equal(instant, made.GetProperty("at").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_schedule_body_past_64_KiB_is_a_413_and_nothing_is_stored()
    {
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("sched") });
        var body = new { at = At(TimeSpan.FromHours(1)), method = "PATCH", path = $"/api/passes/{PassType}/{issued.SerialNumber}",
            body = new { fields = new { gate = new string('g', 70 * 1024) } } };
        using (var response = await Issuer.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(body)))
            await Expect.Problem(response, HttpStatusCode.RequestEntityTooLarge);
        using var listed = await Issuer.SendAsync(HttpMethod.Get, $"api/schedules?target=passes/{PassType}/{issued.SerialNumber}");
        Assert.Empty((await Expect.Json(listed, HttpStatusCode.OK)).GetProperty("schedules").EnumerateArray());
    }

    [Fact]
    public async Task A_schedule_of_a_pass_that_does_not_exist_is_a_404_and_a_target_that_is_none_a_400()
    {
        using (var response = await Issuer.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(new
               { at = At(TimeSpan.FromMinutes(5)), method = "PATCH", path = $"/api/passes/{PassType}/never-issued", body = new { fields = new { gate = "1" } } })))
            await Expect.Problem(response, HttpStatusCode.NotFound);
        foreach (var target in new[] { "", "passes/x", "groups/a/b", "templates/a/b", "templates/", "passes/../x" })
        {
            using var listed = await Issuer.SendAsync(HttpMethod.Get, $"api/schedules?target={Uri.EscapeDataString(target)}");
            await Expect.Problem(listed, HttpStatusCode.BadRequest, "target");
        }
    }
}
