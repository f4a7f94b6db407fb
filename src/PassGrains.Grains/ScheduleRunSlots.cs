using Microsoft.Extensions.Options;

namespace PassGrains.Grains;

/// <summary>
/// The turns of one silo's schedule books at running their schedules (<see cref="ScheduleOptions.MaxConcurrentRuns"/>):
/// a book waits for a turn before it reserves with the event feed and makes its change, so that a hundred thousand
/// schedules due in one minute run at the pace the silo can store them, not all at once.
/// </summary>
public sealed class ScheduleRunSlots(IOptions<ScheduleOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentRuns, options.Value.MaxConcurrentRuns);

    public void Dispose() => _slots.Dispose();

    /// <summary>Waits for a turn; the caller gives it back with <see cref="Leave"/>.</summary>
    // Awaited in the grain's own context (no ConfigureAwait(false)): the grain's code runs on after it.
    public Task EnterAsync() => _slots.WaitAsync();

    public void Leave() => _slots.Release();
}
