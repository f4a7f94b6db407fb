using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class ScheduleBookState
{
    /// <summary>Schedules waiting for their time, earliest first; each has a reminder (<see cref="ScheduleBookGrain.ReminderName"/>).</summary>
    public List<Schedule> Pending { get; set; } = [];

    /// <summary>The last schedules that ended, newest first (at most <see cref="IScheduleBookGrain.MaxEnded"/>).</summary>
    public List<Schedule> Ended { get; set; } = [];

    /// <summary>Events of ended schedules not yet in the event feed (<see cref="EventOutbox"/>).</summary>
    public List<LifecycleEvent> Outbox { get; set; } = [];

    /// <summary>
    /// Events of schedules given up while the event feed was out of reach, not yet reserved with it: each schedule's
    /// reminder stays until its event is in the outbox.
    /// </summary>
    public List<LifecycleEvent> Unannounced { get; set; } = [];
}

/// <summary>
/// One target's schedules: see <see cref="IScheduleBookGrain"/>. The reminder of a schedule is what is owed: it is
/// registered before the schedule is stored and dropped only after the schedule's end is stored, so a silo dying at any
/// point leaves either nothing stored or a reminder that ticks again (<see cref="QuickPeriod"/> later) on whichever silo holds
/// the reminder's range. A tick after the change was made but before its end was stored makes the change again; the
/// changes a schedule can make are merges (a PATCH, a group PUT) or a void, so the second time changes nothing, unless
/// another change of the same target came in the seconds between.
/// </summary>
public sealed partial class ScheduleBookGrain(
    [PersistentState(StorageNames.ScheduleBook, StorageNames.Provider)] IPersistentState<ScheduleBookState> state,
    IScheduledChangeRunner runner,
    TimeProvider time,
    IOptions<ScheduleOptions> options,
    IOptions<Orleans.Hosting.ReminderOptions> reminders,
    ILogger<ScheduleBookGrain> logger,
    ScheduleRunSlots? slots = null) : Grain, IScheduleBookGrain, IRemindable
{
    /// <summary>
    /// How often a schedule's reminder ticks after its first tick, when the silo lets reminders tick that often
    /// (<see cref="Orleans.Hosting.ReminderOptions.MinimumReminderPeriod"/>, 1 minute unless configured; the server sets
    /// it to this). A change that could not be tried is tried again then; and a first tick missed while the silo that
    /// owned the reminder was down comes on a later tick, as Orleans skips missed ticks: so this bounds how late a
    /// schedule runs after a restart or a silo's loss.
    /// </summary>
    public static readonly TimeSpan QuickPeriod = TimeSpan.FromSeconds(15);

    private TimeSpan RetryPeriod => reminders.Value.MinimumReminderPeriod > QuickPeriod ? reminders.Value.MinimumReminderPeriod : QuickPeriod;

    /// <summary>Orleans bounds a reminder's due time (about 49 days); a later schedule's reminder is moved on when it ticks early.</summary>
    private static readonly TimeSpan LongestDue = TimeSpan.FromDays(30);

    /// <summary>A tick this much before the schedule's time (clocks of two silos) runs it.</summary>
    private static readonly TimeSpan Early = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The reminders this activation registered, by name, and null for those it dropped: dropping one it knows takes no read
    /// of the reminder table first, and a tick queued behind the run that dropped it (a book that waited past
    /// <see cref="QuickPeriod"/> for its turn is ticked again) costs nothing. Another activation reads the table, as before.
    /// </summary>
    private readonly Dictionary<string, IGrainReminder?> _reminders = new(StringComparer.Ordinal);

    private EventOutbox? _events;
    private EventOutbox Events => _events ??= new EventOutbox(GrainFactory, this.GetPrimaryKeyString(), logger);

    private ScheduleBookState State => state.State;

    /// <summary>
    /// The name of a schedule's reminder: a hash of its id, not the id. An id is as long as its target, encoded (a pass
    /// type of up to 255 characters and a serial of up to 100), and its key, while reminder tables bound a name (150
    /// characters in the PostgreSQL schema, as in Orleans' own scripts): a schedule of a long target could not register
    /// its reminder, so it could never be added. 128 bits keep the names of one book's schedules apart.
    /// </summary>
    internal static string ReminderName(string scheduleId) =>
        $"schedule-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scheduleId)), 0, 16)}";

    private ScheduleAddStatus WouldAdd(string id) =>
        Find(id) is not null ? ScheduleAddStatus.AlreadyAdded
        : State.Pending.Count >= IScheduleBookGrain.MaxPending ? ScheduleAddStatus.Full
        : ScheduleAddStatus.Added;

    Task<ScheduleAddStatus> IScheduleBookGrain.WouldAdd(string id) => Task.FromResult(WouldAdd(id));

    async Task<ScheduleAddStatus> IScheduleBookGrain.Add(Schedule schedule)
    {
        if (WouldAdd(schedule.Id) is not ScheduleAddStatus.Added and var refused)
            return refused;
        // Before the write: a schedule stored without its reminder would never run. A reminder whose write then failed
        // finds no schedule on its first tick and drops itself.
        await RegisterReminderAsync(schedule);
        State.Pending.Add(schedule);
        State.Pending.Sort((a, b) => a.At.CompareTo(b.At));
        await state.WriteOrForgetAsync(this);
        return ScheduleAddStatus.Added;
    }

    async Task<ScheduleCancelResult> IScheduleBookGrain.Cancel(string id)
    {
        var pending = State.Pending.Find(s => s.Id == id);
        if (pending is null)
            return new ScheduleCancelResult(false, Find(id));
        var cancelled = pending with { Status = ScheduleStatus.Cancelled, EndedAt = time.GetUtcNow() };
        End(pending, cancelled);
        await state.WriteOrForgetAsync(this);
        await UnregisterReminderAsync(ReminderName(id));
        return new ScheduleCancelResult(true, cancelled);
    }

    Task<Schedule?> IScheduleBookGrain.Find(string id) => Task.FromResult(Find(id));

    Task<IReadOnlyList<Schedule>> IScheduleBookGrain.List() => Task.FromResult<IReadOnlyList<Schedule>>([.. State.Pending, .. State.Ended]);

    Task IScheduleBookGrain.DrainOutbox() => Events.DrainAsync(State.Outbox);

    async Task IRemindable.ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status)
    {
        var schedule = State.Pending.Find(s => ReminderName(s.Id) == reminderName);
        if (schedule is null && State.Unannounced.Find(e => ReminderName(ScheduleIdOf(e)) == reminderName) is { } unannounced)
        {
            await AnnounceAsync(unannounced);
            return;
        }
        if (schedule is null)
        {
            // Its end is stored (the reminder's removal failed), or its write failed: nothing is owed.
            await UnregisterReminderAsync(reminderName);
            return;
        }
        if (schedule.At - time.GetUtcNow() > Early)
        {
            // A schedule further ahead than a reminder can wait: wait again, for what is left.
            await RegisterReminderAsync(schedule);
            return;
        }
        if (slots is null)
        {
            await RunAsync(schedule);
            return;
        }
        await slots.EnterAsync();
        try
        {
            await RunAsync(schedule);
        }
        finally
        {
            slots.Leave();
        }
    }

    private async Task RunAsync(Schedule schedule)
    {
        // Reserved before the change is made, not just before the write that stores its event (EventOutbox.cs): with the
        // feed out of reach the tick ends having changed nothing, and the next one tries again. Reserved after the change,
        // a feed out of reach had every tick make the change again, for as long as that lasted: the give-up below counts
        // only changes that could not be tried. A reservation left by a change not tried is released by the feed's sweep.
        try
        {
            await Events.ReserveAsync(State.Outbox);
        }
        catch (StorageUnavailableException e)
        {
            if (time.GetUtcNow() - schedule.At < options.Value.GiveUpAfter)
            {
                LogNotTried(logger, schedule.Id, schedule.Target, e);
                return;
            }
            await GiveUpUnannouncedAsync(schedule, e);
            return;
        }
        ScheduledChangeOutcome outcome;
        try
        {
            outcome = await runner.RunAsync(schedule);
        }
        catch (Exception e)
        {
            var late = time.GetUtcNow() - schedule.At;
            if (late < options.Value.GiveUpAfter)
            {
                // Storage or a silo is away: the reminder ticks again soon.
                LogNotTried(logger, schedule.Id, schedule.Target, e);
                return;
            }
            // The error is the issuer's to read (the API, events, webhooks): the failure's kind, not its message, which can
            // name the database's host or the silo's address. The log has the whole exception.
            LogGivenUp(logger, schedule.Id, schedule.Target, e);
            outcome = ScheduledChangeOutcome.Refused($"the change could not be made within {options.Value.GiveUpAfter} of its time ({e.GetType().Name})", null);
        }
        var now = time.GetUtcNow();
        var passType = outcome.PassTypeIdentifier ?? schedule.PassTypeIdentifier;
        var ended = outcome.Version is { } version
            ? schedule with { Status = ScheduleStatus.Succeeded, Version = version, EndedAt = now, PassTypeIdentifier = passType }
            : schedule with { Status = ScheduleStatus.Failed, Error = outcome.Refusal, EndedAt = now, PassTypeIdentifier = passType };
        End(schedule, ended);
        // Events are read by pass type (a key scoped to some sees only theirs): a schedule whose pass type is unknown emits none.
        if (passType is not null)
            State.Outbox.Add(EventOf(ended, passType, now));
        await state.WriteOrForgetAsync(this);
        await Events.HandOnAsync(State.Outbox);
        await UnregisterReminderAsync(ReminderName(schedule.Id));
    }

    /// <summary>
    /// A schedule whose feed stayed out of reach past <see cref="ScheduleOptions.GiveUpAfter"/>: its end is stored now, so
    /// that the change is not made hours late once the feed is back, and its event waits (with the schedule's reminder)
    /// until the feed takes a reservation.
    /// </summary>
    private async Task GiveUpUnannouncedAsync(Schedule schedule, Exception failure)
    {
        var now = time.GetUtcNow();
        var ended = schedule with
        {
            Status = ScheduleStatus.Failed, EndedAt = now,
            Error = $"the change was not made: the event feed could not be reached within {options.Value.GiveUpAfter} of its time",
        };
        End(schedule, ended);
        if (schedule.PassTypeIdentifier is { } passType)
            State.Unannounced.Add(EventOf(ended, passType, now));
        await state.WriteOrForgetAsync(this);
        LogGivenUp(logger, schedule.Id, schedule.Target, failure);
        // Events are read by pass type: a schedule whose pass type is unknown owes none, and its reminder goes now.
        if (schedule.PassTypeIdentifier is null)
            await UnregisterReminderAsync(ReminderName(schedule.Id));
    }

    /// <summary>The event of a schedule given up while the feed was away, into the outbox once the feed takes a reservation; then its reminder goes.</summary>
    private async Task AnnounceAsync(LifecycleEvent unannounced)
    {
        try
        {
            await Events.ReserveAsync(State.Outbox);
        }
        catch (StorageUnavailableException e)
        {
            LogNotTried(logger, ScheduleIdOf(unannounced), this.GetPrimaryKeyString(), e);
            return;
        }
        State.Unannounced.Remove(unannounced);
        State.Outbox.Add(unannounced);
        await state.WriteOrForgetAsync(this);
        await Events.HandOnAsync(State.Outbox);
        await UnregisterReminderAsync(ReminderName(ScheduleIdOf(unannounced)));
    }

    private static string ScheduleIdOf(LifecycleEvent scheduleEvent) => scheduleEvent.Id["schedule/".Length..];

    private void End(Schedule pending, Schedule ended)
    {
        State.Pending.Remove(pending);
        State.Ended.Insert(0, ended);
        if (State.Ended.Count > IScheduleBookGrain.MaxEnded)
            State.Ended.RemoveRange(IScheduleBookGrain.MaxEnded, State.Ended.Count - IScheduleBookGrain.MaxEnded);
    }

    /// <summary>schedule.succeeded or schedule.failed, of the target's pass type; the serial for a pass's schedule.</summary>
    private static LifecycleEvent EventOf(Schedule ended, string passType, DateTimeOffset at)
    {
        var serial = ended.Target.StartsWith("passes/", StringComparison.Ordinal) ? ended.Target[(ended.Target.LastIndexOf('/') + 1)..] : null;
        var succeeded = ended.Status == ScheduleStatus.Succeeded;
        var detail = succeeded ? $"schedule {ended.Id} of {ended.Target}: {ended.Request.Method} {ended.Request.Path}" : $"schedule {ended.Id} of {ended.Target}: {ended.Error}";
        return new LifecycleEvent(succeeded ? LifecycleEventTypes.ScheduleSucceeded : LifecycleEventTypes.ScheduleFailed, passType, serial, at, ended.Version,
            Detail: detail, Id: $"schedule/{ended.Id}");
    }

    private Schedule? Find(string id) => State.Pending.Find(s => s.Id == id) ?? State.Ended.Find(s => s.Id == id);

    private async Task RegisterReminderAsync(Schedule schedule)
    {
        var due = schedule.At - time.GetUtcNow();
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due > LongestDue ? LongestDue : due;
        try
        {
            var name = ReminderName(schedule.Id);
            _reminders[name] = await this.RegisterOrUpdateReminder(name, due, RetryPeriod);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new StorageUnavailableException($"the reminder of the schedule could not be registered: {e.GetType().Name}");
        }
    }

    /// <summary>A failure leaves the reminder to find nothing pending on its next tick and try again.</summary>
    private async Task UnregisterReminderAsync(string reminderName)
    {
        try
        {
            var reminder = _reminders.TryGetValue(reminderName, out var known) ? known : await this.GetReminder(reminderName);
            if (reminder is not null)
                await this.UnregisterReminder(reminder);
            _reminders[reminderName] = null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The next tick reads the table: the row may have moved on from the handle this activation kept.
            _reminders.Remove(reminderName);
            LogUnregisterFailed(logger, reminderName, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Id} of {Target} could not be tried; it is tried again on its reminder's next tick")]
    private static partial void LogNotTried(ILogger logger, string id, string target, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schedule {Id} of {Target} was given up: its change could not be made, or the event feed reached, within the time allowed")]
    private static partial void LogGivenUp(ILogger logger, string id, string target, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not drop the schedule's reminder {ReminderName}; it drops itself on its next tick")]
    private static partial void LogUnregisterFailed(ILogger logger, string reminderName, Exception exception);
}
