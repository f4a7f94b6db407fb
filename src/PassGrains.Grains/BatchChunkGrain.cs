using Orleans.Placement;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>Issues a batch chunk's lines on this silo (the server implements it with its pass issuer).</summary>
public interface IBatchChunkIssuer
{
    Task<BatchChunkResult> IssueAsync(BatchChunk chunk);
}

/// <summary>
/// Runs one chunk of a batch job where it is placed; random placement spreads a job's chunks over the
/// silos. It keeps no state: the job's runner retries a chunk whose silo died, as a new chunk.
/// </summary>
[RandomPlacement]
public sealed class BatchChunkGrain(IBatchChunkIssuer issuer) : Grain, IBatchChunkGrain
{
    async Task<BatchChunkResult> IBatchChunkGrain.Issue(BatchChunk chunk)
    {
        try
        {
            // Off the activation's scheduler: validating thousands of passes is thread-pool work, not grain turns.
            return await Task.Run(() => issuer.IssueAsync(chunk));
        }
        finally
        {
            DeactivateOnIdle();
        }
    }
}
