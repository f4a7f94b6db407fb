using PassGrains.Grains;
using Microsoft.Extensions.Options;
using PassGrains.Server.Configuration;

namespace PassGrains.Server.Pushes;

public static class PushesHosting
{
    /// <summary>The silo's push dispatcher with its APNs clients (one per pass type), alarms and metrics; it drains before the silo stops.</summary>
    public static WebApplicationBuilder AddPushes(this WebApplicationBuilder builder)
    {
        builder.AddSettings<ApnsSettings>(ApnsSettings.Section);
        builder.AddSettings<PushPacingOptions>(PushPacingOptions.Section);
        builder.Services.AddSingleton<WalletLoad>();
        builder.Services.AddSingleton<PushPacer>();
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

    /// <summary>
    /// Measures the wallet web service's requests (<see cref="WalletLoad"/>) for the adaptive pacer: first in the pipeline, so a
    /// request's time includes everything this silo does for it. Not there when the pace does not adapt.
    /// </summary>
    public static WebApplication UsePushPacing(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<PushPacingOptions>>().Value.Adaptive)
            return app;
        var load = app.Services.GetRequiredService<WalletLoad>();
        var walletService = new PathString(app.Services.GetRequiredService<PublicUrl>().BasePath.TrimEnd('/') + "/v1");
        app.Use((context, next) => context.Request.Path.StartsWithSegments(walletService) ? Measured(context, next, load) : next(context));
        return app;
    }

    private static async Task Measured(HttpContext context, RequestDelegate next, WalletLoad load)
    {
        var started = load.Started();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            load.Finished(started);
        }
    }
}
