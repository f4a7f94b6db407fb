using PassGrains.Server.PassTypes;

namespace PassGrains.Server.Demo;

public static class DemoHosting
{
    /// <summary>In Development with no pass type configured (so signing with the generated chain): the demo template and pass once the server runs.</summary>
    public static WebApplicationBuilder AddDemo(this WebApplicationBuilder builder, PassTypeRegistry passTypes)
    {
        if (builder.Environment.IsDevelopment() && passTypes.IsDevelopmentChain)
            builder.Services.AddHostedService<DemoStartup>();
        return builder;
    }
}

/// <summary>Sets up the demo once the silo and the front end run, without holding up the start.</summary>
internal sealed class DemoStartup(IHostApplicationLifetime lifetime, IServiceProvider services, ILogger<DemoStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = DemoSetup.RunAsync(services, logger));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
