using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>
/// A read of the feed: the events after the cursor asked for, oldest first, and <see cref="Next"/>, the cursor to ask
/// with next time (the last event's, or the one asked with when nothing is newer). <see cref="Skipped"/> is true when
/// events after the cursor asked for were already deleted by the feed's retention.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EventFeedPage(
    [property: Id(0)] IReadOnlyList<LifecycleEvent> Events,
    [property: Id(1)] long Next,
    [property: Id(2)] bool Skipped);

/// <summary>
/// The cluster's durable feed of lifecycle events (one grain, key <see cref="GrainKeys.EventFeed"/>), read by webhook
/// deliveries and <c>GET /api/events</c>. A grain that changes its state reserves before the write that records the
/// change's events in its own state (its outbox) and appends them after; a reservation older than a few seconds is a
/// source that may have died between the two, and the feed asks it to hand its outbox on (<see cref="IPassGrain.DrainOutbox"/>).
/// So an event exists once its change is stored, and is in the feed soon after, whatever dies in between.
/// </summary>
public interface IEventFeedGrain : IGrainWithStringKey
{
    /// <summary>Stores that <paramref name="source"/> (the key of a pass grain or a schedule book) is about to store events in its outbox.</summary>
    /// <returns>
    /// True when the source already had a reservation: its stored outbox is not yet in the feed. False: anything in its
    /// outbox is (the append that removed the reservation stored it), and the source forgets it.
    /// </returns>
    Task<bool> Reserve(string source);

    /// <summary>Stores the events and removes <paramref name="source"/>'s reservation, in one write.</summary>
    Task Append(string? source, IReadOnlyList<LifecycleEvent> events);

    /// <summary>Removes a reservation whose source stored nothing (its write failed).</summary>
    Task Release(string source);

    /// <summary>Up to <paramref name="limit"/> events after <paramref name="after"/> (0: from the oldest kept).</summary>
    [ReadOnly]
    Task<EventFeedPage> Read(long after, int limit);

    /// <summary>The newest event's cursor (0 when none): where a new subscriber starts.</summary>
    [ReadOnly]
    Task<long> Tail();
}
