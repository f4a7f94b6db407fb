using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class DeviceState
{
    /// <summary>Pass type identifier → push token and registered serials.</summary>
    public Dictionary<string, DevicePassTypeState> PassTypes { get; set; } = new(StringComparer.Ordinal);
}

public sealed class DevicePassTypeState
{
    public string PushToken { get; set; } = "";
    public SortedSet<string> Serials { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One device library id. Answers "which of my passes changed since tag T" by asking each registered
/// pass for its effective stamp, so a group change needs no write here.
/// </summary>
public sealed class DeviceGrain(
    [PersistentState(StorageNames.Device, StorageNames.Provider)] IPersistentState<DeviceState> state,
    TimeProvider time) : Grain, IDeviceGrain
{
    /// <summary>
    /// The tag returned never exceeds the listing's start minus this margin: a change that commits
    /// while the list is being read (or on a silo whose clock runs slightly behind) gets a tag above
    /// it and shows up in the next list. The price is that a pass changed in the last moment before a
    /// list may be listed once more and answered with 304.
    /// </summary>
    private static readonly TimeSpan ListingMargin = TimeSpan.FromSeconds(1);

    async Task<bool> IDeviceGrain.Register(string passTypeIdentifier, string serialNumber, string pushToken)
    {
        if (!state.State.PassTypes.TryGetValue(passTypeIdentifier, out var registrations))
            state.State.PassTypes[passTypeIdentifier] = registrations = new DevicePassTypeState();
        var added = registrations.Serials.Add(serialNumber);
        if (added || registrations.PushToken != pushToken)
        {
            registrations.PushToken = pushToken;
            await state.WriteStateAsync();
        }
        return added;
    }

    async Task IDeviceGrain.Unregister(string passTypeIdentifier, string serialNumber)
    {
        if (!state.State.PassTypes.TryGetValue(passTypeIdentifier, out var registrations) || !registrations.Serials.Remove(serialNumber))
            return;
        if (registrations.Serials.Count == 0)
            state.State.PassTypes.Remove(passTypeIdentifier);
        if (state.State.PassTypes.Count == 0)
            await state.ClearStateAsync();
        else
            await state.WriteStateAsync();
    }

    async Task<ChangedSerials?> IDeviceGrain.GetChangedSerials(string passTypeIdentifier, long? since)
    {
        if (!state.State.PassTypes.TryGetValue(passTypeIdentifier, out var registrations) || registrations.Serials.Count == 0)
            return null;
        var start = time.GetUtcNow() - ListingMargin;
        var ceiling = (start.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var serials = registrations.Serials.ToList();
        var stamps = await Task.WhenAll(serials.Select(s => GrainFactory.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, s)).GetStamp()));
        var changed = new List<string>();
        long newest = 0;
        for (var i = 0; i < serials.Count; i++)
        {
            if (stamps[i] is not { } stamp || (since is { } tag && stamp.Tag <= tag))
                continue;
            changed.Add(serials[i]);
            newest = Math.Max(newest, stamp.Tag);
        }
        if (changed.Count == 0)
            return null;
        var lastUpdated = Math.Max(since ?? 0, Math.Min(newest, ceiling));
        return new ChangedSerials(changed, lastUpdated);
    }

    async Task IDeviceGrain.PushTokenInvalid(string passTypeIdentifier, string pushToken)
    {
        if (!state.State.PassTypes.TryGetValue(passTypeIdentifier, out var registrations) || registrations.PushToken != pushToken)
            return; // the device registered again with a new token since
        state.State.PassTypes.Remove(passTypeIdentifier);
        if (state.State.PassTypes.Count == 0)
            await state.ClearStateAsync();
        else
            await state.WriteStateAsync();
        foreach (var serial in registrations.Serials)
            await GrainFactory.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serial)).RemoveRegistration(this.GetPrimaryKeyString()["device:".Length..], pushToken);
    }

    Task<string?> IDeviceGrain.GetPushToken(string passTypeIdentifier) =>
        Task.FromResult(state.State.PassTypes.TryGetValue(passTypeIdentifier, out var registrations) ? registrations.PushToken : null);
}
