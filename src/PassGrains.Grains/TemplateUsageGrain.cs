using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class TemplateUsageState
{
    /// <summary>Field key → passes of the template that set it in their own content.</summary>
    public Dictionary<string, long> Passes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Group → the field keys it sets, for every group layered over passes of the template.</summary>
    public Dictionary<string, List<string>> Groups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The template's stamp tag after the revision this grain last stored (0: none yet).</summary>
    public long TemplateTag { get; set; }

    public string? PassTypeIdentifier { get; set; }

    /// <summary>The field keys of that revision, in every style's field lists.</summary>
    public List<string>? FieldKeys { get; set; }
}

/// <summary>
/// The field keys a template's passes and groups set, and the gate every revision of the template passes through
/// (see <see cref="ITemplateUsageGrain"/> for the rules and why counts err high).
/// </summary>
public sealed class TemplateUsageGrain(
    [PersistentState(StorageNames.TemplateUsage, StorageNames.Provider)] IPersistentState<TemplateUsageState> state) : Grain, ITemplateUsageGrain
{
    private TemplateUsageState State => state.State;

    /// <summary>The keys of a revision being stored: while it is, a pass may set only keys both revisions have.</summary>
    private HashSet<string>? _revising;

    /// <summary>A write not yet started, which every change made meanwhile joins; and the one running.</summary>
    private Task? _nextWrite;
    private Task _lastWrite = Task.CompletedTask;

    async Task<TemplateReviseResult> ITemplateUsageGrain.Revise(TemplateRevise revise)
    {
        // What this grain stored last, unless the template grain holds a revision this grain did not store.
        var template = GrainFactory.GetGrain<ITemplateGrain>(GrainKeys.Template(GrainKeys.ParseTemplateUsage(this.GetPrimaryKeyString())));
        var recorded = State.FieldKeys is not null && (await template.GetStamp())?.Tag == State.TemplateTag;
        var currentKeys = (recorded ? State.FieldKeys : revise.CurrentFieldKeys) ?? [];
        var currentType = recorded ? State.PassTypeIdentifier : revise.CurrentPassTypeIdentifier;
        if (currentType is { Length: > 0 } && currentType != revise.PassTypeIdentifier)
            return new TemplateReviseResult(null, [], currentType);
        var next = revise.FieldKeys.ToHashSet(StringComparer.Ordinal);
        // Keys the current revision already lacks were dropped before: their passes render without them already.
        var gone = Usage().Where(u => !next.Contains(u.Key) && currentKeys.Contains(u.Key, StringComparer.Ordinal)).ToList();
        if (gone.Count > 0 && !revise.DropUnknownFields)
            return new TemplateReviseResult(null, gone, null);
        _revising = next;
        try
        {
            var put = await template.Put(revise.ModelZip, revise.PassTypeIdentifier);
            State.TemplateTag = (await template.GetStamp())?.Tag ?? 0;
            State.PassTypeIdentifier = revise.PassTypeIdentifier;
            State.FieldKeys = [.. revise.FieldKeys];
            // Stored already: should this write fail, the next revision finds the template grain ahead of this record and uses the caller's.
            await Persist();
            return new TemplateReviseResult(put, gone, null);
        }
        finally
        {
            _revising = null;
        }
    }

    async Task<IReadOnlyList<string>> ITemplateUsageGrain.AddPasses(Dictionary<string, long> keys)
    {
        var missing = keys.Keys.Where(k => (State.FieldKeys is { } known && !known.Contains(k, StringComparer.Ordinal)) || _revising?.Contains(k) == false).ToList();
        if (missing.Count > 0)
            return missing;
        foreach (var (key, count) in keys)
            State.Passes[key] = State.Passes.GetValueOrDefault(key) + count;
        await Persist();
        return [];
    }

    async Task ITemplateUsageGrain.RemovePasses(Dictionary<string, long> keys)
    {
        foreach (var (key, count) in keys)
        {
            var left = State.Passes.GetValueOrDefault(key) - count;
            if (left > 0)
                State.Passes[key] = left;
            else
                State.Passes.Remove(key);
        }
        await Persist();
    }

    async Task ITemplateUsageGrain.SetGroup(string groupId, IReadOnlyList<string> keys)
    {
        var known = State.Groups.TryGetValue(groupId, out var current);
        if (keys.Count == 0 ? !known : known && current!.Order(StringComparer.Ordinal).SequenceEqual(keys.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            return;
        if (keys.Count == 0)
            State.Groups.Remove(groupId);
        else
            State.Groups[groupId] = [.. keys];
        await Persist();
    }

    Task<IReadOnlyList<FieldUse>> ITemplateUsageGrain.GetUsage() => Task.FromResult<IReadOnlyList<FieldUse>>(Usage());

    private List<FieldUse> Usage() =>
        State.Passes.Keys.Concat(State.Groups.Values.SelectMany(k => k)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(key => new FieldUse(key, State.Passes.GetValueOrDefault(key),
                State.Groups.Where(g => g.Value.Contains(key, StringComparer.Ordinal)).Select(g => g.Key).Order(StringComparer.Ordinal).ToList()))
            .ToList();

    /// <summary>
    /// Stores every change made so far; changes made while a write runs share the next one (a template issued by
    /// many chunks at once is written once per round, not once per call). A failed write ends the activation
    /// (<see cref="StateWrites"/>): its callers are told, and what they counted is read back from storage.
    /// </summary>
    private Task Persist() => _nextWrite ??= WriteAfter(_lastWrite);

    private async Task WriteAfter(Task previous)
    {
        // Yield first, so the caller's _nextWrite is set before this write takes it off and starts.
        await Task.Yield();
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // That write's callers were told; this one carries the changes made since.
        }
        _nextWrite = null;
        var write = state.WriteOrForgetAsync(this);
        _lastWrite = write;
        await write;
    }
}
