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
                    .AddAspNetCoreInstrumentation(o => o.EnrichWithHttpRequest = (activity, _) => RedactQuery(activity)))
                .UseOtlpExporter();
        }
        // "Request starting/finished" lines print the query string, and download links carry their signature there:
        // whoever reads the log could download the pass. Errors from the same category are still logged.
        builder.Logging.AddFilter(HostingDiagnostics, LogLevel.Warning);
        builder.Services.AddSingleton<OperatorAccess>();
        return builder;
    }

    public const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// Download links carry their signature in the query string (<c>?expires=…&amp;sig=…</c>): a trace never records it,
    /// whatever the instrumentation's own redaction setting. No request header is recorded either (none is configured
    /// to be), so neither an API key nor a pass's authentication token reaches a trace.
    /// </summary>
    public static void RedactQuery(System.Diagnostics.Activity activity)
    {
        if (activity.GetTagItem("url.query") is not null)
            activity.SetTag("url.query", "?Redacted");
        if (activity.GetTagItem("http.url") is string url && url.IndexOf('?', StringComparison.Ordinal) is var q and >= 0)
            activity.SetTag("http.url", url[..q]);
    }

    /// <summary>Key checks first, then the scrape endpoint and the dashboard behind them.</summary>
    public static WebApplication UsePassGrainsTelemetry(this WebApplication app)
    {
        var access = app.Services.GetRequiredService<OperatorAccess>();
        app.Use(access.InvokeAsync);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(OperatorAccess.MetricsPath);
        if (app.Services.GetRequiredService<OperatorApiKeys>().Any)
            app.MapOrleansDashboard(OperatorAccess.DashboardPath);
        return app;
    }
}
