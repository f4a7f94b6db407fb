using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>The changed passes of one pass type on one device, and the tag to ask with next time.</summary>
[GenerateSerializer, Immutable]
public sealed record ChangedSerials([property: Id(0)] IReadOnlyList<string> SerialNumbers, [property: Id(1)] long LastUpdated);

/// <summary>One device library id (key <see cref="GrainKeys.Device"/>): its registrations and push token per pass type.</summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <returns>True when the registration is new.</returns>
    Task<bool> Register(string passTypeIdentifier, string serialNumber, string pushToken);

    Task Unregister(string passTypeIdentifier, string serialNumber);

    /// <summary>Registered serials of the pass type changed after <paramref name="since"/> (all when null); null when none.</summary>
    /// <remarks>
    /// Interleaves: it asks the device's passes for their stamps, and a pass that is registering this
    /// device at that moment waits on the device; without interleaving the two would wait on each other.
    /// </remarks>
    [AlwaysInterleave]
    Task<ChangedSerials?> GetChangedSerials(string passTypeIdentifier, long? since);

    [AlwaysInterleave]
    Task<string?> GetPushToken(string passTypeIdentifier);

    /// <summary>APNs said <paramref name="pushToken"/> is dead: drop this pass type's registrations made with it, everywhere.</summary>
    Task PushTokenInvalid(string passTypeIdentifier, string pushToken);
}
