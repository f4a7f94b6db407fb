using Microsoft.Extensions.Logging;

namespace PassGrains.Grains;

/// <summary>
/// The reminder that re-drives work a grain owes (pushes) after a crash. It is registered after the state
/// write that records the work, and that write is the commit point: when the reminder service cannot be
/// reached (its range lived on a silo that just died and membership has not moved it yet), the change
/// still succeeds, and a grain timer keeps trying to register the reminder until it is in place or the
/// work is done. Failing the call instead would tell the caller "not applied" about a change that was.
/// </summary>
public sealed partial class RedriveReminder(Grain grain, string name, ILogger logger)
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(2);
    private readonly GrainId _grainId = grain.GetGrainId();
    private IGrainTimer? _retry;

    /// <summary>Registers the reminder, or schedules retries when the reminder service does not answer.</summary>
    public async Task EnsureAsync()
    {
        try
        {
            await grain.RegisterOrUpdateReminder(name, Period, Period);
            StopRetrying();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRegisterFailed(logger, name, _grainId, e);
            _retry ??= grain.RegisterGrainTimer(static (keeper, _) => keeper.EnsureAsync(), this, RetryEvery, RetryEvery);
        }
    }

    /// <summary>Removes the reminder once nothing is owed; a failure leaves it to remove itself on its next tick.</summary>
    public async Task StopAsync()
    {
        StopRetrying();
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

    private void StopRetrying()
    {
        _retry?.Dispose();
        _retry = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register reminder {Reminder} for {Grain}; the change stands and registration is retried")]
    private static partial void LogRegisterFailed(ILogger logger, string reminder, GrainId grain, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not unregister reminder {Reminder} for {Grain}; it stops itself on its next tick")]
    private static partial void LogUnregisterFailed(ILogger logger, string reminder, GrainId grain, Exception exception);
}
