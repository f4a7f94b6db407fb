using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using PassGrains.Abstractions;
using PassGrains.Grains;

namespace PassGrains.Grains.Tests;

/// <summary>
/// The system clock plus an offset that tests can only move forward. Registered as the silos'
/// <see cref="TimeProvider"/>, it lets a test step past the device's one-second listing margin
/// without sleeping. Only wall-clock time moves; timers and timestamps stay on the system clock.
/// </summary>
public sealed class ShiftableClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>A two-silo in-process cluster with memory storage, shared by every test of the collection.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public ShiftableClock Clock { get; } = new();

    public PassTokens Tokens { get; } = new(RandomNumberGenerator.GetBytes(32));

    /// <summary>Stands in for the silo's APNs dispatcher: records what the grains hand it, reports everything delivered.</summary>
    public RecordingPushDispatcher Pushes { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Provider, o => o.GrainStorageSerializer = new PassGrains.Grains.Storage.JsonGrainStateSerializer());
            silo.Services.AddSingleton(Tokens);
            silo.Services.AddSingleton<TimeProvider>(Clock);
            silo.Services.AddSingleton<IPushDispatcher>(Pushes);
            silo.UseInMemoryReminderService();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>Deactivates the grain, checks its activation is gone, and reactivates it with a call.</summary>
    public async Task ReactivateAsync(IAddressable grain, Func<Task> touch)
    {
        var id = grain.GetGrainId();
        Assert.True(Cluster.TryGetGrainContext(id, out var before), $"{id} is not active");
        await Cluster.DeactivateAsync(grain);
        Assert.False(Cluster.TryGetGrainContext(id, out _), $"{id} is still active");
        await touch();
        Assert.True(Cluster.TryGetGrainContext(id, out var after), $"{id} did not reactivate");
        Assert.NotSame(before, after);
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterGroup : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>Shared helpers: unique keys, and issuing passes with their token.</summary>
public abstract class ClusterTests(ClusterFixture fixture)
{
    protected ClusterFixture Fixture { get; } = fixture;

    protected IClusterClient Client => Fixture.Client;

    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected static string NewPassType() => $"pass.com.example.{Guid.NewGuid():N}";

    protected IPassGrain Pass(string passType, string serial) => Client.GetGrain<IPassGrain>(GrainKeys.Pass(passType, serial));

    protected IDeviceGrain Device(string device) => Client.GetGrain<IDeviceGrain>(GrainKeys.Device(device));

    protected IGroupGrain Group(string group) => Client.GetGrain<IGroupGrain>(GrainKeys.Group(group));

    protected IGroupShardGrain Shard(string group, string device) =>
        Client.GetGrain<IGroupShardGrain>(GrainKeys.GroupShard(group, IGroupShardGrain.ShardOf(device)));

    /// <summary>Issues a pass and returns it with its authentication token.</summary>
    protected async Task<(IPassGrain Pass, string Token)> IssueAsync(
        string passType, string serial, string? groupId = null, PassContent? content = null, string templateId = "template-default")
    {
        var pass = Pass(passType, serial);
        var result = await pass.Issue(new PassIssue(templateId, groupId, content ?? new PassContent("""{"name":"Ada"}""", null)));
        Assert.Equal(PassIssueStatus.Created, result.Status);
        var source = await pass.GetRenderSourceForIssuer();
        Assert.NotNull(source);
        return (pass, source.AuthenticationToken);
    }

    protected static async Task<IReadOnlyList<string>> ListedAsync(IDeviceGrain device, string passType, long? since = null) =>
        (await device.GetChangedSerials(passType, since))?.SerialNumbers ?? [];
}
