using Orleans.Storage;
using Orleans.TestingHost;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>Storage that tells a test when a group has stored a version as pushed to every device.</summary>
public sealed class PushedVersionWatch(IGrainStorage inner) : IGrainStorage
{
    private readonly Lock _lock = new();
    private readonly List<(long Version, TaskCompletionSource Stored)> _waiting = [];
    private long _pushed;

    /// <summary>Completes once a group's state was stored with at least <paramref name="version"/> pushed.</summary>
    public Task GroupPushed(long version)
    {
        lock (_lock)
        {
            if (_pushed >= version)
                return Task.CompletedTask;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((version, waiter));
            return waiter.Task;
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (grainState.State is not GroupState group)
            return;
        lock (_lock)
        {
            _pushed = Math.Max(_pushed, group.PushedVersion);
            foreach (var waiter in _waiting.Where(w => w.Version <= _pushed).ToList())
            {
                waiter.Stored.SetResult();
                _waiting.Remove(waiter);
            }
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>
/// A fan-out lasts as long as its silo paces it: minutes for a large group, past its owner's first reminder tick. The
/// tick's re-drive queues behind the run (the fan-out's calls are one-way and never expire) and must not push the devices
/// that run reached a second time.
/// </summary>
public sealed class FanOutRedriveTests : IAsyncLifetime
{
    private const string PassType = "pass.com.example.redrive";
    private readonly PushedVersionWatch _storage = new(new SharedGrainStorage());
    private readonly RecordingPushDispatcher _pushes = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StorageTestCluster.StartAsync(1, _ => _storage, _pushes);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_reminder_tick_during_a_long_fan_out_pushes_nobody_twice()
    {
        var groupId = $"group-{Guid.NewGuid():N}";
        var group = _cluster.Client.GetGrain<IGroupGrain>(GrainKeys.Group(groupId));
        await group.Put(new GroupPut("tpl", new PassContent("""{"gate":"7"}""", null)));
        var pass = _cluster.Client.GetGrain<IPassGrain>(GrainKeys.Pass(PassType, $"redrive-{Guid.NewGuid():N}"));
        await pass.Issue(new PassIssue("tpl", groupId, new PassContent(null, null)));
        var token = (await pass.GetRenderSourceForIssuer())!.AuthenticationToken;
        Assert.Equal(RegistrationStatus.Created, await pass.Register("device-slow", "push-slow", token));
        Assert.Equal(RegistrationStatus.Created, await pass.Register("device-other", "push-other", token));
        var release = _pushes.Hold("push-slow");

        // The change's fan-out is under way and takes its time...
        await group.Put(new GroupPut(null, new PassContent("""{"gate":"8"}""", null)));
        await _pushes.SentTo("push-slow");
        // ...long enough for the group's reminder to tick (a minute after the change), re-driving the version still owed,
        await _cluster.Client.GetGrain<IRemindable>(group.GetGrainId())
            .ReceiveReminder(GroupGrain.PushesReminder, new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(1), DateTime.UtcNow));
        // and for the next change, whose fan-out queues behind both and pushes every device again, as it should.
        await group.Put(new GroupPut(null, new PassContent("""{"gate":"9"}""", null)));
        release.SetResult();

        // The last change reached every device (its run was the last queued): the tick, handled before it, pushed nobody.
        await _storage.GroupPushed(3).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, _pushes.Sent.Count(s => s.Target.PushToken == "push-slow"));
        Assert.Equal(2, _pushes.Sent.Count(s => s.Target.PushToken == "push-other"));
    }
}
