using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

public sealed class EventFeedState
{
    /// <summary>Full pages stored as <see cref="IEventPageGrain"/>s: cursors 1 to SealedPages × <see cref="EventFeedGrain.PageSize"/>.</summary>
    public long SealedPages { get; set; }

    /// <summary>The oldest page retention kept; cursors at or below FirstPage × PageSize are gone.</summary>
    public long FirstPage { get; set; }

    /// <summary>The events after the sealed pages, oldest first.</summary>
    public List<LifecycleEvent> Open { get; set; } = [];

    /// <summary>Source (a pass grain key) → when it last reserved: its stored outbox may not be in the feed yet.</summary>
    public Dictionary<string, DateTimeOffset> Reservations { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The event feed (<see cref="IEventFeedGrain"/>). Calls interleave: what arrives while a write is under way waits for the
/// next write, so a burst of a thousand registrations costs a few writes, not a thousand (group commit). A read sees only
/// what a finished write stored; a failed write puts memory back as it was and fails every call that waited for it.
/// </summary>
[Reentrant]
public sealed partial class EventFeedGrain(
    [PersistentState(StorageNames.EventFeed, StorageNames.Provider)] IPersistentState<EventFeedState> state,
    IOptions<EventFeedOptions> options,
    TimeProvider time,
    ILogger<EventFeedGrain> logger) : Grain, IEventFeedGrain, IRemindable
{
    /// <summary>Events per page: the open page is rewritten with every write, so it stays small (about 40 KB).</summary>
    public const int PageSize = 128;

    public const int MaxRead = 1000;

    /// <summary>Re-activates the feed after a crash, so orphaned reservations are swept, and runs retention.</summary>
    public const string SweepReminder = "event-feed-sweep";

    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(5);

    private enum Kind { Reserve, Append, Release, DropOldestPage }

    private sealed record Change(Kind Kind, string? Source, IReadOnlyList<LifecycleEvent>? Events)
    {
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly List<Change> _waiting = [];

    /// <summary>Sources asked to hand their outbox on, and when: not asked again before <see cref="EventFeedOptions.OrphanedAfter"/> passed.</summary>
    private readonly Dictionary<string, DateTimeOffset> _asked = new(StringComparer.Ordinal);
    private Task _writing = Task.CompletedTask;

    /// <summary>The newest cursor a finished write stored: reads stop here.</summary>
    private long _storedTail;

    private EventFeedState State => state.State;

    private long Tail => State.SealedPages * PageSize + State.Open.Count;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _storedTail = Tail;
        this.RegisterGrainTimer(static feed => feed.SweepOrphans(), this, new GrainTimerCreationOptions(SweepEvery, SweepEvery) { Interleave = true });
        try
        {
            await this.RegisterOrUpdateReminder(SweepReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The timer sweeps while this activation lives; the next activation tries the reminder again.
            LogReminderFailed(logger, e);
        }
    }

    Task<bool> IEventFeedGrain.Reserve(string source) => Enqueue(new Change(Kind.Reserve, source, null));

    Task IEventFeedGrain.Append(string? source, IReadOnlyList<LifecycleEvent> events) => Enqueue(new Change(Kind.Append, source, events));

    Task IEventFeedGrain.Release(string source) => Enqueue(new Change(Kind.Release, source, null));

    Task<long> IEventFeedGrain.Tail() => Task.FromResult(_storedTail);

    async Task<EventFeedPage> IEventFeedGrain.Read(long after, int limit)
    {
        limit = Math.Clamp(limit, 1, MaxRead);
        var oldest = State.FirstPage * PageSize;
        var skipped = after < oldest;
        var from = Math.Max(after, oldest);
        var events = new List<LifecycleEvent>();
        while (events.Count < limit && from < _storedTail)
        {
            var page = from / PageSize;
            IReadOnlyList<LifecycleEvent> source = page < State.SealedPages
                ? await GrainFactory.GetGrain<IEventPageGrain>(GrainKeys.EventPage(page)).Read()
                : State.Open;
            // After the await the page may have been sealed or retention may have moved: take only what is still stored, in order.
            var taken = 0;
            foreach (var e in source)
            {
                if (e.Cursor <= from)
                    continue;
                if (e.Cursor > _storedTail || events.Count == limit || e.Cursor != from + 1)
                    break;
                events.Add(e);
                from = e.Cursor;
                taken++;
            }
            if (taken == 0)
                break;
        }
        return new EventFeedPage(events, events.Count > 0 ? from : Math.Max(after, Math.Min(from, _storedTail)), skipped);
    }

    async Task IRemindable.ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == SweepReminder)
            await DropExpiredPages();
    }

    private Task<bool> Enqueue(Change change)
    {
        _waiting.Add(change);
        if (_writing.IsCompleted)
            _writing = WriteWaiting();
        return change.Done.Task;
    }

    /// <summary>Writes what waits, batch after batch, until nothing does; calls arriving meanwhile join the next batch.</summary>
    private async Task WriteWaiting()
    {
        while (_waiting.Count > 0)
        {
            var batch = _waiting.ToArray();
            _waiting.Clear();
            await Write(batch);
        }
    }

    private async Task Write(Change[] batch)
    {
        var before = (State.SealedPages, State.FirstPage, Open: State.Open.ToList(), Reservations: new Dictionary<string, DateTimeOffset>(State.Reservations, StringComparer.Ordinal));
        var answers = new bool[batch.Length];
        var now = time.GetUtcNow();
        for (var i = 0; i < batch.Length; i++)
        {
            var change = batch[i];
            switch (change.Kind)
            {
                case Kind.Reserve:
                    answers[i] = State.Reservations.ContainsKey(change.Source!);
                    State.Reservations[change.Source!] = now;
                    break;
                case Kind.Append:
                    foreach (var e in change.Events!)
                        State.Open.Add(e with { Cursor = Tail + 1 });
                    if (change.Source is { } source)
                        State.Reservations.Remove(source);
                    break;
                case Kind.Release:
                    State.Reservations.Remove(change.Source!);
                    break;
                case Kind.DropOldestPage:
                    answers[i] = State.FirstPage < State.SealedPages;
                    if (answers[i])
                        State.FirstPage++;
                    break;
            }
        }
        try
        {
            await SealFullPages();
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            (State.SealedPages, State.FirstPage, State.Open, State.Reservations) = before;
            // A write that failed may still have committed: a fresh activation reads what is stored (and its ETag).
            DeactivateOnIdle();
            var failure = new StorageUnavailableException($"the event feed could not be stored: {e.GetType().Name}");
            foreach (var change in batch)
                change.Done.TrySetException(failure);
            return;
        }
        _storedTail = Tail;
        for (var i = 0; i < batch.Length; i++)
            batch[i].Done.TrySetResult(answers[i]);
    }

    /// <summary>Full pages of the open page go to their own rows first; the head's write then drops them.</summary>
    private async Task SealFullPages()
    {
        while (State.Open.Count >= PageSize)
        {
            await GrainFactory.GetGrain<IEventPageGrain>(GrainKeys.EventPage(State.SealedPages)).Store(State.Open.GetRange(0, PageSize));
            State.Open.RemoveRange(0, PageSize);
            State.SealedPages++;
        }
    }

    /// <summary>
    /// Asks each source whose reservation is older than <see cref="EventFeedOptions.OrphanedAfter"/> to hand its outbox on:
    /// its silo may have died between storing a change and appending its events. A source still working answers after
    /// its change (its calls do not interleave), by then with nothing left to hand on.
    /// </summary>
    private Task SweepOrphans()
    {
        var now = time.GetUtcNow();
        var due = now - options.Value.OrphanedAfter;
        foreach (var gone in _asked.Keys.Where(source => !State.Reservations.ContainsKey(source)).ToList())
            _asked.Remove(gone);
        var orphans = State.Reservations
            .Where(r => r.Value <= due && (!_asked.TryGetValue(r.Key, out var asked) || asked <= due))
            .Select(r => r.Key).Take(256).ToList();
        if (orphans.Count == 0)
            return Task.CompletedTask;
        LogSweeping(logger, orphans.Count);
        foreach (var source in orphans)
        {
            // One-way, and asked again only after as long again: the source answers by appending or releasing.
            _asked[source] = now;
            (source.StartsWith(GrainKeys.ScheduleBook(""), StringComparison.Ordinal)
                ? GrainFactory.GetGrain<IScheduleBookGrain>(source).DrainOutbox()
                : GrainFactory.GetGrain<IPassGrain>(source).DrainOutbox()).Ignore();
        }
        return Task.CompletedTask;
    }

    /// <summary>Deletes full pages whose newest event is past retention, oldest first, a few per tick.</summary>
    private async Task DropExpiredPages()
    {
        var cutoff = time.GetUtcNow() - options.Value.Retention;
        for (var dropped = 0; dropped < 64 && State.FirstPage < State.SealedPages; dropped++)
        {
            var oldest = State.FirstPage;
            var page = GrainFactory.GetGrain<IEventPageGrain>(GrainKeys.EventPage(oldest));
            var events = await page.Read();
            if (events.Count > 0 && events[^1].At > cutoff)
                return;
            // The head forgets the page first: a crash in between leaves an unread row behind, never a kept cursor without its page.
            if (State.FirstPage != oldest || !await Enqueue(new Change(Kind.DropOldestPage, null, null)))
                return;
            await page.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event feed: could not register its sweep reminder")]
    private static partial void LogReminderFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event feed: asking {Count} sources with old reservations to hand their events on")]
    private static partial void LogSweeping(ILogger logger, int count);


}
