using PassGrains.Abstractions;

namespace PassGrains.Server.Stats;

/// <summary>
/// While the silo is active: hands the tally on every <see cref="StatsTally.FlushEvery"/>, refreshes the active-install
/// gauges, and starts the stats' reader of the event feed; when the silo stops, hands the tally on once more while grains
/// can still take it.
/// </summary>
public sealed partial class StatsFlushing(StatsTally tally, StatsGauges gauges, IGrainFactory grains, TimeProvider time, ILogger<StatsFlushing> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>How long a stopping silo tries to hand its tally on.</summary>
    public static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(5);

    /// <summary>The gauges are read again every this many flushes (about 14 s).</summary>
    private const int GaugeFlushes = 7;

    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StatsFlushing), ServiceLifecycleStage.Active, _ =>
        {
            _loop = Task.Run(RunAsync, CancellationToken.None);
            return Task.CompletedTask;
        }, StopAsync);

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync()
    {
        var projectionStarted = false;
        var flushes = 0;
        using var timer = new PeriodicTimer(StatsTally.FlushEvery, time);
        try
        {
            do
            {
                projectionStarted = projectionStarted || await TryStartProjection();
                await tally.FlushAsync(grains).ConfigureAwait(false);
                if (flushes++ % GaugeFlushes == 0)
                    await gauges.RefreshAsync(grains).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<bool> TryStartProjection()
    {
        try
        {
            await grains.GetGrain<IStatsProjectionGrain>(GrainKeys.StatsProjection).Poke().ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogProjectionNotStarted(logger, e.GetType().Name);
            return false;
        }
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StopDeadline);
        try
        {
            if (await tally.FlushAsync(grains).WaitAsync(deadline.Token).ConfigureAwait(false) is > 0 and var owed)
                LogTallyLost(logger, owed);
        }
        catch (OperationCanceledException)
        {
            LogTallyLost(logger, -1);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stats: could not start counting the event feed ({Failure}); trying again")]
    private static partial void LogProjectionNotStarted(ILogger logger, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stats: the silo stopped before {Scopes} scopes took their downloads and pushes (-1: the flush ran out of time)")]
    private static partial void LogTallyLost(ILogger logger, int scopes);
}
