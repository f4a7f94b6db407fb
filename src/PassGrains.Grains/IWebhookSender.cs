using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>Delivers lifecycle events to an issuer's webhook URL (signed, retried); implemented by the host.</summary>
public interface IWebhookSender
{
    void Enqueue(Webhook webhook, LifecycleEvent lifecycleEvent);
}
