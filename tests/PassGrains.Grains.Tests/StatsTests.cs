using Orleans.TestingHost;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>
/// The stats count every event once, whatever write fails on the way: a scope's write that fails fails the page, which is
/// read again, and the scopes that had stored it skip it by cursor; the reader's own write that fails after every scope
/// stored the page has the page read again, and every scope skips it. A silo's tally batch sent twice is added once.
/// </summary>
public sealed class StatsTests : IAsyncLifetime
{
    private const string PassType = "pass.com.example.stats";
    private readonly FailingGrainStorage _storage = new(new SharedGrainStorage());
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StorageTestCluster.StartAsync(1, _ => _storage, new RecordingPushDispatcher());

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IStatsGrain Scope(string kind, string id) => _cluster.Client.GetGrain<IStatsGrain>(GrainKeys.Stats(kind, id));

    private static LifecycleEvent Event(string type, string template, string? group, DateTimeOffset at, string? device = null) =>
        new(type, PassType, $"serial-{Guid.NewGuid():N}", at, 1, device, Id: Guid.NewGuid().ToString("N"), TemplateId: template, GroupId: group);

    private static async Task<StatsCounts> TotalAsync(IStatsGrain scope, DateTimeOffset hour)
    {
        var series = await scope.Read(StatsInterval.Hour, hour, 1);
        return Assert.Single(series.Buckets).Counts;
    }

    private async Task CountedAsync(long tail)
    {
        var projection = _cluster.Client.GetGrain<IStatsProjectionGrain>(GrainKeys.StatsProjection);
        await projection.Poke();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await projection.CountedThrough() < tail)
        {
            Assert.True(DateTime.UtcNow < until, $"the stats counted through {await projection.CountedThrough()}, not {tail}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Each_event_is_counted_once_though_a_scopes_write_and_then_the_readers_own_write_failed()
    {
        var template = $"tpl-{Guid.NewGuid():N}";
        var group = $"grp-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var feed = _cluster.Client.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed);
        // The first stats write fails (one scope of the page), then the reader's own write: the page is read three times.
        _storage.FailNextWrite(StorageNames.Stats);
        await feed.Append(null, [
            Event(LifecycleEventTypes.PassIssued, template, group, hour.AddMinutes(1)),
            Event(LifecycleEventTypes.PassIssued, template, null, hour.AddMinutes(1)),
            Event(LifecycleEventTypes.RegistrationAdded, template, group, hour.AddMinutes(2), "device-a"),
            Event(LifecycleEventTypes.RegistrationAdded, template, null, hour.AddMinutes(2), "device-b"),
            Event(LifecycleEventTypes.RegistrationRemoved, template, null, hour.AddMinutes(3), "device-b"),
            Event(LifecycleEventTypes.PassChanged, template, group, hour.AddMinutes(3)),
        ]);
        await CountedAsync(await feed.Tail());
        Assert.False(_storage.WriteFailurePending, "the stats write set to fail was never tried");

        _storage.FailNextWrite(StorageNames.StatsProjection);
        await feed.Append(null, [Event(LifecycleEventTypes.PassVoided, template, group, hour.AddMinutes(4))]);
        await CountedAsync(await feed.Tail());
        Assert.False(_storage.WriteFailurePending, "the reader's write set to fail was never tried");

        Assert.Equal(new StatsCounts(Issued: 1, Voided: 1, Installs: 1, 0, 0, 0, 0), await TotalAsync(Scope(GrainKeys.StatsGroup, group), hour));
        Assert.Equal(new StatsCounts(Issued: 2, Voided: 1, Installs: 2, Uninstalls: 1, 0, 0, 0), await TotalAsync(Scope(GrainKeys.StatsTemplate, template), hour));
        var active = await _cluster.Client.GetGrain<IStatsProjectionGrain>(GrainKeys.StatsProjection).ActiveInstalls();
        Assert.Equal(1, active[GrainKeys.Stats(GrainKeys.StatsTemplate, template)]);
        var series = await Scope(GrainKeys.StatsTemplate, template).Read(StatsInterval.Hour, hour.AddHours(-1), 3);
        Assert.Equal([0L, 1L, 1L], series.Buckets.Select(b => b.ActiveInstalls));
    }

    [Fact]
    public async Task A_tally_batch_sent_again_after_its_answer_was_lost_is_added_once()
    {
        var scope = Scope(GrainKeys.StatsPassType, $"pass.com.example.tally{Guid.NewGuid():N}");
        var hour = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 3600 * 3600);
        var downloads = new StatsEntry(0, hour.ToUnixTimeSeconds(), new StatsCounts(0, 0, 0, 0, Downloads: 3, PushesSent: 2, 0));
        await scope.AddTally("silo-a", 1, [downloads]);
        await scope.AddTally("silo-a", 1, [downloads]);
        // A write that fails adds nothing; the same batch sent again is added then.
        _storage.FailNextWrite(StorageNames.Stats);
        await Assert.ThrowsAnyAsync<Exception>(() => scope.AddTally("silo-a", 2, [downloads]));
        await scope.AddTally("silo-a", 2, [downloads]);
        await scope.AddTally("silo-b", 1, [downloads]);
        Assert.Equal(new StatsCounts(0, 0, 0, 0, Downloads: 9, PushesSent: 6, 0), await TotalAsync(scope, hour));
    }
}
