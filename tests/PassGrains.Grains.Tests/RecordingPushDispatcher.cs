using System.Collections.Concurrent;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>A push dispatcher that records every request and answers with a scripted outcome (delivered by default).</summary>
public sealed class RecordingPushDispatcher : IPushDispatcher
{
    public ConcurrentQueue<(string PassType, string? Serial, PushTarget Target)> Sent { get; } = new();

    /// <summary>Outcome per push token; tokens not listed are delivered.</summary>
    public ConcurrentDictionary<string, PushOutcome> Script { get; } = new(StringComparer.Ordinal);

    private readonly Lock _lock = new();
    private readonly List<(string PushToken, int Times, TaskCompletionSource Sent)> _waiting = [];
    private readonly ConcurrentDictionary<string, Task> _holds = new(StringComparer.Ordinal);

    private readonly Dictionary<string, int> _sentCounts = new(StringComparer.Ordinal);

    /// <summary>Pushes handed over to <paramref name="pushToken"/> (under the lock).</summary>
    private int SentCount(string pushToken) => _sentCounts.GetValueOrDefault(pushToken);

    /// <summary>Completes once <paramref name="times"/> pushes to <paramref name="pushToken"/> were handed over (at once if they were).</summary>
    public Task SentTo(string pushToken, int times = 1)
    {
        lock (_lock)
        {
            if (SentCount(pushToken) >= times)
                return Task.CompletedTask;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((pushToken, times, waiter));
            return waiter.Task;
        }
    }

    /// <summary>
    /// Sends to <paramref name="pushToken"/> are recorded but not answered until the returned source completes: a fan-out that
    /// takes as long as the test says (as a paced one of a large index does).
    /// </summary>
    public TaskCompletionSource Hold(string pushToken)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holds[pushToken] = release.Task;
        return release;
    }

    private void Record(string passTypeIdentifier, string? serialNumber, IReadOnlyList<PushTarget> targets)
    {
        lock (_lock)
        {
            foreach (var target in targets)
            {
                Sent.Enqueue((passTypeIdentifier, serialNumber, target));
                _sentCounts[target.PushToken] = SentCount(target.PushToken) + 1;
            }
            if (_waiting.Count == 0)
                return;
            var tokens = targets.Select(t => t.PushToken).ToHashSet(StringComparer.Ordinal);
            foreach (var waiter in _waiting.Where(w => tokens.Contains(w.PushToken) && SentCount(w.PushToken) >= w.Times).ToList())
            {
                waiter.Sent.SetResult();
                _waiting.Remove(waiter);
            }
        }
    }

    public async Task<IReadOnlyList<PushReport>> SendAsync(string passTypeIdentifier, IReadOnlyList<PushTarget> targets)
    {
        Record(passTypeIdentifier, null, targets);
        foreach (var target in targets)
        {
            if (_holds.TryGetValue(target.PushToken, out var hold))
                await hold;
        }
        return targets.Select(t => new PushReport(t.DeviceLibraryIdentifier, t.PushToken, Script.GetValueOrDefault(t.PushToken, PushOutcome.Delivered))).ToList();
    }

    /// <summary>When set, pushes handed over without waiting are answered to their pass, as the silo's dispatcher does.</summary>
    public IGrainFactory? ReportTo { get; set; }

    public void Enqueue(string passTypeIdentifier, string serialNumber, IReadOnlyList<PushTarget> targets)
    {
        Record(passTypeIdentifier, serialNumber, targets);
        if (ReportTo is not { } grains)
            return;
        var reports = targets.Select(t => new PushReport(t.DeviceLibraryIdentifier, t.PushToken, Script.GetValueOrDefault(t.PushToken, PushOutcome.Delivered))).ToList();
        // Off the grain's turn, as the dispatcher answers from its own loop.
        _ = Task.Run(() => grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).ReportPushes(reports));
    }

    public IReadOnlyList<PushTarget> SentFor(string passTypeIdentifier) =>
        Sent.Where(s => s.PassType == passTypeIdentifier).Select(s => s.Target).ToList();
}
