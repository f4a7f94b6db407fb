using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>
/// Storage that, at each write recording owed pushes (a pass's owed pushes, a version of a pass or group not yet pushed to its
/// device index), looks in
/// the reminder table for the reminder that re-drives them. A write without it is work a crash right after would leave
/// owed for ever: nothing else activates a pass nobody calls.
/// </summary>
public sealed class ReminderCheckingGrainStorage(IServiceProvider services, SharedGrainStorage inner) : IGrainStorage
{
    public List<string> WrittenWithoutReminder { get; } = [];

    public int OwingWrites { get; private set; }

    /// <summary>The most pushes owed to single devices that one write of a pass stored.</summary>
    public int MostOwedPushesWritten { get; private set; }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.State is PassState written)
        {
            lock (WrittenWithoutReminder)
                MostOwedPushesWritten = Math.Max(MostOwedPushesWritten, written.OwedPushes.Count);
        }
        var reminder = grainState.State switch
        {
            PassState { OwedPushes.Count: > 0 } => PassGrain.OwedPushesReminder,
            PassState { Index: { } index } pass when index.PushedVersion < pass.Version => PassGrain.OwedPushesReminder,
            GroupState group when group.PushedVersion < group.Version && group.OccupiedShards.Any(b => b != 0) => GroupGrain.PushesReminder,
            _ => null,
        };
        if (reminder is not null)
        {
            lock (WrittenWithoutReminder)
                OwingWrites++;
            if (await services.GetRequiredService<IReminderTable>().ReadRow(grainId, reminder) is null)
            {
                lock (WrittenWithoutReminder)
                    WrittenWithoutReminder.Add($"{grainId} ({stateName})");
            }
        }
        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

public sealed class OwedWorkReminderTests : IAsyncLifetime
{
    private const string PassType = "pass.com.example.owed";
    private readonly SharedGrainStorage _shared = new();
    private readonly RecordingPushDispatcher _pushes = new();
    private ReminderCheckingGrainStorage? _storage;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StorageTestCluster.StartAsync(1, services => _storage = new ReminderCheckingGrainStorage(services, _shared), _pushes);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Owed_pushes_are_never_stored_before_the_reminder_that_re_drives_them()
    {
        var groupId = $"group-{Guid.NewGuid():N}";
        var group = _cluster.Client.GetGrain<IGroupGrain>(GrainKeys.Group(groupId));
        await group.Put(new GroupPut("tpl", new PassContent("""{"gate":"7"}""", null)));
        var pass = _cluster.Client.GetGrain<IPassGrain>(GrainKeys.Pass(PassType, $"owed-{Guid.NewGuid():N}"));
        await pass.Issue(new PassIssue("tpl", groupId, new PassContent(null, null)));
        var token = (await pass.GetRenderSourceForIssuer())!.AuthenticationToken;
        Assert.Equal(RegistrationStatus.Created, await pass.Register("device-owed", "push-owed", token));

        await pass.Change(new PassContent("""{"seat":"2B"}""", null));
        await group.Put(new GroupPut(null, new PassContent("""{"gate":"9"}""", null)));
        await _pushes.SentTo("push-owed").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(_storage!.OwingWrites >= 2, $"expected the change and the group change to owe pushes, saw {_storage.OwingWrites} such writes");
        Assert.Empty(_storage.WrittenWithoutReminder);
    }

    [Fact]
    public async Task A_pass_past_its_inline_registrations_owes_its_index_one_version_stored_after_its_reminder()
    {
        var pass = _cluster.Client.GetGrain<IPassGrain>(GrainKeys.Pass(PassType, $"crowd-{Guid.NewGuid():N}"));
        await pass.Issue(new PassIssue("tpl", null, new PassContent(null, null)));
        var token = (await pass.GetRenderSourceForIssuer())!.AuthenticationToken;
        var devices = Enumerable.Range(0, 3 * PassGrain.InlineRegistrations).Select(i => $"device-crowd-{i}").ToList();
        foreach (var device in devices)
            Assert.Equal(RegistrationStatus.Created, await pass.Register(device, $"push-{device}", token));

        await pass.Change(new PassContent("""{"seat":"2B"}""", null));
        await Task.WhenAll(devices.Select(d => _pushes.SentTo($"push-{d}"))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(_storage!.OwingWrites >= 1, "expected the change to owe pushes");
        Assert.Empty(_storage.WrittenWithoutReminder);
        // The devices past the pass's state are owed one version, not a push each.
        Assert.Equal(PassGrain.InlineRegistrations, _storage.MostOwedPushesWritten);
    }
}
