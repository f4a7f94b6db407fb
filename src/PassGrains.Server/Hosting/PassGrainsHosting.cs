using PassGrains.Server.Configuration;
using PassGrains.Server.Demo;
using PassGrains.Server.DeviceLogs;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.PassTypes;
using PassGrains.Server.Pushes;
using PassGrains.Server.Rendering;
using PassGrains.Server.Scheduling;
using PassGrains.Server.Security;
using PassGrains.Server.Stats;
using PassGrains.Server.Storage;
using PassGrains.Server.Telemetry;
using PassGrains.Server.Webhooks;

namespace PassGrains.Server.Hosting;

/// <summary>
/// The composition root: every folder registers itself (its <c>*Hosting.cs</c>), and this says in which order.
/// Nothing else uses this folder (tests/PassGrains.Server.Tests/ArchitectureTests.cs).
/// </summary>
public static class PassGrainsHosting
{
    /// <summary>Options, signing, the features and the co-hosted silo.</summary>
    public static WebApplicationBuilder AddPassGrains(this WebApplicationBuilder builder)
    {
        // What the build itself needs, each checked by its own options now, before anything is written.
        var server = builder.AddServerOptions();
        var security = builder.AddSecurityOptions();
        var signing = builder.AddPassTypeOptions();
        var silo = builder.AddSiloOptions();

        var location = builder.Locate(server);
        builder.Services.AddSingleton(TimeProvider.System);
        var passTypes = builder.AddPassTypes(signing, location);
        builder.AddSecurity(security, location);
        builder.AddRendering();
        builder.AddDeviceLogs();
        // Hosted services start in this order and stop in reverse: pushes and webhooks drain after the silo stops.
        builder.AddPushes();
        builder.AddWebhooks();
        builder.AddIssuing();
        builder.AddScheduling();
        builder.AddStats();
        builder.AddTelemetry();
        builder.AddDemo(passTypes);
        builder.Services.AddHostedService<StartupReport>();
        builder.AddHttpConventions();

        var dashboard = security.OperatorApiKeys.Count > 0;
        builder.AddSilo(silo, location, siloBuilder =>
        {
            siloBuilder.AddDeviceReadCache(builder.Configuration);
            siloBuilder.AddScheduleReminders();
            // The dashboard only when an operator key can open it: its grain-call filter costs about a tenth of a device request's CPU.
            if (dashboard)
                siloBuilder.AddTelemetryDashboard();
        });
        return builder;
    }

    /// <summary>The middleware every request passes, in order; the endpoints are mapped after it (PassGrainsApp).</summary>
    public static WebApplication UsePassGrains(this WebApplication app)
    {
        app.UsePushPacing();
        app.UseHttpConventions();
        app.UseSecurity();
        app.UseTelemetry(dashboard: app.Services.GetRequiredService<OperatorApiKeys>().Any);
        return app;
    }
}
