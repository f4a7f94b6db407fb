using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

[Collection(ClusterGroup.Name)]
public sealed class ConcurrencyTests(ClusterFixture fixture) : ClusterTests(fixture)
{
    [Fact]
    public async Task Two_hundred_devices_register_one_pass_concurrently()
    {
        var passType = NewPassType();
        var (pass, token) = await IssueAsync(passType, "crowd");
        var devices = Enumerable.Range(0, 200).Select(i => Unique($"dev{i}")).ToList();

        var statuses = await Task.WhenAll(devices.Select(d => pass.Register(d, $"push-{d}", token)));

        Assert.All(statuses, s => Assert.Equal(RegistrationStatus.Created, s));
        Assert.Equal(200, (await pass.GetSummary())!.Devices);
        var listings = await Task.WhenAll(devices.Select(d => ListedAsync(Device(d), passType)));
        Assert.All(listings, l => Assert.Equal(["crowd"], l));
        var tokens = await Task.WhenAll(devices.Select(d => Device(d).GetPushToken(passType, "crowd")));
        Assert.Equal(devices.Select(d => $"push-{d}"), tokens);
    }

    [Fact]
    public async Task One_device_registers_fifty_passes_concurrently()
    {
        var passType = NewPassType();
        var passes = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => IssueAsync(passType, $"s{i:D3}")));
        var deviceId = Unique("dev");

        var statuses = await Task.WhenAll(passes.Select(p => p.Pass.Register(deviceId, "push", p.Token)));

        Assert.All(statuses, s => Assert.Equal(RegistrationStatus.Created, s));
        var listed = await ListedAsync(Device(deviceId), passType);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"s{i:D3}"), listed.Order(StringComparer.Ordinal));
        var summaries = await Task.WhenAll(passes.Select(p => p.Pass.GetSummary()));
        Assert.All(summaries, s => Assert.Equal(1, s!.Devices));
    }

    [Fact]
    public async Task Re_registering_while_the_device_lists_its_passes_does_not_deadlock()
    {
        // A device re-registers its passes (new push token) while it also asks which passes changed:
        // the pass calls the device and the device calls the pass. Both must complete.
        var passType = NewPassType();
        var passes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => IssueAsync(passType, $"d{i}")));
        var deviceId = Unique("dev");
        foreach (var (pass, token) in passes)
            await pass.Register(deviceId, "push-0", token);

        async Task Rounds()
        {
            for (var round = 1; round <= 10; round++)
            {
                var pushToken = $"push-{round}";
                await Task.WhenAll(
                    Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Device(deviceId).GetChangedSerials(passType, null))),
                    Task.WhenAll(passes.Select(p => p.Pass.Register(deviceId, pushToken, p.Token))));
            }
        }
        var work = Rounds();
        var finished = await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.True(finished == work, "registrations and listings of one device did not complete within 10 s (deadlock)");
        await work;
        Assert.All(await Task.WhenAll(passes.Select((_, i) => Device(deviceId).GetPushToken(passType, $"d{i}"))), t => Assert.Equal("push-10", t));
    }
}
