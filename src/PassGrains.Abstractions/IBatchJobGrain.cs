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
    [property: Id(6)] DateTimeOffset? CompletedAt);

/// <summary>Progress of one batch issuing job (key <see cref="GrainKeys.Job"/>).</summary>
public interface IBatchJobGrain : IGrainWithStringKey
{
    /// <summary>Starts (or restarts after a crash, from zero) a job of <paramref name="total"/> lines.</summary>
    Task Start(int total);

    /// <summary>Adds progress; keeps the first errors only, so the state stays bounded.</summary>
    Task Report(int done, int failed, IReadOnlyList<string> errors);

    Task Complete();

    Task<BatchJobStatus?> GetStatus();
}
