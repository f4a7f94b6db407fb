using PassGrains.Server.PassTypes;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PassGrains.Server.Telemetry;

/// <summary>
/// What operators watch, on the <c>PassGrains</c> meter: passes rendered and how long rendering took, passes that could not be rendered, latest-pass
/// answers by status (the 304 share), registrations, batch lines, and the days left on every signing certificate.
/// Features whose numbers need their own state make their instruments on <see cref="MeterName"/> themselves
/// (Pushes/PushMetrics.cs: pushes by outcome, alarms, pushes waiting), so that Telemetry depends on none of them.
/// </summary>
public sealed class PassGrainsMetrics : IDisposable
{
    public const string MeterName = "PassGrains";

    private readonly Meter _meter;
    private readonly Counter<long> _issued;
    private readonly Counter<long> _rendered;
    private readonly Histogram<double> _renderDuration;
    private readonly Counter<long> _latestPass;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _batchLines;
    private readonly Counter<long> _renderFailures;
    private readonly Counter<long> _renderCached;
    private readonly PassTypeRegistry _passTypes;

    public PassGrainsMetrics(IMeterFactory meters, PassTypeRegistry passTypes, TimeProvider time)
    {
        _meter = meters.Create(MeterName);
        _passTypes = passTypes;
        _issued = _meter.CreateCounter<long>("passgrains.passes.issued", unit: "{pass}", description: "Passes issued, by pass type and source (api, batch)");
        _rendered = _meter.CreateCounter<long>("passgrains.passes.rendered", unit: "{pass}", description: "Signed .pkpass files rendered, by pass type");
        _renderDuration = _meter.CreateHistogram<double>("passgrains.render.duration", unit: "s", description: "Time to compose, sign and zip one pass");
        _latestPass = _meter.CreateCounter<long>("passgrains.latest_pass.responses", unit: "{response}",
            description: "Answers to Wallet's latest-pass request by status: 200 sent the pass, 304 the device was current");
        _registrations = _meter.CreateCounter<long>("passgrains.registrations", unit: "{registration}",
            description: "Device registrations by change: added, repeated, removed, refused");
        _batchLines = _meter.CreateCounter<long>("passgrains.batch.lines", unit: "{line}", description: "Batch job lines by result: issued, failed");
        _renderFailures = _meter.CreateCounter<long>("passgrains.render.failures", unit: "{pass}",
            description: "Stored passes that could not be rendered (answered 503), by pass type: an alarm; the error log names pass and template");
        _renderCached = _meter.CreateCounter<long>("passgrains.passes.render_cache_hits", unit: "{pass}",
            description: "Downloads served with a pass this silo had signed for the same version, by pass type (no signature needed)");
        _meter.CreateObservableGauge("passgrains.certificate.days_remaining", () => passTypes.All.Select(t =>
                new Measurement<double>((t.Signer.Certificate.NotAfter - time.GetUtcNow()).TotalDays, new KeyValuePair<string, object?>("pass_type", t.Identifier))),
            unit: null, description: "Days until each pass type's signing certificate expires");
    }

    public void Issued(string passType, bool fromBatch) =>
        _issued.Add(1, new("pass_type", _passTypes.MetricLabel(passType)), new("source", fromBatch ? "batch" : "api"));

    public void Rendered(string passType, TimeSpan elapsed)
    {
        var label = new KeyValuePair<string, object?>("pass_type", _passTypes.MetricLabel(passType));
        _rendered.Add(1, label);
        _renderDuration.Record(elapsed.TotalSeconds, label);
    }

    public void RenderCached(string passType) =>
        _renderCached.Add(1, new KeyValuePair<string, object?>("pass_type", _passTypes.MetricLabel(passType)));

    public void RenderFailed(string passType) =>
        _renderFailures.Add(1, new KeyValuePair<string, object?>("pass_type", _passTypes.MetricLabel(passType)));

    public void LatestPass(string passType, int status) =>
        _latestPass.Add(1, new("pass_type", _passTypes.MetricLabel(passType)), new("status", status));

    public void Registration(string passType, string change) =>
        _registrations.Add(1, new("pass_type", _passTypes.MetricLabel(passType)), new("change", change));

    public void BatchLines(int issued, int failed)
    {
        if (issued > 0)
            _batchLines.Add(issued, new KeyValuePair<string, object?>("result", "issued"));
        if (failed > 0)
            _batchLines.Add(failed, new KeyValuePair<string, object?>("result", "failed"));
    }

    public static TimeSpan Since(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp);

    public void Dispose() => _meter.Dispose();
}
