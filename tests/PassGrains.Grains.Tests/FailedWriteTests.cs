using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary><see cref="SharedGrainStorage"/> whose Nth next write of one state fails, as a database blip would.</summary>
public sealed class FailingGrainStorage(SharedGrainStorage inner) : IGrainStorage
{
    private readonly Lock _lock = new();
    private string? _failNext;
    private int _writesToPass;

    public SharedGrainStorage Inner => inner;

    /// <summary>True until the write set to fail has been tried (and failed).</summary>
    public bool WriteFailurePending
    {
        get
        {
            lock (_lock)
                return _failNext is not null;
        }
    }

    public void FailNextWrite(string stateName) => FailWrite(stateName, 1);

    /// <summary>The <paramref name="nth"/> next write of <paramref name="stateName"/> (1: the next one) fails; the others before it are stored.</summary>
    public void FailWrite(string stateName, int nth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nth, 1);
        lock (_lock)
            (_failNext, _writesToPass) = (stateName, nth - 1);
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_lock)
        {
            if (_failNext == stateName && _writesToPass-- == 0)
            {
                _failNext = null;
                throw new IOException($"storage unavailable (injected) writing {stateName}");
            }
        }
        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>
/// A write that fails leaves no trace in memory: the caller gets the error, and the retry finds what is stored,
/// not its own unsaved change, so it stores the change itself.
/// </summary>
public sealed class FailedWriteTests : IAsyncLifetime
{
    private readonly FailingGrainStorage _storage = new(new SharedGrainStorage());
    private readonly RecordingPushDispatcher _pushes = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StorageTestCluster.StartAsync(1, _ => _storage, _pushes);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IPassGrain Pass(string serial) => _cluster.Client.GetGrain<IPassGrain>(GrainKeys.Pass("pass.com.example.blip", serial));

    [Fact]
    public async Task An_issue_whose_write_failed_is_issued_by_the_retry()
    {
        var pass = Pass($"issue-{Guid.NewGuid():N}");
        _storage.FailNextWrite(StorageNames.Pass);

        await Assert.ThrowsAnyAsync<Exception>(() => pass.Issue(new PassIssue("tpl", null, new PassContent(null, null))));

        var retried = await FailedActivation.RetryAsync(() => pass.Issue(new PassIssue("tpl", null, new PassContent(null, null))));
        Assert.Equal(PassIssueStatus.Created, retried.Status);
        Assert.NotNull(await pass.GetSummary());
    }

    [Fact]
    public async Task A_registration_whose_write_failed_is_stored_by_the_retry()
    {
        var serial = $"reg-{Guid.NewGuid():N}";
        var pass = Pass(serial);
        await pass.Issue(new PassIssue("tpl", null, new PassContent(null, null)));
        var token = (await pass.GetRenderSourceForIssuer())!.AuthenticationToken;
        _storage.FailNextWrite(StorageNames.Pass);

        await Assert.ThrowsAnyAsync<Exception>(() => pass.Register("device-blip", "push-blip", token));

        // Before, the retry found its own unsaved registration in memory, skipped the write and answered
        // "already registered": the registration was lost with the next activation.
        Assert.Equal(RegistrationStatus.Created, await FailedActivation.RetryAsync(() => pass.Register("device-blip", "push-blip", token)));
        await _cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(1, (await pass.GetSummary())!.Devices);
        Assert.Equal([serial], (await _cluster.Client.GetGrain<IDeviceGrain>(GrainKeys.Device("device-blip")).GetChangedSerials("pass.com.example.blip", null))!.SerialNumbers);
    }

    [Fact]
    public async Task A_group_shard_whose_marking_failed_is_marked_by_the_retried_registration()
    {
        const string passType = "pass.com.example.blip";
        var groupId = $"group-{Guid.NewGuid():N}";
        var group = _cluster.Client.GetGrain<IGroupGrain>(GrainKeys.Group(groupId));
        await group.Put(new GroupPut("tpl", new PassContent("""{"gate":"7"}""", null)));
        var pass = Pass($"member-{Guid.NewGuid():N}");
        await pass.Issue(new PassIssue("tpl", groupId, new PassContent(null, null)));
        var token = (await pass.GetRenderSourceForIssuer())!.AuthenticationToken;
        var device = $"device-{Guid.NewGuid():N}";
        var pushToken = $"push-{Guid.NewGuid():N}";
        _storage.FailNextWrite(StorageNames.Group);

        await Assert.ThrowsAnyAsync<Exception>(() => pass.Register(device, pushToken, token));

        // Before, the shard was filled first and marked only when its first entry came: the retry found the entry
        // stored, did not mark, and no group change ever pushed the shard's devices.
        await FailedActivation.RetryAsync(() => pass.Register(device, pushToken, token));
        await _cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal([IGroupShardGrain.ShardOf(device)], await group.GetOccupiedShards());
        var shard = _cluster.Client.GetGrain<IGroupShardGrain>(GrainKeys.GroupShard(groupId, IGroupShardGrain.ShardOf(device)));
        Assert.Equal([new GroupDevice(device, passType, pushToken)], await shard.GetDevices());

        await group.Put(new GroupPut(null, new PassContent("""{"gate":"9"}""", null)));

        // The fan-out runs after the change returns (a one-way call); the shard's device is pushed.
        await _pushes.SentTo(pushToken).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(new PushTarget(device, pushToken), _pushes.SentFor(passType));
    }
}
