namespace PassGrains.Abstractions;

/// <summary>
/// One webhook's delivery (key <see cref="GrainKeys.WebhookDelivery"/>): reads the event feed from its own stored
/// cursor and POSTs its pass type's events, so a receiver that is slow or down delays only itself, and a silo that
/// dies loses nothing (the cursor moves only past delivered events).
/// </summary>
public interface IWebhookDeliveryGrain : IGrainWithStringKey
{
    /// <summary>Starts delivering the events after <paramref name="after"/>; a delivery already started goes on from its own cursor.</summary>
    Task Start(long after);

    /// <summary>Stops for good and forgets the cursor (the webhook was deleted).</summary>
    Task Finish();

    /// <summary>Makes sure a started delivery is running (its silo may have died); nothing for one not started.</summary>
    [Orleans.Concurrency.OneWay]
    Task Poke();
}
