using PassGrains.Grains;
using PassGrains.Server.Configuration;

namespace PassGrains.Server.Issuing;

public static class IssuingHosting
{
    /// <summary>
    /// Issuing and enrolling passes: one body at a time, NDJSON batch jobs (their uploads stored in the grain storage in
    /// chunks, run by their job's grain wherever it lives), personalization.
    /// </summary>
    public static WebApplicationBuilder AddIssuing(this WebApplicationBuilder builder)
    {
        builder.AddSettings<BatchOptions>(BatchOptions.Section);
        builder.Services.AddSingleton<NewPassWriter>();
        builder.Services.AddSingleton<BatchUploadStore>();
        builder.Services.AddSingleton<PassIssuer>();
        builder.Services.AddSingleton<PassPersonalization>();
        builder.Services.AddSingleton<BatchJobs>();
        builder.Services.AddSingleton<IBatchChunkIssuer, BatchChunkIssuer>();
        return builder;
    }
}
