using Orleans.Concurrency;

namespace PassGrains.Abstractions;

/// <summary>
/// The schedules of one target (key <see cref="GrainKeys.ScheduleBook"/>: a pass or a group): the changes waiting for their
/// time and the last ones that ended. Each waiting schedule has a reminder of its own, registered before the schedule is
/// stored, so a schedule survives restarts and the loss of the silo that held the book; at its time the book makes the
/// change (through the host's runner), stores the result and emits it on the event feed, then drops the reminder.
/// </summary>
public interface IScheduleBookGrain : IGrainWithStringKey
{
    /// <summary>At most this many schedules of one target wait at once.</summary>
    const int MaxPending = 100;

    /// <summary>At most this many ended schedules of one target are kept to be read back; older ones are forgotten.</summary>
    const int MaxEnded = 50;

    Task<ScheduleAddStatus> Add(Schedule schedule);

    /// <summary>What <see cref="Add"/> would answer for a schedule of <paramref name="id"/> now, adding nothing: for a caller that must claim something first.</summary>
    [ReadOnly]
    Task<ScheduleAddStatus> WouldAdd(string id);

    /// <summary>Cancels a schedule still waiting; one that ran, failed or was cancelled stays as it is.</summary>
    Task<ScheduleCancelResult> Cancel(string id);

    [ReadOnly]
    Task<Schedule?> Find(string id);

    /// <summary>Waiting schedules by time, then ended ones, newest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<Schedule>> List();

    /// <summary>The event feed's follow-up of a reservation this book made and never appended (as <see cref="IPassGrain.DrainOutbox"/>).</summary>
    [OneWay]
    Task DrainOutbox();
}
