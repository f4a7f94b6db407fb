using System.Text.Json.Serialization;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class DeviceState
{
    /// <summary>Pass type identifier → the registrations of that type on this device.</summary>
    public Dictionary<string, DevicePassTypeState> PassTypes { get; set; } = new(StringComparer.Ordinal);
}

public sealed class DevicePassTypeState
{
    /// <summary>
    /// Serial number → the push token its registration gave. A token belongs to one registration, not to the
    /// device: anyone may register any device library id for a pass of their own (Apple's protocol does not
    /// authenticate the device), so a token given there must never replace or remove another registration's.
    /// </summary>
    public SortedDictionary<string, string> Registrations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Stored before registrations carried their own tokens: one token for every serial of the type. Read once, then moved.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PushToken { get; set; }

    /// <summary>Stored before registrations carried their own tokens (see <see cref="PushToken"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SortedSet<string>? Serials { get; set; }

    /// <summary>Moves a state of the earlier shape into <see cref="Registrations"/>; true when something moved.</summary>
    public bool MigrateEarlierShape()
    {
        if (Serials is not { Count: > 0 } serials)
        {
            var had = Serials is not null || PushToken is not null;
            Serials = null;
            PushToken = null;
            return had;
        }
        foreach (var serial in serials)
            Registrations.TryAdd(serial, PushToken ?? "");
        Serials = null;
        PushToken = null;
        return true;
    }
}

/// <summary>
/// One device library id. Answers "which of my passes changed since tag T" by asking each registered
/// pass for its effective stamp, so a group change needs no write here.
/// </summary>
public sealed class DeviceGrain(
    [PersistentState(StorageNames.Device, StorageNames.Provider)] IPersistentState<DeviceState> state,
    TimeProvider time,
    Caching.StampCacheBroadcast? caches = null) : Grain, IDeviceGrain
{
    /// <summary>The silos that keep this device's serials of a pass type, told of every registration and unregistration.</summary>
    private Caching.CacheWatchers? _watchersOrNull;

    // Made on first use: most activations never serve a cache or change (memory per grain, docs/benchmarks.md).
    private Caching.CacheWatchers Watchers => _watchersOrNull ??= new(caches);

    private Task FlushCacheForgetsAsync() => _watchersOrNull?.FlushAsync() ?? Task.CompletedTask;

    private string DeviceLibraryIdentifier => GrainKeys.ParseDevice(this.GetPrimaryKeyString());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // In memory only: the next write stores the new shape, and until then a re-read migrates the same way.
        foreach (var registrations in state.State.PassTypes.Values)
            registrations.MigrateEarlierShape();
        return Task.CompletedTask;
    }

    async Task<bool> IDeviceGrain.Register(string passTypeIdentifier, string serialNumber, string pushToken)
    {
        var registrations = state.State.PassTypes.GetValueOrDefault(passTypeIdentifier);
        var existing = registrations?.Registrations.GetValueOrDefault(serialNumber);
        if (existing == pushToken)
            return false;
        if (registrations is null)
            state.State.PassTypes[passTypeIdentifier] = registrations = new DevicePassTypeState();
        registrations.Registrations[serialNumber] = pushToken;
        if (existing is null)
            Watchers.Owe(StampCacheKey.DeviceSerials(DeviceLibraryIdentifier, passTypeIdentifier));
        await WriteAndTell();
        return existing is null;
    }

    async Task IDeviceGrain.Unregister(string passTypeIdentifier, string serialNumber)
    {
        if (!state.State.PassTypes.TryGetValue(passTypeIdentifier, out var registrations) || !registrations.Registrations.Remove(serialNumber))
            return;
        if (registrations.Registrations.Count == 0)
            state.State.PassTypes.Remove(passTypeIdentifier);
        Watchers.Owe(StampCacheKey.DeviceSerials(DeviceLibraryIdentifier, passTypeIdentifier));
        await WriteAndTell();
    }

    async Task<ChangedSerials?> IDeviceGrain.GetChangedSerials(string passTypeIdentifier, long? since)
    {
        if (!state.State.PassTypes.TryGetValue(passTypeIdentifier, out var registrations) || registrations.Registrations.Count == 0)
        {
            // Anyone may ask for any device id: an activation that holds nothing goes, so random ids cannot pile up in memory.
            if (state.State.PassTypes.Count == 0)
                DeactivateOnIdle();
            return null;
        }
        var start = time.GetUtcNow();
        var serials = registrations.Registrations.Keys.ToList();
        var stamps = await Task.WhenAll(serials.Select(s => GrainFactory.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, s)).GetStamp()));
        return ChangedSerials.Select(serials, stamps.Select(s => s?.Tag).ToList(), since, start);
    }

    async Task IDeviceGrain.PushTokenInvalid(string passTypeIdentifier, string pushToken)
    {
        if (!state.State.PassTypes.TryGetValue(passTypeIdentifier, out var registrations))
            return;
        // Only the registrations that gave this token: another pass of the type registered on this device
        // (its holder's own, or one an attacker registered with a junk token) keeps its own.
        var dead = registrations.Registrations.Where(r => r.Value == pushToken).Select(r => r.Key).ToList();
        if (dead.Count == 0)
            return; // the device registered again with a new token since
        foreach (var serial in dead)
            registrations.Registrations.Remove(serial);
        if (registrations.Registrations.Count == 0)
            state.State.PassTypes.Remove(passTypeIdentifier);
        Watchers.Owe(StampCacheKey.DeviceSerials(DeviceLibraryIdentifier, passTypeIdentifier));
        await WriteAndTell();
        foreach (var serial in dead)
            await GrainFactory.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serial)).RemoveRegistration(DeviceLibraryIdentifier, pushToken);
    }

    async Task<IReadOnlyList<string>> IDeviceGrain.WatchSerials(string passTypeIdentifier, SiloAddress watcher)
    {
        if (!state.State.PassTypes.TryGetValue(passTypeIdentifier, out var registrations) || registrations.Registrations.Count == 0)
        {
            if (state.State.PassTypes.Count == 0)
                DeactivateOnIdle(); // as in GetChangedSerials: made-up device ids do not pile up
            return [];
        }
        // A forget an earlier failed call still owes goes before this silo is handed the serials again.
        await FlushCacheForgetsAsync();
        Watchers.Watch(watcher);
        return registrations.Registrations.Keys.ToList();
    }

    Task<string?> IDeviceGrain.GetPushToken(string passTypeIdentifier, string serialNumber) =>
        Task.FromResult(state.State.PassTypes.GetValueOrDefault(passTypeIdentifier)?.Registrations.GetValueOrDefault(serialNumber));

    /// <summary>Stores the state, or clears it when no registration is left (<see cref="StateWrites"/>).</summary>
    /// <summary>
    /// Stores the change and tells the watching silos, also when the write failed: a silo may have been handed the
    /// serials while the write was under way (the reads interleave), and the restored state must not stay cached.
    /// </summary>
    private async Task WriteAndTell()
    {
        try
        {
            await WriteOrForget();
        }
        finally
        {
            await FlushCacheForgetsAsync();
        }
    }

    private Task WriteOrForget() => state.WriteOrForgetAsync(this, clear: state.State.PassTypes.Count == 0);
}
