using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class BatchJobRecord
{
    public bool Exists { get; set; }
    public bool Completed { get; set; }
    public int Total { get; set; }
    public int Done { get; set; }
    public int Failed { get; set; }
    public List<string> Errors { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>The progress record of a batch job; the work itself runs in the silo that took the upload.</summary>
public sealed class BatchJobGrain(
    [PersistentState(StorageNames.Job, StorageNames.Provider)] IPersistentState<BatchJobRecord> state,
    TimeProvider time) : Grain, IBatchJobGrain
{
    public const int MaxErrors = 100;

    async Task IBatchJobGrain.Start(int total)
    {
        state.State.Exists = true;
        state.State.Completed = false;
        state.State.Total = total;
        state.State.Done = 0;
        state.State.Failed = 0;
        state.State.Errors.Clear();
        if (state.State.CreatedAt == default)
            state.State.CreatedAt = time.GetUtcNow();
        state.State.CompletedAt = null;
        await state.WriteOrForgetAsync(this);
    }

    async Task IBatchJobGrain.Report(int done, int failed, IReadOnlyList<string> errors)
    {
        state.State.Done += done;
        state.State.Failed += failed;
        foreach (var error in errors.Take(MaxErrors - state.State.Errors.Count))
            state.State.Errors.Add(error);
        await state.WriteOrForgetAsync(this);
    }

    async Task IBatchJobGrain.Complete()
    {
        state.State.Completed = true;
        state.State.CompletedAt = time.GetUtcNow();
        await state.WriteOrForgetAsync(this);
    }

    Task<BatchJobStatus?> IBatchJobGrain.GetStatus() => Task.FromResult(state.State.Exists
        ? new BatchJobStatus(state.State.Completed ? BatchJobState.Completed : BatchJobState.Running,
            state.State.Total, state.State.Done, state.State.Failed, state.State.Errors.ToList(), state.State.CreatedAt, state.State.CompletedAt)
        : null);
}
