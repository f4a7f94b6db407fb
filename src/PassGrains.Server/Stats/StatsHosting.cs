namespace PassGrains.Server.Stats;

public static class StatsHosting
{
    /// <summary>Numbers for issuers: the silo's tally of downloads and pushes, its flushing, the gauges and the API's rules.</summary>
    public static WebApplicationBuilder AddStats(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StatsTally>();
        builder.Services.AddSingleton<StatsGauges>();
        builder.Services.AddSingleton<IssuerStats>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StatsFlushing>();
        return builder;
    }
}
