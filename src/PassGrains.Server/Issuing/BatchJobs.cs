using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Abstractions;

namespace PassGrains.Server.Issuing;

/// <summary>
/// Batch issuing: an NDJSON upload (one POST /api/passes body per line) is kept in the data directory
/// and issued in chunks spread over the silos (<see cref="IBatchChunkGrain"/>), several at a time; progress
/// goes to the job's grain. A chunk whose silo died runs again elsewhere. A job cut short by a crash
/// runs again from its file at the next start: lines without a serial get one derived from the job
/// and line, so re-running issues the same passes, and passes that already exist count as done.
/// </summary>
public sealed partial class BatchJobs(IGrainFactory grains, string dataDirectory, Telemetry.PassGrainsMetrics metrics, ILogger<BatchJobs> logger)
{
    public const long MaxUploadBytes = 256L * 1024 * 1024;

    /// <summary>Lines per chunk: big enough that a chunk's lookups and grain call are noise, small enough to retry cheaply.</summary>
    private const int ChunkSize = 200;

    /// <summary>Chunks in flight per job (each runs <see cref="BatchChunkIssuer.Concurrency"/> passes at once).</summary>
    private const int ChunksInFlight = 8;

    private const int ChunkAttempts = 5;

    private string JobsDirectory => Path.Combine(dataDirectory, "jobs");

    /// <summary>Stores the upload and starts the job; returns the job id, or an error for the request.</summary>
    /// <param name="scope">The submitting key's pass types: kept beside the upload, so a resumed job is held to them too.</param>
    public async Task<(string? JobId, string? Error)> SubmitAsync(Stream body, Security.PassTypeScope scope, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(JobsDirectory);
        var jobId = $"{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{PassIssuer.NewSerial()[..8].ToLowerInvariant()}";
        var path = Path.Combine(JobsDirectory, jobId + ".ndjson");
        var lines = 0;
        long bytes = 0;
        // An upload that fails or is abandoned midway (the client hangs up, Kestrel refuses the body) leaves nothing behind.
        try
        {
            await using (var file = File.Create(path + ".part"))
            {
                var buffer = new byte[81920];
                int read;
                var last = (byte)'\n';
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    bytes += read;
                    if (bytes > MaxUploadBytes)
                    {
                        file.Close();
                        File.Delete(path + ".part");
                        return (null, $"a batch may have at most {MaxUploadBytes / 1024 / 1024} MiB");
                    }
                    lines += buffer.AsSpan(0, read).Count((byte)'\n');
                    last = buffer[read - 1];
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                if (last != '\n' && bytes > 0)
                    lines++;
            }
        }
        catch
        {
            File.Delete(path + ".part");
            throw;
        }
        if (lines == 0)
        {
            File.Delete(path + ".part");
            return (null, "the batch is empty: send one JSON object per line");
        }
        if (scope.PassTypes is { } allowed)
            await File.WriteAllLinesAsync(ScopePath(jobId), allowed.Order(StringComparer.Ordinal), CancellationToken.None);
        File.Move(path + ".part", path);
        await grains.GetGrain<IBatchJobGrain>(GrainKeys.Job(jobId)).Start(CountLines(path));
        _ = Task.Run(() => RunAsync(jobId, resumed: false), CancellationToken.None);
        return (jobId, null);
    }

    /// <summary>Runs again every job whose file is here and whose grain says it is not completed.</summary>
    public async Task ResumeUnfinishedAsync()
    {
        if (!Directory.Exists(JobsDirectory))
            return;
        foreach (var path in Directory.EnumerateFiles(JobsDirectory, "*.ndjson"))
        {
            var jobId = Path.GetFileNameWithoutExtension(path);
            var status = await grains.GetGrain<IBatchJobGrain>(GrainKeys.Job(jobId)).GetStatus();
            if (status is { State: BatchJobState.Completed })
                continue;
            LogResuming(logger, jobId);
            await grains.GetGrain<IBatchJobGrain>(GrainKeys.Job(jobId)).Start(CountLines(path));
            _ = Task.Run(() => RunAsync(jobId, resumed: true), CancellationToken.None);
        }
    }

    private async Task RunAsync(string jobId, bool resumed)
    {
        var job = grains.GetGrain<IBatchJobGrain>(GrainKeys.Job(jobId));
        var path = Path.Combine(JobsDirectory, jobId + ".ndjson");
        var progress = new Progress();
        using var flusher = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var flushing = Task.Run(async () =>
        {
            while (await flusher.WaitForNextTickAsync())
                await progress.FlushAsync(job);
        });
        try
        {
            var passTypes = ReadScope(jobId);
            var chunks = File.ReadLines(path)
                .Select((text, index) => new BatchLine(index + 1, text))
                .Where(l => !string.IsNullOrWhiteSpace(l.Text))
                .Chunk(ChunkSize);
            await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = ChunksInFlight }, async (lines, _) =>
            {
                var result = await IssueChunk(jobId, lines, resumed, passTypes);
                progress.Add(result);
                metrics.BatchLines(result.Done, result.Failed);
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogJobFailed(logger, jobId, e);
        }
        finally
        {
            flusher.Dispose();
            await flushing;
            await progress.FlushAsync(job);
            await job.Complete();
        }
    }

    /// <summary>One chunk on some silo; a chunk whose silo died or timed out runs again as a resumed chunk elsewhere.</summary>
    private async Task<BatchChunkResult> IssueChunk(string jobId, BatchLine[] lines, bool resumed, IReadOnlyList<string>? passTypes)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var chunk = grains.GetGrain<IBatchChunkGrain>(GrainKeys.BatchChunk(jobId, lines[0].Number, attempt));
                return await chunk.Issue(new BatchChunk(jobId, lines, resumed || attempt > 1, passTypes));
            }
            catch (Exception e) when (e is TimeoutException or OrleansException && attempt < ChunkAttempts)
            {
                LogChunkRetry(logger, jobId, lines[0].Number, attempt, e);
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
            catch (Exception e) when (e is TimeoutException or OrleansException)
            {
                var error = $"lines {lines[0].Number}–{lines[^1].Number}: could not be issued after {attempt} attempts: {e.Message}";
                return new BatchChunkResult(0, lines.Length, [error]);
            }
        }
    }

    /// <summary>One pass type a line; no file for a job of a key scoped to no pass type (and for every job from before keys had scopes).</summary>
    private string ScopePath(string jobId) => Path.Combine(JobsDirectory, jobId + ".passtypes");

    private List<string>? ReadScope(string jobId) =>
        File.Exists(ScopePath(jobId)) ? File.ReadAllLines(ScopePath(jobId)).Where(l => l.Length > 0).ToList() : null;

    private static int CountLines(string path) => File.ReadLines(path).Count(l => !string.IsNullOrWhiteSpace(l));

    /// <summary>Counts kept between flushes to the job grain, so progress costs one grain write per quarter second.</summary>
    private sealed class Progress
    {
        private readonly Lock _lock = new();
        private int _done, _failed;
        private List<string> _errors = [];

        public void Add(BatchChunkResult result)
        {
            lock (_lock)
            {
                _done += result.Done;
                _failed += result.Failed;
                _errors.AddRange(result.Errors.Take(Math.Max(0, 100 - _errors.Count)));
            }
        }

        public async Task FlushAsync(IBatchJobGrain job)
        {
            int done, failed;
            List<string> errors;
            lock (_lock)
            {
                (done, failed, errors) = (_done, _failed, _errors);
                (_done, _failed, _errors) = (0, 0, []);
            }
            if (done > 0 || failed > 0)
                await job.Report(done, failed, errors);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch job {JobId} did not complete before the last stop; running it again")]
    private static partial void LogResuming(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch job {JobId}: the chunk from line {FirstLine} failed on attempt {Attempt}; running it again")]
    private static partial void LogChunkRetry(ILogger logger, string jobId, int firstLine, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch job {JobId} stopped")]
    private static partial void LogJobFailed(ILogger logger, string jobId, Exception exception);
}

/// <summary>Resumes unfinished batch jobs once the silo runs.</summary>
internal sealed class BatchJobResumer(BatchJobs jobs, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = jobs.ResumeUnfinishedAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
