using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;

namespace PassGrains.Server.Telemetry;

/// <summary>
/// OpenTelemetry for a silo: Orleans' meter and ours, ASP.NET Core and runtime instruments, scraped by
/// Prometheus at <see cref="MetricsPath"/>; traces and metrics also go to an OTLP collector
/// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names one. The Orleans dashboard at <see cref="DashboardPath"/>.
/// Both are operator surfaces: Security's OperatorAccess guards them, in front of <see cref="UseTelemetry"/>.
/// Features record on <see cref="PassGrainsMetrics"/> or create their own instruments on its meter; this folder knows none of them.
/// </summary>
public static class TelemetryHosting
{
    public const string OrleansMeter = "Microsoft.Orleans";
    public const string MetricsPath = "/metrics";
    public const string DashboardPath = "/dashboard";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PassGrainsMetrics>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("passgrains"))
            .WithMetrics(metrics => metrics
                .AddMeter(PassGrainsMetrics.MeterName, OrleansMeter)
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

    /// <summary>The dashboard's grains, for a silo whose dashboard someone can open: its grain-call filter costs about a tenth of a device request's CPU.</summary>
    public static ISiloBuilder AddTelemetryDashboard(this ISiloBuilder silo) => silo.AddDashboard();

    /// <summary>The scrape endpoint, and the dashboard when the silo has it; the key checks must already be in the pipeline.</summary>
    public static WebApplication UseTelemetry(this WebApplication app, bool dashboard)
    {
        app.UseOpenTelemetryPrometheusScrapingEndpoint(MetricsPath);
        if (dashboard)
            app.MapOrleansDashboard(DashboardPath);
        return app;
    }
}
