using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>Where grains report lifecycle events; the server puts them on an Orleans stream. Never blocks a grain turn.</summary>
public interface ILifecycleEvents
{
    void Publish(LifecycleEvent lifecycleEvent);
}
