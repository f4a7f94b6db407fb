using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>Delivers lifecycle events to an issuer's webhook URL (signed, retried); implemented by the host.</summary>
public interface IWebhookSender
{
    /// <summary>
    /// Delivers one event, retrying failures until the host's retry deadline; completes when the receiver took it, when
    /// it was given up, or when the webhook turned out deleted since <paramref name="readAt"/> (a
    /// <see cref="TimeProvider.GetTimestamp"/> of when <paramref name="webhook"/> was read). Throws
    /// <see cref="OperationCanceledException"/> when cancelled or the host stops: the event is then not delivered.
    /// </summary>
    Task DeliverAsync(Webhook webhook, LifecycleEvent lifecycleEvent, long readAt, CancellationToken cancellationToken);
}
