using PassGrains.Grains;
using PassGrains.Server.Configuration;
using PassGrains.Server.Telemetry;

namespace PassGrains.Server.Issuing;

public static class IssuingHosting
{
    /// <summary>Issuing and enrolling passes: one body at a time, NDJSON batch jobs (their uploads in the data directory, resumed at start), personalization.</summary>
    public static WebApplicationBuilder AddIssuing(this WebApplicationBuilder builder, ServerLocation location)
    {
        builder.Services.AddSingleton<NewPassWriter>();
        builder.Services.AddSingleton<PassIssuer>();
        builder.Services.AddSingleton<PassPersonalization>();
        builder.Services.AddSingleton(sp => new BatchJobs(sp.GetRequiredService<IGrainFactory>(), location.DataDirectory, sp.GetRequiredService<PassGrainsMetrics>(), sp.GetRequiredService<ILogger<BatchJobs>>()));
        builder.Services.AddSingleton<IBatchChunkIssuer, BatchChunkIssuer>();
        builder.Services.AddHostedService<BatchJobResumer>();
        return builder;
    }
}
