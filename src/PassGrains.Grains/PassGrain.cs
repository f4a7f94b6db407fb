using System.Text.Json.Serialization;
using Orleans.Storage;
using PassGrains.Abstractions;
using PassGrains.Packaging.Building;

namespace PassGrains.Grains;

public sealed class PassState
{
    public bool Issued { get; set; }

    /// <summary>Shared with every other pass of the type (<see cref="SharedStrings"/>), as <see cref="TemplateId"/> with its template's.</summary>
    public string PassTypeIdentifier { get; set => field = SharedStrings.Of(value); } = "";
    public string SerialNumber { get; set; } = "";
    public string TemplateId { get; set => field = SharedStrings.Of(value); } = "";
    public string? GroupId { get; set; }
    public string? FieldsJson { get; set; }
    public string? PatchJson { get; set; }
    public bool Voided { get; set; }
    public long Version { get; set; }
    public UpdateStamp Stamp { get; set; }
    /// <summary>The stamp tag of the issue: group and template changes before it are not versions of this pass.</summary>
    public long IssuedTag { get; set; }
    public string TokenNonce { get; set; } = "";
    public string TokenHash { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }

    /// <summary>The batch job and line that issued the pass (null: issued one at a time).</summary>
    public string? OriginJob { get; set; }
    public int OriginLine { get; set; }

    /// <summary>Whether <paramref name="origin"/> issued this pass: a batch line run again finds its own pass, not a conflict.</summary>
    public bool IsFrom(PassOrigin? origin) => origin is not null && OriginJob == origin.JobId && OriginLine == origin.Line;

    /// <summary>
    /// The effective tag of the version whose ambiguous Last-Modified this pass settled, and the second it gave it
    /// (<see cref="EffectiveStamp.SettledBy"/>); without it, a pass whose own change and its group's fell in one second
    /// would answer 200 to every device for ever.
    /// </summary>
    public UpdateStamp Settled { get; set; }

    /// <summary>The holder's rewards-enrollment answers, once personalized.</summary>
    public string? PersonalizationJson { get; set; }

    /// <summary>Device library id → push token: the pass's first <see cref="PassGrain.InlineRegistrations"/> devices; made on first use.</summary>
    [JsonIgnore]
    public Dictionary<string, string> Registrations => _registrations ??= new(StringComparer.Ordinal);

    /// <summary>The devices of <see cref="Registrations"/> to read, without making the dictionary of a pass that has none.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> RegisteredDevices => _registrations ?? NoDevices;

    /// <summary><see cref="Registrations"/> as stored: as <see cref="StoredOwedPushes"/>, no dictionary at all while there are none.</summary>
    [JsonPropertyName("registrations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? StoredRegistrations
    {
        get => _registrations is { Count: > 0 } ? _registrations : null;
        set => _registrations = value is { Count: > 0 } ? value : null;
    }

    private static readonly IReadOnlyDictionary<string, string> NoDevices = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;
    private Dictionary<string, string>? _registrations;

    /// <summary>The pass's own device index, holding every further device; null until the pass has more than its state keeps.</summary>
    public PassDeviceIndexState? Index { get; set; }

    /// <summary>
    /// Pushes a change owes (device library id → push token) to the devices of <see cref="Registrations"/>, written in the
    /// same state write as the change itself, so a silo that dies before APNs answered leaves them here for the reminder.
    /// (What it owes the devices of <see cref="Index"/> is one number: <see cref="PassDeviceIndexState.PushedVersion"/>.)
    /// </summary>
    [JsonIgnore]
    public Dictionary<string, string> OwedPushes => _owedPushes ??= new(StringComparer.Ordinal);

    /// <summary>How many pushes are owed, without making the dictionary of a pass that owes none.</summary>
    [JsonIgnore]
    public int OwedPushCount => _owedPushes?.Count ?? 0;

    /// <summary>
    /// <see cref="OwedPushes"/> as stored: left out while nothing is owed, and read back as no dictionary at all, since
    /// most passes owe nothing most of the time (an empty dictionary is 80 bytes a pass; memory per grain, docs/benchmarks.md).
    /// </summary>
    [JsonPropertyName("owedPushes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? StoredOwedPushes
    {
        get => _owedPushes is { Count: > 0 } ? _owedPushes : null;
        set => _owedPushes = value is { Count: > 0 } ? value : null;
    }

    private Dictionary<string, string>? _owedPushes;

    /// <summary>
    /// Events of changes stored here and perhaps not yet in the event feed (<see cref="EventOutbox"/>): written in the
    /// change's own write, so an event exists exactly when its change does.
    /// </summary>
    /// <remarks>
    /// Read from storage, an event's type and pass type are the shared instances (<see cref="SharedStrings"/>): a pass read
    /// again keeps the events of its last change here until its next change, each otherwise with copies of its own.
    /// </remarks>
    public List<LifecycleEvent> Outbox { get; set => field = Share(value); } = [];

    /// <summary>Events this pass has recorded: the last part of each one's id.</summary>
    public long EventCount { get; set; }

    /// <summary>Records an event of the change about to be written (its version, if it makes one, already counted).</summary>
    public void Record(string type, DateTimeOffset at, string? device = null, string? detail = null)
    {
        EventCount++;
        Outbox.Add(new LifecycleEvent(type, PassTypeIdentifier, SerialNumber, at, Version, device, detail,
            $"{PassTypeIdentifier}/{SerialNumber}/{EventCount.ToString(System.Globalization.CultureInfo.InvariantCulture)}", TemplateId: TemplateId, GroupId: GroupId));
    }

    private static List<LifecycleEvent> Share(List<LifecycleEvent> events)
    {
        // A stored "outbox": null is set as it is read, as before.
        if (events is null)
            return events!;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            events[i] = e with
            {
                Type = SharedStrings.Of(e.Type),
                PassTypeIdentifier = SharedStrings.Of(e.PassTypeIdentifier),
                TemplateId = e.TemplateId is { } template ? SharedStrings.Of(template) : null,
            };
        }
        return events;
    }

    /// <summary>The first version of a pass: the one place that decides what an issued pass holds.</summary>
    public void Issue(string passTypeIdentifier, string serialNumber, PassIssue issue, string tokenNonce, string tokenHash, DateTimeOffset now)
    {
        Issued = true;
        PassTypeIdentifier = passTypeIdentifier;
        SerialNumber = serialNumber;
        TemplateId = issue.TemplateId;
        GroupId = issue.GroupId;
        FieldsJson = issue.Content.FieldsJson;
        PatchJson = issue.Content.PatchJson;
        Version = 1;
        Stamp = Stamp.Next(now);
        IssuedTag = Stamp.Tag;
        TokenNonce = tokenNonce;
        TokenHash = tokenHash;
        IssuedAt = now;
        OriginJob = issue.Origin?.JobId;
        OriginLine = issue.Origin?.Line ?? 0;
        Record(LifecycleEventTypes.PassIssued, now);
    }
}

/// <summary>
/// One pass: the single owner of its content, version, token and registrations. CPU work
/// (rendering, signing) never happens here; callers get the inputs and render outside.
/// </summary>
// Activated where it is first called: the batch chunk issuing it, or the silo whose front end took the
// request. Saves a silo-to-silo hop per pass at issue time; a balancer spreads requests, and so passes.
[Orleans.Placement.PreferLocalPlacement]
public sealed partial class PassGrain(
    [PersistentState(StorageNames.Pass, StorageNames.Provider)] IPersistentState<PassState> state,
    PassTokens tokens,
    IPushDispatcher pushes,
    TimeProvider time,
    Microsoft.Extensions.Logging.ILogger<PassGrain> logger,
    Caching.StampCacheBroadcast? caches = null) : Grain, IPassGrain, IRemindable, IIncomingGrainCallFilter
{
    /// <summary>The silos that keep this pass's <see cref="PassView"/>, told of every change of it before the change is answered.</summary>
    private Caching.CacheWatchers? _watchersOrNull;

    // Made on first use: most activations never serve a cache or change (memory per grain, docs/benchmarks.md).
    private Caching.CacheWatchers Watchers => _watchersOrNull ??= new(caches);

    private Task FlushCacheForgetsAsync() => _watchersOrNull?.FlushAsync() ?? Task.CompletedTask;

    /// <summary>Re-drives owed pushes after a crash or a failed delivery; gone when nothing is owed.</summary>
    public const string OwedPushesReminder = "owed-pushes";

    private PassState State => state.State;
    private static readonly TimeSpan RecheckAfter = TimeSpan.FromMilliseconds(200);
    private DateTimeOffset _stateReadAt;
    private Task? _reread;
    private RedriveReminder? _reminder;
    private RedriveReminder Reminder => _reminder ??= new RedriveReminder(this, OwedPushesReminder, logger);
    private EventOutbox? _events;
    private EventOutbox Events => _events ??= new EventOutbox(GrainFactory, this.GetPrimaryKeyString(), logger);

    /// <summary>A pass coming back (after a crash, on the silo that now holds it) sends what it still owes right away.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stateReadAt = time.GetUtcNow();
        if (State.OwedPushCount > 0)
            pushes.Enqueue(State.PassTypeIdentifier, State.SerialNumber, OwedTargets());
        if (OwesFanOut)
            await FanOut.StartAsync(State.Version);
    }

    async Task<PassIssueResult> IPassGrain.Issue(PassIssue issue)
    {
        if (await IsIssued())
            return new PassIssueResult(State.IsFrom(issue.Origin) ? PassIssueStatus.IssuedBefore : PassIssueStatus.AlreadyExists, State.Version);
        var (passType, serial) = GrainKeys.ParsePass(this.GetPrimaryKeyString());
        await Events.ReserveAsync(State.Outbox);
        var nonce = PassTokens.NewNonce();
        State.Issue(passType, serial, issue, nonce, PassTokens.Hash(tokens.TokenFor(nonce)), time.GetUtcNow());
        try
        {
            await state.WriteOrForgetAsync(this);
        }
        catch (InconsistentStateException)
        {
            // Issued meanwhile without this activation (NewPassWriter): that version stands.
            await ReadState();
            return new PassIssueResult(State.IsFrom(issue.Origin) ? PassIssueStatus.IssuedBefore : PassIssueStatus.AlreadyExists, State.Version);
        }
        await Events.HandOnAsync(State.Outbox);
        return new PassIssueResult(PassIssueStatus.Created, State.Version);
    }

    async Task<PassChangeResult> IPassGrain.Change(PassContent change)
    {
        if (!await IsIssued())
            return new PassChangeResult(false, 0);
        var before = PassContentLayers.FieldKeys(State.FieldsJson);
        var merged = PassContentLayers.Merge((State.FieldsJson, State.PatchJson), change);
        // A change that changes nothing (an empty PATCH, a value set again) is no new version: no device is woken for it.
        if (merged == (State.FieldsJson, State.PatchJson))
            return new PassChangeResult(true, State.Version, [], []);
        await Advance(() => (State.FieldsJson, State.PatchJson) = merged, LifecycleEventTypes.PassChanged);
        // The caller keeps the template's count of keys in use exact from these (Issuing/PassIssuer.cs ChangePassAsync).
        var after = PassContentLayers.FieldKeys(State.FieldsJson);
        return new PassChangeResult(true, State.Version, after.Except(before).ToList(), before.Except(after).ToList());
    }

    async Task<PassChangeResult> IPassGrain.Void()
    {
        if (!await IsIssued())
            return new PassChangeResult(false, 0);
        if (!State.Voided)
        {
            await Advance(() => State.Voided = true, LifecycleEventTypes.PassVoided);
        }
        return new PassChangeResult(true, State.Version);
    }

    async Task<PassSummary?> IPassGrain.GetSummary()
    {
        if (!await IsIssuedOrLeave())
            return null;
        var stamp = await GetEffectiveStamp();
        return new PassSummary(State.PassTypeIdentifier, State.SerialNumber, State.TemplateId, State.GroupId, State.Version, stamp, State.Voided, await CountRegisteredDevicesAsync());
    }

    async Task<PassRenderSource?> IPassGrain.GetRenderSource(string? authenticationToken) =>
        await IsIssuedOrLeave() && PassTokens.Matches(authenticationToken, State.TokenHash) ? await RenderSource() : null;

    async Task<PassRenderSource?> IPassGrain.GetRenderSourceForIssuer() =>
        await IsIssued() ? await RenderSource() : null;

    async Task<EffectiveStamp?> IPassGrain.GetStamp() => await IsIssuedOrLeave() ? await GetEffectiveStamp() : null;

    async Task<PassView?> IPassGrain.WatchView(SiloAddress watcher)
    {
        if (!await IsIssuedOrLeave())
            return null;
        Watchers.Watch(watcher);
        return View();
    }

    /// <summary>
    /// Every call: a call that changed what <see cref="View"/> shows (a change, a void, a settlement) tells the watching
    /// silos before it answers; a forget a failed call still owes goes first.
    /// </summary>
    async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
    {
        await FlushCacheForgetsAsync();
        var before = View();
        try
        {
            await context.Invoke();
        }
        finally
        {
            // A pass not issued before is in no cache (nothing is kept for it).
            if (before is not null && View() != before)
                Watchers.Owe(StampCacheKey.Pass(State.PassTypeIdentifier, State.SerialNumber));
        }
        await FlushCacheForgetsAsync();
    }

    private PassView? View() => State.Issued
        ? new PassView(State.TokenHash, State.Stamp, State.IssuedTag, State.Settled, State.TemplateId, State.GroupId, State.PassTypeIdentifier, State.SerialNumber)
        : null;

    async Task<RegistrationStatus> IPassGrain.Register(string deviceLibraryIdentifier, string pushToken, string? authenticationToken)
    {
        if (!await IsIssuedOrLeave())
            return RegistrationStatus.Unauthorized;
        if (!PassTokens.Matches(authenticationToken, State.TokenHash))
            return RegistrationStatus.Unauthorized;
        bool known;
        if (BelongsInIndex(deviceLibraryIdentifier))
        {
            known = !await StoreInIndex(deviceLibraryIdentifier, pushToken);
        }
        else
        {
            known = State.RegisteredDevices.TryGetValue(deviceLibraryIdentifier, out var existingToken);
            if (!known || existingToken != pushToken)
            {
                if (!known)
                    await Events.ReserveAsync(State.Outbox);
                State.Registrations[deviceLibraryIdentifier] = pushToken;
                if (!known)
                    State.Record(LifecycleEventTypes.RegistrationAdded, time.GetUtcNow(), deviceLibraryIdentifier);
                await state.WriteOrForgetAsync(this);
                await Events.HandOnAsync(State.Outbox);
            }
        }
        // The device's own index and the group's push index follow the pass's record; a retried
        // registration repairs them if a crash or a failed write came in between.
        var isNewOnDevice = await GrainFactory.GetGrain<IDeviceGrain>(GrainKeys.Device(deviceLibraryIdentifier))
            .Register(State.PassTypeIdentifier, State.SerialNumber, pushToken);
        if (Group() is { } group)
            await group.AddDevice(deviceLibraryIdentifier, State.PassTypeIdentifier, State.SerialNumber, pushToken);
        return known || !isNewOnDevice ? RegistrationStatus.AlreadyRegistered : RegistrationStatus.Created;
    }

    async Task<RegistrationStatus> IPassGrain.Unregister(string deviceLibraryIdentifier, string? authenticationToken)
    {
        if (!await IsIssuedOrLeave() || !PassTokens.Matches(authenticationToken, State.TokenHash))
            return RegistrationStatus.Unauthorized;
        if (State.RegisteredDevices.ContainsKey(deviceLibraryIdentifier))
        {
            await Events.ReserveAsync(State.Outbox);
            State.Registrations.Remove(deviceLibraryIdentifier);
            State.Record(LifecycleEventTypes.RegistrationRemoved, time.GetUtcNow(), deviceLibraryIdentifier);
            await state.WriteOrForgetAsync(this);
            await Events.HandOnAsync(State.Outbox);
        }
        else
        {
            await DropFromIndex(deviceLibraryIdentifier, pushToken: null);
        }
        await GrainFactory.GetGrain<IDeviceGrain>(GrainKeys.Device(deviceLibraryIdentifier)).Unregister(State.PassTypeIdentifier, State.SerialNumber);
        if (Group() is { } group)
            await group.RemoveDevice(deviceLibraryIdentifier, State.PassTypeIdentifier, State.SerialNumber);
        return RegistrationStatus.Removed;
    }

    async Task<bool> IPassGrain.Personalize(string requiredPersonalizationInfoJson)
    {
        // Enrollment happens once; the endpoint has no token, so a second call must not overwrite the holder's answers.
        if (!await IsIssued() || State.PersonalizationJson is not null)
            return false;
        await Advance(() => State.PersonalizationJson = requiredPersonalizationInfoJson);
        return true;
    }

    async Task IPassGrain.ReportPushes(IReadOnlyList<PushReport> reports)
    {
        var changed = false;
        foreach (var report in reports)
        {
            if (report.Outcome != PushOutcome.NotDelivered
                && State.OwedPushCount > 0 && State.OwedPushes.TryGetValue(report.DeviceLibraryIdentifier, out var token) && token == report.PushToken)
                changed |= State.OwedPushes.Remove(report.DeviceLibraryIdentifier);
        }
        if (changed)
            await state.WriteOrForgetAsync(this);
        if (OwesNothing)
            await StopReminder();
    }

    async Task IPassGrain.RemoveRegistration(string deviceLibraryIdentifier, string pushToken)
    {
        if (State.RegisteredDevices.TryGetValue(deviceLibraryIdentifier, out var token))
        {
            if (token != pushToken)
                return;
            await Events.ReserveAsync(State.Outbox);
            State.Registrations.Remove(deviceLibraryIdentifier);
            if (State.OwedPushCount > 0)
                State.OwedPushes.Remove(deviceLibraryIdentifier);
            State.Record(LifecycleEventTypes.RegistrationRemoved, time.GetUtcNow(), deviceLibraryIdentifier, PushTokenInvalid);
            await state.WriteOrForgetAsync(this);
            await Events.HandOnAsync(State.Outbox);
        }
        else if (!await DropFromIndex(deviceLibraryIdentifier, pushToken))
        {
            return;
        }
        if (Group() is { } group)
            await group.RemoveDevice(deviceLibraryIdentifier, State.PassTypeIdentifier, State.SerialNumber);
    }

    async Task IPassGrain.DrainOutbox()
    {
        await Events.DrainAsync(State.Outbox);
        if (!State.Issued)
            DeactivateOnIdle();
    }

    Task<int> IPassGrain.GetOwedPushCount() => Task.FromResult(State.OwedPushCount + (OwesFanOut ? State.Index!.Devices : 0));

    async Task IRemindable.ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != OwedPushesReminder)
            return;
        if (OwesNothing)
        {
            await StopReminder();
            return;
        }
        if (State.OwedPushCount > 0)
            pushes.Enqueue(State.PassTypeIdentifier, State.SerialNumber, OwedTargets());
        if (OwesFanOut)
            await FanOut.StartAsync(State.Version);
    }

    /// <summary>
    /// Batch issuing stores new passes without activating them (<see cref="NewPassWriter"/>), so an activation
    /// that read "no such pass" a while ago looks again before saying so.
    /// </summary>
    private async ValueTask<bool> IsIssued()
    {
        if (State.Issued)
            return true;
        if (time.GetUtcNow() - _stateReadAt >= RecheckAfter)
            await (_reread ??= RereadState());
        return State.Issued;
    }

    /// <summary>
    /// <see cref="IsIssued"/> for the calls anyone can make about any serial: an activation of a pass that does not exist
    /// goes when idle, so requests for made-up serials cannot pile activations up in memory.
    /// </summary>
    private async ValueTask<bool> IsIssuedOrLeave()
    {
        if (await IsIssued())
            return true;
        DeactivateOnIdle();
        return false;
    }

    /// <summary>One storage read shared by the read-only calls that interleave while it runs.</summary>
    private async Task RereadState()
    {
        try
        {
            await ReadState();
        }
        finally
        {
            _reread = null;
        }
    }

    private async Task ReadState()
    {
        await state.ReadOrFailAsync();
        _stateReadAt = time.GetUtcNow();
    }

    /// <summary>
    /// A new version: stamp, version and the pushes it owes go to storage in one write, then to the dispatcher; the devices of the
    /// pass's index are owed the version (<see cref="PassDeviceIndexState.PushedVersion"/> stays behind it) and get it from the fan-out.
    /// </summary>
    /// <remarks>
    /// <paramref name="change"/> is applied to memory only once the reminder is in place: a reminder service that does not
    /// answer fails the call with memory still equal to storage, so the retry finds the change not made and makes it.
    /// </remarks>
    private async Task Advance(Action change, string? eventType = null)
    {
        // Before anything owed is stored: owed pushes without their reminder would wait for ever after a crash.
        if (State.RegisteredDevices.Count > 0 || State.OwedPushCount > 0 || State.Index is not null)
            await Reminder.EnsureAsync();
        if (eventType is not null)
            await Events.ReserveAsync(State.Outbox);
        change();
        State.Version++;
        State.Stamp = State.Stamp.Next(time.GetUtcNow());
        if (eventType is not null)
            State.Record(eventType, time.GetUtcNow());
        foreach (var (device, token) in State.RegisteredDevices)
            State.OwedPushes[device] = token;
        await state.WriteOrForgetAsync(this);
        if (State.OwedPushCount > 0)
            pushes.Enqueue(State.PassTypeIdentifier, State.SerialNumber, OwedTargets());
        await Events.HandOnAsync(State.Outbox);
        if (OwesFanOut)
            await FanOut.StartAsync(State.Version);
    }

    /// <summary>The detail of a registration.removed event when APNs declared the device's token invalid.</summary>
    internal const string PushTokenInvalid = "push token invalid";

    private List<PushTarget> OwedTargets() => State.OwedPushes.Select(p => new PushTarget(p.Key, p.Value)).ToList();

    private Task StopReminder() => Reminder.StopAsync();

    private IGroupGrain? Group() => State.GroupId is { } groupId ? GrainFactory.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)) : null;

    private Task? _settling;

    /// <summary>Stored before any device is told the new second: a second given out but not stored could be given again to a newer version.</summary>
    private async Task SettleAsync(UpdateStamp settlement)
    {
        var before = State.Settled;
        try
        {
            State.Settled = settlement;
            await state.WriteOrForgetAsync(this);
        }
        catch
        {
            State.Settled = before;
            throw;
        }
    }

    private async Task<PassRenderSource?> RenderSource()
    {
        var group = Group() is { } groupGrain ? await groupGrain.GetSnapshot() : null;
        var template = await GrainFactory.GetGrain<ITemplateGrain>(GrainKeys.Template(State.TemplateId)).GetStamp();
        EffectiveStamp Effective() => PassView.Of(State.Stamp, State.IssuedTag, State.Settled, group?.Stamp ?? UpdateStamp.None, template ?? UpdateStamp.None);
        // Render sources are read-only calls that interleave: one settles, the others wait for its write, so none hands a
        // device a second that is only in memory.
        if (_settling is { } pending)
            await pending;
        var stamp = Effective();
        if (stamp.Settlement(time.GetUtcNow()) is { } settlement)
        {
            var settling = _settling ??= SettleAsync(settlement);
            try
            {
                await settling;
            }
            finally
            {
                if (_settling == settling)
                    _settling = null;
            }
            stamp = Effective();
        }
        return new PassRenderSource(State.PassTypeIdentifier, State.SerialNumber, State.TemplateId, group?.Content,
            new PassContent(State.FieldsJson, State.PatchJson), State.Voided, tokens.TokenFor(State.TokenNonce), stamp, template?.Tag ?? 0,
            State.PersonalizationJson is not null, State.GroupId);
    }

    private async Task<EffectiveStamp> GetEffectiveStamp()
    {
        var groupTask = Group()?.GetSnapshot() ?? Task.FromResult<GroupSnapshot?>(null);
        var templateTask = GrainFactory.GetGrain<ITemplateGrain>(GrainKeys.Template(State.TemplateId)).GetStamp();
        var group = await groupTask;
        var template = await templateTask;
        return PassView.Of(State.Stamp, State.IssuedTag, State.Settled, group?.Stamp ?? UpdateStamp.None, template ?? UpdateStamp.None);
    }
}
