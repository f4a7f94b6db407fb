namespace PassGrains.Abstractions;

[GenerateSerializer, Immutable]
public sealed record GroupPut(
    [property: Id(0)] string? TemplateId,
    [property: Id(1)] PassContent Content);

[GenerateSerializer, Immutable]
public sealed record GroupPutResult([property: Id(0)] bool Created, [property: Id(1)] long Version);

[GenerateSerializer, Immutable]
public sealed record GroupSnapshot(
    [property: Id(0)] string? TemplateId,
    [property: Id(1)] PassContent Content,
    [property: Id(2)] long Version,
    [property: Id(3)] UpdateStamp Stamp);

/// <summary>
/// An event, flight or campaign (key <see cref="GrainKeys.Group"/>): values shared by its passes.
/// Changing it is one state write; every member's pass and update tag follow from it.
/// </summary>
public interface IGroupGrain : IGrainWithStringKey
{
    Task<GroupPutResult> Put(GroupPut put);

    Task<GroupSnapshot?> GetSnapshot();

    /// <summary>Records that a shard of the group's device index holds devices (a fixed-size bitmap in the group's state).</summary>
    Task MarkShard(int shard);

    /// <summary>The shards that hold devices: where a group change fans out.</summary>
    Task<IReadOnlyList<int>> GetOccupiedShards();

    /// <summary>Every device of the group has been pushed for <paramref name="version"/>.</summary>
    Task PushesSent(long version);
}

/// <summary>A device of a group's index: who to push when the group changes.</summary>
[GenerateSerializer, Immutable]
public sealed record GroupDevice(
    [property: Id(0)] string DeviceLibraryIdentifier,
    [property: Id(1)] string PassTypeIdentifier,
    [property: Id(2)] string PushToken);

/// <summary>
/// One shard of a group's device index (key <see cref="GrainKeys.GroupShard"/>); a device lands in
/// shard hash(device) mod <see cref="Count"/>. With 1,024 shards a group of 100,000 devices keeps about
/// 100 in each, and the group itself keeps only a 128-byte bitmap of the occupied shards.
/// </summary>
public interface IGroupShardGrain : IGrainWithStringKey
{
    public const int Count = 1024;

    /// <returns>True when this entry made the shard non-empty.</returns>
    Task<bool> Add(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string pushToken);

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
