using PassGrains.Server.PassTypes;
using System.Diagnostics.Metrics;
using PassGrains.Server.Telemetry;

namespace PassGrains.Server.Pushes;

/// <summary>
/// Push instruments on the <c>PassGrains</c> meter: pushes by outcome and APNs reason, the pass types
/// whose pushes are stopped by an alarm, pushes waiting for APNs, and the paced rate with the load it follows (for
/// OpenTelemetry/Prometheus exporters to pick up).
/// </summary>
public sealed class PushMetrics : IDisposable
{
    public const string MeterName = PassGrainsMetrics.MeterName;

    private readonly Meter _meter;
    private readonly Counter<long> _pushes;
    private readonly PassTypes.PassTypeRegistry _passTypes;

    public PushMetrics(IMeterFactory meters, PushAlarms alarms, PassTypes.PassTypeRegistry passTypes, PushPacer pacer, WalletLoad load)
    {
        _passTypes = passTypes;
        _meter = meters.Create(MeterName);
        _pushes = _meter.CreateCounter<long>("passgrains.pushes", unit: "{push}", description: "APNs pushes by outcome and reason");
        _meter.CreateObservableGauge("passgrains.push_alarms", () => alarms.Count, unit: "{pass type}",
            description: "Pass types whose pushes are stopped because APNs refused their credential again and again (the cluster's alarms, as this silo last read them)");
        if (!pacer.Paces)
            return;
        _meter.CreateObservableGauge("passgrains.pushes.paced_per_second", () => pacer.Rate, unit: null,
            description: "The most pushes a second this silo's dispatcher sends now (PassGrains:Pushes:Pacing: adapted to its load, never above the ceiling)");
        _meter.CreateObservableGauge("passgrains.pushes.pacing_delay", () => pacer.LastDelay.TotalSeconds, unit: "s",
            description: "How long a wallet web service request on this silo waited, as the pacer last read it: above the target latency the paced rate falls");
        if (pacer.Adapts)
        {
            _meter.CreateObservableGauge("passgrains.wallet.requests_waiting", () => load.Sample().InFlight, unit: "{request}",
                description: "Wallet web service requests this silo has received and not yet begun to answer: the queue the adaptive pacer reads (an answer on its way to a slow phone is not in it)");
        }
    }

    /// <summary>The dispatcher hands in how many pushes it holds: it records into this class, so this class cannot be handed the dispatcher.</summary>
    public void ObserveWaiting(Func<int> outstanding) =>
        _meter.CreateObservableGauge("passgrains.pushes.waiting", outstanding, unit: "{push}",
            description: "Pushes queued or in flight to APNs on this silo, not yet answered");

    public void Record(string passType, string outcome, string? reason) =>
        _pushes.Add(1, new KeyValuePair<string, object?>("pass_type", _passTypes.MetricLabel(passType)), new KeyValuePair<string, object?>("outcome", outcome),
            new KeyValuePair<string, object?>("reason", reason ?? ""));

    public void Dispose() => _meter.Dispose();
}
