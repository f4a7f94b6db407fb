using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>A server with a plain-string issuer key (index 0, as everywhere) and three scoped ones.</summary>
public sealed class ScopedKeysServerFixture : IAsyncLifetime, IDisposable
{
    public const string ReadOnlyKey = "scoped-read-only-key-0123456789";
    public const string OtherTypeKey = "scoped-other-type-key-0123456789";
    public const string EventTypeKey = "scoped-event-type-key-0123456789";
    public const string OtherPassType = "pass.com.example.other";

    private readonly TempDirectory _root = new("scoped-keys");
    private WebApplication? _app;

    public PassGrainsClient Client { get; private set; } = null!;

    public ServerSettings Settings { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var chain = SigningChain.Create(_root.Combine("chain"));
        Settings = ServerSettings.Create(_root.Combine("data"), chain, ServerSettings.NewSecretKey()) with
        {
            Extra = new Dictionary<string, string?>
            {
                ["PassGrains:IssuerApiKeys:1:Key"] = ReadOnlyKey,
                ["PassGrains:IssuerApiKeys:1:Access"] = "ReadOnly",
                ["PassGrains:IssuerApiKeys:2:Key"] = OtherTypeKey,
                ["PassGrains:IssuerApiKeys:2:PassTypes:0"] = OtherPassType,
                ["PassGrains:IssuerApiKeys:2:Access"] = "ReadWrite",
                ["PassGrains:IssuerApiKeys:3:Key"] = EventTypeKey,
                ["PassGrains:IssuerApiKeys:3:PassTypes:0"] = TestEnvironment.PassType,
                ["Logging:LogLevel:Default"] = "Warning",
                ["PassGrains:Apns:Enabled"] = "false",
            },
        };
        var configuration = Settings.ToConfiguration();
        _app = PassGrainsApp.Build(["--urls", Settings.BaseUrl.TrimEnd('/')], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await _app.StartAsync();
        Client = new PassGrainsClient(new Uri(Settings.BaseUrl));
        using var upload = await Client.UploadTemplateAsync(InProcessServerFixture.BoardingTemplate, ModelZip.FromFolder(TestEnvironment.Model("boarding")));
        await Expect.Status(upload, HttpStatusCode.Created);
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
/// Scoped issuer keys through the running server: a read-only key reads but changes nothing, a key scoped to
/// other pass types cannot touch this one's passes, templates, groups, links or numbers, and a plain-string key
/// (the configuration every deployment has) keeps doing everything. Each refusal is a 403 naming the missing scope.
/// </summary>
public sealed class IssuerKeyScopeTests(ScopedKeysServerFixture server) : IClassFixture<ScopedKeysServerFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private const string Template = InProcessServerFixture.BoardingTemplate;

    private PassGrainsClient Client => server.Client;

    private async Task<IssuedPass> IssueAsync() =>
        await Client.IssueAsync(new { templateId = Template, serialNumber = TestEnvironment.UniqueId("scope") });

    private static async Task<string> Forbidden(HttpResponseMessage response)
    {
        var problem = await Expect.Problem(response, HttpStatusCode.Forbidden);
        return problem.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task A_read_only_key_can_read_but_a_change_is_403_naming_read_write_access()
    {
        var pass = await IssueAsync();
        var path = $"api/passes/{PassType}/{pass.SerialNumber}";
        using (var get = await Client.SendAsync(HttpMethod.Get, path, apiKey: ScopedKeysServerFixture.ReadOnlyKey))
            Assert.Equal(1, (await Expect.Json(get, HttpStatusCode.OK)).GetProperty("version").GetInt64());
        using (var types = await Client.SendAsync(HttpMethod.Get, "api/pass-types", apiKey: ScopedKeysServerFixture.ReadOnlyKey))
            Assert.Equal(PassType, (await Expect.Json(types, HttpStatusCode.OK))[0].GetProperty("passTypeIdentifier").GetString());

        using (var patch = await Client.SendAsync(HttpMethod.Patch, path, PassGrainsClient.JsonBody(new { fields = new { seat = "9Z" } }), ScopedKeysServerFixture.ReadOnlyKey))
            Assert.Equal("this key is read-only: PATCH needs read-write access", await Forbidden(patch));
        using (var issue = await Client.SendAsync(HttpMethod.Post, "api/passes", PassGrainsClient.JsonBody(new { templateId = Template }), ScopedKeysServerFixture.ReadOnlyKey))
            Assert.Equal("this key is read-only: POST needs read-write access", await Forbidden(issue));
        using (var voiding = await Client.SendAsync(HttpMethod.Post, path + "/void", null, ScopedKeysServerFixture.ReadOnlyKey))
            Assert.Contains("read-write", await Forbidden(voiding));
        using (var template = await Client.SendAsync(HttpMethod.Put, $"api/templates/{Template}",
            new ByteArrayContent(ModelZip.FromFolder(TestEnvironment.Model("boarding"))), ScopedKeysServerFixture.ReadOnlyKey))
            Assert.Equal("this key is read-only: PUT needs read-write access", await Forbidden(template));

        // Nothing changed.
        Assert.Equal(1, (await Client.GetPassInfoAsync(PassType, pass.SerialNumber)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_key_scoped_to_another_pass_type_can_neither_stage_nor_see_nor_drop_nor_schedule_this_pass_types_staged_revision()
    {
        const string key = ScopedKeysServerFixture.OtherTypeKey;
        const string refusal = $"this key is not scoped to pass type {PassType}";
        var zip = ModelZip.FromFolder(TestEnvironment.Model("boarding"));
        var stagedPath = $"api/templates/{Template}/staged";
        using (var stage = await Client.SendAsync(HttpMethod.Post, stagedPath, new ByteArrayContent(zip), key))
            Assert.Equal(refusal, await Forbidden(stage));
        string stagedId;
        using (var stage = await Client.SendAsync(HttpMethod.Post, stagedPath, new ByteArrayContent(zip)))
            stagedId = (await Expect.Json(stage, HttpStatusCode.Created)).GetProperty("stagedId").GetString()!;

        // To another key it is not there at all; the owner's key still finds it.
        using (var get = await Client.SendAsync(HttpMethod.Get, $"{stagedPath}/{stagedId}", apiKey: key))
            await Expect.Problem(get, HttpStatusCode.NotFound);
        using (var drop = await Client.SendAsync(HttpMethod.Delete, $"{stagedPath}/{stagedId}", apiKey: key))
            await Expect.Problem(drop, HttpStatusCode.NotFound);
        using (var schedule = await Client.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(new
               { at = DateTimeOffset.UtcNow.AddHours(1).ToString("O"), method = "PUT", path = $"/api/templates/{Template}", body = new { staged = stagedId } }), key))
            Assert.Equal(refusal, await Forbidden(schedule));
        using (var get = await Client.SendAsync(HttpMethod.Get, $"{stagedPath}/{stagedId}"))
            Assert.True((await Expect.Json(get, HttpStatusCode.OK)).GetProperty("claimedBy").ValueKind == System.Text.Json.JsonValueKind.Null);
        using (var drop = await Client.SendAsync(HttpMethod.Delete, $"{stagedPath}/{stagedId}"))
            await Expect.Json(drop, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_key_scoped_to_another_pass_type_gets_403_on_this_pass_type_and_on_issuing_from_its_template()
    {
        const string key = ScopedKeysServerFixture.OtherTypeKey;
        const string refusal = $"this key is not scoped to pass type {PassType}";
        var pass = await IssueAsync();
        var path = $"api/passes/{PassType}/{pass.SerialNumber}";

        using (var get = await Client.SendAsync(HttpMethod.Get, path, apiKey: key))
            Assert.Equal(refusal, await Forbidden(get));
        using (var patch = await Client.SendAsync(HttpMethod.Patch, path, PassGrainsClient.JsonBody(new { fields = new { seat = "9Z" } }), key))
            Assert.Equal(refusal, await Forbidden(patch));
        using (var voiding = await Client.SendAsync(HttpMethod.Post, path + "/void", null, key))
            Assert.Equal(refusal, await Forbidden(voiding));
        // The pass type of POST /api/passes is the template's: known only after looking the template up.
        using (var issue = await Client.SendAsync(HttpMethod.Post, "api/passes", PassGrainsClient.JsonBody(new { templateId = Template }), key))
        {
            var problem = await Expect.Problem(issue, HttpStatusCode.Forbidden, "templateId");
            Assert.Contains(refusal, problem.GetProperty("detail").GetString());
        }
        using (var template = await Client.SendAsync(HttpMethod.Put, $"api/templates/{Template}", new ByteArrayContent(ModelZip.FromFolder(TestEnvironment.Model("boarding"))), key))
            Assert.Equal(refusal, await Forbidden(template));
        using (var group = await Client.SendAsync(HttpMethod.Put, $"api/groups/{TestEnvironment.UniqueId("g")}", PassGrainsClient.JsonBody(new { templateId = Template }), key))
            Assert.Equal(refusal, await Forbidden(group));
        using (var link = await Client.SendAsync(HttpMethod.Post, "api/downloads", PassGrainsClient.JsonBody(new { passTypeIdentifier = PassType, serialNumbers = new[] { pass.SerialNumber } }), key))
            Assert.Equal(refusal, await Forbidden(link));
        using (var alarm = await Client.SendAsync(HttpMethod.Delete, $"api/alarms/{PassType}", null, key))
            Assert.Equal(refusal, await Forbidden(alarm));
        using (var preview = await Client.SendAsync(HttpMethod.Get, $"preview/passes/{PassType}/{pass.SerialNumber}", apiKey: key))
            Assert.Equal(refusal, await Forbidden(preview));
        using (var templatePreview = await Client.SendAsync(HttpMethod.Get, $"preview/templates/{Template}", apiKey: key))
            Assert.Equal(refusal, await Forbidden(templatePreview));

        // What spans every pass type is filtered to the key's types, or refused.
        using (var types = await Client.SendAsync(HttpMethod.Get, "api/pass-types", apiKey: key))
            Assert.Equal(0, (await Expect.Json(types, HttpStatusCode.OK)).GetArrayLength());
        using (var logs = await Client.SendAsync(HttpMethod.Get, "api/device-logs", apiKey: key))
            Assert.Contains("every pass type", await Forbidden(logs));
        using (var metrics = await Client.SendAsync(HttpMethod.Get, "metrics", apiKey: key))
            Assert.Contains("every pass type", await Forbidden(metrics));

        Assert.Equal(1, (await Client.GetPassInfoAsync(PassType, pass.SerialNumber)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_batch_of_a_scoped_key_fails_the_lines_of_other_pass_types_with_the_reason()
    {
        var serial = TestEnvironment.UniqueId("batch");
        using var content = new StringContent(JsonSerializer.Serialize(new { templateId = Template, serialNumber = serial }) + "\n", Encoding.UTF8, "application/x-ndjson");
        using var response = await Client.SendAsync(HttpMethod.Post, "api/passes/batch", content, ScopedKeysServerFixture.OtherTypeKey);
        var job = (await Expect.Json(response, HttpStatusCode.Accepted)).GetProperty("jobId").GetString();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement status;
        while (true)
        {
            using var poll = await Client.SendAsync(HttpMethod.Get, $"api/jobs/{job}", apiKey: ScopedKeysServerFixture.OtherTypeKey);
            status = await Expect.Json(poll, HttpStatusCode.OK);
            if (status.GetProperty("state").GetString() == "completed")
                break;
            Assert.True(DateTime.UtcNow < until, $"job {job} did not complete: {status}");
            await Task.Delay(100);
        }
        Assert.Equal(0, status.GetProperty("done").GetInt32());
        Assert.Equal(1, status.GetProperty("failed").GetInt32());
        Assert.Contains($"line 1: templateId: this key is not scoped to pass type {PassType}", status.GetProperty("errors")[0].GetString());
        using var missing = await Client.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}");
        await Expect.Problem(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_event_feed_shows_a_scoped_key_only_its_pass_types_events()
    {
        var pass = await IssueAsync();
        using (var feed = await Client.SendAsync(HttpMethod.Get, "api/events?limit=1000"))
        {
            var all = await Expect.Json(feed, HttpStatusCode.OK);
            Assert.Contains(all.GetProperty("events").EnumerateArray(), e => e.GetProperty("serialNumber").GetString() == pass.SerialNumber);
        }
        var seen = new List<JsonElement>();
        var cursor = "0";
        while (true)
        {
            using var page = await Client.SendAsync(HttpMethod.Get, $"api/events?after={cursor}&limit=1000", apiKey: ScopedKeysServerFixture.OtherTypeKey);
            var json = await Expect.Json(page, HttpStatusCode.OK);
            seen.AddRange(json.GetProperty("events").EnumerateArray().Select(e => e.Clone()));
            if (json.GetProperty("next").GetString() == cursor)
                break;
            cursor = json.GetProperty("next").GetString()!;
        }
        Assert.NotEqual("0", cursor); // it was walked past this pass type's events, shown none of them
        Assert.DoesNotContain(seen, e => e.GetProperty("passTypeIdentifier").GetString() != ScopedKeysServerFixture.OtherPassType);
        using (var asked = await Client.SendAsync(HttpMethod.Get, $"api/events?passType={PassType}", apiKey: ScopedKeysServerFixture.OtherTypeKey))
            Assert.Equal($"this key is not scoped to pass type {PassType}", await Forbidden(asked));
        using (var bad = await Client.SendAsync(HttpMethod.Get, "api/events?after=-1"))
            await Expect.Problem(bad, HttpStatusCode.BadRequest, "after");
    }

    [Fact]
    public async Task A_key_scoped_to_this_pass_type_issues_changes_and_reads_its_passes()
    {
        const string key = ScopedKeysServerFixture.EventTypeKey;
        var serial = TestEnvironment.UniqueId("own");
        using (var issue = await Client.SendAsync(HttpMethod.Post, "api/passes", PassGrainsClient.JsonBody(new { templateId = Template, serialNumber = serial }), key))
            await Expect.Status(issue, HttpStatusCode.Created);
        using (var patch = await Client.SendAsync(HttpMethod.Patch, $"api/passes/{PassType}/{serial}", PassGrainsClient.JsonBody(new { fields = new { seat = "2B" } }), key))
            Assert.Equal(2, (await Expect.Json(patch, HttpStatusCode.OK)).GetProperty("version").GetInt64());
        using (var types = await Client.SendAsync(HttpMethod.Get, "api/pass-types", apiKey: key))
            Assert.Equal(1, (await Expect.Json(types, HttpStatusCode.OK)).GetArrayLength());
        using (var preview = await Client.SendAsync(HttpMethod.Get, $"preview/passes/{PassType}/{serial}", apiKey: key))
            await Expect.Status(preview, HttpStatusCode.OK);
        // An unknown pass type in the route is outside its scope, not a 404 that would tell what exists.
        using (var other = await Client.SendAsync(HttpMethod.Get, $"api/passes/{ScopedKeysServerFixture.OtherPassType}/{serial}", apiKey: key))
            Assert.Equal($"this key is not scoped to pass type {ScopedKeysServerFixture.OtherPassType}", await Forbidden(other));
    }

    [Fact]
    public async Task A_plain_string_key_still_works_for_everything()
    {
        // PassGrains:IssuerApiKeys:0 is a plain string, as in every configuration before keys had scopes.
        var serial = TestEnvironment.UniqueId("plain");
        using (var issue = await Client.SendAsync(HttpMethod.Post, "api/passes", PassGrainsClient.JsonBody(new { templateId = Template, serialNumber = serial })))
            await Expect.Status(issue, HttpStatusCode.Created);
        Assert.Equal(2, await Client.ChangeAsync(PassType, serial, new { fields = new { seat = "3C" } }));
        using (var group = await Client.PutGroupAsync(TestEnvironment.UniqueId("g"), new { templateId = Template }))
            await Expect.Status(group, HttpStatusCode.Created);
        foreach (var path in new[] { "api/device-logs", "api/pass-types", "api/alarms", "metrics", $"preview/passes/{PassType}/{serial}" })
        {
            using var read = await Client.SendAsync(HttpMethod.Get, path);
            await Expect.Status(read, HttpStatusCode.OK);
        }
        using (var link = await Client.SendAsync(HttpMethod.Post, "api/downloads", PassGrainsClient.JsonBody(new { passTypeIdentifier = PassType, serialNumbers = new[] { serial } })))
            await Expect.Status(link, HttpStatusCode.OK);
        using (var voiding = await Client.SendAsync(HttpMethod.Post, $"api/passes/{PassType}/{serial}/void"))
            await Expect.Status(voiding, HttpStatusCode.OK);
    }
}

/// <summary>A scoped key that is mistyped must stop the server, not start it with a wider key.</summary>
public sealed class IssuerKeyConfigurationTests : IDisposable
{
    private readonly TempDirectory _root = new("scoped-config");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Invalid_scoped_key_configuration_fails_start_up_naming_each_entry()
    {
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        // Environment variables, as an operator configures a container: PassGrains__IssuerApiKeys__1__Access and so on.
        var settings = ServerSettings.Create(data, SigningChain.Create(_root.Combine("chain"))) with
        {
            Extra = new Dictionary<string, string?>
            {
                ["PassGrains:IssuerApiKeys:1:Key"] = "bad-access-key-0123456789",
                ["PassGrains:IssuerApiKeys:1:Access"] = "Admin",
                ["PassGrains:IssuerApiKeys:2:Key"] = "bad-type-key-0123456789",
                ["PassGrains:IssuerApiKeys:2:PassTypes:0"] = "com.example.nopass",
                ["PassGrains:IssuerApiKeys:3:Key"] = "short",
                ["PassGrains:IssuerApiKeys:4:Key"] = "typo-key-0123456789",
                ["PassGrains:IssuerApiKeys:4:PassType"] = TestEnvironment.PassType,
                ["PassGrains:IssuerApiKeys:5:Key"] = "good-scoped-key-0123456789",
                ["PassGrains:IssuerApiKeys:5:Access"] = "readonly",
            },
        };
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () => await (await ServerProcess.StartAsync(settings)).DisposeAsync());
        Assert.Contains("PassGrains:IssuerApiKeys:1:Access 'Admin' must be ReadOnly or ReadWrite", failure.Message);
        Assert.Contains("PassGrains:IssuerApiKeys:2:PassTypes:0 'com.example.nopass' must be a pass type identifier starting with 'pass.'", failure.Message);
        Assert.Contains("PassGrains:IssuerApiKeys:3:Key: an issuer API key needs at least 16 characters", failure.Message);
        Assert.Contains("PassGrains:IssuerApiKeys:4:PassType is not a setting of a scoped key", failure.Message);
        Assert.DoesNotContain("PassGrains:IssuerApiKeys:0", failure.Message);
        Assert.DoesNotContain("PassGrains:IssuerApiKeys:5", failure.Message);
        Assert.DoesNotContain("bad-access-key-0123456789", failure.Message); // the keys themselves are never printed
    }
}

/// <summary>Schedules and scoped keys: a key cannot schedule, see or cancel a change of a pass type outside its scope.</summary>
public sealed class ScheduleScopeTests(ScopedKeysServerFixture server) : IClassFixture<ScopedKeysServerFixture>
{
    private const string PassType = TestEnvironment.PassType;

    [Fact]
    public async Task A_key_scoped_to_another_pass_type_cannot_schedule_see_or_cancel_changes_of_this_one()
    {
        var client = server.Client;
        var issued = await client.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = TestEnvironment.UniqueId("scope") });
        var groupId = TestEnvironment.UniqueId("scope-group");
        using (var put = await client.PutGroupAsync(groupId, new { templateId = InProcessServerFixture.BoardingTemplate }))
            await Expect.Status(put, HttpStatusCode.Created);
        var at = DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        object PassChange() => new { at, method = "PATCH", path = $"/api/passes/{PassType}/{issued.SerialNumber}", body = new { fields = new { gate = "X" } } };
        object GroupChange() => new { at, method = "PUT", path = $"/api/groups/{groupId}", body = new { fields = new { gate = "X" } } };

        foreach (var body in new[] { PassChange(), GroupChange() })
        {
            using var refused = await client.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(body), apiKey: ScopedKeysServerFixture.OtherTypeKey);
            Assert.Contains(PassType, (await Expect.Problem(refused, HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);
            using var readOnly = await client.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(body), apiKey: ScopedKeysServerFixture.ReadOnlyKey);
            await Expect.Problem(readOnly, HttpStatusCode.Forbidden);
        }

        // Made by a key of this pass type: the other key neither sees nor cancels it; it is as if it did not exist.
        string id;
        using (var made = await client.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(GroupChange()), apiKey: ScopedKeysServerFixture.EventTypeKey))
            id = (await Expect.Json(made, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using (var listed = await client.SendAsync(HttpMethod.Get, $"api/schedules?target=groups/{groupId}", apiKey: ScopedKeysServerFixture.OtherTypeKey))
            Assert.Empty((await Expect.Json(listed, HttpStatusCode.OK)).GetProperty("schedules").EnumerateArray());
        using (var listed = await client.SendAsync(HttpMethod.Get, $"api/schedules?target=passes/{PassType}/{issued.SerialNumber}", apiKey: ScopedKeysServerFixture.OtherTypeKey))
            await Expect.Problem(listed, HttpStatusCode.Forbidden);
        using (var shown = await client.SendAsync(HttpMethod.Get, $"api/schedules/{id}", apiKey: ScopedKeysServerFixture.OtherTypeKey))
            await Expect.Problem(shown, HttpStatusCode.NotFound);
        using (var cancel = await client.SendAsync(HttpMethod.Delete, $"api/schedules/{id}", apiKey: ScopedKeysServerFixture.OtherTypeKey))
            await Expect.Problem(cancel, HttpStatusCode.NotFound);
        using (var shown = await client.SendAsync(HttpMethod.Get, $"api/schedules/{id}"))
            Assert.Equal("pending", (await Expect.Json(shown, HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_key_scoped_to_another_pass_type_giving_a_group_an_end_is_a_403_whatever_the_groups_schedules()
    {
        var client = server.Client;
        var groupId = TestEnvironment.UniqueId("scope-end");
        using (var put = await client.PutGroupAsync(groupId, new { templateId = InProcessServerFixture.BoardingTemplate }))
            await Expect.Status(put, HttpStatusCode.Created);
        var at = DateTimeOffset.UtcNow.AddDays(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        for (var n = 0; n < 100; n++)
        {
            using var made = await client.SendAsync(HttpMethod.Post, "api/schedules", PassGrainsClient.JsonBody(new
                { at, method = "PUT", path = $"/api/groups/{groupId}", body = new { fields = new { gate = $"S{n}" } } }));
            await Expect.Status(made, HttpStatusCode.Created);
        }
        // Its book is full, which is no business of this key: it learns only that the group is not of its pass types.
        using var refused = await client.SendAsync(HttpMethod.Put, $"api/groups/{groupId}", PassGrainsClient.JsonBody(new { end = new { at } }),
            apiKey: ScopedKeysServerFixture.OtherTypeKey);
        Assert.Contains(PassType, (await Expect.Problem(refused, HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>The stats (GET /api/stats, /console/stats) of a pass type, its templates and its groups are for keys of that pass type.</summary>
public sealed class StatsScopeTests(ScopedKeysServerFixture server) : IClassFixture<ScopedKeysServerFixture>
{
    private const string PassType = TestEnvironment.PassType;

    [Fact]
    public async Task A_key_scoped_to_another_pass_type_sees_no_stats_of_this_one_a_read_only_key_does()
    {
        var client = server.Client;
        var groupId = TestEnvironment.UniqueId("stats-scope");
        using (var put = await client.PutGroupAsync(groupId, new { templateId = InProcessServerFixture.BoardingTemplate }))
            await Expect.Status(put, HttpStatusCode.Created);
        const string refusal = $"this key is not scoped to pass type {PassType}";
        foreach (var query in new[] { $"passType={PassType}", $"template={InProcessServerFixture.BoardingTemplate}", $"group={groupId}" })
        {
            foreach (var path in new[] { "api/stats", "console/stats" })
            {
                using var refused = await client.SendAsync(HttpMethod.Get, $"{path}?{query}", apiKey: ScopedKeysServerFixture.OtherTypeKey);
                var problem = await Expect.Problem(refused, HttpStatusCode.Forbidden);
                Assert.Equal(refusal, problem.GetProperty("detail").GetString());
                using var allowed = await client.SendAsync(HttpMethod.Get, $"{path}?{query}", apiKey: ScopedKeysServerFixture.ReadOnlyKey);
                Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            }
        }
    }
}
