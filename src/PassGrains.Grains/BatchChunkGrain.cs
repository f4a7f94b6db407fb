using Microsoft.Extensions.DependencyInjection;
using Orleans.Placement;
using Orleans.Storage;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>Issues a batch chunk's lines on this silo (the server implements it with its pass issuer).</summary>
public interface IBatchChunkIssuer
{
    Task<BatchChunkResult> IssueAsync(BatchChunk chunk);
}

/// <summary>The stored lines of one chunk of a batch upload.</summary>
public sealed class BatchChunkState
{
    public string JobId { get; set; } = "";
    public List<BatchLine> Lines { get; set; } = [];
    public List<BatchLineRefusal> Refused { get; set; } = [];
}

/// <summary>
/// Writes a batch upload's chunks while it streams in, without activating their grains (as <see cref="NewPassWriter"/>
/// writes passes): the rows are what <see cref="BatchChunkGrain"/> reads, in the database every silo reads, so any silo
/// can run the job. Each write is a new row; the ETag it returns lets an abandoned upload clear what it wrote.
/// </summary>
public sealed class BatchUploadStore([FromKeyedServices(StorageNames.Provider)] IGrainStorage storage, IGrainFactory grains)
{
    public async Task<string?> WriteChunkAsync(string jobId, int index, BatchChunkState chunk)
    {
        var state = new GrainState<BatchChunkState>(chunk);
        await storage.WriteStateAsync(StorageNames.BatchChunk, ChunkId(jobId, index), state);
        return state.ETag;
    }

    /// <summary>
    /// Clears chunks written by an upload that will not become a job, each with the ETag its write returned (null: the write
    /// failed, nothing to clear). Every chunk is tried; the first failure is thrown at the end.
    /// </summary>
    public async Task ForgetAsync(string jobId, IReadOnlyList<string?> etags)
    {
        Exception? failure = null;
        for (var index = 0; index < etags.Count; index++)
        {
            if (etags[index] is not { } etag)
                continue;
            try
            {
                var state = new GrainState<BatchChunkState>(new BatchChunkState()) { ETag = etag, RecordExists = true };
                await storage.ClearStateAsync(StorageNames.BatchChunk, ChunkId(jobId, index), state);
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        }
        if (failure is not null)
            throw new StorageUnavailableException($"an abandoned upload's chunks could not all be cleared ({failure.GetType().Name})", failure);
    }

    private GrainId ChunkId(string jobId, int index) => grains.GetGrain<IBatchChunkGrain>(GrainKeys.BatchChunk(jobId, index)).GetGrainId();
}

/// <summary>
/// One chunk of a batch job's upload: its lines are its state. Random placement spreads a job's chunks over the silos;
/// the activation goes once a call is answered, so a chunk run again (its silo died, the job resumed) is placed afresh.
/// </summary>
[RandomPlacement]
public sealed class BatchChunkGrain(
    [PersistentState(StorageNames.BatchChunk, StorageNames.Provider)] IPersistentState<BatchChunkState> state,
    IBatchChunkIssuer issuer) : Grain, IBatchChunkGrain
{
    async Task<BatchChunkResult> IBatchChunkGrain.Issue(IReadOnlyList<string>? passTypes)
    {
        try
        {
            if (!state.RecordExists)
                return new BatchChunkResult(0, 0, ["the chunk's lines are not stored (the upload was deleted)"]);
            var chunk = new BatchChunk(state.State.JobId, state.State.Lines, passTypes, state.State.Refused);
            // Off the activation's scheduler: validating thousands of passes is thread-pool work, not grain turns.
            return await Task.Run(() => issuer.IssueAsync(chunk));
        }
        finally
        {
            DeactivateOnIdle();
        }
    }

    async Task IBatchChunkGrain.Clear()
    {
        try
        {
            if (state.RecordExists)
                await state.WriteOrForgetAsync(this, clear: true);
        }
        finally
        {
            DeactivateOnIdle();
        }
    }
}
