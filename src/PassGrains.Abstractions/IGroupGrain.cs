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
