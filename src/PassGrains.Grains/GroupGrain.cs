using PassGrains.Abstractions;
using PassGrains.Packaging.Building;

namespace PassGrains.Grains;

public sealed class GroupState
{
    public bool Exists { get; set; }
    public string? TemplateId { get; set; }
    public string? FieldsJson { get; set; }
    public string? PatchJson { get; set; }
    public long Version { get; set; }
    public UpdateStamp Stamp { get; set; }

    /// <summary>The newest version whose pushes reached every device of the group.</summary>
    public long PushedVersion { get; set; }

    /// <summary>One bit per device-index shard that holds devices.</summary>
    public byte[] OccupiedShards { get; set; } = ShardBitmap.Empty();

    /// <summary>
    /// Every template whose passes render this group's values: each template the group had, and those of passes that
    /// joined it from another. Never shrinks (a pass never leaves its group); each one's usage is told what the group sets.
    /// </summary>
    public List<string> Templates { get; set; } = [];

    /// <summary><see cref="Templates"/>, with the group's template (groups stored before the list was kept have only that).</summary>
    public IEnumerable<string> AllTemplates() =>
        (TemplateId is { } own ? Templates.Append(own) : Templates).Distinct(StringComparer.Ordinal);
}

/// <summary>
/// Values shared by a group's passes. A change is one state write: every member renders from it and
/// takes its stamp, so "gate 7 is now gate 9" for 60,000 tickets writes one row.
/// </summary>
public sealed class GroupGrain(
    [PersistentState(StorageNames.Group, StorageNames.Provider)] IPersistentState<GroupState> state,
    TimeProvider time,
    Microsoft.Extensions.Logging.ILogger<GroupGrain> logger,
    Caching.StampCacheBroadcast? caches = null) : Grain, IGroupGrain, IRemindable, IIncomingGrainCallFilter
{
    /// <summary>The silos that keep this group's stamp, told of every change of it before the change is answered.</summary>
    private Caching.CacheWatchers? _watchersOrNull;

    // Made on first use: most activations never serve a cache or change (memory per grain, docs/benchmarks.md).
    private Caching.CacheWatchers Watchers => _watchersOrNull ??= new(caches);

    private Task FlushCacheForgetsAsync() => _watchersOrNull?.FlushAsync() ?? Task.CompletedTask;

    public const string PushesReminder = "group-pushes";
    private RedriveReminder? _reminder;
    private RedriveReminder Reminder => _reminder ??= new RedriveReminder(this, PushesReminder, logger);
    private FanOut? _fanOut;
    private FanOut FanOut => _fanOut ??= new FanOut(this, GrainFactory, () => state.State.PushedVersion < state.State.Version ? state.State.Version : null);

    /// <summary>A group coming back with a change not yet pushed to every device resumes the fan-out.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Exists && state.State.PushedVersion < state.State.Version && ShardBitmap.Any(state.State.OccupiedShards))
            await FanOut.StartAsync(state.State.Version);
    }

    async Task<GroupPutResult> IGroupGrain.Put(GroupPut put)
    {
        var created = !state.State.Exists;
        // The same content and template again is no new version: none of the group's devices is woken for it.
        if (!created && (put.TemplateId is null || put.TemplateId == state.State.TemplateId)
            && PassContentLayers.Merge((state.State.FieldsJson, state.State.PatchJson), put.Content) == (state.State.FieldsJson, state.State.PatchJson))
            return new GroupPutResult(false, state.State.Version);
        // Before the version that owes the pushes is stored: owed pushes without their reminder would wait for ever after a crash.
        if (!created && ShardBitmap.Any(state.State.OccupiedShards))
            await Reminder.EnsureAsync();
        var before = created ? new HashSet<string>(StringComparer.Ordinal) : PassContentLayers.FieldKeys(state.State.FieldsJson);
        var (fields, patch) = PassContentLayers.Merge(created ? default : (state.State.FieldsJson, state.State.PatchJson), put.Content);
        var after = PassContentLayers.FieldKeys(fields);
        var templates = (put.TemplateId is { } next ? state.State.AllTemplates().Append(next) : state.State.AllTemplates()).Distinct(StringComparer.Ordinal).ToList();
        // Told before the change is stored, with the keys of both: a failure after it leaves the usage too high, never too low.
        await TellUsage(templates, before.Union(after).ToList());
        (state.State.FieldsJson, state.State.PatchJson) = (fields, patch);
        state.State.Exists = true;
        state.State.Templates = templates;
        state.State.TemplateId = put.TemplateId ?? state.State.TemplateId;
        state.State.Version++;
        state.State.Stamp = state.State.Stamp.Next(time.GetUtcNow());
        var owesPushes = !created && ShardBitmap.Any(state.State.OccupiedShards);
        if (!owesPushes)
            state.State.PushedVersion = state.State.Version; // nobody to tell
        await state.WriteOrForgetAsync(this);
        if (!before.SetEquals(after))
            await TellUsage(templates, after.ToList());
        if (owesPushes)
        {
            // The version above is the durable record of the owed pushes; the reminder re-drives them after a crash.
            await FanOut.StartAsync(state.State.Version);
        }
        return new GroupPutResult(created, state.State.Version);
    }

    async Task IGroupGrain.AddTemplate(string templateId)
    {
        if (!state.State.Exists || state.State.AllTemplates().Contains(templateId, StringComparer.Ordinal))
            return;
        await TellUsage([templateId], PassContentLayers.FieldKeys(state.State.FieldsJson).ToList());
        state.State.Templates.Add(templateId);
        await state.WriteOrForgetAsync(this);
    }

    /// <summary>The group's keys to the usage of each template its passes render from; repeated on a retry, which heals a failed one.</summary>
    private Task TellUsage(IEnumerable<string> templates, IReadOnlyList<string> keys)
    {
        var groupId = GrainKeys.ParseGroup(this.GetPrimaryKeyString());
        return Task.WhenAll(templates.Select(t => GrainFactory.GetGrain<ITemplateUsageGrain>(GrainKeys.TemplateUsage(t)).SetGroup(groupId, keys)));
    }

    Task IGroupGrain.AddDevice(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string pushToken) =>
        Shard(deviceLibraryIdentifier).Add(deviceLibraryIdentifier, passTypeIdentifier, serialNumber, pushToken);

    Task IGroupGrain.RemoveDevice(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber) =>
        Shard(deviceLibraryIdentifier).Remove(deviceLibraryIdentifier, passTypeIdentifier, serialNumber);

    private IGroupShardGrain Shard(string deviceLibraryIdentifier) =>
        GrainFactory.GetGrain<IGroupShardGrain>(GrainKeys.GroupShard(GrainKeys.ParseGroup(this.GetPrimaryKeyString()), IGroupShardGrain.ShardOf(deviceLibraryIdentifier)));

    async Task IGroupGrain.MarkShard(int shard)
    {
        if (ShardBitmap.Mark(state.State.OccupiedShards, shard))
            await state.WriteOrForgetAsync(this);
    }

    Task<IReadOnlyList<int>> IGroupGrain.GetOccupiedShards() => Task.FromResult(ShardBitmap.Occupied(state.State.OccupiedShards));

    async Task IGroupGrain.PushesSent(long version)
    {
        if (version > state.State.PushedVersion)
        {
            state.State.PushedVersion = version;
            await state.WriteOrForgetAsync(this);
        }
        if (state.State.PushedVersion >= state.State.Version)
            await Reminder.StopAsync();
    }

    async Task IRemindable.ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != PushesReminder)
            return;
        if (state.State.PushedVersion < state.State.Version)
            await FanOut.StartAsync(state.State.Version);
        else
        {
            await Reminder.StopAsync();
        }
    }

    Task<UpdateStamp?> IGroupGrain.WatchStamp(SiloAddress watcher)
    {
        if (!state.State.Exists)
            return Task.FromResult<UpdateStamp?>(null);
        Watchers.Watch(watcher);
        return Task.FromResult<UpdateStamp?>(state.State.Stamp);
    }

    /// <summary>Every call: a call that moved the group's stamp tells the watching silos before it answers.</summary>
    async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
    {
        await FlushCacheForgetsAsync();
        var before = state.State.Exists ? state.State.Stamp : (UpdateStamp?)null;
        try
        {
            await context.Invoke();
        }
        finally
        {
            if (before is not null && state.State.Stamp != before)
                Watchers.Owe(StampCacheKey.Group(GrainKeys.ParseGroup(this.GetPrimaryKeyString())));
        }
        await FlushCacheForgetsAsync();
    }

    Task<GroupSnapshot?> IGroupGrain.GetSnapshot() => Task.FromResult(state.State.Exists
        ? new GroupSnapshot(state.State.TemplateId, new PassContent(state.State.FieldsJson, state.State.PatchJson), state.State.Version, state.State.Stamp,
            state.State.AllTemplates().ToList())
        : null);
}

public sealed class GroupShardState
{
    /// <summary>"device|passType|serial" → push token.</summary>
    public Dictionary<string, string> Members { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One shard of a device index, a group's or a pass's own (<see cref="DeviceIndexOwner"/>): the devices to push when the
/// owner changes. A group's shard, not its callers, keeps its group's bitmap right; a pass marks its own before it asks.
/// Either way an owner's change walks only the shards marked occupied.
/// </summary>
public sealed class GroupShardGrain(
    [PersistentState(StorageNames.GroupShard, StorageNames.Provider)] IPersistentState<GroupShardState> state) : Grain, IGroupShardGrain
{
    /// <summary>This activation has seen its owner store the shard's mark.</summary>
    private bool _marked;

    Task IGroupShardGrain.Add(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string pushToken) =>
        Store(deviceLibraryIdentifier, passTypeIdentifier, serialNumber, pushToken);

    Task<bool> IGroupShardGrain.Store(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string pushToken) =>
        Store(deviceLibraryIdentifier, passTypeIdentifier, serialNumber, pushToken);

    private async Task<bool> Store(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string pushToken)
    {
        // Marked before filled: a crash or failed write in between leaves a marked empty shard (a group change
        // reads it for nothing), never a filled shard the group does not know (its devices never pushed).
        // Once per activation, and before the "already stored" answer: a retried call marks a shard whose mark
        // failed after it was filled (earlier builds filled first and marked only the first entry).
        // A pass's shard has been marked by its pass, which asks only after that (and waits for this call, so it could
        // not take one from here).
        if (!_marked)
        {
            var (owner, shard) = DeviceIndexOwner.OfShard(this.GetPrimaryKeyString());
            if (!owner.IsPass)
                await GrainFactory.GetGrain<IGroupGrain>(owner.Key).MarkShard(shard);
            _marked = true;
        }
        var key = $"{deviceLibraryIdentifier}|{passTypeIdentifier}|{serialNumber}";
        var known = state.State.Members.TryGetValue(key, out var existing);
        if (known && existing == pushToken)
            return false;
        // Only this registration's token: another registration of the device keeps its own (one given by a stranger
        // who registered this device id for a pass of theirs must never replace the holder's).
        state.State.Members[key] = pushToken;
        await state.WriteOrForgetAsync(this);
        return !known;
    }

    async Task IGroupShardGrain.Remove(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber) =>
        await Drop(deviceLibraryIdentifier, passTypeIdentifier, serialNumber, pushToken: null);

    Task<bool> IGroupShardGrain.Drop(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string? pushToken) =>
        Drop(deviceLibraryIdentifier, passTypeIdentifier, serialNumber, pushToken);

    private async Task<bool> Drop(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber, string? pushToken)
    {
        var key = $"{deviceLibraryIdentifier}|{passTypeIdentifier}|{serialNumber}";
        if (!state.State.Members.TryGetValue(key, out var existing) || (pushToken is not null && existing != pushToken))
            return false;
        state.State.Members.Remove(key);
        await state.WriteOrForgetAsync(this);
        return true;
    }

    Task<IReadOnlyList<GroupDevice>> IGroupShardGrain.GetDevices()
    {
        // One push per device, pass type and token, however many of its passes (registered with that token) are in the group.
        IReadOnlyList<GroupDevice> devices = state.State.Members
            .Select(m => (Parts: m.Key.Split('|'), Token: m.Value))
            .Select(m => new GroupDevice(m.Parts[0], m.Parts[1], m.Token))
            .Distinct()
            .ToList();
        return Task.FromResult(devices);
    }
}
