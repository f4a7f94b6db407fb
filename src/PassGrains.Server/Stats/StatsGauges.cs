using System.Diagnostics.Metrics;
using PassGrains.Abstractions;
using PassGrains.Server.PassTypes;
using PassGrains.Server.Telemetry;

namespace PassGrains.Server.Stats;

/// <summary>
/// <c>passgrains.installs.active</c>: devices holding a pass, by pass type and by template, as the stats counted them
/// (<see cref="IStatsProjectionGrain.ActiveInstalls"/>, read every few seconds by <see cref="StatsFlushing"/>). Every silo
/// reports the cluster's numbers: take one silo's value (or the maximum), never the sum.
/// </summary>
public sealed partial class StatsGauges : IDisposable
{
    /// <summary>At most this many templates get a series of their own; the rest are left out (the API has them all).</summary>
    public const int MaxTemplateSeries = 500;

    private readonly Meter _meter;
    private readonly PassTypeRegistry _passTypes;
    private readonly ILogger<StatsGauges> _logger;
    private volatile Measurement<long>[] _measurements = [];

    public StatsGauges(IMeterFactory meters, PassTypeRegistry passTypes, ILogger<StatsGauges> logger)
    {
        _passTypes = passTypes;
        _logger = logger;
        _meter = meters.Create(PassGrainsMetrics.MeterName);
        _meter.CreateObservableGauge("passgrains.installs.active", () => _measurements, unit: "{device}",
            description: "Devices holding a pass, by pass type (label pass_type) and by template (label template), cluster-wide: every silo reports the same numbers");
    }

    public async Task RefreshAsync(IGrainFactory grains)
    {
        IReadOnlyDictionary<string, long> active;
        try
        {
            active = await grains.GetGrain<IStatsProjectionGrain>(GrainKeys.StatsProjection).ActiveInstalls().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRefreshFailed(_logger, e.GetType().Name);
            return;
        }
        var passTypePrefix = GrainKeys.Stats(GrainKeys.StatsPassType, "");
        var templatePrefix = GrainKeys.Stats(GrainKeys.StatsTemplate, "");
        var measurements = new List<Measurement<long>>();
        foreach (var passType in _passTypes.All)
            measurements.Add(new Measurement<long>(active.GetValueOrDefault(passTypePrefix + passType.Identifier), new KeyValuePair<string, object?>("pass_type", passType.Identifier)));
        foreach (var (scope, devices) in active.Where(a => a.Key.StartsWith(templatePrefix, StringComparison.Ordinal)).OrderBy(a => a.Key, StringComparer.Ordinal).Take(MaxTemplateSeries))
            measurements.Add(new Measurement<long>(devices, new KeyValuePair<string, object?>("template", scope[templatePrefix.Length..])));
        _measurements = [.. measurements];
    }

    public void Dispose() => _meter.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stats: could not read the active installs for the gauges ({Failure}); keeping the last numbers")]
    private static partial void LogRefreshFailed(ILogger logger, string failure);
}
