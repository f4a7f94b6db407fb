using System.Collections.Concurrent;
using Orleans.Runtime;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>One run of a schedule's change: the schedule, the silo whose book ran it, and when (the wall clock).</summary>
public sealed record ScheduleRun(string ScheduleId, SiloAddress Silo, DateTimeOffset At);

/// <summary>
/// Every run of a schedule's change across a test's cluster, whichever silo made it: what a test counts to see that a
/// schedule ran once, at its time, and where.
/// </summary>
public sealed class ScheduleRunLedger
{
    private readonly ConcurrentQueue<ScheduleRun> _runs = new();

    public IReadOnlyList<ScheduleRun> Runs => [.. _runs];

    public IReadOnlyList<ScheduleRun> RunsOf(string scheduleId) => _runs.Where(r => r.ScheduleId == scheduleId).ToList();

    public void Record(ScheduleRun run) => _runs.Enqueue(run);
}

/// <summary>
/// A silo's runner of scheduled changes for the test (the host's runner makes them through the issuer API's rules):
/// records the run in the ledger with its silo, and answers that the change was made, as version 1 of the target's
/// pass type. No pass grain is touched, so a run that happens twice shows in the ledger and nowhere else.
/// </summary>
public sealed class LedgerScheduledChangeRunner(ScheduleRunLedger ledger, SiloAddress silo) : IScheduledChangeRunner
{
    public Task<ScheduledChangeOutcome> RunAsync(Schedule schedule)
    {
        ledger.Record(new ScheduleRun(schedule.Id, silo, DateTimeOffset.UtcNow));
        var passType = schedule.Target.Split('/') is ["passes", var type, _] ? type : schedule.PassTypeIdentifier;
        return Task.FromResult(ScheduledChangeOutcome.Made(1, passType));
    }
}
