namespace PassGrains.Abstractions;

/// <summary>One NDJSON line of a batch job, with its 1-based line number.</summary>
[GenerateSerializer, Immutable]
public sealed record BatchLine([property: Id(0)] int Number, [property: Id(1)] string Text);

/// <summary>
/// A slice of a batch job's lines. <paramref name="Resumed"/>: the slice may have run before (a crash or
/// a retry), so a pass that already exists counts as issued. <paramref name="PassTypes"/>: the pass types the
/// submitting key may issue (null: every one); a line of another pass type fails with the reason.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BatchChunk([property: Id(0)] string JobId, [property: Id(1)] IReadOnlyList<BatchLine> Lines, [property: Id(2)] bool Resumed,
    [property: Id(3)] IReadOnlyList<string>? PassTypes = null);

[GenerateSerializer, Immutable]
public sealed record BatchChunkResult([property: Id(0)] int Done, [property: Id(1)] int Failed, [property: Id(2)] IReadOnlyList<string> Errors);

/// <summary>
/// Issues one chunk of a batch job on whichever silo it is placed on (key <see cref="GrainKeys.BatchChunk"/>),
/// so a job's validation and grain calls spread over the cluster instead of loading the silo that took the upload.
/// </summary>
public interface IBatchChunkGrain : IGrainWithStringKey
{
    [ResponseTimeout("00:05:00")]
    Task<BatchChunkResult> Issue(BatchChunk chunk);
}
