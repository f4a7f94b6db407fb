namespace PassGrains.Abstractions;

/// <summary>Sends a group's change to every device in its index, shard by shard, outside the group grain.</summary>
public interface IGroupPushGrain : IGrainWithStringKey
{
    /// <param name="version">The group version to push.</param>
    /// <param name="nudge">
    /// A watchdog's check that the fan-out is alive: ignored by an activation that already ran this version
    /// (its undelivered pushes are the reminder's to retry); a new activation (its silo died) runs it.
    /// </param>
    [Orleans.Concurrency.OneWay]
    Task Push(long version, bool nudge = false);
}
