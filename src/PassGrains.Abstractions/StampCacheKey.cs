namespace PassGrains.Abstractions;

/// <summary>What a silo-local device read cache entry is of (<see cref="StampCacheKey"/>).</summary>
public enum StampCacheKind : byte
{
    Pass,
    Group,
    Template,
    DeviceSerials,
}

/// <summary>
/// A key of the silo-local device read cache (<see cref="IStampCacheService"/>): the owning grain's name and, for a pass
/// and a device's serials, the pass type. A struct of references rather than one joined string: a lookup allocates
/// nothing, and an entry stored with the owner's own strings costs no copy of them (memory per grain, docs/benchmarks.md).
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct StampCacheKey([property: Id(0)] StampCacheKind Kind, [property: Id(1)] string Name, [property: Id(2)] string? PassTypeIdentifier)
{
    public static StampCacheKey Pass(string passTypeIdentifier, string serialNumber) => new(StampCacheKind.Pass, serialNumber, passTypeIdentifier);

    public static StampCacheKey Group(string groupId) => new(StampCacheKind.Group, groupId, null);

    public static StampCacheKey Template(string templateId) => new(StampCacheKind.Template, templateId, null);

    public static StampCacheKey DeviceSerials(string deviceLibraryIdentifier, string passTypeIdentifier) =>
        new(StampCacheKind.DeviceSerials, deviceLibraryIdentifier, passTypeIdentifier);
}
