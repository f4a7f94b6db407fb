using PassGrains.Abstractions;
using Orleans.TestingHost;

namespace PassGrains.Grains.Tests;

/// <summary>
/// The event feed: every event of a stored change reaches it once its change is stored, whatever fails in between, and
/// a reader sees each event once, in order, with no gaps, across pages.
/// </summary>
public sealed class EventFeedTests : IAsyncLifetime
{
    private const string PassType = "pass.com.example.feed";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FailingGrainStorage _storage = new(new SharedGrainStorage());
    private readonly RecordingPushDispatcher _pushes = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StorageTestCluster.StartAsync(1, _ => _storage, _pushes);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IEventFeedGrain Feed => _cluster.Client.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed);

    private IPassGrain Pass(string serial) => _cluster.Client.GetGrain<IPassGrain>(GrainKeys.Pass(PassType, serial));

    private async Task<List<LifecycleEvent>> ReadAllAsync(int pageSize = 100)
    {
        var all = new List<LifecycleEvent>();
        var cursor = 0L;
        while (true)
        {
            var page = await Feed.Read(cursor, pageSize);
            Assert.False(page.Skipped);
            all.AddRange(page.Events);
            if (page.Next == cursor)
                return all;
            cursor = page.Next;
        }
    }

    private async Task<List<LifecycleEvent>> WaitForAsync(Func<List<LifecycleEvent>, bool> done)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            var events = await ReadAllAsync();
            if (done(events))
                return events;
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"the feed never got there; it holds: {string.Join(", ", events.Select(e => $"{e.Type} {e.SerialNumber} v{e.Version}"))}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Events_appended_by_many_callers_at_once_are_each_read_once_in_order_across_pages()
    {
        const int Callers = 50, Each = 10;
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(c => Feed.Append(null, Enumerable.Range(0, Each)
            .Select(i => new LifecycleEvent(LifecycleEventTypes.PushFailed, PassType, null, DateTimeOffset.UtcNow, Id: $"{c}/{i}")).ToList())));

        foreach (var pageSize in new[] { 1000, 37 })
        {
            var events = await ReadAllAsync(pageSize);
            Assert.Equal(Callers * Each, events.Count);
            Assert.Equal(Enumerable.Range(1, Callers * Each).Select(i => (long)i), events.Select(e => e.Cursor));
            Assert.Equal(Callers * Each, events.Select(e => e.Id).Distinct().Count());
            // One caller's events stay together and in its order.
            foreach (var caller in events.GroupBy(e => e.Id.Split('/')[0]))
                Assert.Equal(Enumerable.Range(0, Each).Select(i => $"{caller.Key}/{i}"), caller.Select(e => e.Id));
        }
        Assert.True(Callers * Each > 3 * EventFeedGrain.PageSize, "the events must span several full pages");
        Assert.Equal(Callers * Each, await Feed.Tail());
    }

    [Fact]
    public async Task A_pass_s_changes_and_registrations_are_in_the_feed_with_their_versions_and_ids()
    {
        var serial = $"seq-{Guid.NewGuid():N}";
        var issued = await Pass(serial).Issue(new PassIssue("tpl", null, new PassContent("""{"seat":"1A"}""", null)));
        var summary = await Pass(serial).GetSummary();
        var token = (await Pass(serial).GetRenderSourceForIssuer())!.AuthenticationToken;
        await Pass(serial).Register("device-1", "token-1", token);
        await Pass(serial).Change(new PassContent("""{"seat":"2B"}""", null));
        await Pass(serial).Unregister("device-1", token);

        var events = (await ReadAllAsync()).Where(e => e.SerialNumber == serial).ToList();

        Assert.Equal(PassIssueStatus.Created, issued.Status);
        Assert.NotNull(summary);
        Assert.Equal(
            [(LifecycleEventTypes.PassIssued, 1L, (string?)null), (LifecycleEventTypes.RegistrationAdded, 1L, "device-1"),
             (LifecycleEventTypes.PassChanged, 2L, null), (LifecycleEventTypes.RegistrationRemoved, 2L, "device-1")],
            events.Select(e => (e.Type, e.Version ?? 0, e.DeviceLibraryIdentifier)));
        Assert.Equal(Enumerable.Range(1, 4).Select(n => $"{PassType}/{serial}/{n}"), events.Select(e => e.Id));
    }

    [Fact]
    public async Task Registrations_past_the_pass_s_own_state_are_events_too()
    {
        var serial = $"many-{Guid.NewGuid():N}";
        await Pass(serial).Issue(new PassIssue("tpl", null, new PassContent(null, null)));
        var token = (await Pass(serial).GetRenderSourceForIssuer())!.AuthenticationToken;
        var devices = Enumerable.Range(0, PassGrain.InlineRegistrations + 4).Select(i => $"device-{i}").ToList();
        foreach (var device in devices)
            await Pass(serial).Register(device, $"token-{device}", token);
        await Pass(serial).Unregister(devices[^1], token);

        var events = (await ReadAllAsync()).Where(e => e.SerialNumber == serial).ToList();

        Assert.Equal(devices, events.Where(e => e.Type == LifecycleEventTypes.RegistrationAdded).Select(e => e.DeviceLibraryIdentifier));
        Assert.Equal([devices[^1]], events.Where(e => e.Type == LifecycleEventTypes.RegistrationRemoved).Select(e => e.DeviceLibraryIdentifier));
    }

    [Fact]
    public async Task A_change_whose_reservation_cannot_be_stored_is_not_made_and_its_retry_makes_it_with_one_event()
    {
        var serial = $"reserve-{Guid.NewGuid():N}";
        await Pass(serial).Issue(new PassIssue("tpl", null, new PassContent("""{"seat":"1A"}""", null)));
        _storage.FailNextWrite(StorageNames.EventFeed);

        await Assert.ThrowsAsync<StorageUnavailableException>(() => Pass(serial).Change(new PassContent("""{"seat":"2B"}""", null)));
        Assert.Equal(1, (await Pass(serial).GetSummary())!.Version);

        Assert.Equal(2, (await Pass(serial).Change(new PassContent("""{"seat":"2B"}""", null))).Version);
        var changed = (await ReadAllAsync()).Where(e => e.SerialNumber == serial && e.Type == LifecycleEventTypes.PassChanged).ToList();
        Assert.Equal([2L], changed.Select(e => e.Version ?? 0));
    }

    [Fact]
    public async Task Events_of_a_stored_change_whose_append_failed_reach_the_feed_through_the_feed_s_follow_up()
    {
        var serial = $"orphan-{Guid.NewGuid():N}";
        await Pass(serial).Issue(new PassIssue("tpl", null, new PassContent("""{"seat":"1A"}""", null)));
        // The reservation's write succeeds, the append's fails: the change is stored, its event only in the pass's outbox,
        // as when a silo dies between the two.
        _storage.FailWrite(StorageNames.EventFeed, nth: 2);

        Assert.Equal(2, (await Pass(serial).Change(new PassContent("""{"seat":"2B"}""", null))).Version);
        Assert.DoesNotContain(await ReadAllAsync(), e => e.SerialNumber == serial && e.Type == LifecycleEventTypes.PassChanged);

        var events = await WaitForAsync(all => all.Any(e => e.SerialNumber == serial && e.Type == LifecycleEventTypes.PassChanged));
        Assert.Single(events, e => e.SerialNumber == serial && e.Type == LifecycleEventTypes.PassChanged && e.Version == 2);
    }

    [Fact]
    public async Task A_failed_append_shows_nothing_and_its_retry_stores_the_events_once()
    {
        var id = Guid.NewGuid().ToString("N");
        IReadOnlyList<LifecycleEvent> batch = [new(LifecycleEventTypes.PushFailed, PassType, null, DateTimeOffset.UtcNow, Id: id)];
        _storage.FailNextWrite(StorageNames.EventFeed);

        await Assert.ThrowsAsync<StorageUnavailableException>(() => Feed.Append(null, batch));
        Assert.DoesNotContain(await ReadAllAsync(), e => e.Id == id);

        await FailedActivation.RetryAsync(() => Feed.Append(null, batch));
        Assert.Single(await ReadAllAsync(), e => e.Id == id);
    }
}
