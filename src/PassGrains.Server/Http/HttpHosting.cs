namespace PassGrains.Server.Http;

/// <summary>What every endpoint shares: problem+json errors, OpenAPI, and how failures become statuses.</summary>
public static class HttpHosting
{
    public static WebApplicationBuilder AddHttpConventions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();
        return builder;
    }

    public static WebApplication UseHttpConventions(this WebApplication app)
    {
        // Wallet and issuer clients honour Retry-After; failover takes a few seconds (ClusterOptions.ProbeTimeout × 2).
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable && !context.Response.Headers.ContainsKey("Retry-After"))
                    context.Response.Headers.RetryAfter = "2";
                return Task.CompletedTask;
            });
            return next(context);
        });
        // A grain on a silo that just died answers once membership has moved it: tell clients to retry, not that we failed.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException
                ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
        });
        app.Use(ClientFaults.InvokeAsync);
        app.UseStatusCodePages();
        return app;
    }
}
