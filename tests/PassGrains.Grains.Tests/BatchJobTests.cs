using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>Stands in for the server's chunk issuer: counts each chunk's runs and does what the test scripts for its job.</summary>
public sealed class ScriptedChunkIssuer : IBatchChunkIssuer
{
    public ConcurrentDictionary<(string Job, int FirstLine), int> Runs { get; } = new();

    public ConcurrentDictionary<string, Func<BatchChunk, int, Task<BatchChunkResult>>> Scripts { get; } = new(StringComparer.Ordinal);

    public int RunsOf(string job) => Runs.Where(r => r.Key.Job == job).Sum(r => r.Value);

    public async Task<BatchChunkResult> IssueAsync(BatchChunk chunk)
    {
        var run = Runs.AddOrUpdate((chunk.JobId, chunk.Lines[0].Number), 1, (_, n) => n + 1);
        return Scripts.TryGetValue(chunk.JobId, out var script) ? await script(chunk, run) : AllDone(chunk);
    }

    public static BatchChunkResult AllDone(BatchChunk chunk) =>
        new(chunk.Lines.Count, chunk.Refused?.Count ?? 0, chunk.Refused?.Select(r => $"line {r.Number}: {r.Reason}").ToList() ?? []);
}

/// <summary>Two silos over storage that outlives an activation (<see cref="SharedGrainStorage"/>), with the scripted chunk issuer.</summary>
public sealed class BatchClusterFixture : IAsyncLifetime
{
    public SharedGrainStorage Storage { get; } = new();
    public ScriptedChunkIssuer Issuer { get; } = new();
    public PassTokens Tokens { get; } = new(RandomNumberGenerator.GetBytes(32));
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Provider, (_, _) => Storage);
            silo.Services.AddSingleton(Tokens);
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton<IPushDispatcher>(new RecordingPushDispatcher());
            silo.Services.AddSingleton<IBatchChunkIssuer>(Issuer);
            silo.UseInMemoryReminderService();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Batch jobs run by their grain: each chunk's result counts once however often the chunk runs, every line ends done or
/// failed, the upload goes after its retention, and a pass knows which job and line issued it.
/// </summary>
public sealed class BatchJobTests(BatchClusterFixture fixture) : IClassFixture<BatchClusterFixture>
{
    private readonly SharedGrainStorage _storage = fixture.Storage;
    private readonly ScriptedChunkIssuer _issuer = fixture.Issuer;
    private readonly PassTokens _tokens = fixture.Tokens;
    private readonly InProcessTestCluster _cluster = fixture.Cluster;

    private IClusterClient Client => _cluster.Client;

    private static string NewJobId() => $"test-{Guid.NewGuid():N}";

    /// <summary>Stores an upload of <paramref name="chunks"/> chunks of <paramref name="lines"/> lines, as the server does, and starts its job.</summary>
    private async Task<IBatchJobGrain> StartAsync(string jobId, int chunks, int lines, TimeSpan? retention = null, int refusedPerChunk = 0)
    {
        var store = new BatchUploadStore(_storage, Client);
        List<int> first = [], last = [], counts = [];
        for (var c = 0; c < chunks; c++)
        {
            var numbers = Enumerable.Range(c * lines + 1, lines).ToList();
            var chunk = new BatchChunkState
            {
                JobId = jobId,
                Lines = numbers.Skip(refusedPerChunk).Select(n => new BatchLine(n, $$"""{"line":{{n}}}""")).ToList(),
                Refused = numbers.Take(refusedPerChunk).Select(n => new BatchLineRefusal(n, "too long")).ToList(),
            };
            Assert.NotNull(await store.WriteChunkAsync(jobId, c, chunk));
            (first, last, counts) = ([.. first, numbers[0]], [.. last, numbers[^1]], [.. counts, lines]);
        }
        var job = Client.GetGrain<IBatchJobGrain>(GrainKeys.Job(jobId));
        await job.Start(new BatchJobStart(first, last, counts, null, retention ?? TimeSpan.FromDays(7)));
        return job;
    }

    private static async Task<BatchJobStatus> UntilAsync(IBatchJobGrain job, Func<BatchJobStatus, bool> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await job.GetStatus();
            Assert.NotNull(status);
            if (condition(status))
                return status;
            Assert.True(DateTime.UtcNow < until, $"{what}: {status}");
            await Task.Delay(20);
        }
    }

    private static Task<BatchJobStatus> CompletedAsync(IBatchJobGrain job) => UntilAsync(job, s => s.State == BatchJobState.Completed, "the job did not complete");

    [Fact]
    public async Task A_job_counts_every_line_once_and_a_second_start_changes_nothing()
    {
        var jobId = NewJobId();
        var job = await StartAsync(jobId, chunks: 7, lines: 30, refusedPerChunk: 1);
        var status = await CompletedAsync(job);
        Assert.Equal((210, 203, 7), (status.Total, status.Done, status.Failed));
        Assert.Equal(7, status.Errors.Count);
        Assert.NotNull(status.CompletedAt);

        await job.Start(new BatchJobStart([1], [1], [1], null, TimeSpan.Zero));
        Assert.Equal(status with { Errors = [] }, (await job.GetStatus())! with { Errors = [] });
    }

    [Fact]
    public async Task A_job_resumed_by_a_new_activation_counts_a_chunk_that_ran_twice_once()
    {
        var jobId = NewJobId();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Chunks from line 26 on wait (they are in flight when the job's activation goes) until the gate opens.
        _issuer.Scripts[jobId] = async (chunk, _) =>
        {
            if (chunk.Lines[0].Number > 25)
                await gate.Task;
            return ScriptedChunkIssuer.AllDone(chunk);
        };
        var job = await StartAsync(jobId, chunks: 10, lines: 5);
        await UntilAsync(job, s => s.Done == 25, "the first five chunks did not finish");

        await _cluster.DeactivateAsync(job);
        // The old activation's chunks finish after it is gone; the new one runs every chunk without a stored result again.
        gate.SetResult();
        var status = await CompletedAsync(job);

        Assert.Equal((50, 50, 0), (status.Total, status.Done, status.Failed));
        Assert.True(_issuer.RunsOf(jobId) >= 13, $"chunks 6–8 ran in both activations ({_issuer.RunsOf(jobId)} runs)");
    }

    [Fact]
    public async Task A_chunk_that_accounts_for_fewer_lines_than_it_holds_has_the_rest_failed_with_the_reason()
    {
        var jobId = NewJobId();
        _issuer.Scripts[jobId] = (chunk, _) => Task.FromResult(new BatchChunkResult(chunk.Lines.Count - 2, 0, []));
        var status = await CompletedAsync(await StartAsync(jobId, chunks: 3, lines: 10));
        Assert.Equal((30, 24, 6), (status.Total, status.Done, status.Failed));
        Assert.Contains(status.Errors, e => e.StartsWith("lines 11–20: 2 of the chunk's 10 lines were not accounted for", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_chunk_whose_call_fails_runs_again_and_counts_once()
    {
        var jobId = NewJobId();
        _issuer.Scripts[jobId] = (chunk, run) => chunk.Lines[0].Number == 1 && run == 1
            ? throw new InvalidOperationException("the chunk's silo broke")
            : Task.FromResult(ScriptedChunkIssuer.AllDone(chunk));
        var status = await CompletedAsync(await StartAsync(jobId, chunks: 2, lines: 4));
        Assert.Equal((8, 8, 0), (status.Total, status.Done, status.Failed));
        Assert.Equal(2, _issuer.Runs[(jobId, 1)]);
    }

    [Fact]
    public async Task The_upload_is_deleted_after_its_retention_and_the_counts_stay()
    {
        var jobId = NewJobId();
        var job = await StartAsync(jobId, chunks: 3, lines: 2, retention: TimeSpan.Zero);
        var status = await UntilAsync(job, s => s.UploadDeletedAt is not null, "the upload was not deleted");
        Assert.Equal((BatchJobState.Completed, 6, 6), (status.State, status.Total, status.Done));
        var chunk = Client.GetGrain<IBatchChunkGrain>(GrainKeys.BatchChunk(jobId, 1));
        var again = await chunk.Issue(null);
        Assert.Equal((0, 0), (again.Done, again.Failed));
        Assert.Contains("not stored", Assert.Single(again.Errors), StringComparison.Ordinal);

        var kept = await StartAsync(NewJobId(), chunks: 1, lines: 1);
        Assert.Null((await CompletedAsync(kept)).UploadDeletedAt);
    }

    [Fact]
    public async Task A_line_run_again_finds_its_own_pass_and_a_pass_of_another_origin_is_a_conflict()
    {
        const string PassType = "pass.com.example.origin";
        var serial = $"origin-{Guid.NewGuid():N}";
        var writer = new NewPassWriter(_storage, Client, _tokens, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<NewPassWriter>.Instance);
        var line = new PassOrigin("job-a", 7);
        PassIssue Issue(PassOrigin? origin) => new("tpl", null, new PassContent(null, null), origin);

        Assert.Equal(PassIssueStatus.Created, await writer.IssueAsync(PassType, serial, Issue(line)));
        Assert.Equal(PassIssueStatus.IssuedBefore, await writer.IssueAsync(PassType, serial, Issue(line)));
        Assert.Equal(PassIssueStatus.AlreadyExists, await writer.IssueAsync(PassType, serial, Issue(new PassOrigin("job-b", 7))));
        Assert.Equal(PassIssueStatus.AlreadyExists, await writer.IssueAsync(PassType, serial, Issue(new PassOrigin("job-a", 8))));
        Assert.Equal(PassIssueStatus.AlreadyExists, await writer.IssueAsync(PassType, serial, Issue(null)));

        // The pass's grain keeps the same rule, whether it or the writer stored the pass.
        var pass = Client.GetGrain<IPassGrain>(GrainKeys.Pass(PassType, serial));
        Assert.Equal(PassIssueStatus.IssuedBefore, (await pass.Issue(Issue(line))).Status);
        Assert.Equal(PassIssueStatus.AlreadyExists, (await pass.Issue(Issue(new PassOrigin("job-b", 7)))).Status);
        var issuedBefore = Client.GetGrain<IPassGrain>(GrainKeys.Pass(PassType, serial + "-api"));
        Assert.Equal(PassIssueStatus.Created, (await issuedBefore.Issue(Issue(null))).Status);
        Assert.Equal(PassIssueStatus.AlreadyExists, await writer.IssueAsync(PassType, serial + "-api", Issue(line)));
    }

    [Fact]
    public async Task The_registry_lists_jobs_newest_first_and_a_scoped_key_only_jobs_within_its_scope()
    {
        var registry = Client.GetGrain<IBatchJobRegistryGrain>(GrainKeys.JobRegistry);
        // Later than the other tests' jobs (which list every pass type), so these are the newest.
        var at = DateTimeOffset.UtcNow.AddDays(1);
        var (a, b) = ($"pass.a.{Guid.NewGuid():N}", $"pass.b.{Guid.NewGuid():N}");
        await registry.Add(new BatchJobEntry("all", at, null));
        await registry.Add(new BatchJobEntry("a", at.AddSeconds(1), [a]));
        await registry.Add(new BatchJobEntry("ab", at.AddSeconds(2), [a, b]));
        await registry.Add(new BatchJobEntry("a", at.AddSeconds(3), [a]));

        Assert.Equal(["ab", "a", "all"], (await registry.List(3, null)).Select(e => e.JobId));
        Assert.Equal(["ab"], (await registry.List(1, null)).Select(e => e.JobId));
        Assert.Equal(["a"], (await registry.List(10, [a])).Select(e => e.JobId));
        Assert.Equal(["ab", "a"], (await registry.List(10, [a, b, "pass.c"])).Select(e => e.JobId));
    }
}
