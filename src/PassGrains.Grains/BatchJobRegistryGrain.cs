using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class BatchJobRegistryState
{
    /// <summary>Oldest first: a new job is appended, the oldest go when there are too many.</summary>
    public List<BatchJobEntry> Jobs { get; set; } = [];
}

/// <summary>Which batch jobs there are, for listing them; each job's progress stays in its own grain.</summary>
public sealed class BatchJobRegistryGrain(
    [PersistentState(StorageNames.JobRegistry, StorageNames.Provider)] IPersistentState<BatchJobRegistryState> state) : Grain, IBatchJobRegistryGrain
{
    async Task IBatchJobRegistryGrain.Add(BatchJobEntry entry)
    {
        var jobs = state.State.Jobs;
        if (jobs.Exists(j => j.JobId == entry.JobId))
            return;
        var at = jobs.FindLastIndex(j => j.CreatedAt <= entry.CreatedAt) + 1;
        jobs.Insert(at, entry);
        if (jobs.Count > IBatchJobRegistryGrain.MaxEntries)
            jobs.RemoveRange(0, jobs.Count - IBatchJobRegistryGrain.MaxEntries);
        await state.WriteOrForgetAsync(this);
    }

    Task<IReadOnlyList<BatchJobEntry>> IBatchJobRegistryGrain.List(int limit, IReadOnlyList<string>? passTypes)
    {
        // A scoped key sees the jobs of keys that could issue no more than it can: never another pass type's lines.
        var allowed = passTypes?.ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<BatchJobEntry> listed = Enumerable.Reverse(state.State.Jobs)
            .Where(j => allowed is null || (j.PassTypes is { Count: > 0 } made && made.All(allowed.Contains)))
            .Take(limit)
            .ToList();
        return Task.FromResult(listed);
    }
}
