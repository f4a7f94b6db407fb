using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>Where grains report lifecycle events; the server puts them on an Orleans stream. Never blocks a grain turn.</summary>
public interface ILifecycleEvents
{
    void Publish(LifecycleEvent lifecycleEvent);
}

/// <summary>For hosts without webhooks (and grain tests): events go nowhere.</summary>
public sealed class NoLifecycleEvents : ILifecycleEvents
{
    public void Publish(LifecycleEvent lifecycleEvent)
    {
    }
}
