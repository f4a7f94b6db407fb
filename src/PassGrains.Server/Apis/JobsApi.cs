using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>
/// Batch jobs: POST /api/passes/batch starts one from an NDJSON upload (<see cref="BatchJobs"/>), GET /api/jobs lists
/// them newest first, GET /api/jobs/{jobId} shows one's progress.
/// </summary>
public static class JobsApi
{
    public const int DefaultListLimit = 100;
    public const int MaxListLimit = 1000;

    internal static RouteGroupBuilder MapJobs(this RouteGroupBuilder api)
    {
        api.MapPost("/passes/batch", CreateBatch).WithSummary("Issue many passes from NDJSON, one POST /api/passes body a line; 202 with a job id").RequireIssuerScope(IssuerAccess.Write)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).AsksGrains();
        api.MapGet("/jobs", ListJobs).WithSummary("Batch jobs, newest first (a key scoped to pass types sees the jobs of keys scoped within its pass types)")
            .RequireIssuerScope(IssuerAccess.Read).ProducesProblem(StatusCodes.Status400BadRequest).AsksGrains();
        api.MapGet("/jobs/{jobId}", GetJob).WithSummary("Progress of a batch job").RequireIssuerScope(IssuerAccess.Read)
            .ProducesProblem(StatusCodes.Status404NotFound).AsksGrains();
        return api;
    }

    private static async Task<Results<Accepted<JobCreatedResponse>, ProblemHttpResult>> CreateBatch(HttpRequest request, BatchJobs jobs)
    {
        RequestBodies.AllowUpTo(request, BatchJobs.MaxUploadBytes);
        if (request.ContentLength > BatchJobs.MaxUploadBytes)
            return Problems.TooLarge($"a batch may have at most {BatchJobs.MaxUploadBytes / 1024 / 1024} MiB");
        var (jobId, error) = await jobs.SubmitAsync(request.Body, request.HttpContext.IssuerScope(), request.HttpContext.RequestAborted);
        if (jobId is null)
            return error!.StartsWith("a batch may have at most", StringComparison.Ordinal) ? Problems.TooLarge(error) : Problems.Invalid("$", error);
        return TypedResults.Accepted($"/api/jobs/{jobId}", new JobCreatedResponse(jobId));
    }

    private static async Task<Results<Ok<JobListResponse>, ProblemHttpResult>> ListJobs(HttpContext context, IGrainFactory grains, int? limit)
    {
        if (limit is < 1 or > MaxListLimit)
            return Problems.Invalid("limit", $"limit must be between 1 and {MaxListLimit}");
        var scope = context.IssuerScope();
        var entries = await grains.GetGrain<IBatchJobRegistryGrain>(GrainKeys.JobRegistry)
            .List(limit ?? DefaultListLimit, scope.PassTypes?.Order(StringComparer.Ordinal).ToList());
        var statuses = await Task.WhenAll(entries.Select(e => grains.GetGrain<IBatchJobGrain>(GrainKeys.Job(e.JobId)).GetStatus()));
        // An id listed whose job was never stored (its start failed after it was listed) is no job.
        var jobs = entries.Zip(statuses).Where(p => p.Second is not null)
            .Select(p => new JobSummary(p.First.JobId, StateName(p.Second!.State), p.Second.Total, p.Second.Done, p.Second.Failed, p.Second.CreatedAt, p.Second.CompletedAt))
            .ToList();
        return TypedResults.Ok(new JobListResponse(jobs));
    }

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetJob(string jobId, IGrainFactory grains)
    {
        var status = await grains.GetGrain<IBatchJobGrain>(GrainKeys.Job(jobId)).GetStatus();
        return status is null
            ? Problems.NotFound($"job {jobId} does not exist")
            : TypedResults.Ok(new JobResponse(jobId, StateName(status.State), status.Total, status.Done, status.Failed, status.Errors,
                status.CreatedAt, status.CompletedAt, status.UploadDeletedAt));
    }

    private static string StateName(BatchJobState state) => state == BatchJobState.Completed ? "completed" : "running";
}

public sealed record JobCreatedResponse(string JobId);

/// <summary>A job's progress: <c>done + failed == total</c> once it is completed; <c>errors</c> are the first 100 failed lines, each with its number.</summary>
public sealed record JobResponse(string JobId, string State, int Total, int Done, int Failed, IReadOnlyList<string> Errors,
    DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, DateTimeOffset? UploadDeletedAt);

public sealed record JobSummary(string JobId, string State, int Total, int Done, int Failed, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

public sealed record JobListResponse(IReadOnlyList<JobSummary> Jobs);
