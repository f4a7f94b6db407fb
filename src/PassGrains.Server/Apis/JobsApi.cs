using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>Batch jobs: POST /api/passes/batch starts one from an NDJSON upload (<see cref="BatchJobs"/>), GET /api/jobs/{jobId} shows its progress.</summary>
public static class JobsApi
{
    internal static RouteGroupBuilder MapJobs(this RouteGroupBuilder api)
    {
        api.MapPost("/passes/batch", CreateBatch).WithSummary("Issue many passes from NDJSON, one POST /api/passes body a line; 202 with a job id").RequireIssuerScope(IssuerAccess.Write)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).AsksGrains();
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

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetJob(string jobId, IGrainFactory grains)
    {
        var status = await grains.GetGrain<IBatchJobGrain>(GrainKeys.Job(jobId)).GetStatus();
        return status is null
            ? Problems.NotFound($"job {jobId} does not exist")
            : TypedResults.Ok(new JobResponse(jobId, status.State == BatchJobState.Completed ? "completed" : "running", status.Total, status.Done, status.Failed, status.Errors));
    }
}

public sealed record JobCreatedResponse(string JobId);

public sealed record JobResponse(string JobId, string State, int Total, int Done, int Failed, IReadOnlyList<string> Errors);
