using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>The changed passes of one pass type on one device, and the tag to ask with next time.</summary>
[GenerateSerializer, Immutable]
public sealed record ChangedSerials([property: Id(0)] IReadOnlyList<string> SerialNumbers, [property: Id(1)] long LastUpdated);

/// <summary>One device library id (key <see cref="GrainKeys.Device"/>): its registrations, each with the push token it gave.</summary>
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

    /// <summary>The push token the registration of this pass gave; null when the device holds no such registration.</summary>
    [AlwaysInterleave]
    Task<string?> GetPushToken(string passTypeIdentifier, string serialNumber);

    /// <summary>APNs said <paramref name="pushToken"/> is dead: drop the registrations of this pass type that gave it (and only those), on the device and on their passes.</summary>
    Task PushTokenInvalid(string passTypeIdentifier, string pushToken);
}
