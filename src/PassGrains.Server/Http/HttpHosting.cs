using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PassGrains.Server.Http;

/// <summary>What every endpoint shares: problem+json errors, OpenAPI, how failures become statuses, and the connections' buffers (<see cref="ConnectionBufferPool"/>).</summary>
public static class HttpHosting
{
    public static WebApplicationBuilder AddHttpConventions(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = RequestBodies.KestrelLimit);
        builder.Services.AddOptions<ConnectionBufferOptions>().Bind(builder.Configuration.GetSection(ConnectionBufferOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(services => new ConnectionBufferPool(services.GetRequiredService<IOptions<ConnectionBufferOptions>>().Value,
            services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        builder.Services.Replace(ServiceDescriptor.Singleton<IMemoryPoolFactory<byte>, ConnectionBufferPool.Factory>());
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
        // A grain on a silo that just died answers once membership has moved it, and a database that is down or locked
        // comes back: tell clients to retry, not that we failed. A grain that failed to store a change kept nothing of it
        // (Grains/StateWrites.cs), so the retry does the work again.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => IsTransient(e) ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError,
        });
        app.Use(ClientFaults.InvokeAsync);
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>
    /// Failures a retry can heal: a silo gone or overloaded, a call past its deadline (Orleans cancels a message that expires
    /// before it could be placed, while a grain moves), storage unreachable or in conflict.
    /// </summary>
    public static bool IsTransient(Exception e) => e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or OperationCanceledException
        or Abstractions.StorageUnavailableException or Orleans.Storage.InconsistentStateException or System.Data.Common.DbException
        || (e.InnerException is { } inner && IsTransient(inner));
}
