namespace PassGrains.Abstractions;

/// <summary>Keys of the silo-local device read cache (<see cref="IStampCacheService"/>): the owning grain's key, and for a device one per pass type.</summary>
public static class StampCacheKeys
{
    public static string Pass(string passTypeIdentifier, string serialNumber) => GrainKeys.Pass(passTypeIdentifier, serialNumber);

    public static string Group(string groupId) => GrainKeys.Group(groupId);

    public static string Template(string templateId) => GrainKeys.Template(templateId);

    // '|' is in neither a device library id nor a pass type identifier (both checked at the endpoint).
    public static string DeviceSerials(string deviceLibraryIdentifier, string passTypeIdentifier) => $"{GrainKeys.Device(deviceLibraryIdentifier)}|{passTypeIdentifier}";
}
