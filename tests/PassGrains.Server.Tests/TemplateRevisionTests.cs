using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PassGrains.Abstractions;
using PassGrains.Packaging.Signing;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>A server signing for two pass types, so a revision can try to move a template to the other.</summary>
public sealed class TwoPassTypesServerFixture : IAsyncLifetime, IDisposable
{
    public const string OtherPassType = "pass.com.example.other";

    private readonly TempDirectory _root = new("revisions");
    private WebApplication? _app;

    public ServerSettings Settings { get; private set; } = null!;

    public PassGrainsClient Client { get; private set; } = null!;

    /// <summary>The co-hosted silo's services, to store what only an older build could have stored.</summary>
    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var chain = SigningChain.Create(_root.Combine("chain"));
        var other = _root.Combine("other");
        DevelopmentChain.Create(OtherPassType, TestEnvironment.Team).WriteTo(other, TestEnvironment.CertificatePassword);
        Settings = ServerSettings.Create(_root.Combine("data"), chain, ServerSettings.NewSecretKey()) with
        {
            Extra = new Dictionary<string, string?>
            {
                ["PassGrains:PassTypes:1:Identifier"] = OtherPassType,
                ["PassGrains:PassTypes:1:TeamIdentifier"] = TestEnvironment.Team,
                ["PassGrains:PassTypes:1:CertificatePath"] = Path.Combine(other, "pass.p12"),
                ["PassGrains:PassTypes:1:CertificatePassword"] = TestEnvironment.CertificatePassword,
                ["PassGrains:PassTypes:1:WwdrPath"] = Path.Combine(other, "wwdr.pem"),
                ["Logging:LogLevel:Default"] = "Warning",
                ["PassGrains:Apns:Enabled"] = "false",
            },
        };
        var configuration = Settings.ToConfiguration();
        _app = PassGrainsApp.Build(["--urls", Settings.BaseUrl.TrimEnd('/')], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await _app.StartAsync();
        Client = new PassGrainsClient(new Uri(Settings.BaseUrl));
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _root.Dispose();
    }

    public void Dispose() => _root.Dispose();
}

/// <summary>
/// Tracker issue 12, item 3: a template or group revision never breaks a pass. A revision without a field stored
/// passes or groups set is refused with 409 naming the key and how many set it, unless the issuer asks for the
/// values to be dropped; a revision of another pass type is refused; a stored pass that cannot be rendered answers
/// 503 and is counted, never 500.
/// </summary>
public sealed class TemplateRevisionTests(TwoPassTypesServerFixture server) : IClassFixture<TwoPassTypesServerFixture>
{
    private const string PassType = TestEnvironment.PassType;

    private PassGrainsClient Issuer => server.Client;

    /// <summary>samples/models/boarding.pass, its pass.json changed by <paramref name="change"/>.</summary>
    private static byte[] Boarding(Action<JsonObject>? change = null)
    {
        var folder = TestEnvironment.Model("boarding");
        var passJson = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "pass.json")))!.AsObject();
        change?.Invoke(passJson);
        return ModelZip.FromFolder(folder, name => name == "pass.json", new Dictionary<string, byte[]> { ["pass.json"] = Encoding.UTF8.GetBytes(passJson.ToJsonString()) });
    }

    /// <summary>The boarding model without the fields of these keys.</summary>
    private static byte[] BoardingWithout(params string[] keys) => Boarding(passJson =>
    {
        foreach (var (_, list) in passJson["boardingPass"]!.AsObject())
        {
            if (list is JsonArray fields)
            {
                foreach (var field in fields.OfType<JsonObject>().Where(f => keys.Contains((string?)f["key"])).ToList())
                    fields.Remove(field);
            }
        }
    });

    private async Task<string> NewTemplateAsync()
    {
        var templateId = TestEnvironment.UniqueId("rev");
        using var upload = await Issuer.UploadTemplateAsync(templateId, Boarding());
        await Expect.Status(upload, HttpStatusCode.Created);
        return templateId;
    }

    private Task<HttpResponseMessage> ReviseAsync(string templateId, byte[] zip, bool drop = false)
    {
        var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        return Issuer.SendAsync(HttpMethod.Put, $"api/templates/{templateId}{(drop ? "?dropUnknownFields=true" : "")}", content);
    }

    /// <summary>How many passes the refusal of a revision without <paramref name="key"/> says set it (0: the revision was not refused for it).</summary>
    private async Task<long> PassesSettingAsync(string templateId, string key)
    {
        using var response = await ReviseAsync(templateId, BoardingWithout(key));
        if (response.StatusCode == HttpStatusCode.OK)
            Assert.Fail($"a revision without '{key}' was stored; the test cannot count any more");
        var problem = await Expect.Problem(response, HttpStatusCode.Conflict, $"fields.{key}");
        return problem.GetProperty("fieldsInUse").EnumerateArray().Single(u => u.GetProperty("key").GetString() == key).GetProperty("passes").GetInt64();
    }

    private async Task<(PassPackage Pass, WalletDevice Device)> InstallAsync(IssuedPass issued)
    {
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
        return (pass, new WalletDevice(Issuer.Http, pass.WebServiceUrl));
    }

    [Fact]
    public async Task A_revision_without_a_field_passes_set_is_refused_naming_it_and_with_dropUnknownFields_they_render_without_it()
    {
        var templateId = await NewTemplateAsync();
        var first = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("s"), fields = new { seat = "12C" } });
        var second = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("s"), fields = new { seat = "14D", gate = "B7" } });
        var plain = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("s") });
        var (installed, device) = await InstallAsync(first);

        // The reported case: the template re-uploaded without "seat", which two passes set.
        using (var refused = await ReviseAsync(templateId, BoardingWithout("seat")))
        {
            var problem = await Expect.Problem(refused, HttpStatusCode.Conflict, "fields.seat");
            var seat = Expect.Errors(problem).Single(e => e.Field == "fields.seat");
            Assert.Contains("2 passes", seat.Message, StringComparison.Ordinal);
            var use = problem.GetProperty("fieldsInUse").EnumerateArray().Single();
            Assert.Equal(("fields.seat", "seat", 2L), (use.GetProperty("field").GetString(), use.GetProperty("key").GetString(), use.GetProperty("passes").GetInt64()));
        }

        // Nothing was stored: downloads and devices get the passes of the old revision, signed.
        foreach (var (issued, seat) in new[] { (first, "12C"), (second, "14D") })
        {
            var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
            Assert.Equal(seat, pass.FieldValue("seat"));
            pass.AssertVerifies(server.Settings.Chain.Wwdr);
        }
        var (fetched, _) = await device.FetchPassAsync(PassType, first.SerialNumber, installed.AuthenticationToken);
        Assert.Equal("12C", fetched.FieldValue("seat"));

        // Asked to, the revision is stored and says what its passes lose.
        using (var dropped = await ReviseAsync(templateId, BoardingWithout("seat"), drop: true))
        {
            var answer = await Expect.Json(dropped, HttpStatusCode.OK);
            Assert.Equal(2, answer.GetProperty("revision").GetInt32());
            var use = answer.GetProperty("droppedFields").EnumerateArray().Single();
            Assert.Equal(("seat", 2L), (use.GetProperty("key").GetString(), use.GetProperty("passes").GetInt64()));
            Assert.Contains(answer.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("fields.seat: dropped", StringComparison.Ordinal));
        }
        foreach (var issued in new[] { first, second, plain })
        {
            var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
            Assert.Null(pass.FieldValue("seat"));
            pass.AssertVerifies(server.Settings.Chain.Wwdr);
        }
        Assert.Equal("B7", (await Issuer.DownloadAsync(second.DownloadUrl, second.SerialNumber)).FieldValue("gate"));
        var (latest, _) = await device.FetchPassAsync(PassType, first.SerialNumber, installed.AuthenticationToken);
        Assert.Null(latest.FieldValue("seat"));
        latest.AssertVerifies(server.Settings.Chain.Wwdr);

        // A pass holding a dropped value still takes changes of what its template has; a new value for the dropped key is a typo again.
        await Issuer.ChangeAsync(PassType, first.SerialNumber, new { fields = new { gate = "C1" } });
        using (var typo = await Issuer.PatchAsync(PassType, first.SerialNumber, new { fields = new { seat = "1A" } }))
            await Expect.Problem(typo, HttpStatusCode.BadRequest);
        // The next revision without "seat" breaks nothing more: its passes lost it already.
        using (var again = await ReviseAsync(templateId, BoardingWithout("seat")))
            await Expect.Status(again, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_revision_of_another_pass_type_is_refused()
    {
        var templateId = await NewTemplateAsync();
        var issued = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("s") });

        using (var refused = await ReviseAsync(templateId, Boarding(p => p["passTypeIdentifier"] = TwoPassTypesServerFixture.OtherPassType)))
        {
            var problem = await Expect.Problem(refused, HttpStatusCode.Conflict, "pass.json/passTypeIdentifier");
            Assert.Contains(PassType, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using (var alsoWithDrop = await ReviseAsync(templateId, Boarding(p => p["passTypeIdentifier"] = TwoPassTypesServerFixture.OtherPassType), drop: true))
            await Expect.Problem(alsoWithDrop, HttpStatusCode.Conflict, "pass.json/passTypeIdentifier");

        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
        Assert.Equal(PassType, (string?)pass.PassJson["passTypeIdentifier"]);
        pass.AssertVerifies(server.Settings.Chain.Wwdr);
    }

    [Fact]
    public async Task A_group_moved_to_a_template_without_its_fields_or_a_revision_dropping_them_is_refused()
    {
        var templateId = await NewTemplateAsync();
        var noGate = TestEnvironment.UniqueId("rev");
        using (var upload = await Issuer.UploadTemplateAsync(noGate, BoardingWithout("gate")))
            await Expect.Status(upload, HttpStatusCode.Created);
        var groupId = TestEnvironment.UniqueId("grp");
        using (var put = await Issuer.PutGroupAsync(groupId, new { templateId, fields = new { gate = "A4" } }))
            await Expect.Status(put, HttpStatusCode.Created);
        var member = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("s"), groupId });

        // The template's revision without "gate" would drop the group's value from its passes.
        using (var revision = await ReviseAsync(templateId, BoardingWithout("gate")))
        {
            var problem = await Expect.Problem(revision, HttpStatusCode.Conflict, "fields.gate");
            var use = problem.GetProperty("fieldsInUse").EnumerateArray().Single();
            Assert.Equal([groupId], use.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
            Assert.Contains($"group {groupId}", Expect.Errors(problem).Single().Message, StringComparison.Ordinal);
        }

        // Moving the group to a template without "gate": refused, and nothing changes.
        using (var move = await Issuer.PutGroupAsync(groupId, new { templateId = noGate }))
        {
            var problem = await Expect.Problem(move, HttpStatusCode.Conflict, "fields.gate");
            Assert.Contains(groupId, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal("A4", (await Issuer.DownloadAsync(member.DownloadUrl, member.SerialNumber)).FieldValue("gate"));

        // Asked to, the group moves; passes of the new template in it render without the value, and those of the old keep it.
        using (var moved = await Issuer.SendAsync(HttpMethod.Put, $"api/groups/{groupId}?dropUnknownFields=true", PassGrainsClient.JsonBody(new { templateId = noGate })))
        {
            var answer = await Expect.Json(moved, HttpStatusCode.OK);
            Assert.Contains(answer.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.StartsWith("fields.gate: dropped", StringComparison.Ordinal));
        }
        var joined = await Issuer.IssueAsync(new { templateId = noGate, serialNumber = TestEnvironment.UniqueId("s"), groupId, fields = new { seat = "3F" } });
        var joinedPass = await Issuer.DownloadAsync(joined.DownloadUrl, joined.SerialNumber);
        Assert.Null(joinedPass.FieldValue("gate"));
        joinedPass.AssertVerifies(server.Settings.Chain.Wwdr);
        Assert.Equal("A4", (await Issuer.DownloadAsync(member.DownloadUrl, member.SerialNumber)).FieldValue("gate"));

        // The group still renders over its passes of the first template: a revision of it without "gate" is still refused.
        using (var still = await ReviseAsync(templateId, BoardingWithout("gate")))
            await Expect.Problem(still, HttpStatusCode.Conflict, "fields.gate");
    }

    [Fact]
    public async Task Counts_follow_issue_changes_batches_and_removals()
    {
        var templateId = await NewTemplateAsync();
        var a = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("s"), fields = new { seat = "1A" } });
        Assert.Equal(1, await PassesSettingAsync(templateId, "seat"));

        var b = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("s") });
        await Issuer.ChangeAsync(PassType, b.SerialNumber, new { fields = new { seat = "2B" } });
        Assert.Equal(2, await PassesSettingAsync(templateId, "seat"));

        // Setting a key a pass sets already counts it once.
        await Issuer.ChangeAsync(PassType, a.SerialNumber, new { fields = new { seat = "1C", passenger = "Ada" } });
        Assert.Equal(2, await PassesSettingAsync(templateId, "seat"));
        Assert.Equal(1, await PassesSettingAsync(templateId, "passenger"));

        // A batch: three lines set "seat"; a line whose pass exists already is not counted again.
        var status = await RunBatchAsync([
            Line(new { templateId, serialNumber = TestEnvironment.UniqueId("b"), fields = new { seat = "10A" } }),
            Line(new { templateId, serialNumber = TestEnvironment.UniqueId("b"), fields = new { seat = "10B" } }),
            Line(new { templateId, serialNumber = TestEnvironment.UniqueId("b"), fields = new { seat = "10C", gate = "D1" } }),
            Line(new { templateId, serialNumber = a.SerialNumber, fields = new { seat = "99Z" } }),
            Line(new { templateId, serialNumber = TestEnvironment.UniqueId("b") }),
        ]);
        Assert.Equal(4, status.GetProperty("done").GetInt32());
        Assert.Equal(5, await PassesSettingAsync(templateId, "seat"));
        Assert.Equal(1, await PassesSettingAsync(templateId, "gate"));

        // A change taking a value back (null, as in a merge patch) uncounts it, and the template's value shows again.
        await Issuer.ChangeAsync(PassType, a.SerialNumber, new Dictionary<string, object> { ["fields"] = new Dictionary<string, object?> { ["seat"] = null } });
        Assert.Equal(4, await PassesSettingAsync(templateId, "seat"));
        Assert.Equal("23A", (await Issuer.DownloadAsync(a.DownloadUrl, a.SerialNumber)).FieldValue("seat"));
        // Voiding changes no keys.
        using (var voided = await Issuer.SendAsync(HttpMethod.Post, $"api/passes/{PassType}/{b.SerialNumber}/void"))
            await Expect.Status(voided, HttpStatusCode.OK);
        Assert.Equal(4, await PassesSettingAsync(templateId, "seat"));
    }

    [Fact]
    public async Task A_stored_pass_that_cannot_be_rendered_answers_503_and_is_counted_not_500()
    {
        var templateId = await NewTemplateAsync();
        var issued = await Issuer.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("s"), fields = new { seat = "5E" } });
        var (installed, device) = await InstallAsync(issued);
        // What no request can store today, and an older build or a damaged row could: a template that no longer reads.
        await server.Services.GetRequiredService<IGrainFactory>().GetGrain<ITemplateGrain>(GrainKeys.Template(templateId)).Put([0x50, 0x4b, 0x03, 0x04], PassType);

        using var failures = new RenderFailures();
        using (var response = await device.GetPassAsync(PassType, issued.SerialNumber, installed.AuthenticationToken))
        {
            await Expect.Problem(response, HttpStatusCode.ServiceUnavailable);
            Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.RetryAfter?.Delta);
        }
        using (var download = await Issuer.Http.GetAsync(new Uri(issued.DownloadUrl)))
        {
            await Expect.Problem(download, HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(download.Headers.RetryAfter);
        }
        Assert.True(failures.Count >= 2, $"passgrains.render.failures counted {failures.Count}");
    }

    private async Task<JsonElement> RunBatchAsync(IEnumerable<string> lines)
    {
        using var content = new StringContent(string.Join('\n', lines) + "\n", Encoding.UTF8, "application/x-ndjson");
        using var response = await Issuer.SendAsync(HttpMethod.Post, "api/passes/batch", content);
        var job = (await Expect.Json(response, HttpStatusCode.Accepted)).GetProperty("jobId").GetString();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var poll = await Issuer.SendAsync(HttpMethod.Get, $"api/jobs/{job}");
            var status = await Expect.Json(poll, HttpStatusCode.OK);
            if (status.GetProperty("state").GetString() == "completed")
                return status;
            Assert.True(DateTime.UtcNow < until, $"job {job} did not complete: {status}");
            await Task.Delay(100); // the job API has no way to wait for completion
        }
    }

    private static string Line(object body) => JsonSerializer.Serialize(body);

    /// <summary>Counts <c>passgrains.render.failures</c> of the pass type while it lives.</summary>
    private sealed class RenderFailures : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public RenderFailures()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "PassGrains" && instrument.Name == "passgrains.render.failures")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
