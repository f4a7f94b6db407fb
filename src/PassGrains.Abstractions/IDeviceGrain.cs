using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>The changed passes of one pass type on one device, and the tag to ask with next time.</summary>
[GenerateSerializer, Immutable]
public sealed record ChangedSerials([property: Id(0)] IReadOnlyList<string> SerialNumbers, [property: Id(1)] long LastUpdated)
{
    /// <summary>
    /// The tag returned never exceeds the listing's start minus this margin: a change that commits
    /// while the list is being read (or on a silo whose clock runs slightly behind) gets a tag above
    /// it and shows up in the next list. The price is that a pass changed in the last moment before a
    /// list may be listed once more and answered with 304.
    /// </summary>
    public static readonly TimeSpan ListingMargin = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The serials whose effective tag is past <paramref name="since"/> (all when null; a serial without a stamp is no
    /// longer issued and never listed), and the tag to ask with next; null when none changed. The one rule of the
    /// listing, for the device grain and for every silo's cache alike.
    /// </summary>
    /// <param name="start">When the listing began: the tag returned stays below it by <see cref="ListingMargin"/>.</param>
    public static ChangedSerials? Select(IReadOnlyList<string> serials, IReadOnlyList<long?> tags, long? since, DateTimeOffset start)
    {
        var ceiling = ((start - ListingMargin).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var changed = new List<string>();
        long newest = 0;
        for (var i = 0; i < serials.Count; i++)
        {
            if (tags[i] is not { } tag || (since is { } known && tag <= known))
                continue;
            changed.Add(serials[i]);
            newest = Math.Max(newest, tag);
        }
        if (changed.Count == 0)
            return null;
        return new ChangedSerials(changed, Math.Max(since ?? 0, Math.Min(newest, ceiling)));
    }
}

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
    /// <summary>
    /// The serials of the pass type registered on this device, for the cache of <paramref name="watcher"/>, told of every
    /// registration and unregistration of the type from now on; empty when there are none (nothing is then kept).
    /// </summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> WatchSerials(string passTypeIdentifier, SiloAddress watcher);

    [AlwaysInterleave]
    Task<string?> GetPushToken(string passTypeIdentifier, string serialNumber);

    /// <summary>APNs said <paramref name="pushToken"/> is dead: drop the registrations of this pass type that gave it (and only those), on the device and on their passes.</summary>
    Task PushTokenInvalid(string passTypeIdentifier, string pushToken);
}
