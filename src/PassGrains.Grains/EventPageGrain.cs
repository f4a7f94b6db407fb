using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class EventPageState
{
    public List<LifecycleEvent> Events { get; set; } = [];
}

/// <summary>A full page of the event feed (<see cref="IEventPageGrain"/>); its activation goes when idle, pages are read rarely.</summary>
public sealed class EventPageGrain(
    [PersistentState(StorageNames.EventPage, StorageNames.Provider)] IPersistentState<EventPageState> state) : Grain, IEventPageGrain
{
    async Task IEventPageGrain.Store(IReadOnlyList<LifecycleEvent> events)
    {
        state.State.Events = events.ToList();
        await state.WriteOrForgetAsync(this);
    }

    Task<IReadOnlyList<LifecycleEvent>> IEventPageGrain.Read() => Task.FromResult<IReadOnlyList<LifecycleEvent>>(state.State.Events);

    async Task IEventPageGrain.Clear()
    {
        if (state.RecordExists)
            await state.WriteOrForgetAsync(this, clear: true);
        DeactivateOnIdle();
    }
}
