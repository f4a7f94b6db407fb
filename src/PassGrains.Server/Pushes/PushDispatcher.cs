using System.Threading.Channels;
using PassGrains.Abstractions;
using PassGrains.Apns;
using PassGrains.Grains;
using PassGrains.Server.Stats;

namespace PassGrains.Server.Pushes;

/// <summary>
/// The silo's push dispatcher. Requests arriving within a short window are coalesced: one push per
/// (pass type, device token) however many passes or groups asked for it. Sends run with bounded
/// concurrency per pass type over the pass type's pooled HTTP/2 connections; every requester gets
/// the outcome. Dead tokens are removed through the device grain; repeated credential refusals (403, a failed
/// TLS handshake) raise the pass type's alarm, which stops its pushes on every silo (<see cref="PushAlarms"/>).
/// Each push goes when the silo's <see cref="PushPacer"/> gives it its turn, so a change of 60,000 devices wakes them at the rate
/// this silo answers them; until then it waits here, still owed by whoever asked (and answered when the silo stops first).
/// </summary>
public sealed partial class PushDispatcher : IPushDispatcher, IHostedService, IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(10);
    private const int ConcurrencyPerPassType = 512;

    private readonly ApnsClients _clients;
    private readonly PushAlarms _alarms;
    private readonly IGrainFactory _grains;
    private readonly ILogger<PushDispatcher> _logger;
    private readonly Channel<bool> _wakeUp = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SemaphoreSlim> _limits = new(StringComparer.Ordinal);
    private Dictionary<(string PassType, string Token), PendingPush> _pending = [];

    /// <summary>The send loop has ended: a request now is answered NotDelivered at once (still owed), never left waiting.</summary>
    private bool _closed;

    /// <summary>One coalesced push: every requester waits on it; the devices it was sent for (usually one).</summary>
    private sealed class PendingPush
    {
        public TaskCompletionSource<PushOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);
    }
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    /// <summary>Passes' pushes queued or in flight and not yet reported back.</summary>
    private int _outstanding;

    private int _outstandingPushes;

    /// <summary>Pushes queued or in flight to APNs on this silo (one per device token and request).</summary>
    public int Outstanding => Volatile.Read(ref _outstandingPushes);

    private readonly PushMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly PushPacer _pacer;

    private readonly StatsTally _tally;

    public PushDispatcher(ApnsClients clients, PushAlarms alarms, IGrainFactory grains, PushMetrics metrics, PushPacer pacer, StatsTally tally, TimeProvider time,
        ILogger<PushDispatcher> logger)
    {
        _tally = tally;
        _metrics = metrics;
        _pacer = pacer;
        _time = time;
        _clients = clients;
        _alarms = alarms;
        _grains = grains;
        _logger = logger;
        metrics.ObserveWaiting(() => Outstanding);
    }

    public async Task<IReadOnlyList<PushReport>> SendAsync(string passTypeIdentifier, IReadOnlyList<PushTarget> targets)
    {
        var waits = new Task<PushOutcome>[targets.Count];
        lock (_lock)
        {
            if (_closed)
                return targets.Select(t => new PushReport(t.DeviceLibraryIdentifier, t.PushToken, PushOutcome.NotDelivered)).ToList();
            for (var i = 0; i < targets.Count; i++)
            {
                var key = (passTypeIdentifier, targets[i].PushToken);
                if (!_pending.TryGetValue(key, out var pending))
                    _pending[key] = pending = new PendingPush();
                pending.Devices.Add(targets[i].DeviceLibraryIdentifier);
                waits[i] = pending.Completion.Task;
            }
        }
        _wakeUp.Writer.TryWrite(true);
        Interlocked.Add(ref _outstandingPushes, targets.Count);
        PushOutcome[] outcomes;
        try
        {
            outcomes = await Task.WhenAll(waits).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _outstandingPushes, -targets.Count);
        }
        return targets.Select((t, i) => new PushReport(t.DeviceLibraryIdentifier, t.PushToken, outcomes[i])).ToList();
    }

    public void Enqueue(string passTypeIdentifier, string serialNumber, IReadOnlyList<PushTarget> targets) =>
        _ = ReportToPass(passTypeIdentifier, serialNumber, targets);

    /// <summary>
    /// Sends what is queued and waits until every push in flight has its answer reported to its pass, so a
    /// silo that shuts down leaves nothing owed that it could have delivered. Runs while the silo is still
    /// active (<see cref="PushDrainOnShutdown"/>); what APNs has not answered by <paramref name="cancellationToken"/>
    /// stays owed in the passes' state and goes out from the remaining silos.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _wakeUp.Writer.TryWrite(true);
        try
        {
            while (Volatile.Read(ref _outstanding) > 0)
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogDrainIncomplete(_logger, Volatile.Read(ref _outstanding));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is null)
            return;
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutdown ran out of time (a send stuck in a DNS lookup cannot be cancelled): what was not
            // answered stays owed in the passes' state and goes out again from whichever silo runs next.
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        foreach (var limit in _limits.Values)
            limit.Dispose();
    }

    private async Task ReportToPass(string passTypeIdentifier, string serialNumber, IReadOnlyList<PushTarget> targets)
    {
        Interlocked.Increment(ref _outstanding);
        try
        {
            var reports = await SendAsync(passTypeIdentifier, targets).ConfigureAwait(false);
            await _grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).ReportPushes(reports).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException)
        {
            // The pushes stay owed in the pass's state; its reminder sends them again.
            LogReportFailed(_logger, passTypeIdentifier, serialNumber, e);
        }
        finally
        {
            Interlocked.Decrement(ref _outstanding);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var inFlight = new List<Task>();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _wakeUp.Reader.ReadAsync(stopping).ConfigureAwait(false);
                await Task.Delay(Window, stopping).ConfigureAwait(false); // let more requests for the same tokens join
            }
            catch (OperationCanceledException)
            {
                break;
            }
            Dictionary<(string PassType, string Token), PendingPush> batch;
            lock (_lock)
            {
                batch = _pending;
                _pending = [];
            }
            if (_pacer.Paces)
            {
                if (!await StartPaced(batch, inFlight, stopping).ConfigureAwait(false))
                    break;
            }
            else
            {
                foreach (var ((passType, token), pending) in batch)
                    inFlight.Add(SendOne(passType, token, pending));
            }
            inFlight.RemoveAll(t => t.IsCompleted);
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
        Dictionary<(string PassType, string Token), PendingPush> unsent;
        lock (_lock)
        {
            _closed = true;
            unsent = _pending;
            _pending = [];
        }
        foreach (var pending in unsent.Values)
            pending.Completion.TrySetResult(PushOutcome.NotDelivered);
    }

    /// <summary>
    /// Starts the batch's sends, each when the pacer gives it its turn (a push that will not be sent takes none). False when
    /// the silo stopped first: the pushes not started are answered NotDelivered, so they stay owed by their passes and groups.
    /// </summary>
    private async ValueTask<bool> StartPaced(Dictionary<(string PassType, string Token), PendingPush> batch, List<Task> inFlight, CancellationToken stopping)
    {
        var pushes = new List<KeyValuePair<(string PassType, string Token), PendingPush>>(batch.Count);
        foreach (var push in batch)
        {
            if (WillSend(push.Key.PassType))
                pushes.Add(push);
            else
                inFlight.Add(SendOne(push.Key.PassType, push.Key.Token, push.Value));
        }
        var next = 0;
        while (next < pushes.Count)
        {
            int turns;
            try
            {
                turns = await _pacer.TakeAsync(pushes.Count - next, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                for (; next < pushes.Count; next++)
                    pushes[next].Value.Completion.TrySetResult(PushOutcome.NotDelivered);
                return false;
            }
            for (; turns > 0; turns--, next++)
                inFlight.Add(SendOne(pushes[next].Key.PassType, pushes[next].Key.Token, pushes[next].Value));
        }
        return true;
    }

    /// <summary>Whether a push for the pass type goes to APNs now (not when pushes are off, the pass type unknown or stopped by an alarm).</summary>
    private bool WillSend(string passType) => _clients.Enabled && _clients.For(passType) is not null && !_alarms.IsStopped(passType);

    private async Task SendOne(string passType, string token, PendingPush pending)
    {
        var completion = pending.Completion;
        if (!_clients.Enabled)
        {
            completion.TrySetResult(PushOutcome.Rejected);
            return;
        }
        var client = _clients.For(passType);
        if (client is null || _alarms.IsStopped(passType))
        {
            completion.TrySetResult(PushOutcome.NotDelivered);
            return;
        }
        var limit = Limit(passType);
        await limit.WaitAsync().ConfigureAwait(false);
        try
        {
            var result = await client.SendAsync(token, passType, _stopping.Token).ConfigureAwait(false);
            completion.TrySetResult(await Handle(passType, token, pending.Devices, result).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            completion.TrySetResult(PushOutcome.NotDelivered);
        }
        finally
        {
            limit.Release();
        }
    }

    /// <summary>
    /// A push.failed event per device, straight to the feed: no stored change causes it, so there is no outbox to keep it
    /// in. A feed that cannot take it now loses it (the push itself is retried by its owner, and fails again if it must).
    /// </summary>
    private async Task ReportFailure(string passType, IReadOnlyCollection<string> devices, ApnsResult result)
    {
        var at = _time.GetUtcNow();
        var events = devices.Select(device => new LifecycleEvent(LifecycleEventTypes.PushFailed, passType, null, at, null, device, result.ToString(),
            Id: Guid.NewGuid().ToString("N"))).ToList();
        try
        {
            await _grains.GetGrain<IEventFeedGrain>(GrainKeys.EventFeed).Append(null, events).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailureNotReported(_logger, passType, events.Count, e.GetType().Name);
        }
    }

    private async Task<PushOutcome> Handle(string passType, string token, IReadOnlyCollection<string> devices, ApnsResult result)
    {
        _metrics.Record(passType, result.Outcome.ToString(), result.Reason is { Length: <= 64 } reason ? reason : null);
        if (result.Outcome != ApnsOutcome.Delivered)
            _ = ReportFailure(passType, devices, result);
        switch (result.Outcome)
        {
            case ApnsOutcome.Delivered:
                _alarms.Delivered(passType);
                _tally.PushSent(passType);
                return PushOutcome.Delivered;
            case ApnsOutcome.TokenInvalid:
                var fingerprint = Security.SecretFingerprint.Of(token); // a dead token is rare: hashing it always costs nothing
                LogTokenInvalid(_logger, fingerprint, passType, result.Status, result.Reason);
                await RemoveToken(passType, token, devices).ConfigureAwait(false);
                return PushOutcome.TokenInvalid;
            case ApnsOutcome.CredentialRejected:
                // Below the threshold a refusal is a failed push: it stays owed, like any other not delivered.
                if (await _alarms.RefusedAsync(passType, result.Status ?? 403, result.Reason).ConfigureAwait(false))
                    LogCredentialRejected(_logger, passType, result.Reason);
                else
                    LogCredentialRefused(_logger, passType, result.ToString());
                return PushOutcome.NotDelivered;
            case ApnsOutcome.Rejected:
                LogRejected(_logger, passType, result.Status, result.Reason);
                return PushOutcome.Rejected;
            default:
                LogNotDelivered(_logger, passType, result.ToString());
                return PushOutcome.NotDelivered;
        }
    }

    /// <summary>Every device the token was pushed for drops its registrations made with it (and tells its passes).</summary>
    private async Task RemoveToken(string passType, string token, IReadOnlyCollection<string> devices)
    {
        try
        {
            foreach (var device in devices)
                await _grains.GetGrain<IDeviceGrain>(GrainKeys.Device(device)).PushTokenInvalid(passType, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            var fingerprint = Security.SecretFingerprint.Of(token);
            LogTokenRemovalFailed(_logger, passType, fingerprint, e);
        }
    }

    private SemaphoreSlim Limit(string passType)
    {
        lock (_limits)
        {
            if (!_limits.TryGetValue(passType, out var limit))
                _limits[passType] = limit = new SemaphoreSlim(ConcurrencyPerPassType);
            return limit;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "APNs: push token {TokenFingerprint} for {PassType} is no longer valid ({Status} {Reason}); its registrations are removed")]
    private static partial void LogTokenInvalid(ILogger logger, string tokenFingerprint, string passType, int? status, string? reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "APNs refused the certificate of {PassType} again ({Reason}): pushes for this pass type are stopped on every silo until the alarm is cleared; they stay owed")]
    private static partial void LogCredentialRejected(ILogger logger, string passType, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "APNs refused the credential of {PassType} for a push: {Result}; it stays owed")]
    private static partial void LogCredentialRefused(ILogger logger, string passType, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "APNs rejected a push for {PassType}: {Status} {Reason}")]
    private static partial void LogRejected(ILogger logger, string passType, int? status, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A push for {PassType} was not delivered: {Result}; it stays owed")]
    private static partial void LogNotDelivered(ILogger logger, string passType, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report pushes for {PassType}/{Item}")]
    private static partial void LogReportFailed(ILogger logger, string passType, string item, Exception exception);

    // A push token lets anyone holding the pass type's certificate push to the device: logs carry its fingerprint only.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the registrations of push token {TokenFingerprint} for {PassType}; APNs refuses it again on its next push")]
    private static partial void LogTokenRemovalFailed(ILogger logger, string passType, string tokenFingerprint, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutting down with {Count} passes' pushes unanswered; they stay owed and go out from the remaining silos")]
    private static partial void LogDrainIncomplete(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push failures of {PassType} ({Count} devices) could not be added to the event feed ({Failure})")]
    private static partial void LogFailureNotReported(ILogger logger, string passType, int count, string failure);
}
