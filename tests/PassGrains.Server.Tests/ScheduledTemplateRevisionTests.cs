using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PassGrains.Abstractions;
using PassGrains.Grains;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// A template revision given a time, as an issuer makes one over HTTP: the zip is staged now (checked as a PUT would
/// check it) and a schedule names it; at its time the template takes it and its passes render it, once. A staged
/// revision a waiting schedule holds cannot be dropped or taken by another schedule; one that would break stored passes
/// at its time is recorded as failed, with why, and the template stays as it was.
/// </summary>
public sealed class ScheduledTemplateRevisionTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private const string PassType = TestEnvironment.PassType;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private PassGrainsClient Issuer => server.Client;

    private static string At(TimeSpan fromNow) =>
        (DateTimeOffset.UtcNow + fromNow).ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    /// <summary>The boarding model with its pass.json changed by <paramref name="change"/>.</summary>
    private static byte[] BoardingModel(Action<JsonObject>? change = null)
    {
        var folder = TestEnvironment.Model("boarding");
        var passJson = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "pass.json")))!.AsObject();
        change?.Invoke(passJson);
        return ModelZip.FromFolder(folder, name => name == "pass.json", new Dictionary<string, byte[]> { ["pass.json"] = Encoding.UTF8.GetBytes(passJson.ToJsonString()) });
    }

    private static byte[] Relabelled(string logoText) => BoardingModel(p => p["logoText"] = logoText);

    private async Task<string> NewTemplateAsync()
    {
        var templateId = TestEnvironment.UniqueId("rev");
        using var upload = await Issuer.UploadTemplateAsync(templateId, Relabelled("Example Air"));
        await Expect.Status(upload, HttpStatusCode.Created);
        return templateId;
    }

    private Task<HttpResponseMessage> StageAsync(string templateId, byte[] zip)
    {
        var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return Issuer.SendAsync(HttpMethod.Post, $"api/templates/{templateId}/staged", content);
    }

    private async Task<string> StagedAsync(string templateId, byte[] zip)
    {
        using var response = await StageAsync(templateId, zip);
        return (await Expect.Json(response, HttpStatusCode.Created)).GetProperty("stagedId").GetString()!;
    }

    private Task<HttpResponseMessage> ScheduleAsync(string templateId, string stagedId, TimeSpan fromNow, string query = "") =>
        Issuer.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(new
        {
            at = At(fromNow), method = "PUT", path = $"/api/templates/{templateId}{query}", body = new { staged = stagedId },
        }));

    private async Task<string> ScheduledAsync(string templateId, string stagedId, TimeSpan fromNow, string query = "")
    {
        using var response = await ScheduleAsync(templateId, stagedId, fromNow, query);
        return (await Expect.Json(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> StagedInfoAsync(string templateId, string stagedId, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await Issuer.SendAsync(HttpMethod.Get, $"api/templates/{templateId}/staged/{stagedId}");
        return expected == HttpStatusCode.OK ? await Expect.Json(response, expected) : await Expect.Problem(response, expected);
    }

    private async Task<string?> LogoTextAsync(IssuedPass issued) =>
        (string?)(await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber)).PassJson["logoText"];

    [Fact]
    public async Task A_staged_revision_is_made_at_its_time_once_and_the_passes_render_it()
    {
        var templateId = await NewTemplateAsync();
        var issued = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("rev"), fields = new { gate = "B22" } });
        var revision = Relabelled("Example Air, revised");

        using (var staged = await StageAsync(templateId, revision))
        {
            var body = await Expect.Json(staged, HttpStatusCode.Created);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(revision)), body.GetProperty("stagedId").GetString());
            Assert.Equal(PassType, body.GetProperty("passTypeIdentifier").GetString());
            Assert.Equal(revision.Length, body.GetProperty("size").GetInt32());
            Assert.Equal($"/api/templates/{templateId}/staged/{body.GetProperty("stagedId").GetString()}", staged.Headers.Location?.OriginalString);
        }
        var stagedId = Convert.ToHexStringLower(SHA256.HashData(revision));
        // The same upload again is the same staged revision.
        using (var again = await StageAsync(templateId, revision))
            Assert.Equal(stagedId, (await Expect.Json(again, HttpStatusCode.OK)).GetProperty("stagedId").GetString());

        var id = await ScheduledAsync(templateId, stagedId, TimeSpan.FromSeconds(3));
        Assert.Equal(id, (await StagedInfoAsync(templateId, stagedId)).GetProperty("claimedBy").GetString());
        using (var listed = await Issuer.SendAsync(HttpMethod.Get, $"api/schedules?target=templates/{templateId}"))
            Assert.Equal([id], (await Expect.Json(listed, HttpStatusCode.OK)).GetProperty("schedules").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        // Staging changed nothing yet.
        Assert.Equal("Example Air", await LogoTextAsync(issued));

        var ended = await Issuer.ScheduleEndedAsync(id, Deadline);
        Assert.Equal("succeeded", ended.GetProperty("status").GetString());
        Assert.Equal(2, ended.GetProperty("version").GetInt64());
        Assert.Equal("Example Air, revised", await LogoTextAsync(issued));
        Assert.Equal("B22", (await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber)).FieldValue("gate"));

        // A tick that runs it again (its end's write failed after the template took it) finds the template holding those
        // bytes and makes no second revision: a later PUT of the template is revision 3.
        var grains = server.Services.GetRequiredService<IGrainFactory>();
        var stored = await grains.GetGrain<IScheduleBookGrain>(GrainKeys.ScheduleBook($"templates/{templateId}")).Find(id);
        var rerun = await server.Services.GetRequiredService<IScheduledChangeRunner>().RunAsync(stored! with { Status = ScheduleStatus.Pending });
        Assert.Equal(2, rerun.Version);
        using var put = await Issuer.UploadTemplateAsync(templateId, Relabelled("Example Air, third"));
        Assert.Equal(3, (await Expect.Json(put, HttpStatusCode.OK)).GetProperty("revision").GetInt32());
    }

    [Fact]
    public async Task A_staged_revision_a_waiting_schedule_holds_cannot_be_dropped_or_taken_and_is_free_again_once_the_schedule_is_cancelled()
    {
        var templateId = await NewTemplateAsync();
        var stagedId = await StagedAsync(templateId, Relabelled("Held"));
        var id = await ScheduledAsync(templateId, stagedId, TimeSpan.FromHours(1));

        using (var drop = await Issuer.SendAsync(HttpMethod.Delete, $"api/templates/{templateId}/staged/{stagedId}"))
            await Expect.Problem(drop, HttpStatusCode.Conflict, "staged");
        using (var second = await ScheduleAsync(templateId, stagedId, TimeSpan.FromHours(2)))
            await Expect.Problem(second, HttpStatusCode.Conflict, "staged");

        using (var cancel = await Issuer.SendAsync(HttpMethod.Delete, $"api/schedules/{id}"))
            await Expect.Status(cancel, HttpStatusCode.OK);
        using (var drop = await Issuer.SendAsync(HttpMethod.Delete, $"api/templates/{templateId}/staged/{stagedId}"))
            await Expect.Json(drop, HttpStatusCode.OK);
        await StagedInfoAsync(templateId, stagedId, HttpStatusCode.NotFound);
        using (var gone = await ScheduleAsync(templateId, stagedId, TimeSpan.FromHours(2)))
            await Expect.Problem(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_schedule_naming_a_revision_staged_for_another_template_or_never_staged_is_a_404_and_nothing_is_scheduled()
    {
        var templateId = await NewTemplateAsync();
        var other = await NewTemplateAsync();
        var stagedId = await StagedAsync(other, Relabelled("Other"));
        foreach (var (template, staged) in new[] { (templateId, stagedId), (templateId, new string('0', 64)) })
        {
            using var response = await ScheduleAsync(template, staged, TimeSpan.FromMinutes(5));
            await Expect.Problem(response, HttpStatusCode.NotFound);
        }
        using var listed = await Issuer.SendAsync(HttpMethod.Get, $"api/schedules?target=templates/{templateId}");
        Assert.Empty((await Expect.Json(listed, HttpStatusCode.OK)).GetProperty("schedules").EnumerateArray());
        Assert.True((await StagedInfoAsync(other, stagedId)).GetProperty("claimedBy").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task What_cannot_be_a_template_revision_is_refused_when_staged_and_nothing_is_staged()
    {
        var templateId = await NewTemplateAsync();
        var notAModel = Encoding.UTF8.GetBytes("not a zip at all");
        using (var response = await StageAsync(templateId, notAModel))
            await Expect.Problem(response, HttpStatusCode.BadRequest);
        await StagedInfoAsync(templateId, Convert.ToHexStringLower(SHA256.HashData(notAModel)), HttpStatusCode.NotFound);

        var unsigned = BoardingModel(p => p["passTypeIdentifier"] = "pass.com.example.nobody");
        using (var response = await StageAsync(templateId, unsigned))
            await Expect.Problem(response, HttpStatusCode.BadRequest, "pass.json/passTypeIdentifier");
        await StagedInfoAsync(templateId, Convert.ToHexStringLower(SHA256.HashData(unsigned)), HttpStatusCode.NotFound);

        using (var badId = await StageAsync("has spaces", Relabelled("x")))
            await Expect.Problem(badId, HttpStatusCode.BadRequest, "templateId");
        await StagedInfoAsync(templateId, "not-an-id", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_revision_that_would_break_stored_passes_at_its_time_fails_with_why_and_with_dropUnknownFields_is_made()
    {
        var templateId = await NewTemplateAsync();
        var issued = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("rev"), fields = new { gate = "B22" } });
        // The revision has no gate field, which the pass sets: checked at its time, against the passes as they are then.
        var noGate = BoardingModel(p =>
        {
            p["logoText"] = "No gate";
            p["boardingPass"]!["headerFields"] = new JsonArray();
        });
        var stagedId = await StagedAsync(templateId, noGate);
        var refused = await Issuer.ScheduleEndedAsync(await ScheduledAsync(templateId, stagedId, TimeSpan.FromSeconds(2)), Deadline);
        Assert.Equal("failed", refused.GetProperty("status").GetString());
        Assert.Contains("gate", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("Example Air", await LogoTextAsync(issued));

        var made = await Issuer.ScheduleEndedAsync(await ScheduledAsync(templateId, stagedId, TimeSpan.FromSeconds(2), "?dropUnknownFields=true"), Deadline);
        Assert.Equal("succeeded", made.GetProperty("status").GetString());
        Assert.Equal("No gate", await LogoTextAsync(issued));
        Assert.Null((await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber)).FieldValue("gate"));
    }

    [Fact]
    public async Task A_key_used_again_with_another_staged_revision_is_a_409_and_leaves_that_revision_free()
    {
        var templateId = await NewTemplateAsync();
        var first = await StagedAsync(templateId, Relabelled("First"));
        var second = await StagedAsync(templateId, Relabelled("Second"));
        Task<HttpResponseMessage> ScheduleWithKeyAsync(string stagedId) => Issuer.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(new
        {
            at = At(TimeSpan.FromHours(1)), method = "PUT", path = $"/api/templates/{templateId}", body = new { staged = stagedId }, key = "the-release",
        }));
        string id;
        using (var made = await ScheduleWithKeyAsync(first))
            id = (await Expect.Json(made, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using (var reused = await ScheduleWithKeyAsync(second))
            await Expect.Problem(reused, HttpStatusCode.Conflict, "key");

        // The refused request took nothing: the second revision is held by no schedule and can be dropped; the first still is.
        Assert.Equal(JsonValueKind.Null, (await StagedInfoAsync(templateId, second)).GetProperty("claimedBy").ValueKind);
        Assert.Equal(id, (await StagedInfoAsync(templateId, first)).GetProperty("claimedBy").GetString());
        using (var drop = await Issuer.SendAsync(HttpMethod.Delete, $"api/templates/{templateId}/staged/{second}"))
            await Expect.Json(drop, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_schedule_refused_as_its_template_has_a_full_book_leaves_the_revision_it_names_unclaimed()
    {
        var templateId = await NewTemplateAsync();
        for (var n = 0; n < 100; n++)
            await ScheduledAsync(templateId, await StagedAsync(templateId, Relabelled($"Revision {n}")), TimeSpan.FromDays(1) + TimeSpan.FromMinutes(n));
        var last = await StagedAsync(templateId, Relabelled("One too many"));
        using (var refused = await ScheduleAsync(templateId, last, TimeSpan.FromDays(2)))
            await Expect.Problem(refused, HttpStatusCode.Conflict);
        Assert.Equal(JsonValueKind.Null, (await StagedInfoAsync(templateId, last)).GetProperty("claimedBy").ValueKind);
    }

    [Fact]
    public async Task A_schedule_naming_a_revision_whose_holder_is_due_is_answered_at_once_and_the_holder_runs()
    {
        var templateId = await NewTemplateAsync();
        var stagedId = await StagedAsync(templateId, Relabelled("Due"));
        // Every turn at running schedules is taken (as when thousands are due at once): the holder's book waits for one,
        // having begun its run.
        var slots = server.Services.GetRequiredService<ScheduleRunSlots>();
        var turns = server.Services.GetRequiredService<IOptions<ScheduleOptions>>().Value.MaxConcurrentRuns;
        for (var i = 0; i < turns; i++)
            await slots.EnterAsync();
        string id;
        Task<HttpResponseMessage> taker;
        try
        {
            id = await ScheduledAsync(templateId, stagedId, TimeSpan.FromSeconds(1));
            await Task.Delay(TimeSpan.FromSeconds(3));
            // Past its time, its book holds its turn: a read of it waits.
            var show = Issuer.SendAsync(HttpMethod.Get, $"api/schedules/{id}");
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(show.IsCompleted, "the holder's book was not waiting for its turn: the test did not set up what it tests");
            // Another schedule would take the revision: asking whether its holder still waits waits for the holder's book.
            taker = ScheduleAsync(templateId, stagedId, TimeSpan.FromHours(1));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        finally
        {
            for (var i = 0; i < turns; i++)
                slots.Leave();
        }
        // The holder's run reads the revision while the taker's claim asks the holder's book: neither may wait for the other.
        // The claim is answered once the holder's run is over, which frees the revision.
        Assert.Same(taker, await Task.WhenAny(taker, Task.Delay(TimeSpan.FromSeconds(10))));
        var ended = await Issuer.ScheduleEndedAsync(id, TimeSpan.FromSeconds(10));
        Assert.Equal("succeeded", ended.GetProperty("status").GetString());
        using (var taken = await taker)
            await Expect.Status(taken, HttpStatusCode.Created);
    }
}
