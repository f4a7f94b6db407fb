using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// The silo's push dispatcher (a local service, one per silo): sends one push per device token per
/// short window however many changes asked for it, and answers for every target.
/// </summary>
public interface IPushDispatcher
{
    /// <summary>Sends and completes when every target has an outcome; the caller reports it onward.</summary>
    Task<IReadOnlyList<PushReport>> SendAsync(string passTypeIdentifier, IReadOnlyList<PushTarget> targets);

    /// <summary>Sends without waiting; the outcomes go to the pass grain (<see cref="IPassGrain.ReportPushes"/>).</summary>
    void Enqueue(string passTypeIdentifier, string serialNumber, IReadOnlyList<PushTarget> targets);
}
