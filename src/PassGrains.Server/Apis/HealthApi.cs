using Orleans.Runtime;

namespace PassGrains.Server.Apis;

/// <summary>
/// <c>/alive</c>: the process answers (liveness; no grain or database work). <c>/health</c>: ready only
/// while this silo is active in the cluster and its storage answers (a grain read through the storage
/// provider), so a load balancer stops sending requests to a silo that is joining, leaving or cut off.
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/alive", () => Results.Text("alive")).ExcludeFromDescription();
        app.MapGet("/health", Ready).ExcludeFromDescription();
        return app;
    }

    private sealed class Probe;

    private static async Task<IResult> Ready(ILocalSiloDetails silo, ISiloStatusOracle status, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (status.CurrentStatus != SiloStatus.Active)
            return Results.Text($"silo {silo.SiloAddress} is {status.CurrentStatus}", statusCode: StatusCodes.Status503ServiceUnavailable);
        try
        {
            // One read of a row that does not exist, through the grains' own storage provider: the database answers.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var storage = services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(Grains.StorageNames.Provider);
            await storage.ReadStateAsync("health", GrainId.Create("health", "probe:" + silo.SiloAddress.ToParsableString()), new GrainState<Probe>()).WaitAsync(timeout.Token);
            return Results.Text("ready");
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException or System.Data.Common.DbException)
        {
            return Results.Text($"storage does not answer: {e.GetType().Name}", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
