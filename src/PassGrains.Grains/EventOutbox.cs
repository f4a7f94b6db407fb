using Microsoft.Extensions.Logging;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// A grain's way to the event feed: the events of a change are written in the grain's own state (its outbox) with the
/// change, and handed to the feed after. <see cref="ReserveAsync"/> comes first, before the write, so that a silo dying
/// between the write and the hand-on leaves a reservation the feed follows up (<see cref="IEventFeedGrain"/>).
/// </summary>
internal sealed partial class EventOutbox(IGrainFactory grains, string source, ILogger logger)
{
    private IEventFeedGrain Feed => grains.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed);

    /// <summary>
    /// Reserves before a write that records events. Events left in <paramref name="outbox"/> from an earlier change are
    /// dropped when the feed holds no reservation for them: then the append that removed it stored them.
    /// </summary>
    public async Task ReserveAsync(List<LifecycleEvent> outbox)
    {
        bool pending;
        try
        {
            pending = await Feed.Reserve(source);
        }
        catch (Exception e) when (e is not StorageUnavailableException)
        {
            // OperationCanceledException included: a call to the feed while its activation moves can expire unplaced.
            throw new StorageUnavailableException($"the event feed could not be reached: {e.GetType().Name}");
        }
        if (!pending)
            outbox.Clear();
    }

    /// <summary>
    /// Hands the stored outbox on after the write. A failure costs nothing but time: the events are stored with the
    /// change, the reservation stands, and the feed's sweep (or this grain's next change) hands them on.
    /// </summary>
    public async Task HandOnAsync(List<LifecycleEvent> outbox)
    {
        if (outbox.Count == 0)
            return;
        try
        {
            await Feed.Append(source, outbox.ToList());
            outbox.Clear();
        }
        catch (Exception e)
        {
            LogHandOnFailed(logger, source, e.GetType().Name);
        }
    }

    /// <summary>The feed asks for an orphaned reservation: hand on what is stored, or say there is nothing.</summary>
    public async Task DrainAsync(List<LifecycleEvent> outbox)
    {
        if (outbox.Count == 0)
        {
            await Feed.Release(source);
            return;
        }
        await Feed.Append(source, outbox.ToList());
        outbox.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Events of {Source} are stored but could not be handed to the feed ({Failure}); the feed's sweep hands them on")]
    private static partial void LogHandOnFailed(ILogger logger, string source, string failure);
}
