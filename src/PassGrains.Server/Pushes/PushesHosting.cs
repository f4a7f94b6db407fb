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
    /// request's time includes everything this silo does for it, and up to the moment its answer starts, so it leaves out the
    /// time a phone takes to receive the answer (seconds for a pass over a mobile network), which is no load on the silo and
    /// would otherwise hold every real herd's pushes back. Not there when the pace does not adapt.
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
        var request = new MeasuredRequest(load);
        context.Response.OnStarting(MeasuredRequest.AnswerStarts, request);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            request.Finish(); // an answer that never started (the client left, or nothing was written)
        }
    }

    /// <summary>One wallet request in <see cref="WalletLoad"/>: finished once, when its answer starts or when it ends without one.</summary>
    private sealed class MeasuredRequest(WalletLoad load)
    {
        public static readonly Func<object, Task> AnswerStarts = state =>
        {
            ((MeasuredRequest)state).Finish();
            return Task.CompletedTask;
        };

        private readonly long _started = load.Started();
        private int _finished;

        public void Finish()
        {
            if (Interlocked.Exchange(ref _finished, 1) == 0)
                load.Finished(_started);
        }
    }
}
