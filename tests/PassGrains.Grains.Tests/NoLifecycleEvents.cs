using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>For grain tests: events go nowhere.</summary>
public sealed class NoLifecycleEvents : ILifecycleEvents
{
    public void Publish(LifecycleEvent lifecycleEvent)
    {
    }
}
