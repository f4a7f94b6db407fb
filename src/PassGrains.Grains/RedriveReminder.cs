using Microsoft.Extensions.Logging;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// The reminder that re-drives work a grain owes (pushes) after a crash. It is registered before the state write
/// that records the work: owed work stored without its reminder would wait for ever if the silo died before the
/// reminder was in place (nothing else activates a pass nobody calls). When the reminder service cannot be reached
/// (its range lived on a silo that just died and membership has not moved it yet) the change fails before anything
/// is stored, and the caller's retry does it again; a reminder registered for a change whose write then failed has
/// nothing to re-drive and stops itself on its first tick.
/// </summary>
public sealed partial class RedriveReminder(Grain grain, string name, ILogger logger)
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);
    private readonly GrainId _grainId = grain.GetGrainId();
    private bool _registered;

    /// <summary>Registers the reminder unless this activation already did; throws when the reminder service does not answer.</summary>
    public async Task EnsureAsync()
    {
        if (_registered)
            return;
        try
        {
            await grain.RegisterOrUpdateReminder(name, Period, Period);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new StorageUnavailableException($"the reminder that re-drives owed work could not be registered: {e.GetType().Name}");
        }
        _registered = true;
    }

    /// <summary>Removes the reminder once nothing is owed; a failure leaves it to remove itself on its next tick.</summary>
    public async Task StopAsync()
    {
        _registered = false;
        try
        {
            if (await grain.GetReminder(name) is { } reminder)
                await grain.UnregisterReminder(reminder);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnregisterFailed(logger, name, _grainId, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not unregister reminder {Reminder} for {Grain}; it stops itself on its next tick")]
    private static partial void LogUnregisterFailed(ILogger logger, string reminder, GrainId grain, Exception exception);
}
