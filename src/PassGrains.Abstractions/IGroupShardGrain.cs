namespace PassGrains.Abstractions;

/// <summary>A device of a group's index: who to push when the group changes.</summary>
[GenerateSerializer, Immutable]
public sealed record GroupDevice(
    [property: Id(0)] string DeviceLibraryIdentifier,
    [property: Id(1)] string PassTypeIdentifier,
    [property: Id(2)] string PushToken);

/// <summary>
/// One shard of a group's device index (key <see cref="GrainKeys.GroupShard"/>), reached through its group
/// (<see cref="IGroupGrain.AddDevice"/>, <see cref="IGroupGrain.RemoveDevice"/>); a device lands in
/// shard hash(device) mod <see cref="Count"/>. With 1,024 shards a group of 100,000 devices keeps about
/// 100 in each, and the group itself keeps only a 128-byte bitmap of the occupied shards.
/// </summary>
public interface IGroupShardGrain : IGrainWithStringKey
{
    public const int Count = 1024;

    /// <summary>Stores the entry, after making sure the group has this shard marked occupied (<see cref="IGroupGrain.MarkShard"/>).</summary>
    Task Add(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string pushToken);

    Task Remove(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber);

    Task<IReadOnlyList<GroupDevice>> GetDevices();

    public static int ShardOf(string deviceLibraryIdentifier)
    {
        // FNV-1a: stable across processes, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var c in deviceLibraryIdentifier)
            hash = (hash ^ c) * 16777619u;
        return (int)(hash % Count);
    }
}
