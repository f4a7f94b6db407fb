namespace PassGrains.Abstractions;

public enum BatchJobState
{
    Running,
    Completed,
}

[GenerateSerializer, Immutable]
public sealed record BatchJobStatus(
    [property: Id(0)] BatchJobState State,
    [property: Id(1)] int Total,
    [property: Id(2)] int Done,
    [property: Id(3)] int Failed,
    [property: Id(4)] IReadOnlyList<string> Errors,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset? CompletedAt,
    [property: Id(7)] DateTimeOffset? UploadDeletedAt = null);

/// <summary>
/// A stored upload, ready to run: chunk <c>i</c> (key <see cref="GrainKeys.BatchChunk"/>) holds lines
/// <c>ChunkFirstLines[i]</c> to <c>ChunkLastLines[i]</c>, <c>ChunkLines[i]</c> of them (blank lines are none; refused ones
/// are); the job's total is their sum.
/// <paramref name="PassTypes"/>: the submitting key's scope (null: every pass type). <paramref name="UploadRetention"/>: how
/// long the chunks are kept once the job completes.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BatchJobStart(
    [property: Id(0)] IReadOnlyList<int> ChunkFirstLines,
    [property: Id(1)] IReadOnlyList<int> ChunkLastLines,
    [property: Id(2)] IReadOnlyList<int> ChunkLines,
    [property: Id(3)] IReadOnlyList<string>? PassTypes,
    [property: Id(4)] TimeSpan UploadRetention);

/// <summary>
/// One batch issuing job (key <see cref="GrainKeys.Job"/>): it runs itself, driving its chunks from its activation, and a
/// reminder brings it back on another silo when its silo dies.
/// </summary>
public interface IBatchJobGrain : IGrainWithStringKey
{
    /// <summary>Records the stored upload and starts running it; a second call for the same job changes nothing.</summary>
    Task Start(BatchJobStart start);

    Task<BatchJobStatus?> GetStatus();
}

/// <summary>A job as the registry knows it: when it was made and the scope of the key that made it.</summary>
[GenerateSerializer, Immutable]
public sealed record BatchJobEntry([property: Id(0)] string JobId, [property: Id(1)] DateTimeOffset CreatedAt, [property: Id(2)] IReadOnlyList<string>? PassTypes);

/// <summary>
/// The list of batch jobs, newest first (one grain, key <see cref="GrainKeys.JobRegistry"/>), kept to the newest
/// <see cref="MaxEntries"/>: an entry is a few dozen bytes, and a job older than that is still read by its id.
/// </summary>
public interface IBatchJobRegistryGrain : IGrainWithStringKey
{
    public const int MaxEntries = 10_000;

    Task Add(BatchJobEntry entry);

    /// <summary>
    /// The newest <paramref name="limit"/> jobs a key of <paramref name="passTypes"/> may see: every job for an unrestricted
    /// key (null), else the jobs made by keys scoped to some of those pass types only.
    /// </summary>
    Task<IReadOnlyList<BatchJobEntry>> List(int limit, IReadOnlyList<string>? passTypes);
}
