using Microsoft.Extensions.Logging;
using Orleans.Placement;
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
    public List<string>? PassTypes { get; set; }
    public TimeSpan UploadRetention { get; set; }
    public DateTimeOffset? UploadDeletedAt { get; set; }

    /// <summary>Per chunk (by index): its first and last line number and how many lines it holds.</summary>
    public List<int> ChunkFirstLines { get; set; } = [];
    public List<int> ChunkLastLines { get; set; } = [];
    public List<int> ChunkLines { get; set; } = [];

    /// <summary>Per chunk: its recorded result, -1 until it has one. Recorded once, so a chunk run twice counts once.</summary>
    public List<int> ChunkDone { get; set; } = [];
    public List<int> ChunkFailed { get; set; } = [];
}

/// <summary>
/// A batch job, and the one that runs it: from its activation it drives its chunks (<see cref="IBatchChunkGrain"/>,
/// several in flight, each placed on some silo), records each chunk's result once, by the chunk's index, and completes
/// when every chunk has one. Results are written every <see cref="FlushEvery"/>; a chunk whose result was not yet written
/// when the silo died runs again, and its lines find their own passes by their origin (<see cref="PassOrigin"/>), so it
/// counts the same. A reminder, registered when the job starts, activates the job on a live silo after its silo died; the
/// activation carries on from the stored results. Once completed, the same reminder deletes the upload after its retention.
/// </summary>
// Placed on the silo that took the upload: its front end's poll of the job is local until that silo goes.
[PreferLocalPlacement]
public sealed partial class BatchJobGrain(
    [PersistentState(StorageNames.Job, StorageNames.Provider)] IPersistentState<BatchJobRecord> state,
    TimeProvider time,
    ILogger<BatchJobGrain> logger) : Grain, IBatchJobGrain, IRemindable
{
    public const int MaxErrors = 100;

    /// <summary>Chunks in flight per job (each runs its passes with bounded concurrency on its silo).</summary>
    public const int ChunksInFlight = 8;

    /// <summary>Attempts at a chunk whose call fails (its silo died, a timeout) before its lines count as failed.</summary>
    public const int ChunkAttempts = 5;

    public const string RunReminder = "batch-run";

    /// <summary>How often results are written while the job runs: progress costs a write per interval, not per chunk.</summary>
    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>After the retention is due and deleting failed, how soon the reminder tries again.</summary>
    private static readonly TimeSpan DeleteRetryEvery = TimeSpan.FromHours(1);

    private BatchJobRecord Job => state.State;
    private string JobId => this.GetPrimaryKeyString()["job:".Length..];
    private bool _stopped;
    private Task? _run;
    private RedriveReminder? _reminder;
    private RedriveReminder Reminder => _reminder ??= new RedriveReminder(this, RunReminder, logger);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Activated again after its silo died (by its reminder or a poll): carry on from the stored results. A completed job
        // activated to be read (a listing) does nothing more: its reminder comes back for the upload when it is due.
        if (Job.Exists && !Job.Completed)
            EnsureRunning();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The run stops at its next step without writing; results it did not write are redone by the next activation.
        _stopped = true;
        return Task.CompletedTask;
    }

    async Task IBatchJobGrain.Start(BatchJobStart start)
    {
        if (Job.Exists)
            return;
        var createdAt = time.GetUtcNow();
        var passTypes = start.PassTypes?.Order(StringComparer.Ordinal).ToList();
        // Listed before it is stored: a listed id whose job was never stored is skipped by the listing, a stored job never missed.
        await GrainFactory.GetGrain<IBatchJobRegistryGrain>(GrainKeys.JobRegistry).Add(new BatchJobEntry(JobId, createdAt, passTypes));
        Job.Exists = true;
        Job.CreatedAt = createdAt;
        Job.PassTypes = passTypes;
        Job.UploadRetention = start.UploadRetention;
        Job.ChunkFirstLines = [.. start.ChunkFirstLines];
        Job.ChunkLastLines = [.. start.ChunkLastLines];
        Job.ChunkLines = [.. start.ChunkLines];
        Job.ChunkDone = [.. Enumerable.Repeat(-1, start.ChunkLines.Count)];
        Job.ChunkFailed = [.. Enumerable.Repeat(-1, start.ChunkLines.Count)];
        Job.Total = start.ChunkLines.Sum();
        await state.WriteOrForgetAsync(this);
        await Reminder.EnsureAsync();
        EnsureRunning();
    }

    Task<BatchJobStatus?> IBatchJobGrain.GetStatus() => Task.FromResult(Job.Exists
        ? new BatchJobStatus(Job.Completed ? BatchJobState.Completed : BatchJobState.Running,
            Job.Total, Job.Done, Job.Failed, Job.Errors.ToList(), Job.CreatedAt, Job.CompletedAt, Job.UploadDeletedAt)
        : null);

    async Task IRemindable.ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RunReminder)
            return;
        if (Job.Exists && (!Job.Completed || Job.UploadDeletedAt is null))
            EnsureRunning();
        else
            await Reminder.StopAsync();
    }

    /// <summary>Started on the activation's scheduler: its steps interleave with the grain's calls, so polls are answered meanwhile.</summary>
    private void EnsureRunning()
    {
        if (_run is { IsCompleted: false } || _stopped)
            return;
        _run = RunAsync();
    }

    private async Task RunAsync()
    {
        var jobId = JobId;
        try
        {
            if (!Job.Completed)
            {
                await RunChunksAsync();
                if (_stopped)
                    return;
                Complete();
                await state.WriteOrForgetAsync(this);
                LogCompleted(logger, jobId, Job.Total, Job.Done, Job.Failed);
            }
            await KeepOrDeleteUploadAsync();
        }
        catch (Exception e)
        {
            // A failed write ends the activation (StateWrites), anything else leaves this run stopped: either way the
            // reminder's next tick runs the job again from what is stored (or, while this activation lives, from memory).
            LogRunStopped(logger, jobId, e);
        }
    }

    private async Task RunChunksAsync()
    {
        var pending = new Queue<int>(Enumerable.Range(0, Job.ChunkLines.Count).Where(i => Job.ChunkDone[i] < 0));
        var running = new List<Task<(int Index, BatchChunkResult Result)>>();
        var writtenAt = time.GetUtcNow();
        var unwritten = false;
        while (pending.Count > 0 || running.Count > 0)
        {
            while (running.Count < ChunksInFlight && pending.TryDequeue(out var next))
                running.Add(RunChunkAsync(next));
            var finished = await Task.WhenAny(running);
            running.Remove(finished);
            var (index, result) = await finished;
            if (_stopped)
                return;
            unwritten |= Record(index, result);
            // A job runs for minutes without a call of its own: its own work keeps the activation from being collected as idle.
            DelayDeactivation(TimeSpan.FromMinutes(5));
            if (unwritten && time.GetUtcNow() - writtenAt >= FlushEvery)
            {
                await state.WriteOrForgetAsync(this);
                (writtenAt, unwritten) = (time.GetUtcNow(), false);
            }
        }
    }

    /// <summary>One chunk on some silo, with retries; after the last attempt its lines fail with the reason, so every line is counted.</summary>
    private async Task<(int, BatchChunkResult)> RunChunkAsync(int index)
    {
        var chunk = GrainFactory.GetGrain<IBatchChunkGrain>(GrainKeys.BatchChunk(JobId, index));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (index, await chunk.Issue(Job.PassTypes));
            }
            catch (Exception e) when (attempt < ChunkAttempts && !_stopped)
            {
                LogChunkRetry(logger, JobId, index, attempt, e);
                await Task.Delay(TimeSpan.FromSeconds(1 << (attempt - 1)), time);
            }
            catch (Exception e)
            {
                return (index, new BatchChunkResult(0, Job.ChunkLines[index], [$"{Lines(index)}: could not be issued after {attempt} attempts: {e.Message}"]));
            }
        }
    }

    /// <summary>Records a chunk's result unless it has one; a result that misses lines has them failed. Whether it changed anything.</summary>
    private bool Record(int index, BatchChunkResult result)
    {
        if (index < 0 || index >= Job.ChunkDone.Count || Job.ChunkDone[index] >= 0)
            return false;
        var expected = Job.ChunkLines[index];
        var done = Math.Clamp(result.Done, 0, expected);
        var failed = Math.Clamp(result.Failed, 0, expected - done);
        var errors = result.Errors.ToList();
        if (done + failed < expected)
        {
            errors.Add($"{Lines(index)}: {expected - done - failed} of the chunk's {expected} lines were not accounted for ({string.Join("; ", result.Errors.Take(3))})");
            failed = expected - done;
        }
        Job.ChunkDone[index] = done;
        Job.ChunkFailed[index] = failed;
        Job.Done += done;
        Job.Failed += failed;
        AddErrors(errors);
        return true;
    }

    /// <summary>Every line is done or failed when a job completes: what no chunk accounted for is failed with the reason.</summary>
    private void Complete()
    {
        var missing = Job.Total - Job.Done - Job.Failed;
        if (missing > 0)
        {
            Job.Failed += missing;
            AddErrors([$"{missing} lines were not accounted for by any chunk (the job was stored without its chunks)"]);
        }
        Job.Completed = true;
        Job.CompletedAt = time.GetUtcNow();
    }

    /// <summary>Deletes the upload once its retention has passed, else has the reminder come back then.</summary>
    private async Task KeepOrDeleteUploadAsync()
    {
        if (Job.UploadDeletedAt is not null)
        {
            await Reminder.StopAsync();
            return;
        }
        var due = Job.CompletedAt!.Value + Job.UploadRetention - time.GetUtcNow();
        if (due > TimeSpan.Zero)
        {
            await this.RegisterOrUpdateReminder(RunReminder, due, DeleteRetryEvery);
            return;
        }
        for (var first = 0; first < Job.ChunkLines.Count; first += ChunksInFlight * 2)
        {
            if (_stopped)
                return;
            await Task.WhenAll(Enumerable.Range(first, Math.Min(ChunksInFlight * 2, Job.ChunkLines.Count - first))
                .Select(i => GrainFactory.GetGrain<IBatchChunkGrain>(GrainKeys.BatchChunk(JobId, i)).Clear()));
        }
        Job.UploadDeletedAt = time.GetUtcNow();
        await state.WriteOrForgetAsync(this);
        await Reminder.StopAsync();
    }

    private string Lines(int index) => Job.ChunkFirstLines[index] == Job.ChunkLastLines[index]
        ? $"line {Job.ChunkFirstLines[index]}"
        : $"lines {Job.ChunkFirstLines[index]}–{Job.ChunkLastLines[index]}";

    private void AddErrors(IEnumerable<string> errors)
    {
        foreach (var error in errors.Take(Math.Max(0, MaxErrors - Job.Errors.Count)))
            Job.Errors.Add(error);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {Job} completed: {Total} lines, {Done} done, {Failed} failed")]
    private static partial void LogCompleted(ILogger logger, string job, int total, int done, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {Job}: chunk {Chunk} failed on attempt {Attempt}; running it again")]
    private static partial void LogChunkRetry(ILogger logger, string job, int chunk, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {Job} stopped running here; its reminder resumes it")]
    private static partial void LogRunStopped(ILogger logger, string job, Exception exception);
}
