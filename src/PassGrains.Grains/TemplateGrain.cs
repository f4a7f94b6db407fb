using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class TemplateState
{
    public int Revision { get; set; }
    public byte[]? ModelZip { get; set; }
    public string PassTypeIdentifier { get; set; } = "";
    public UpdateStamp Stamp { get; set; }
}

/// <summary>A pass template: the current revision of its model zip (validated by the caller before storing).</summary>
public sealed class TemplateGrain(
    [PersistentState(StorageNames.Template, StorageNames.Provider)] IPersistentState<TemplateState> state,
    TimeProvider time,
    Caching.StampCacheBroadcast? caches = null) : Grain, ITemplateGrain
{
    /// <summary>The silos that keep this template's stamp, told of every revision before the revision is answered.</summary>
    private Caching.CacheWatchers? _watchersOrNull;

    // Made on first use: most activations never serve a cache or change (memory per grain, docs/benchmarks.md).
    private Caching.CacheWatchers Watchers => _watchersOrNull ??= new(caches);

    private Task FlushCacheForgetsAsync() => _watchersOrNull?.FlushAsync() ?? Task.CompletedTask;

    async Task<TemplatePutResult> ITemplateGrain.Put(byte[] modelZip, string passTypeIdentifier)
    {
        var created = state.State.Revision == 0;
        state.State.Revision++;
        state.State.ModelZip = modelZip;
        state.State.PassTypeIdentifier = passTypeIdentifier;
        state.State.Stamp = state.State.Stamp.Next(time.GetUtcNow());
        if (!created)
            Watchers.Owe(StampCacheKey.Template(GrainKeys.ParseTemplate(this.GetPrimaryKeyString())));
        await state.WriteOrForgetAsync(this);
        await FlushCacheForgetsAsync();
        return new TemplatePutResult(created, state.State.Revision);
    }

    Task<TemplateRevision?> ITemplateGrain.GetCurrent() => Task.FromResult(state.State.ModelZip is { } zip
        ? new TemplateRevision(GrainKeys.ParseTemplate(this.GetPrimaryKeyString()), state.State.Revision, zip, state.State.PassTypeIdentifier, state.State.Stamp)
        : null);

    async Task<UpdateStamp?> ITemplateGrain.WatchStamp(SiloAddress watcher)
    {
        // A revision whose forget failed (its call answered 503) is told before anyone reads the stamp again.
        await FlushCacheForgetsAsync();
        if (state.State.Revision == 0)
            return null;
        Watchers.Watch(watcher);
        return state.State.Stamp;
    }

    Task<UpdateStamp?> ITemplateGrain.GetStamp() => Task.FromResult<UpdateStamp?>(state.State.Revision > 0 ? state.State.Stamp : null);
}
