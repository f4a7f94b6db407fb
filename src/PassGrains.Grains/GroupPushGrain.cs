using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// Pushes an owner's change to every device of its index (key = the owner's key: a group's, or a pass's whose
/// registrations outgrew its state, <see cref="DeviceIndexOwner"/>): the occupied shards are read in parallel and each
/// shard's devices handed to the dispatcher, outside the owner, which keeps answering stamps meanwhile. When every device
/// had its answer, the owner records the version as pushed; anything not delivered is pushed again by the owner's reminder.
/// A run lasts as long as the silo's dispatcher paces it (minutes for a large index): <see cref="Push"/> is one-way, so no
/// caller waits for it, and the owner's nudges and reminder ticks that queue behind the run meanwhile find the version
/// pushed when it ends, and push nobody twice.
/// </summary>
public sealed class GroupPushGrain(IPushDispatcher pushes) : Grain, IGroupPushGrain
{
    private const int ParallelShards = 32;

    /// <summary>The newest version this activation pushed to every shard (whether or not APNs took all of it).</summary>
    private long _ranVersion;

    /// <summary>The newest version this activation pushed to every device with every push delivered.</summary>
    private long _deliveredVersion;

    async Task IGroupPushGrain.Push(long version, bool nudge)
    {
        if (nudge && version <= _ranVersion)
            return;
        var owner = new DeviceIndexOwner(this.GetPrimaryKeyString());
        if (version <= _deliveredVersion)
        {
            // The owner's reminder, queued behind the run that delivered this version (or after a PushesSent that failed):
            // the owner hears it again, the devices do not.
            await owner.PushesSent(GrainFactory, version);
            return;
        }
        var shards = await owner.GetOccupiedShards(GrainFactory);
        var allDelivered = true;
        // Chunks of shards at a time, awaited in the grain's own turn (no thread-pool work inside a grain).
        foreach (var chunk in shards.Chunk(ParallelShards))
        {
            var results = await Task.WhenAll(chunk.Select(shard => PushShard(owner.ShardKey(shard))));
            allDelivered &= results.All(delivered => delivered);
        }
        _ranVersion = Math.Max(_ranVersion, version);
        if (allDelivered)
        {
            _deliveredVersion = Math.Max(_deliveredVersion, version);
            await owner.PushesSent(GrainFactory, version);
        }
    }

    private async Task<bool> PushShard(string shardKey)
    {
        var devices = await GrainFactory.GetGrain<IGroupShardGrain>(shardKey).GetDevices();
        var delivered = true;
        foreach (var byType in devices.GroupBy(d => d.PassTypeIdentifier, StringComparer.Ordinal))
        {
            var reports = await pushes.SendAsync(byType.Key, byType.Select(d => new PushTarget(d.DeviceLibraryIdentifier, d.PushToken)).ToList());
            delivered &= reports.All(r => r.Outcome != PushOutcome.NotDelivered);
        }
        return delivered;
    }
}
