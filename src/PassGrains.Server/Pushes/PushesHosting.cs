using PassGrains.Grains;
using PassGrains.Server.Configuration;

namespace PassGrains.Server.Pushes;

public static class PushesHosting
{
    /// <summary>The silo's push dispatcher with its APNs clients (one per pass type), alarms and metrics; it drains before the silo stops.</summary>
    public static WebApplicationBuilder AddPushes(this WebApplicationBuilder builder)
    {
        builder.AddSettings<ApnsSettings>(ApnsSettings.Section);
        builder.Services.AddSingleton<ApnsClients>();
        builder.Services.AddSingleton<PushAlarms>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PushAlarms>());
        builder.Services.AddSingleton<PushMetrics>();
        builder.Services.AddSingleton<PushDispatcher>();
        builder.Services.AddSingleton<IPushDispatcher>(sp => sp.GetRequiredService<PushDispatcher>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PushDispatcher>());
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, PushDrainOnShutdown>();
        return builder;
    }
}
