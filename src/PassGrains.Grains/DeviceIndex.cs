using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// Whose sharded device index a shard or a fan-out serves: a group's (the devices of all its passes, pushed on a group
/// change) or one pass's own (the registrations past those it keeps in its state, pushed on a change of the pass). Both
/// are the same shards (<see cref="GroupShardGrain"/>) and the same fan-out (<see cref="GroupPushGrain"/>, keyed by the
/// owner's key); only the way to the owner differs.
/// </summary>
internal readonly record struct DeviceIndexOwner(string Key)
{
    public bool IsPass => Key.StartsWith("pass:", StringComparison.Ordinal);

    /// <summary>The owner of the shard with key <paramref name="shardKey"/>, and the shard's number.</summary>
    public static (DeviceIndexOwner Owner, int Shard) OfShard(string shardKey)
    {
        if (GrainKeys.IsPassShard(shardKey))
        {
            var (passType, serial, passShard) = GrainKeys.ParsePassShard(shardKey);
            return (new DeviceIndexOwner(GrainKeys.Pass(passType, serial)), passShard);
        }
        var (groupId, shard) = GrainKeys.ParseGroupShard(shardKey);
        return (new DeviceIndexOwner(GrainKeys.Group(groupId)), shard);
    }

    public string ShardKey(int shard)
    {
        if (!IsPass)
            return GrainKeys.GroupShard(GrainKeys.ParseGroup(Key), shard);
        var (passType, serial) = GrainKeys.ParsePass(Key);
        return GrainKeys.PassShard(passType, serial, shard);
    }

    public Task<IReadOnlyList<int>> GetOccupiedShards(IGrainFactory grains) =>
        IsPass ? grains.GetGrain<IPassGrain>(Key).GetOccupiedShards() : grains.GetGrain<IGroupGrain>(Key).GetOccupiedShards();

    public Task PushesSent(IGrainFactory grains, long version) =>
        IsPass ? grains.GetGrain<IPassGrain>(Key).PushesSent(version) : grains.GetGrain<IGroupGrain>(Key).PushesSent(version);
}

/// <summary>An owner's record of its occupied shards: one bit per shard, 128 bytes whatever the index holds.</summary>
internal static class ShardBitmap
{
    public static byte[] Empty() => new byte[IGroupShardGrain.Count / 8];

    public static bool IsMarked(byte[] bitmap, int shard) => (bitmap[shard / 8] & (1 << (shard % 8))) != 0;

    /// <summary>Marks <paramref name="shard"/>; false when it was marked already (nothing to store).</summary>
    public static bool Mark(byte[] bitmap, int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, IGroupShardGrain.Count);
        if (IsMarked(bitmap, shard))
            return false;
        bitmap[shard / 8] |= (byte)(1 << (shard % 8));
        return true;
    }

    public static bool Any(byte[] bitmap) => bitmap.Any(b => b != 0);

    public static IReadOnlyList<int> Occupied(byte[] bitmap) =>
        Enumerable.Range(0, IGroupShardGrain.Count).Where(i => IsMarked(bitmap, i)).ToList();
}

/// <summary>
/// Starts the fan-out of an owner's change (<see cref="IGroupPushGrain"/> under the owner's key) and watches it: while the
/// owner still owes a version, it nudges the fan-out every few seconds, so a fan-out whose silo died starts again on
/// another silo within seconds instead of at the reminder's next minute, and a live one ignores the nudge. The owner's
/// reminder stays the durable re-drive (this timer dies with the owner's silo).
/// </summary>
/// <param name="owedVersion">The owner's version not yet pushed to every device of its index, or null when none is owed.</param>
internal sealed class FanOut(Grain owner, IGrainFactory grains, Func<long?> owedVersion)
{
    /// <summary>How often an owner with an unfinished fan-out checks that its push grain is still alive.</summary>
    private static readonly TimeSpan WatchEvery = TimeSpan.FromSeconds(5);
    private IGrainTimer? _watch;

    private IGroupPushGrain PushGrain => grains.GetGrain<IGroupPushGrain>(owner.GetPrimaryKeyString());

    /// <summary>Pushes <paramref name="version"/> to every device of the index (a one-way call) and keeps watching until it is pushed.</summary>
    public async Task StartAsync(long version)
    {
        await PushGrain.Push(version);
        _watch ??= owner.RegisterGrainTimer(static (fanOut, _) => fanOut.Nudge(), this,
            new GrainTimerCreationOptions(WatchEvery, WatchEvery) { KeepAlive = true });
    }

    private Task Nudge()
    {
        if (owedVersion() is { } version)
            return PushGrain.Push(version, nudge: true);
        _watch?.Dispose();
        _watch = null;
        return Task.CompletedTask;
    }
}
