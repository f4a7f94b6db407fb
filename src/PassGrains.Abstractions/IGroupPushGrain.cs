namespace PassGrains.Abstractions;

/// <summary>
/// Sends a change to every device of a device index, shard by shard, outside the index's owner. Its key is the owner's:
/// a group's (<see cref="GrainKeys.Group"/>) after a group change, or a pass's (<see cref="GrainKeys.Pass"/>) after a
/// change of a pass whose registrations outgrew its state.
/// </summary>
public interface IGroupPushGrain : IGrainWithStringKey
{
    /// <param name="version">The owner's version to push.</param>
    /// <param name="nudge">
    /// A watchdog's check that the fan-out is alive: ignored by an activation that already ran this version
    /// (its undelivered pushes are the reminder's to retry); a new activation (its silo died) runs it.
    /// </param>
    [Orleans.Concurrency.OneWay]
    Task Push(long version, bool nudge = false);
}
