using PassGrains.Abstractions;

namespace PassGrains.Grains.Caching;

/// <summary>
/// The reads of Wallet's device requests, answered from this silo's <see cref="StampCache"/> where it holds them and
/// from the owning grains otherwise (which then tell this silo of every change). A device whose pass is current, asking
/// again, costs no grain call: no 304 and no empty list waits on a pass, group, template or device grain.
/// </summary>
public sealed class CachedDeviceReads(StampCache cache, StampCacheBroadcast silo, IGrainFactory grains, TimeProvider time)
{
    /// <summary>The issued pass's view; null when no such pass is issued.</summary>
    public async ValueTask<PassView?> PassAsync(string passTypeIdentifier, string serialNumber)
    {
        if (cache.TryGet(StampCacheKey.Pass(passTypeIdentifier, serialNumber), out PassView? view))
            return view;
        var epoch = cache.Epoch;
        view = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).WatchView(silo.LocalSilo);
        // Keyed by the view's own strings, not the request's: they are the pass state's when the pass lives on this silo.
        if (view is not null)
            cache.Store(StampCacheKey.Pass(view.PassTypeIdentifier, view.SerialNumber), view, epoch);
        return view;
    }

    /// <summary>
    /// The Last-Modified to answer 304 with when a device presenting <paramref name="authenticationToken"/> and holding the
    /// version of <paramref name="heldSince"/> holds the current one, from this silo's cache; null when the pass grain
    /// must answer: another version, a wrong or missing token, no such pass, or a stamp the pass must settle first.
    /// </summary>
    public async ValueTask<DateTimeOffset?> NotModifiedSinceAsync(string passTypeIdentifier, string serialNumber, string? authenticationToken, DateTimeOffset heldSince)
    {
        if (await PassAsync(passTypeIdentifier, serialNumber) is not { } view || !PassTokens.Matches(authenticationToken, view.TokenHash))
            return null;
        var current = await EffectiveStampAsync(view);
        return current.Settlement(time.GetUtcNow()) is null && current.IsNotModifiedSince(heldSince) ? current.LastModified : null;
    }

    /// <summary>The pass's effective stamp from its view and its group's and template's stamps.</summary>
    public async ValueTask<EffectiveStamp> EffectiveStampAsync(PassView view)
    {
        var group = view.GroupId is { } groupId ? StampAsync(StampCacheKey.Group(groupId)) : default;
        var template = StampAsync(StampCacheKey.Template(view.TemplateId));
        return view.Effective(await group, await template);
    }

    /// <summary>The device's registered serials of the pass type that changed after <paramref name="since"/> (<see cref="ChangedSerials.Select"/>).</summary>
    public async ValueTask<ChangedSerials?> ChangedSerialsAsync(string deviceLibraryIdentifier, string passTypeIdentifier, long? since)
    {
        var start = time.GetUtcNow();
        var serials = await SerialsAsync(deviceLibraryIdentifier, passTypeIdentifier);
        if (serials.Count == 0)
            return null;
        // One serial is the common case (one pass per device and type); several ask their grains in parallel on misses.
        IReadOnlyList<long?> tags = serials.Count == 1
            ? [await TagAsync(passTypeIdentifier, serials[0])]
            : await Task.WhenAll(serials.Select(serial => TagAsync(passTypeIdentifier, serial).AsTask()));
        return ChangedSerials.Select(serials, tags, since, start);
    }

    private async ValueTask<long?> TagAsync(string passTypeIdentifier, string serialNumber) =>
        await PassAsync(passTypeIdentifier, serialNumber) is { } view ? (await EffectiveStampAsync(view)).Tag : null;

    private async ValueTask<IReadOnlyList<string>> SerialsAsync(string deviceLibraryIdentifier, string passTypeIdentifier)
    {
        var key = StampCacheKey.DeviceSerials(deviceLibraryIdentifier, passTypeIdentifier);
        if (cache.TryGet(key, out IReadOnlyList<string>? serials))
            return serials;
        var epoch = cache.Epoch;
        serials = await grains.GetGrain<IDeviceGrain>(GrainKeys.Device(deviceLibraryIdentifier)).WatchSerials(passTypeIdentifier, silo.LocalSilo);
        // Anyone may ask about any device id: an empty answer is not kept, so made-up ids cannot fill the cache.
        if (serials.Count > 0)
            cache.Store(key, serials, epoch);
        return serials;
    }

    // The owner by the key's kind rather than a callback: a hit allocates nothing, not even a closure.
    private async ValueTask<UpdateStamp> StampAsync(StampCacheKey key)
    {
        if (cache.TryGet(key, out StampBox? box))
            return box.Stamp;
        var epoch = cache.Epoch;
        var stamp = key.Kind == StampCacheKind.Group
            ? await grains.GetGrain<IGroupGrain>(GrainKeys.Group(key.Name)).WatchStamp(silo.LocalSilo)
            : await grains.GetGrain<ITemplateGrain>(GrainKeys.Template(key.Name)).WatchStamp(silo.LocalSilo);
        if (stamp is not { } kept)
            return UpdateStamp.None;
        cache.Store(key, new StampBox(kept), epoch);
        return kept;
    }

    /// <summary>A stamp as a cache entry (the cache keeps references).</summary>
    private sealed record StampBox(UpdateStamp Stamp);
}
