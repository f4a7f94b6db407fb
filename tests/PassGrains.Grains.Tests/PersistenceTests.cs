using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

[Collection(ClusterGroup.Name)]
public sealed class PersistenceTests(ClusterFixture fixture) : ClusterTests(fixture)
{
    [Fact]
    public async Task State_survives_deactivation_of_every_grain()
    {
        var passType = NewPassType();
        var groupId = Unique("group");
        var group = Group(groupId);
        await group.Put(new GroupPut("tpl", new PassContent("""{"venue":"Arena"}""", null)));
        var (pass, token) = await IssueAsync(passType, "p1", groupId, new PassContent("""{"seat":"1"}""", """{"logoText":null}"""));
        var (other, otherToken) = await IssueAsync(passType, "p2");
        await pass.Change(new PassContent("""{"seat":"2"}""", null));
        await pass.Void();
        var (deviceA, deviceB) = (Unique("devA"), Unique("devB"));
        Assert.Equal(RegistrationStatus.Created, await pass.Register(deviceA, "push-a", token));
        Assert.Equal(RegistrationStatus.Created, await pass.Register(deviceB, "push-b", token));
        Assert.Equal(RegistrationStatus.Created, await other.Register(deviceA, "push-a2", otherToken));
        var summaryBefore = await pass.GetSummary();
        var sourceBefore = await pass.GetRenderSourceForIssuer();
        var shardDevicesBefore = await Shard(groupId, deviceA).GetDevices();

        await Fixture.ReactivateAsync(pass, () => pass.GetSummary());
        await Fixture.ReactivateAsync(other, () => other.GetSummary());
        await Fixture.ReactivateAsync(Device(deviceA), () => Device(deviceA).GetPushToken(passType, "p1"));
        await Fixture.ReactivateAsync(Device(deviceB), () => Device(deviceB).GetPushToken(passType, "p1"));
        await Fixture.ReactivateAsync(group, () => group.GetSnapshot());
        await Fixture.ReactivateAsync(Shard(groupId, deviceA), () => Shard(groupId, deviceA).GetDevices());

        var summary = await pass.GetSummary();
        Assert.Equal(summaryBefore, summary);
        Assert.Equal(3, summary!.Version);
        Assert.True(summary.Voided);
        Assert.Equal(2, summary.Devices);
        Assert.Equal(groupId, summary.GroupId);
        Assert.Equal(1, (await other.GetSummary())!.Devices);
        Assert.Equal(sourceBefore!.Pass, (await pass.GetRenderSourceForIssuer())!.Pass);
        Assert.Equal("""{"venue":"Arena"}""", (await pass.GetRenderSourceForIssuer())!.Group!.FieldsJson);
        // The token is recomputed from the stored nonce: the same token still works.
        Assert.NotNull(await pass.GetRenderSource(token));
        Assert.Equal(["p1", "p2"], await ListedAsync(Device(deviceA), passType));
        Assert.Equal(["p1"], await ListedAsync(Device(deviceB), passType));
        Assert.Equal("push-a", await Device(deviceA).GetPushToken(passType, "p1"));
        Assert.Equal("push-a2", await Device(deviceA).GetPushToken(passType, "p2"));
        Assert.Equal("push-b", await Device(deviceB).GetPushToken(passType, "p1"));
        Assert.Equal(RegistrationStatus.AlreadyRegistered, await pass.Register(deviceB, "push-b", token));
        Assert.Equal(shardDevicesBefore, await Shard(groupId, deviceA).GetDevices());
        Assert.Contains(new GroupDevice(deviceA, passType, "push-a"), await Shard(groupId, deviceA).GetDevices());
    }
}
