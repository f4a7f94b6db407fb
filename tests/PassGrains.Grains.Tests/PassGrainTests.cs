using System.Text.Json.Nodes;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

[Collection(ClusterGroup.Name)]
public sealed class PassGrainTests(ClusterFixture fixture) : ClusterTests(fixture)
{
    [Fact]
    public async Task Issue_creates_version_1_and_a_second_issue_reports_already_exists()
    {
        var passType = NewPassType();
        var pass = Pass(passType, "0001");

        var first = await pass.Issue(new PassIssue("tpl", null, new PassContent("""{"name":"Ada"}""", null)));
        var second = await pass.Issue(new PassIssue("other-tpl", "some-group", new PassContent("""{"name":"Bob"}""", null)));

        Assert.Equal(new PassIssueResult(PassIssueStatus.Created, 1), first);
        Assert.Equal(PassIssueStatus.AlreadyExists, second.Status);
        Assert.Equal(1, second.Version);
        var summary = await pass.GetSummary();
        Assert.NotNull(summary);
        Assert.Equal(passType, summary.PassTypeIdentifier);
        Assert.Equal("0001", summary.SerialNumber);
        Assert.Equal("tpl", summary.TemplateId);
        Assert.Null(summary.GroupId);
        Assert.Equal(1, summary.Version);
        Assert.False(summary.Voided);
        Assert.Equal(0, summary.Devices);
        var source = await pass.GetRenderSourceForIssuer();
        Assert.Equal("""{"name":"Ada"}""", source!.Pass.FieldsJson);
    }

    [Fact]
    public async Task Unknown_pass_has_no_summary_no_source_and_cannot_change()
    {
        var pass = Pass(NewPassType(), "missing");

        Assert.Null(await pass.GetSummary());
        Assert.Null(await pass.GetRenderSourceForIssuer());
        Assert.Null(await pass.GetStamp());
        Assert.Equal(new PassChangeResult(false, 0), await pass.Change(new PassContent("""{"a":1}""", null)));
        Assert.Equal(new PassChangeResult(false, 0), await pass.Void());
        Assert.NotEqual(RegistrationStatus.Created, await pass.Register("dev", "push", "token"));
    }

    [Fact]
    public async Task Change_merges_fields_and_patches_keeps_nulls_and_bumps_version()
    {
        var (pass, _) = await IssueAsync(NewPassType(), "m1", content: new PassContent(
            """{"gate":"7","seat":"12A"}""",
            """{"backgroundColor":"rgb(0,0,0)","logoText":"Arena","nfc":{"message":"m","encryptionPublicKey":"K"}}"""));
        var before = await pass.GetStamp();

        var first = await pass.Change(new PassContent("""{"gate":"9"}""", """{"logoText":null,"nfc":{"message":"n"}}"""));
        var second = await pass.Change(new PassContent("""{"gate":"11","row":"C"}""", """{"backgroundColor":"rgb(1,2,3)"}"""));

        Assert.Equal((true, 2L, "", ""), (first.Found, first.Version, string.Join(',', first.AddedKeys!), string.Join(',', first.RemovedKeys!)));
        // What the pass sets now and did not, for the template's count of keys in use (Grains/TemplateUsageGrain.cs).
        Assert.Equal((true, 3L, "row", ""), (second.Found, second.Version, string.Join(',', second.AddedKeys!), string.Join(',', second.RemovedKeys!)));
        var third = await pass.Change(new PassContent("""{"row":null}""", null));
        Assert.Equal(("", "row"), (string.Join(',', third.AddedKeys!), string.Join(',', third.RemovedKeys!)));
        var source = await pass.GetRenderSourceForIssuer();
        Assert.NotNull(source);
        var fields = JsonNode.Parse(source.Pass.FieldsJson!)!.AsObject();
        Assert.Equal("11", (string?)fields["gate"]);
        Assert.Equal("12A", (string?)fields["seat"]);
        Assert.False(fields.ContainsKey("row"), "a null field value takes the value back");
        var patch = JsonNode.Parse(source.Pass.PatchJson!)!.AsObject();
        Assert.Equal("rgb(1,2,3)", (string?)patch["backgroundColor"]);
        Assert.True(patch.ContainsKey("logoText"), "a null in a patch must be kept: it deletes the template's key");
        Assert.Null(patch["logoText"]);
        Assert.Equal("n", (string?)patch["nfc"]!["message"]);
        Assert.Equal("K", (string?)patch["nfc"]!["encryptionPublicKey"]);
        var after = await pass.GetStamp();
        Assert.True(after!.Value.Tag > before!.Value.Tag);
        Assert.True(after.Value.Second > before.Value.Second, "each change of one owner gets a new Last-Modified second");
        Assert.Equal(4, (await pass.GetSummary())!.Version);
    }

    [Fact]
    public async Task Void_sets_voided_once()
    {
        var (pass, _) = await IssueAsync(NewPassType(), "v1");

        var first = await pass.Void();
        var stamp = await pass.GetStamp();
        var second = await pass.Void();

        Assert.Equal(new PassChangeResult(true, 2), first);
        Assert.Equal(new PassChangeResult(true, 2), second);
        Assert.Equal(stamp, await pass.GetStamp());
        Assert.True((await pass.GetSummary())!.Voided);
        Assert.True((await pass.GetRenderSourceForIssuer())!.Voided);
    }

    [Fact]
    public async Task Render_source_needs_the_pass_token()
    {
        var (pass, token) = await IssueAsync(NewPassType(), "t1");
        var (_, otherToken) = await IssueAsync(NewPassType(), "t1");

        Assert.Equal(43, token.Length);
        Assert.NotEqual(token, otherToken);
        var source = await pass.GetRenderSource(token);
        Assert.NotNull(source);
        Assert.Equal("t1", source.SerialNumber);
        Assert.Equal(token, source.AuthenticationToken);
        Assert.Null(await pass.GetRenderSource(otherToken));
        Assert.Null(await pass.GetRenderSource(token[..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(await pass.GetRenderSource(""));
        Assert.Null(await pass.GetRenderSource(null));
    }

    [Fact]
    public async Task Register_needs_the_token_and_updates_the_push_token()
    {
        var passType = NewPassType();
        var (pass, token) = await IssueAsync(passType, "r1");
        var deviceId = Unique("dev");
        var device = Device(deviceId);

        Assert.Equal(RegistrationStatus.Unauthorized, await pass.Register(deviceId, "push-1", "wrong-token"));
        Assert.Equal(RegistrationStatus.Unauthorized, await pass.Register(deviceId, "push-1", null));
        Assert.Equal(0, (await pass.GetSummary())!.Devices);
        Assert.Null(await device.GetPushToken(passType, "r1"));

        Assert.Equal(RegistrationStatus.Created, await pass.Register(deviceId, "push-1", token));
        Assert.Equal("push-1", await device.GetPushToken(passType, "r1"));
        Assert.Equal(RegistrationStatus.AlreadyRegistered, await pass.Register(deviceId, "push-1", token));
        Assert.Equal(RegistrationStatus.AlreadyRegistered, await pass.Register(deviceId, "push-2", token));
        Assert.Equal("push-2", await device.GetPushToken(passType, "r1"));
        Assert.Null(await device.GetPushToken(NewPassType(), "r1"));
        Assert.Equal(1, (await pass.GetSummary())!.Devices);
        Assert.Equal(["r1"], await ListedAsync(device, passType));
    }

    [Fact]
    public async Task Unregister_removes_the_device_and_the_device_no_longer_lists_the_pass()
    {
        var passType = NewPassType();
        var (pass, token) = await IssueAsync(passType, "u1");
        var (other, otherToken) = await IssueAsync(passType, "u2");
        var deviceId = Unique("dev");
        var device = Device(deviceId);
        Assert.Equal(RegistrationStatus.Created, await pass.Register(deviceId, "push", token));
        Assert.Equal(RegistrationStatus.Created, await other.Register(deviceId, "push", otherToken));

        Assert.Equal(RegistrationStatus.Unauthorized, await pass.Unregister(deviceId, otherToken));
        Assert.Equal(1, (await pass.GetSummary())!.Devices);
        Assert.Equal(["u1", "u2"], await ListedAsync(device, passType));

        Assert.Equal(RegistrationStatus.Removed, await pass.Unregister(deviceId, token));
        Assert.Equal(0, (await pass.GetSummary())!.Devices);
        Assert.Equal(["u2"], await ListedAsync(device, passType));

        Assert.Equal(RegistrationStatus.Removed, await other.Unregister(deviceId, otherToken));
        Assert.Null(await device.GetChangedSerials(passType, null));
        Assert.Null(await device.GetPushToken(passType, "u1"));

        // Registering again after an unregister is a new registration.
        Assert.Equal(RegistrationStatus.Created, await pass.Register(deviceId, "push", token));
        Assert.Equal(["u1"], await ListedAsync(device, passType));
    }
}
