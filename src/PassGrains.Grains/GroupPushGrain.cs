using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// Pushes a group change to every device of the group (key = the group's key): the occupied shards
/// are read in parallel and each shard's devices handed to the dispatcher, outside the group grain,
/// which keeps answering stamps meanwhile. When every device had its answer, the group records the
/// version as pushed; anything not delivered is pushed again by the group's reminder.
/// </summary>
public sealed class GroupPushGrain(IPushDispatcher pushes) : Grain, IGroupPushGrain
{
    private const int ParallelShards = 32;

    /// <summary>The newest version this activation pushed to every shard (whether or not APNs took all of it).</summary>
    private long _ranVersion;

    async Task IGroupPushGrain.Push(long version, bool nudge)
    {
        if (nudge && version <= _ranVersion)
            return;
        var groupKey = this.GetPrimaryKeyString();
        var groupId = GrainKeys.ParseGroup(groupKey);
        var group = GrainFactory.GetGrain<IGroupGrain>(groupKey);
        var shards = await group.GetOccupiedShards();
        var allDelivered = true;
        // Chunks of shards at a time, awaited in the grain's own turn (no thread-pool work inside a grain).
        foreach (var chunk in shards.Chunk(ParallelShards))
        {
            var results = await Task.WhenAll(chunk.Select(shard => PushShard(groupId, shard)));
            allDelivered &= results.All(delivered => delivered);
        }
        _ranVersion = Math.Max(_ranVersion, version);
        if (allDelivered)
            await group.PushesSent(version);
    }

    private async Task<bool> PushShard(string groupId, int shard)
    {
        var devices = await GrainFactory.GetGrain<IGroupShardGrain>(GrainKeys.GroupShard(groupId, shard)).GetDevices();
        var delivered = true;
        foreach (var byType in devices.GroupBy(d => d.PassTypeIdentifier, StringComparer.Ordinal))
        {
            var reports = await pushes.SendAsync(byType.Key, byType.Select(d => new PushTarget(d.DeviceLibraryIdentifier, d.PushToken)).ToList());
            delivered &= reports.All(r => r.Outcome != PushOutcome.NotDelivered);
        }
        return delivered;
    }
}
