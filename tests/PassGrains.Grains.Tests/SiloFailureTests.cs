using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using PassGrains.Abstractions;
using PassGrains.Grains.Storage;

namespace PassGrains.Grains.Tests;

/// <summary>
/// Grain storage shared by every silo of the test process, standing in for the database: it outlives
/// a killed silo (Orleans' memory storage keeps state in a grain, which may die with the silo).
/// </summary>
public sealed class SharedGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<string, (BinaryData Data, string ETag)> _rows = new(StringComparer.Ordinal);
    private readonly JsonGrainStateSerializer _serializer = new();
    private long _version;

    /// <summary>The stored JSON of one grain's state, as the server's serializer wrote it; null when nothing is stored.</summary>
    public BinaryData? Stored(string stateName, GrainId grainId) => _rows.TryGetValue($"{stateName}/{grainId}", out var row) ? row.Data : null;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_rows.TryGetValue($"{stateName}/{grainId}", out var row))
        {
            grainState.State = _serializer.Deserialize<T>(row.Data);
            grainState.ETag = row.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = $"{stateName}/{grainId}";
        var etag = Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var data = _serializer.Serialize(grainState.State);
        var stored = grainState.ETag is null
            ? _rows.TryAdd(key, (data, etag))
            : _rows.TryGetValue(key, out var current) && current.ETag == grainState.ETag && _rows.TryUpdate(key, (data, etag), current);
        if (!stored)
            throw new InconsistentStateException($"etag mismatch for {key}", grainState.ETag ?? "none", "other");
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _rows.TryRemove($"{stateName}/{grainId}", out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}

/// <summary>A silo that dies between storing a change and hearing APNs' answer: the push is still owed and is sent again.</summary>
public sealed class SiloFailureTests : IAsyncLifetime
{
    private readonly SharedGrainStorage _storage = new();
    private readonly RecordingPushDispatcher _pushes = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StorageTestCluster.StartAsync(3, _ => _storage, _pushes);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Owed_pushes_survive_a_killed_silo_and_are_sent_again_from_another()
    {
        // Find a pass that lives on a secondary silo (placement is the cluster's choice).
        IPassGrain? pass = null;
        string? token = null;
        InProcessSiloHandle? victim = null;
        var serial = "";
        for (var attempt = 0; attempt < 30 && victim is null; attempt++)
        {
            serial = $"kill-{attempt}-{Guid.NewGuid():N}";
            pass = _cluster.Client.GetGrain<IPassGrain>(GrainKeys.Pass("pass.com.example.kill", serial));
            await pass.Issue(new PassIssue("tpl", null, new PassContent(null, null)));
            token = (await pass.GetRenderSourceForIssuer())!.AuthenticationToken;
            Assert.True(_cluster.TryGetGrainContext(pass.GetGrainId(), out var context));
            victim = _cluster.Silos.FirstOrDefault(s => s.SiloAddress.Equals(context.Address.SiloAddress) && s != _cluster.Silos[0]);
        }
        Assert.NotNull(victim);
        Assert.Equal(RegistrationStatus.Created, await pass!.Register("device-kill", "token-kill", token));

        // The change is stored with the push it owes; the dispatcher never answers (APNs did not reply before the crash).
        await pass.Change(new PassContent("""{"gate":"9"}""", null));
        Assert.Single(_pushes.Sent, s => s.Serial == serial);
        Assert.Equal(1, await pass.GetOwedPushCount());

        await _cluster.KillSiloAsync(victim);

        // The next call activates the pass on a surviving silo, with its state, and it sends what it owes. A call sent toward
        // the killed silo before the others have declared it dead may wait out the response timeout (30 s by default), as
        // one did on a loaded CI machine: the deadline leaves room for two such calls and the retry after them.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        int owed = -1;
        while (DateTime.UtcNow < until)
        {
            try
            {
                owed = await pass.GetOwedPushCount();
                break;
            }
            catch (Exception e) when (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Equal(1, owed);
        Assert.True(_cluster.TryGetGrainContext(pass.GetGrainId(), out var revived));
        Assert.NotEqual(victim.SiloAddress, revived.Address.SiloAddress);
        var sent = _pushes.Sent.Where(s => s.Serial == serial).ToList();
        Assert.Equal(2, sent.Count);
        Assert.All(sent, s => Assert.Equal(new PushTarget("device-kill", "token-kill"), s.Target));
    }
}
