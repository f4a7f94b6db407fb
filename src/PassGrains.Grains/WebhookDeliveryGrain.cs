using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class WebhookDeliveryState
{
    public bool Started { get; set; }

    /// <summary>Every event of the feed up to here was delivered (or given up) for this webhook.</summary>
    public long Cursor { get; set; }
}

/// <summary>
/// One webhook's delivery (<see cref="IWebhookDeliveryGrain"/>). While started it reads the feed every
/// <see cref="PollEvery"/> and delivers a page of its pass type's events at a time, a few in parallel, then stores the
/// cursor past the page: a silo dying in between delivers that page again (at least once, receivers key on the event's
/// id). A reminder brings it back after a crash; every silo also pokes it whenever it re-reads the webhooks.
/// Calls interleave so that Finish can cancel a delivery that a receiver holds up.
/// </summary>
[Reentrant]
public sealed partial class WebhookDeliveryGrain(
    [PersistentState(StorageNames.WebhookDelivery, StorageNames.Provider)] IPersistentState<WebhookDeliveryState> state,
    IWebhookSender sender,
    TimeProvider time,
    ILogger<WebhookDeliveryGrain> logger) : Grain, IWebhookDeliveryGrain, IRemindable, IDisposable
{
    public const string ResumeReminder = "webhook-delivery";
    public static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(500);
    private const int PageSize = 128;
    private const int InParallel = 8;

    private CancellationTokenSource _stopping = new();
    private IGrainTimer? _poll;
    private Task _delivering = Task.CompletedTask;
    private bool _reminded;

    private string Name => GrainKeys.ParseWebhookDelivery(this.GetPrimaryKeyString());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Started)
            await RunAsync();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

    async Task IWebhookDeliveryGrain.Start(long after)
    {
        if (_stopping.IsCancellationRequested)
        {
            // Deleted and created again before this activation went.
            _stopping.Dispose();
            _stopping = new CancellationTokenSource();
        }
        if (!state.State.Started)
        {
            state.State.Started = true;
            state.State.Cursor = after;
            await state.WriteOrForgetAsync(this);
        }
        await RunAsync();
    }

    Task IWebhookDeliveryGrain.Finish()
    {
        // Not waiting here for the delivery under way: it may be waiting for the registry, which is waiting for this call.
        _stopping.Cancel();
        _poll?.Dispose();
        _poll = null;
        _delivering = EndAfter(_delivering);
        return Task.CompletedTask;
    }

    private async Task EndAfter(Task delivering)
    {
        try
        {
            await delivering;
        }
        catch (OperationCanceledException)
        {
        }
        await EndAsync();
    }

    /// <summary>Forgets the cursor and the reminder; a failure leaves them to the reminder's next tick, which finds the webhook gone.</summary>
    private async Task EndAsync()
    {
        try
        {
            if (state.RecordExists)
                await state.WriteOrForgetAsync(this, clear: true);
            if (await this.GetReminder(ResumeReminder) is { } reminder)
                await this.UnregisterReminder(reminder);
            LogEnded(logger, Name);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogEndFailed(logger, Name, e.GetType().Name);
        }
        DeactivateOnIdle();
    }

    async Task IWebhookDeliveryGrain.Poke()
    {
        if (_stopping.IsCancellationRequested)
            return;
        if (state.State.Started)
        {
            await RunAsync();
            return;
        }
        // A webhook whose start was lost (deleted and created again while this activation ended): start from now.
        if (await GrainFactory.GetGrain<IWebhookRegistryGrain>(WebhookRegistryGrain.Key).Find(Name) is not null)
            await ((IWebhookDeliveryGrain)this).Start(await GrainFactory.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed).Tail());
        else
            DeactivateOnIdle();
    }

    async Task IRemindable.ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ResumeReminder)
            return;
        if (state.State.Started)
            await RunAsync();
        else
            await EndAsync();
    }

    private async Task RunAsync()
    {
        _poll ??= this.RegisterGrainTimer(static delivery => delivery.Tick(), this,
            new GrainTimerCreationOptions(TimeSpan.Zero, PollEvery) { Interleave = true, KeepAlive = true });
        if (!_reminded)
        {
            // Once per activation: the reminder is the durable part, the timer dies with the silo.
            await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminded = true;
        }
    }

    private Task Tick()
    {
        if (_delivering.IsCompleted && !_stopping.IsCancellationRequested)
            _delivering = DeliverPending();
        return Task.CompletedTask;
    }

    private async Task DeliverPending()
    {
        var feed = GrainFactory.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed);
        var registry = GrainFactory.GetGrain<IWebhookRegistryGrain>(WebhookRegistryGrain.Key);
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var readAt = time.GetTimestamp();
                if (await registry.Find(Name) is not { } hook)
                {
                    // Deleted, and its Finish was lost (or is on its way): this delivery ends itself.
                    _stopping.Cancel();
                    _poll?.Dispose();
                    _poll = null;
                    await EndAsync();
                    return;
                }
                var page = await feed.Read(state.State.Cursor, PageSize);
                if (page.Skipped)
                    LogSkipped(logger, Name, state.State.Cursor);
                if (page.Next == state.State.Cursor)
                    return;
                foreach (var batch in page.Events.Where(e => e.PassTypeIdentifier == hook.PassTypeIdentifier).Chunk(InParallel))
                    await Task.WhenAll(batch.Select(e => sender.DeliverAsync(hook, e, readAt, _stopping.Token)));
                if (_stopping.IsCancellationRequested)
                    return;
                state.State.Cursor = page.Next;
                await state.WriteOrForgetAsync(this);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The cursor stayed where delivery stands: the next tick goes on from there.
            LogDeliveryFailed(logger, Name, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {Webhook}: deleted; its delivery ended, and events not yet delivered to it are dropped")]
    private static partial void LogEnded(ILogger logger, string webhook);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Webhook}: could not forget its delivery ({Failure}); its reminder tries again")]
    private static partial void LogEndFailed(ILogger logger, string webhook, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Webhook}: events after cursor {Cursor} were deleted by the feed's retention before they were delivered")]
    private static partial void LogSkipped(ILogger logger, string webhook, long cursor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Webhook}: delivery paused ({Failure}); going on from its cursor at the next tick")]
    private static partial void LogDeliveryFailed(ILogger logger, string webhook, string failure);
}
