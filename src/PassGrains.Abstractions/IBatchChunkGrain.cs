namespace PassGrains.Abstractions;

/// <summary>One NDJSON line of a batch job, with its 1-based line number.</summary>
[GenerateSerializer, Immutable]
public sealed record BatchLine([property: Id(0)] int Number, [property: Id(1)] string Text);

/// <summary>A line refused while the upload was read (longer than the line limit), kept as its number and reason only.</summary>
[GenerateSerializer, Immutable]
public sealed record BatchLineRefusal([property: Id(0)] int Number, [property: Id(1)] string Reason);

/// <summary>
/// A stored slice of a batch job's lines, handed to the silo's issuer. <paramref name="PassTypes"/>: the pass types the
/// submitting key may issue (null: every one); a line of another pass type fails with the reason. <paramref name="Refused"/>:
/// lines that failed before they were stored; they count as failed lines of this chunk.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BatchChunk([property: Id(0)] string JobId, [property: Id(1)] IReadOnlyList<BatchLine> Lines,
    [property: Id(3)] IReadOnlyList<string>? PassTypes = null, [property: Id(4)] IReadOnlyList<BatchLineRefusal>? Refused = null);

[GenerateSerializer, Immutable]
public sealed record BatchChunkResult([property: Id(0)] int Done, [property: Id(1)] int Failed, [property: Id(2)] IReadOnlyList<string> Errors);

/// <summary>
/// One chunk of a batch job's upload (key <see cref="GrainKeys.BatchChunk"/>): its lines are its stored state, written while
/// the upload streams in, and it issues them on whichever silo it is placed on, so a job's validation and grain calls spread
/// over the cluster instead of loading the silo that runs the job.
/// </summary>
public interface IBatchChunkGrain : IGrainWithStringKey
{
    /// <summary>Issues the chunk's stored lines; may run again (a retry, a resumed job): each line's pass remembers its origin.</summary>
    [ResponseTimeout("00:05:00")]
    Task<BatchChunkResult> Issue(IReadOnlyList<string>? passTypes);

    /// <summary>Deletes the chunk's lines (the job's upload retention has passed); idempotent.</summary>
    Task Clear();
}
