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
    [property: Id(3)] UpdateStamp Stamp,
    [property: Id(4)] IReadOnlyList<string>? Templates = null);

/// <summary>
/// An event, flight or campaign (key <see cref="GrainKeys.Group"/>): values shared by its passes.
/// Changing it is one state write; every member's pass and update tag follow from it.
/// </summary>
public interface IGroupGrain : IGrainWithStringKey
{
    Task<GroupPutResult> Put(GroupPut put);

    Task<GroupSnapshot?> GetSnapshot();

    /// <summary>The group's stamp for the cache of <paramref name="watcher"/>, told of every change from now on; null when there is no such group.</summary>
    Task<UpdateStamp?> WatchStamp(SiloAddress watcher);

    /// <summary>
    /// Records that a pass of <paramref name="templateId"/> joins the group (asked before the pass is stored): the group
    /// then tells that template's usage what it sets (<see cref="ITemplateUsageGrain.SetGroup"/>), now and on every change.
    /// </summary>
    Task AddTemplate(string templateId);

    /// <summary>
    /// Puts a registration of one of the group's passes into the group's device index (the shard of the device,
    /// <see cref="IGroupShardGrain"/>), so group changes push it. Idempotent: the pass asks again on a retried
    /// registration, which repairs an index left behind by a failed write.
    /// </summary>
    // Interleaves: it only hands the entry to the shard, and the group keeps answering stamps meanwhile.
    [Orleans.Concurrency.AlwaysInterleave]
    Task AddDevice(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string pushToken);

    /// <summary>Takes a registration out of the group's device index; nothing when it is not there.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task RemoveDevice(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber);

    /// <summary>
    /// Records that a shard of the group's device index holds devices (a fixed-size bitmap in the group's state).
    /// Asked by the shard itself before it stores a device, so a filled shard is never one the group does not know.
    /// </summary>
    Task MarkShard(int shard);

    /// <summary>The shards that hold devices: where a group change fans out.</summary>
    Task<IReadOnlyList<int>> GetOccupiedShards();

    /// <summary>Every device of the group has been pushed for <paramref name="version"/>.</summary>
    Task PushesSent(long version);
}
