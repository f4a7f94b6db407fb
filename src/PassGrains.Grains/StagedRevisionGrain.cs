using Microsoft.Extensions.Logging;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class StagedRevisionState
{
    public byte[]? ModelZip { get; set; }
    public string PassTypeIdentifier { get; set; } = "";
    public DateTimeOffset StagedAt { get; set; }
    public DateTimeOffset KeptUntil { get; set; }
    public string? ClaimedBy { get; set; }

    /// <summary>The target of the claiming schedule, whose book says whether it still waits.</summary>
    public string? ClaimTarget { get; set; }
}

/// <summary>
/// One staged template revision: see <see cref="IStagedRevisionGrain"/>. Its reminder is what keeps it from being kept
/// for ever: registered before the zip is stored, it ticks at <see cref="StagedRevisionState.KeptUntil"/> and then daily,
/// and clears the zip once no schedule waiting holds it. A claim is checked against the claiming schedule's book, not
/// told by it, so a schedule that ran, was cancelled or was never stored (its book's write failed) frees it all the same.
/// </summary>
public sealed partial class StagedRevisionGrain(
    [PersistentState(StorageNames.StagedRevision, StorageNames.Provider)] IPersistentState<StagedRevisionState> state,
    TimeProvider time,
    ILogger<StagedRevisionGrain> logger) : Grain, IStagedRevisionGrain, IRemindable
{
    internal const string ReminderName = "staged-expiry";

    /// <summary>How often a claimed revision asks whether its schedule still waits.</summary>
    private static readonly TimeSpan CheckPeriod = TimeSpan.FromDays(1);

    /// <summary>Orleans bounds a reminder's due time (about 49 days).</summary>
    private static readonly TimeSpan LongestDue = TimeSpan.FromDays(30);

    private StagedRevisionState State => state.State;

    async Task<StagedRevisionInfo> IStagedRevisionGrain.Stage(byte[] modelZip, string passTypeIdentifier, DateTimeOffset keptUntil)
    {
        if (State.ModelZip is null)
        {
            // Before the write: a zip stored without its reminder would be kept for ever.
            await RegisterReminderAsync(keptUntil);
            State.ModelZip = modelZip;
            State.PassTypeIdentifier = passTypeIdentifier;
            State.StagedAt = time.GetUtcNow();
            State.KeptUntil = keptUntil;
            await state.WriteOrForgetAsync(this);
        }
        else if (keptUntil > State.KeptUntil)
        {
            // The id is the zip's hash: the same upload again, which keeps it as long as the last one asked.
            await RegisterReminderAsync(keptUntil);
            State.KeptUntil = keptUntil;
            await state.WriteOrForgetAsync(this);
        }
        return Info()!;
    }

    Task<StagedRevisionInfo?> IStagedRevisionGrain.GetInfo() => Task.FromResult(Info());

    Task<byte[]?> IStagedRevisionGrain.GetModelZip() => Task.FromResult(State.ModelZip);

    async Task<StagedRevisionResult> IStagedRevisionGrain.Claim(string scheduleId, string target)
    {
        if (State.ModelZip is null)
            return new StagedRevisionResult(StagedRevisionStatus.Gone);
        if (State.ClaimedBy == scheduleId)
            return new StagedRevisionResult(StagedRevisionStatus.Done, scheduleId);
        if (await ClaimerWaitsAsync())
            return new StagedRevisionResult(StagedRevisionStatus.ClaimedByAnother, State.ClaimedBy);
        State.ClaimedBy = scheduleId;
        State.ClaimTarget = target;
        await state.WriteOrForgetAsync(this);
        return new StagedRevisionResult(StagedRevisionStatus.Done, scheduleId);
    }

    async Task<StagedRevisionResult> IStagedRevisionGrain.Drop()
    {
        if (State.ModelZip is null)
            return new StagedRevisionResult(StagedRevisionStatus.Gone);
        if (await ClaimerWaitsAsync())
            return new StagedRevisionResult(StagedRevisionStatus.ClaimedByAnother, State.ClaimedBy);
        await ForgetAsync();
        return new StagedRevisionResult(StagedRevisionStatus.Done);
    }

    async Task IRemindable.ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status)
    {
        if (State.ModelZip is null)
        {
            await UnregisterReminderAsync();
            return;
        }
        var now = time.GetUtcNow();
        if (State.ClaimedBy is not null)
        {
            // A claim made just now whose schedule is not stored yet (or whose book's write failed) is kept until the
            // time to claim runs out; a schedule waiting keeps it however long it waits.
            if (await ClaimerWaitsAsync() || (await ClaimedScheduleAsync() is null && now < State.KeptUntil))
                return;
        }
        else if (State.KeptUntil - now > TimeSpan.FromSeconds(1))
        {
            await RegisterReminderAsync(State.KeptUntil);
            return;
        }
        await ForgetAsync();
    }

    private async Task<bool> ClaimerWaitsAsync() => await ClaimedScheduleAsync() is { Status: ScheduleStatus.Pending };

    private async Task<Schedule?> ClaimedScheduleAsync()
    {
        if (State.ClaimedBy is not { } id || State.ClaimTarget is not { } target)
            return null;
        return await GrainFactory.GetGrain<IScheduleBookGrain>(GrainKeys.ScheduleBook(target)).Find(id);
    }

    private async Task ForgetAsync()
    {
        await state.WriteOrForgetAsync(this, clear: true);
        state.State = new StagedRevisionState();
        await UnregisterReminderAsync();
    }

    private StagedRevisionInfo? Info()
    {
        if (State.ModelZip is not { } zip)
            return null;
        var (templateId, stagedId) = GrainKeys.ParseStagedRevision(this.GetPrimaryKeyString());
        return new StagedRevisionInfo(templateId, stagedId, State.PassTypeIdentifier, zip.Length, State.StagedAt, State.KeptUntil, State.ClaimedBy);
    }

    private async Task RegisterReminderAsync(DateTimeOffset at)
    {
        var due = at - time.GetUtcNow();
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due > LongestDue ? LongestDue : due;
        try
        {
            await this.RegisterOrUpdateReminder(ReminderName, due, CheckPeriod);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new StorageUnavailableException($"the staged revision's reminder could not be registered: {e.GetType().Name}");
        }
    }

    /// <summary>A failure leaves the reminder to find nothing staged on its next tick and try again.</summary>
    private async Task UnregisterReminderAsync()
    {
        try
        {
            if (await this.GetReminder(ReminderName) is { } reminder)
                await this.UnregisterReminder(reminder);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnregisterFailed(logger, GrainContext.GrainId, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not drop the reminder of staged revision {Key}; it drops itself on its next tick")]
    private static partial void LogUnregisterFailed(ILogger logger, GrainId key, Exception exception);
}
