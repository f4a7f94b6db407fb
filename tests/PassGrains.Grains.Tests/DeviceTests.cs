using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

[Collection(ClusterGroup.Name)]
public sealed class DeviceTests(ClusterFixture fixture) : ClusterTests(fixture)
{
    [Fact]
    public async Task Changed_serials_lists_all_then_only_changed_passes_of_the_asked_type()
    {
        var passType = NewPassType();
        var otherType = NewPassType();
        var deviceId = Unique("dev");
        var device = Device(deviceId);
        var a = new Dictionary<string, IPassGrain>();
        foreach (var serial in new[] { "a1", "a2", "a3" })
        {
            var (pass, token) = await IssueAsync(passType, serial);
            Assert.Equal(RegistrationStatus.Created, await pass.Register(deviceId, "push", token));
            a[serial] = pass;
        }
        var (b1, b1Token) = await IssueAsync(otherType, "b1");
        Assert.Equal(RegistrationStatus.Created, await b1.Register(deviceId, "push", b1Token));
        // The device never returns a tag newer than "now - 1 s"; step past that instead of sleeping.
        Fixture.Clock.Advance(TimeSpan.FromSeconds(2));

        var all = await device.GetChangedSerials(passType, null);
        Assert.NotNull(all);
        Assert.Equal(["a1", "a2", "a3"], all.SerialNumbers);
        var newest = (await Task.WhenAll(a.Values.Select(p => p.GetStamp()))).Max(s => s!.Value.Tag);
        Assert.Equal(newest, all.LastUpdated);
        Assert.Null(await device.GetChangedSerials(passType, all.LastUpdated));

        // A change of another pass type is not listed for this one.
        await b1.Change(new PassContent("""{"x":"1"}""", null));
        Assert.Null(await device.GetChangedSerials(passType, all.LastUpdated));
        Assert.Equal(["b1"], await ListedAsync(device, otherType));

        await a["a2"].Change(new PassContent("""{"x":"1"}""", null));
        var changed = await device.GetChangedSerials(passType, all.LastUpdated);
        Assert.NotNull(changed);
        Assert.Equal(["a2"], changed.SerialNumbers);

        // a2 changed less than a second ago: the tag stays below it, so a2 is listed once more.
        var a2Tag = (await a["a2"].GetStamp())!.Value.Tag;
        Assert.True(changed.LastUpdated < a2Tag);
        Assert.True(changed.LastUpdated >= all.LastUpdated);
        Fixture.Clock.Advance(TimeSpan.FromSeconds(2));
        var again = await device.GetChangedSerials(passType, changed.LastUpdated);
        Assert.NotNull(again);
        Assert.Equal(["a2"], again.SerialNumbers);
        Assert.Equal(a2Tag, again.LastUpdated);
        Assert.Null(await device.GetChangedSerials(passType, again.LastUpdated));
    }

    [Fact]
    public async Task A_device_without_registrations_lists_nothing()
    {
        var device = Device(Unique("dev"));

        Assert.Null(await device.GetChangedSerials(NewPassType(), null));
        Assert.Null(await device.GetChangedSerials(NewPassType(), 123));
        Assert.Null(await device.GetPushToken(NewPassType(), "any"));
    }

    [Fact]
    public async Task Passes_of_another_type_are_never_listed()
    {
        var passType = NewPassType();
        var otherType = NewPassType();
        var deviceId = Unique("dev");
        var (mine, mineToken) = await IssueAsync(passType, "same-serial");
        var (other, otherToken) = await IssueAsync(otherType, "same-serial");
        var (onlyOther, onlyOtherToken) = await IssueAsync(otherType, "other-only");
        await mine.Register(deviceId, "push-1", mineToken);
        await other.Register(deviceId, "push-2", otherToken);
        await onlyOther.Register(deviceId, "push-2", onlyOtherToken);

        Assert.Equal(["same-serial"], await ListedAsync(Device(deviceId), passType));
        Assert.Equal(["other-only", "same-serial"], await ListedAsync(Device(deviceId), otherType));
        Assert.Equal("push-1", await Device(deviceId).GetPushToken(passType, "same-serial"));
        Assert.Equal("push-2", await Device(deviceId).GetPushToken(otherType, "same-serial"));

        await other.Unregister(deviceId, otherToken);
        Assert.Equal(["same-serial"], await ListedAsync(Device(deviceId), passType));
        Assert.Equal(["other-only"], await ListedAsync(Device(deviceId), otherType));
    }
}
