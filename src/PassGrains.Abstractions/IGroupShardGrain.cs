namespace PassGrains.Abstractions;

/// <summary>A device of a group's index: who to push when the group changes.</summary>
[GenerateSerializer, Immutable]
public sealed record GroupDevice(
    [property: Id(0)] string DeviceLibraryIdentifier,
    [property: Id(1)] string PassTypeIdentifier,
    [property: Id(2)] string PushToken);

/// <summary>
/// One shard of a device index: a group's (key <see cref="GrainKeys.GroupShard"/>, reached through its group,
/// <see cref="IGroupGrain.AddDevice"/>, <see cref="IGroupGrain.RemoveDevice"/>) or one pass's own, once the pass holds more
/// registrations than it keeps in its state (key <see cref="GrainKeys.PassShard"/>, reached by the pass). A device lands in
/// shard hash(device) mod <see cref="Count"/>. With 1,024 shards an index of 100,000 devices keeps about 100 in each, and
/// its owner keeps only a 128-byte bitmap of the occupied shards.
/// </summary>
/// <remarks>
/// The owner's bitmap is marked before a shard stores a device, so a filled shard is never one its owner does not know: a
/// group's shard asks its group (<see cref="IGroupGrain.MarkShard"/>, once per activation); a pass marks its own shard
/// before it asks (the pass is the caller, and a pass waiting for its shard could not take the shard's call).
/// </remarks>
public interface IGroupShardGrain : IGrainWithStringKey
{
    public const int Count = 1024;

    /// <summary>Stores the entry, after making sure the group has this shard marked occupied (<see cref="IGroupGrain.MarkShard"/>).</summary>
    Task Add(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string pushToken);

    Task Remove(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber);

    /// <summary><see cref="Add"/>, answering whether the entry is new (a new token for an entry already there is not).</summary>
    Task<bool> Store(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string pushToken);

    /// <summary>
    /// Removes the entry when it is there and, unless <paramref name="pushToken"/> is null, holds that token (APNs declared it
    /// invalid: a registration made since with another token stays); true when it removed one.
    /// </summary>
    Task<bool> Drop(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string? pushToken);

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
