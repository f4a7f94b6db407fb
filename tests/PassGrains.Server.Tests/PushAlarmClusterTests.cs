using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using PassGrains.Grains;
using PassGrains.Server.Pushes;

namespace PassGrains.Server.Tests;

/// <summary>
/// Two in-process silos, each with the server's own alarm view (<see cref="PushAlarms"/>, what its dispatcher asks before
/// every push) over the stored alarm grain: an alarm raised by one silo's refusals stops the other within seconds, and
/// clearing it on either lets both push again. The dispatcher is not here: PushTests show it stops on <see cref="PushAlarms.IsStopped"/>.
/// </summary>
public sealed class PushAlarmClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Provider, o => o.GrainStorageSerializer = new PassGrains.Grains.Storage.JsonGrainStateSerializer());
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.Configure<ApnsSettings>(o => o.AlarmRefusals = 2);
            silo.Services.AddSingleton<PushAlarms>();
            silo.Services.AddHostedService(sp => sp.GetRequiredService<PushAlarms>());
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private PushAlarms Silo(int index) => _cluster.Silos[index].ServiceProvider.GetRequiredService<PushAlarms>();

    private static async Task Until(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"not within {Deadline.TotalSeconds} s: {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task An_alarm_raised_on_one_silo_stops_the_other_and_clearing_it_on_either_lets_both_push()
    {
        var (one, two) = (Silo(0), Silo(1));
        const string passType = "pass.com.example.cluster-alarm";

        Assert.False(await one.RefusedAsync(passType, 403, "BadCertificate"));
        Assert.False(one.IsStopped(passType));
        Assert.True(await one.RefusedAsync(passType, 403, "BadCertificate"));
        Assert.True(one.IsStopped(passType));
        await Until(() => two.IsStopped(passType), "the second silo stops");
        var alarm = Assert.Single(await two.ListAsync());
        Assert.Equal((passType, 403, "BadCertificate", 2), (alarm.PassTypeIdentifier, alarm.Status, alarm.Reason, alarm.Refusals));

        // Cleared through the other silo (a balancer sends the DELETE anywhere): that silo at once, the raising one within seconds.
        Assert.True(await two.ClearAsync(passType));
        Assert.False(two.IsStopped(passType));
        await Until(() => !one.IsStopped(passType), "the first silo pushes again");
        Assert.Empty(await one.ListAsync());
        Assert.False(await one.ClearAsync(passType));

        // Raised again by the second silo (counting afresh after the clear) and cleared on the first.
        Assert.False(await two.RefusedAsync(passType, 403, "BadCertificate"));
        Assert.True(await two.RefusedAsync(passType, 403, "BadCertificate"));
        await Until(() => one.IsStopped(passType), "the first silo stops");
        Assert.True(await one.ClearAsync(passType));
        await Until(() => !two.IsStopped(passType), "the second silo pushes again");
    }

    [Fact]
    public async Task A_delivered_push_between_refusals_raises_no_alarm()
    {
        var one = Silo(0);
        const string passType = "pass.com.example.cluster-hiccup";
        Assert.False(await one.RefusedAsync(passType, 403, null));
        one.Delivered(passType);
        Assert.False(await one.RefusedAsync(passType, 403, null));
        Assert.False(one.IsStopped(passType));
        Assert.Empty(await Silo(1).ListAsync());
    }
}
