using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PassGrains.Server.Pushes;
using Orleans.Dashboard;
using PassGrains.Server.Security;

namespace PassGrains.Server.Telemetry;

/// <summary>
/// OpenTelemetry for a silo: Orleans' meter and ours, ASP.NET Core and runtime instruments, scraped by
/// Prometheus at <see cref="OperatorAccess.MetricsPath"/>; traces and metrics also go to an OTLP collector
/// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names one. The Orleans dashboard at <see cref="OperatorAccess.DashboardPath"/>.
/// </summary>
public static class TelemetryHosting
{
    public const string OrleansMeter = "Microsoft.Orleans";

    public static WebApplicationBuilder AddPassGrainsTelemetry(this WebApplicationBuilder builder)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("passgrains"))
            .WithMetrics(metrics => metrics
                .AddMeter(PushMetrics.MeterName, OrleansMeter)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing
                    .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                    .AddAspNetCoreInstrumentation())
                .UseOtlpExporter();
        }
        builder.Services.AddSingleton<OperatorAccess>();
        return builder;
    }

    /// <summary>Key checks first, then the scrape endpoint and the dashboard behind them.</summary>
    public static WebApplication UsePassGrainsTelemetry(this WebApplication app)
    {
        var access = app.Services.GetRequiredService<OperatorAccess>();
        app.Use(access.InvokeAsync);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(OperatorAccess.MetricsPath);
        if (app.Services.GetRequiredService<OperatorApiKeys>().Keys.Any)
            app.MapOrleansDashboard(OperatorAccess.DashboardPath);
        return app;
    }
}
