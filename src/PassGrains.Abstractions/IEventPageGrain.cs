using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>
/// A full page of the event feed (key <see cref="GrainKeys.EventPage"/>), written once when the feed's open page fills,
/// read by subscribers behind the open page, cleared by the feed's retention.
/// </summary>
public interface IEventPageGrain : IGrainWithStringKey
{
    /// <summary>Stores the page's events; storing the same page again (a retried seal) writes the same content.</summary>
    Task Store(IReadOnlyList<LifecycleEvent> events);

    [ReadOnly]
    Task<IReadOnlyList<LifecycleEvent>> Read();

    Task Clear();
}
