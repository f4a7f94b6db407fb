using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// Where the registrations of a pass go once it holds more than <see cref="PassGrain.InlineRegistrations"/>: its own
/// sharded device index, the same shards and fan-out as a group's (<see cref="DeviceIndexOwner"/>). The pass keeps only
/// this: the bitmap of the occupied shards, the newest version pushed to all of them, and how many devices they hold.
/// </summary>
public sealed class PassDeviceIndexState
{
    /// <summary>One bit per shard of the pass's index that holds devices (<see cref="GrainKeys.PassShard"/>).</summary>
    public byte[] OccupiedShards { get; set; } = ShardBitmap.Empty();

    /// <summary>The newest version of the pass whose pushes reached every device of the index; below the version, pushes are owed.</summary>
    public long PushedVersion { get; set; }

    /// <summary>
    /// The devices in the index, kept with each registration and removal there instead of counted (a count would read every
    /// shard). It errs low by one for each registration whose shard stored it but whose pass then failed to store the count
    /// (the retry finds the device stored and does not count it again, nor record its registration.added event), and high
    /// likewise for a removal.
    /// </summary>
    public int Devices { get; set; }
}

public sealed partial class PassGrain
{
    /// <summary>
    /// The most registrations a pass keeps in its own state: with them, a change writes its owed pushes in the same write
    /// (the fast path of the 1–3 devices most passes have). Further devices go to the pass's sharded index, so the state of a
    /// pass that 100,000 devices hold stays a few KB and registering costs the same whatever the pass holds.
    /// </summary>
    public const int InlineRegistrations = 16;

    private FanOut? _fanOut;
    private FanOut FanOut => _fanOut ??= new FanOut(this, GrainFactory, () => OwesFanOut ? State.Version : null);

    /// <summary>A change of the pass has not yet reached every device of its index.</summary>
    private bool OwesFanOut => State.Index is { } index && index.PushedVersion < State.Version;

    /// <summary>Nothing is owed: no pushes of registrations in the state, no version to fan out to the index.</summary>
    private bool OwesNothing => State.OwedPushCount == 0 && !OwesFanOut;

    /// <summary>
    /// The devices registered, counted from where they are: the state's, and each occupied shard's entries (one call per
    /// occupied shard, for the issuer's read of the pass). The kept count (<see cref="PassDeviceIndexState.Devices"/>) can
    /// drift by a failed write; the shards cannot.
    /// </summary>
    private async Task<int> CountRegisteredDevicesAsync()
    {
        if (State.Index is not { } index)
            return State.RegisteredDevices.Count;
        var shards = await Task.WhenAll(ShardBitmap.Occupied(index.OccupiedShards).Select(shard => IndexShard(shard).GetDevices()));
        return State.RegisteredDevices.Count + shards.Sum(devices => devices.Count);
    }

    /// <summary>
    /// A device not in the pass's state goes to its index once the state is full or the index exists: a device is then in one
    /// place only (the state never takes a device again once the index exists), so a change pushes it once.
    /// </summary>
    private bool BelongsInIndex(string deviceLibraryIdentifier) =>
        !State.RegisteredDevices.ContainsKey(deviceLibraryIdentifier) && (State.Index is not null || State.RegisteredDevices.Count >= InlineRegistrations);

    private IGroupShardGrain IndexShard(int shard) =>
        GrainFactory.GetGrain<IGroupShardGrain>(GrainKeys.PassShard(State.PassTypeIdentifier, State.SerialNumber, shard));

    /// <summary>
    /// Stores the registration in the pass's index: the shard marked in the pass first (so a filled shard is always one a change
    /// walks; tried on every registration, so a retry marks a shard whose mark failed), then the shard's entry, then the count.
    /// </summary>
    /// <returns>Whether the device is new in the index.</returns>
    private async Task<bool> StoreInIndex(string deviceLibraryIdentifier, string pushToken)
    {
        var shard = IGroupShardGrain.ShardOf(deviceLibraryIdentifier);
        await MarkShard(shard);
        var added = await IndexShard(shard).Store(deviceLibraryIdentifier, State.PassTypeIdentifier, State.SerialNumber, pushToken);
        if (added)
            await CountInIndex(+1, LifecycleEventTypes.RegistrationAdded, deviceLibraryIdentifier, detail: null);
        return added;
    }

    /// <summary>Takes the device out of the pass's index (only while it holds <paramref name="pushToken"/>, unless null); whether it was there.</summary>
    private async Task<bool> DropFromIndex(string deviceLibraryIdentifier, string? pushToken)
    {
        var shard = IGroupShardGrain.ShardOf(deviceLibraryIdentifier);
        if (State.Index is not { } index || !ShardBitmap.IsMarked(index.OccupiedShards, shard))
            return false;
        if (!await IndexShard(shard).Drop(deviceLibraryIdentifier, State.PassTypeIdentifier, State.SerialNumber, pushToken))
            return false;
        await CountInIndex(-1, LifecycleEventTypes.RegistrationRemoved, deviceLibraryIdentifier, pushToken is null ? null : PushTokenInvalid);
        return true;
    }

    /// <summary>
    /// The count of the index and the registration's event, in one write after the shard's: a failure of that write leaves the
    /// shard's entry without its count and its event (the retry finds the entry stored: see <see cref="PassDeviceIndexState.Devices"/>).
    /// </summary>
    private async Task CountInIndex(int delta, string eventType, string deviceLibraryIdentifier, string? detail)
    {
        await Events.ReserveAsync(State.Outbox);
        State.Index!.Devices = Math.Max(0, State.Index.Devices + delta);
        State.Record(eventType, time.GetUtcNow(), deviceLibraryIdentifier, detail);
        await state.WriteOrForgetAsync(this);
        await Events.HandOnAsync(State.Outbox);
    }

    private async Task MarkShard(int shard)
    {
        if (State.Index is { } existing && ShardBitmap.IsMarked(existing.OccupiedShards, shard))
            return;
        // The index begins pushed up to the current version: its devices registered after that version and download it.
        var index = State.Index ?? new PassDeviceIndexState { PushedVersion = State.Version };
        ShardBitmap.Mark(index.OccupiedShards, shard);
        State.Index = index;
        await state.WriteOrForgetAsync(this);
    }

    Task<IReadOnlyList<int>> IPassGrain.GetOccupiedShards() =>
        Task.FromResult(State.Index is { } index ? ShardBitmap.Occupied(index.OccupiedShards) : (IReadOnlyList<int>)[]);

    async Task IPassGrain.PushesSent(long version)
    {
        if (State.Index is { } index && version > index.PushedVersion)
        {
            index.PushedVersion = Math.Min(version, State.Version);
            await state.WriteOrForgetAsync(this);
        }
        if (OwesNothing)
            await StopReminder();
    }
}
