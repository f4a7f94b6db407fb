using System.Text.Json.Nodes;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

[Collection(ClusterGroup.Name)]
public sealed class GroupTests(ClusterFixture fixture) : ClusterTests(fixture)
{
    [Fact]
    public async Task Group_change_moves_member_stamps_and_lists_only_members()
    {
        var passType = NewPassType();
        var groupId = Unique("group");
        var group = Group(groupId);
        var created = await group.Put(new GroupPut("tpl", new PassContent("""{"venue":"Arena","gate":"7"}""", """{"backgroundColor":"rgb(0,0,0)"}""")));
        Assert.Equal(new GroupPutResult(true, 1), created);
        var (m1, m1Token) = await IssueAsync(passType, "m1", groupId);
        var (m2, m2Token) = await IssueAsync(passType, "m2", groupId);
        var (outsider, outsiderToken) = await IssueAsync(passType, "o1");
        var (elsewhere, elsewhereToken) = await IssueAsync(passType, "o2", Unique("other-group"));
        var deviceId = Unique("dev");
        foreach (var (pass, token) in new[] { (m1, m1Token), (m2, m2Token), (outsider, outsiderToken), (elsewhere, elsewhereToken) })
            Assert.Equal(RegistrationStatus.Created, await pass.Register(deviceId, "push", token));
        var groupFields = JsonNode.Parse((await m1.GetRenderSourceForIssuer())!.Group!.FieldsJson!)!;
        Assert.Equal("7", (string?)groupFields["gate"]);
        Fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        var all = await Device(deviceId).GetChangedSerials(passType, null);
        Assert.Equal(["m1", "m2", "o1", "o2"], all!.SerialNumbers);
        var memberBefore = await m1.GetStamp();
        var outsiderBefore = await outsider.GetStamp();

        var changed = await group.Put(new GroupPut(null, new PassContent("""{"gate":"9","doors":"19:00"}""", """{"logoText":null}""")));

        Assert.Equal(new GroupPutResult(false, 2), changed);
        var memberAfter = await m1.GetStamp();
        Assert.True(memberAfter!.Value.Tag > memberBefore!.Value.Tag);
        Assert.True(memberAfter.Value.Second > memberBefore.Value.Second);
        Assert.Equal(outsiderBefore, await outsider.GetStamp());
        var listed = await Device(deviceId).GetChangedSerials(passType, all.LastUpdated);
        Assert.Equal(["m1", "m2"], listed!.SerialNumbers);

        var source = await m1.GetRenderSourceForIssuer();
        var fields = JsonNode.Parse(source!.Group!.FieldsJson!)!.AsObject();
        Assert.Equal("Arena", (string?)fields["venue"]);
        Assert.Equal("9", (string?)fields["gate"]);
        Assert.Equal("19:00", (string?)fields["doors"]);
        var patch = JsonNode.Parse(source.Group.PatchJson!)!.AsObject();
        Assert.Equal("rgb(0,0,0)", (string?)patch["backgroundColor"]);
        Assert.True(patch.ContainsKey("logoText"));
        Assert.Equal(memberAfter, source.Stamp);
        var snapshot = await group.GetSnapshot();
        Assert.Equal("tpl", snapshot!.TemplateId);
        Assert.Equal(2, snapshot.Version);
        Assert.Null((await outsider.GetRenderSourceForIssuer())!.Group);
    }

    [Fact]
    public async Task Group_shard_lists_a_device_once_per_pass_type_until_it_unregisters()
    {
        var passType = NewPassType();
        var otherType = NewPassType();
        var groupId = Unique("group");
        await Group(groupId).Put(new GroupPut("tpl", new PassContent("""{"gate":"7"}""", null)));
        var (m1, m1Token) = await IssueAsync(passType, "m1", groupId);
        var (m2, m2Token) = await IssueAsync(passType, "m2", groupId);
        var (m3, m3Token) = await IssueAsync(otherType, "m3", groupId);
        var (outsider, outsiderToken) = await IssueAsync(passType, "o1");
        var deviceId = Unique("dev");
        var otherDevice = Unique("dev");
        await m1.Register(deviceId, "push", m1Token);
        await m2.Register(deviceId, "push", m2Token);
        await m3.Register(deviceId, "push-other", m3Token);
        await outsider.Register(deviceId, "push", outsiderToken);
        await m1.Register(otherDevice, "push-2", m1Token);

        async Task<GroupDevice[]> EntriesOf(string device) =>
            (await Shard(groupId, device).GetDevices()).Where(d => d.DeviceLibraryIdentifier == device)
                .OrderBy(d => d.PassTypeIdentifier, StringComparer.Ordinal).ToArray();

        Assert.Equal(
            new[] { new GroupDevice(deviceId, passType, "push"), new GroupDevice(deviceId, otherType, "push-other") }.OrderBy(d => d.PassTypeIdentifier, StringComparer.Ordinal),
            await EntriesOf(deviceId));
        Assert.Equal([new GroupDevice(otherDevice, passType, "push-2")], await EntriesOf(otherDevice));

        Assert.Equal(RegistrationStatus.Removed, await m1.Unregister(deviceId, m1Token));
        Assert.Contains(new GroupDevice(deviceId, passType, "push"), await EntriesOf(deviceId));
        Assert.Equal(RegistrationStatus.Removed, await m2.Unregister(deviceId, m2Token));
        Assert.Equal([new GroupDevice(deviceId, otherType, "push-other")], await EntriesOf(deviceId));
        Assert.Equal(RegistrationStatus.Removed, await m3.Unregister(deviceId, m3Token));
        Assert.Empty(await EntriesOf(deviceId));
        Assert.Equal([new GroupDevice(otherDevice, passType, "push-2")], await EntriesOf(otherDevice));
    }

    [Fact]
    public async Task The_group_knows_which_shards_hold_its_devices_and_only_those()
    {
        var passType = NewPassType();
        var groupId = Unique("group");
        await Group(groupId).Put(new GroupPut("tpl", new PassContent("""{"gate":"7"}""", null)));
        Assert.Empty(await Group(groupId).GetOccupiedShards());

        var devices = Enumerable.Range(0, 40).Select(_ => Unique("dev")).ToList();
        var (member, token) = await IssueAsync(passType, "m", groupId);
        foreach (var device in devices)
            Assert.Equal(RegistrationStatus.Created, await member.Register(device, "push", token));

        var expected = devices.Select(IGroupShardGrain.ShardOf).Distinct().Order().ToList();
        Assert.Equal(expected, await Group(groupId).GetOccupiedShards());
        // Every registered device is found by walking only the occupied shards.
        var found = new List<string>();
        foreach (var shard in await Group(groupId).GetOccupiedShards())
            found.AddRange((await Fixture.Client.GetGrain<IGroupShardGrain>(GrainKeys.GroupShard(groupId, shard)).GetDevices()).Select(d => d.DeviceLibraryIdentifier));
        Assert.Equal(devices.Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Template_upload_moves_the_stamp_of_passes_issued_before_it()
    {
        var passType = NewPassType();
        var templateId = Unique("tpl");
        var template = Client.GetGrain<ITemplateGrain>(GrainKeys.Template(templateId));
        Assert.Null(await template.GetCurrent());
        Assert.Equal(new TemplatePutResult(true, 1), await template.Put([1, 2, 3], passType));
        var (pass, token) = await IssueAsync(passType, "t1", templateId: templateId);
        var deviceId = Unique("dev");
        await pass.Register(deviceId, "push", token);
        Fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        var all = await Device(deviceId).GetChangedSerials(passType, null);
        var before = await pass.GetStamp();
        Assert.False(before!.Value.Ambiguous);

        Assert.Equal(new TemplatePutResult(false, 2), await template.Put([4, 5], passType));

        var current = await template.GetCurrent();
        Assert.Equal(new byte[] { 4, 5 }, current!.ModelZip);
        Assert.Equal(templateId, current.TemplateId);
        Assert.Equal(2, current.Revision);
        var after = await pass.GetStamp();
        Assert.True(after!.Value.Tag > before.Value.Tag);
        Assert.Equal(current.Stamp.Tag, (await pass.GetRenderSourceForIssuer())!.TemplateTag);
        Assert.Equal(["t1"], (await Device(deviceId).GetChangedSerials(passType, all!.LastUpdated))!.SerialNumbers);
    }
    [Fact]
    public async Task A_pass_and_its_group_changed_in_one_second_answer_304_again_once_that_second_has_passed()
    {
        var passType = NewPassType();
        var groupId = Unique("group");
        await Group(groupId).Put(new GroupPut("tpl", new PassContent("""{"gate":"7"}""", null)));
        var (pass, token) = await IssueAsync(passType, "same-second", groupId);
        Fixture.Clock.Advance(TimeSpan.FromSeconds(2));

        // The two changes land in one second unless the clock ticks over between them; then try again.
        EffectiveStamp ambiguous = default;
        for (var attempt = 0; attempt < 20 && !ambiguous.Ambiguous; attempt++)
        {
            Fixture.Clock.Advance(TimeSpan.FromSeconds(2));
            await pass.Change(new PassContent($$"""{"name":"Ada {{attempt}}"}""", null));
            await Group(groupId).Put(new GroupPut(null, new PassContent($$"""{"gate":"{{attempt}}"}""", null)));
            ambiguous = (await pass.GetStamp())!.Value;
        }
        Assert.True(ambiguous.Ambiguous);

        Fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var settled = (await pass.GetRenderSource(token))!.Stamp;
        Assert.False(settled.Ambiguous);
        Assert.Equal(ambiguous.Tag, settled.Tag);
        Assert.True(settled.Second > ambiguous.Second);
        Assert.True(settled.Second <= Fixture.Clock.GetUtcNow().ToUnixTimeSeconds());
        // A device holding the second both versions shared is sent the pass once more, then holds the settled second.
        Assert.False(settled.IsNotModifiedSince(ambiguous.LastModified));
        Assert.True((await pass.GetRenderSource(token))!.Stamp.IsNotModifiedSince(settled.LastModified));
        Assert.Equal(settled, (await pass.GetStamp())!.Value);

        // The next change is a new version for the device that holds the settled second.
        await Group(groupId).Put(new GroupPut(null, new PassContent("""{"gate":"next"}""", null)));
        var next = (await pass.GetRenderSource(token))!.Stamp;
        Assert.True(next.Tag > settled.Tag);
        Assert.False(next.IsNotModifiedSince(settled.LastModified));
    }
}
