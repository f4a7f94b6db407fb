using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class StatsProjectionState
{
    /// <summary>Every event of the feed up to here is added to its scopes' stats.</summary>
    public long Cursor { get; set; }

    /// <summary>Scope key of a pass type or template → devices holding one of its passes, as of <see cref="Cursor"/>.</summary>
    public Dictionary<string, long> Active { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The stats' reader of the event feed (<see cref="IStatsProjectionGrain"/>). It reads a page, has every scope the page
/// touches add its events (each scope skips cursors it has added, so a page read again after a crash adds nothing twice),
/// then stores the cursor past the page with the active installs in one write. Calls interleave so the gauges read while a
/// page is being added; they see what the last write stored.
/// </summary>
[Reentrant]
public sealed partial class StatsProjectionGrain(
    [PersistentState(StorageNames.StatsProjection, StorageNames.Provider)] IPersistentState<StatsProjectionState> state,
    ILogger<StatsProjectionGrain> logger) : Grain, IStatsProjectionGrain, IRemindable
{
    public const string ResumeReminder = "stats-projection";
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);
    private const int PageSize = 1000;

    private Task _reading = Task.CompletedTask;
    private bool _reminded;
    private IReadOnlyDictionary<string, long> _active = new Dictionary<string, long>(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _active = new Dictionary<string, long>(state.State.Active, StringComparer.Ordinal);
        // Every activation reads, whatever activated it (a poke, its reminder, a read of the API).
        this.RegisterGrainTimer(static projection => projection.Tick(), this,
            new GrainTimerCreationOptions(TimeSpan.Zero, PollEvery) { Interleave = true, KeepAlive = true });
        return Task.CompletedTask;
    }

    async Task IStatsProjectionGrain.Poke()
    {
        if (!_reminded)
        {
            // Once per activation: the reminder is the durable part, the timer dies with the silo.
            await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminded = true;
        }
    }

    Task<IReadOnlyDictionary<string, long>> IStatsProjectionGrain.ActiveInstalls() => Task.FromResult(_active);

    Task<long> IStatsProjectionGrain.CountedThrough() => Task.FromResult(state.State.Cursor);

    Task IRemindable.ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == ResumeReminder ? ((IStatsProjectionGrain)this).Poke() : Task.CompletedTask;

    private Task Tick()
    {
        if (_reading.IsCompleted)
            _reading = CountPending();
        return Task.CompletedTask;
    }

    private async Task CountPending()
    {
        var feed = GrainFactory.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed);
        try
        {
            while (true)
            {
                var page = await feed.Read(state.State.Cursor, PageSize);
                if (page.Skipped)
                    LogSkipped(logger, state.State.Cursor);
                if (page.Next == state.State.Cursor)
                    return;
                var (entries, active) = StatsOfEvents.Count(page.Events, state.State.Active);
                await Task.WhenAll(entries.Select(scope => GrainFactory.GetGrain<IStatsGrain>(scope.Key).Apply(scope.Value)));
                (state.State.Cursor, state.State.Active) = (page.Next, active);
                // A failed write ends the activation (StateWrites.cs): the next one reads the stored cursor and the page
                // again, and the scopes skip what they added already.
                await state.WriteOrForgetAsync(this);
                _active = new Dictionary<string, long>(active, StringComparer.Ordinal);
            }
        }
        catch (Exception e)
        {
            LogPaused(logger, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stats: events after cursor {Cursor} were deleted by the feed's retention before they were counted")]
    private static partial void LogSkipped(ILogger logger, long cursor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stats: counting paused ({Failure}); going on from the stored cursor at the next tick")]
    private static partial void LogPaused(ILogger logger, string failure);
}
