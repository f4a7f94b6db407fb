using System.Net;
using System.Text;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// Batch jobs through the issuer API: every line is issued or reported with its line number and reason,
/// a pass that exists is never overwritten, and batch-issued passes (stored without activating their
/// grains) download, register and answer like any other.
/// </summary>
public sealed class BatchIssuingTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private const string Template = InProcessServerFixture.BoardingTemplate;

    private async Task<JsonElement> RunBatchAsync(IEnumerable<string> lines)
    {
        using var content = new StringContent(string.Join('\n', lines) + "\n", Encoding.UTF8, "application/x-ndjson");
        using var response = await server.Client.SendAsync(HttpMethod.Post, "api/passes/batch", content);
        var job = (await Expect.Json(response, HttpStatusCode.Accepted)).GetProperty("jobId").GetString();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var poll = await server.Client.SendAsync(HttpMethod.Get, $"api/jobs/{job}");
            var status = await Expect.Json(poll, HttpStatusCode.OK);
            if (status.GetProperty("state").GetString() == "completed")
                return status;
            Assert.True(DateTime.UtcNow < until, $"job {job} did not complete: {status}");
            await Task.Delay(100);
        }
    }

    private static string Line(object body) => JsonSerializer.Serialize(body);

    [Fact]
    public async Task Every_line_is_issued_or_reported_with_its_number_and_an_existing_pass_is_left_alone()
    {
        var existing = TestEnvironment.UniqueId("exists");
        await server.Client.IssueAsync(new { templateId = Template, serialNumber = existing, fields = new { seat = "1A" } });
        var fresh = TestEnvironment.UniqueId("fresh");

        var status = await RunBatchAsync([
            Line(new { templateId = Template, serialNumber = fresh, fields = new { seat = "12C", gate = "B9" } }), // 1
            "{not json", // 2
            "[1, 2]", // 3
            Line(new { templateId = "no-such-template", serialNumber = TestEnvironment.UniqueId("t") }), // 4
            Line(new { templateId = Template, serialNumber = "has a space" }), // 5
            Line(new { templateId = Template, serialNumber = existing, fields = new { seat = "99Z" } }), // 6
            Line(new { templateId = Template }), // 7: the server picks the serial
            $$"""{"templateId":"{{Template}}","templateId":"{{Template}}"}""", // 8
            $$"""{"templateId":"{{Template}}","serialNumber":7}""", // 9
        ]);

        Assert.Equal(9, status.GetProperty("total").GetInt32());
        Assert.Equal(2, status.GetProperty("done").GetInt32());
        Assert.Equal(7, status.GetProperty("failed").GetInt32());
        var errors = status.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.StartsWith("line 2: not valid JSON", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 3: each line must be a JSON object", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 8: templateId:", StringComparison.Ordinal) && e.Contains("more than once", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 9: serialNumber:", StringComparison.Ordinal) && e.Contains("must be a string", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 4: templateId:", StringComparison.Ordinal) && e.Contains("no-such-template", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 5: serialNumber:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 6: serialNumber:", StringComparison.Ordinal) && e.Contains("already exists", StringComparison.Ordinal));

        // The pass that existed keeps its version and content.
        var kept = await server.Client.GetPassInfoAsync(PassType, existing);
        Assert.Equal(1, kept.GetProperty("version").GetInt64());
        var keptPass = await server.Client.DownloadAsync(kept.GetProperty("downloadUrl").GetString()!, existing);
        Assert.Equal("1A", keptPass.FieldValue("seat"));

        // The batch-issued pass renders its values and takes a registration with its token.
        var info = await server.Client.GetPassInfoAsync(PassType, fresh);
        Assert.Equal(1, info.GetProperty("version").GetInt64());
        var pass = await server.Client.DownloadAsync(info.GetProperty("downloadUrl").GetString()!, fresh);
        Assert.Equal("12C", pass.FieldValue("seat"));
        using var http = new HttpClient();
        var device = new WalletDevice(http, pass.WebServiceUrl);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, fresh, pass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await new WalletDevice(http, pass.WebServiceUrl).RegisterAsync(PassType, fresh, "0000000000000000wrong-token"));
    }

    [Fact]
    public async Task A_pass_asked_for_before_a_batch_issued_it_is_served_afterwards()
    {
        var serial = TestEnvironment.UniqueId("late");
        // This activates the pass's grain with "no such pass" before the batch stores it behind the grain's back.
        using (var before = await server.Client.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}"))
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);

        var status = await RunBatchAsync([Line(new { templateId = Template, serialNumber = serial, fields = new { seat = "7F" } })]);
        Assert.Equal(1, status.GetProperty("done").GetInt32());

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        HttpStatusCode answer;
        do
        {
            using var after = await server.Client.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}");
            answer = after.StatusCode;
            if (answer == HttpStatusCode.OK)
                break;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < until);
        Assert.Equal(HttpStatusCode.OK, answer);

        // Issuing it again through the API, on the same activation, is a conflict, not an overwrite.
        using var again = await server.Client.PostPassAsync(new { templateId = Template, serialNumber = serial, fields = new { seat = "1A" } });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var info = await server.Client.GetPassInfoAsync(PassType, serial);
        var pass = await server.Client.DownloadAsync(info.GetProperty("downloadUrl").GetString()!, serial);
        Assert.Equal("7F", pass.FieldValue("seat"));
    }

    [Fact]
    public async Task A_batch_with_bad_lines_of_every_kind_accounts_for_every_line_by_number()
    {
        var taken = TestEnvironment.UniqueId("taken");
        await server.Client.IssueAsync(new { templateId = Template, serialNumber = taken });
        var prefix = TestEnvironment.UniqueId("many");
        var bad = new Dictionary<int, string>
        {
            [17] = "{broken",
            [230] = $$"""{"templateId":"{{Template}}","templateId":"{{Template}}"}""",
            [231] = "[1]",
            // Over 1 MiB of JSON (not whitespace): refused while the upload is read, never stored whole.
            [402] = Line(new { templateId = Template, fields = new { seat = new string('x', 1024 * 1024 + 10) } }),
            [403] = Line(new { templateId = "no-such-template" }),
            [599] = Line(new { templateId = Template, serialNumber = taken }),
        };
        var lines = Enumerable.Range(1, 650).Select(n => bad.TryGetValue(n, out var text) ? text
            : n % 100 == 50 ? "   " // blank: no line of the job, but it has its number
            : n % 100 == 60 ? Line(new { templateId = Template, serialNumber = $"{prefix}-{n}" }).Insert(1, new string(' ', 300_000)) // padded, not long
            : Line(new { templateId = Template, serialNumber = $"{prefix}-{n}" })).ToList();

        var status = await RunBatchAsync(lines);

        const int Blank = 7; // lines 50, 150, … 650
        Assert.Equal(650 - Blank, status.GetProperty("total").GetInt32());
        Assert.Equal(650 - Blank - bad.Count, status.GetProperty("done").GetInt32());
        Assert.Equal(bad.Count, status.GetProperty("failed").GetInt32());
        var errors = status.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(bad.Count, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("line 17: not valid JSON", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 230: templateId:", StringComparison.Ordinal) && e.Contains("more than once", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 231: each line must be a JSON object", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 402: ", StringComparison.Ordinal) && e.Contains("at most 1 MiB", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 403: templateId:", StringComparison.Ordinal) && e.Contains("no-such-template", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("line 599: serialNumber:", StringComparison.Ordinal) && e.Contains("already exists", StringComparison.Ordinal));
        // The padded line is one of the issued: its blanks between tokens are no part of its size.
        Assert.Equal(1, (await server.Client.GetPassInfoAsync(PassType, $"{prefix}-160")).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Jobs_are_listed_newest_first_with_their_state_and_counts()
    {
        var first = await RunBatchAsync([Line(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("list") })]);
        var second = await RunBatchAsync([Line(new { templateId = Template }), "{no"]);

        using var response = await server.Client.SendAsync(HttpMethod.Get, "api/jobs?limit=1000");
        var jobs = (await Expect.Json(response, HttpStatusCode.OK)).GetProperty("jobs").EnumerateArray().ToList();
        var ids = jobs.Select(j => j.GetProperty("jobId").GetString()).ToList();
        var firstAt = ids.IndexOf(first.GetProperty("jobId").GetString());
        var secondAt = ids.IndexOf(second.GetProperty("jobId").GetString());
        Assert.True(firstAt >= 0 && secondAt >= 0 && secondAt < firstAt, $"both jobs listed, newest first: {string.Join(", ", ids)}");
        var listed = jobs[secondAt];
        Assert.Equal("completed", listed.GetProperty("state").GetString());
        Assert.Equal((2, 1, 1), (listed.GetProperty("total").GetInt32(), listed.GetProperty("done").GetInt32(), listed.GetProperty("failed").GetInt32()));
        Assert.True(listed.GetProperty("completedAt").GetDateTimeOffset() >= listed.GetProperty("createdAt").GetDateTimeOffset());

        using var limited = await server.Client.SendAsync(HttpMethod.Get, "api/jobs?limit=1");
        Assert.Single((await Expect.Json(limited, HttpStatusCode.OK)).GetProperty("jobs").EnumerateArray());
        using var refused = await server.Client.SendAsync(HttpMethod.Get, "api/jobs?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }
}
