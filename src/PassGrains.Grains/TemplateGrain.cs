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
    TimeProvider time) : Grain, ITemplateGrain
{
    async Task<TemplatePutResult> ITemplateGrain.Put(byte[] modelZip, string passTypeIdentifier)
    {
        var created = state.State.Revision == 0;
        state.State.Revision++;
        state.State.ModelZip = modelZip;
        state.State.PassTypeIdentifier = passTypeIdentifier;
        state.State.Stamp = state.State.Stamp.Next(time.GetUtcNow());
        await state.WriteOrForgetAsync(this);
        return new TemplatePutResult(created, state.State.Revision);
    }

    Task<TemplateRevision?> ITemplateGrain.GetCurrent() => Task.FromResult(state.State.ModelZip is { } zip
        ? new TemplateRevision(GrainKeys.ParseTemplate(this.GetPrimaryKeyString()), state.State.Revision, zip, state.State.PassTypeIdentifier, state.State.Stamp)
        : null);

    Task<UpdateStamp?> ITemplateGrain.GetStamp() => Task.FromResult<UpdateStamp?>(state.State.Revision > 0 ? state.State.Stamp : null);
}
