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
    private readonly List<(string PushToken, TaskCompletionSource Sent)> _waiting = [];

    /// <summary>Completes once a push to <paramref name="pushToken"/> was handed over (at once if one was).</summary>
    public Task SentTo(string pushToken)
    {
        lock (_lock)
        {
            if (Sent.Any(s => s.Target.PushToken == pushToken))
                return Task.CompletedTask;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((pushToken, waiter));
            return waiter.Task;
        }
    }

    private void Record(string passTypeIdentifier, string? serialNumber, IReadOnlyList<PushTarget> targets)
    {
        lock (_lock)
        {
            foreach (var target in targets)
                Sent.Enqueue((passTypeIdentifier, serialNumber, target));
            foreach (var waiter in _waiting.Where(w => targets.Any(t => t.PushToken == w.PushToken)).ToList())
            {
                waiter.Sent.SetResult();
                _waiting.Remove(waiter);
            }
        }
    }

    public Task<IReadOnlyList<PushReport>> SendAsync(string passTypeIdentifier, IReadOnlyList<PushTarget> targets)
    {
        Record(passTypeIdentifier, null, targets);
        IReadOnlyList<PushReport> reports = targets.Select(t => new PushReport(t.DeviceLibraryIdentifier, t.PushToken, Script.GetValueOrDefault(t.PushToken, PushOutcome.Delivered))).ToList();
        return Task.FromResult(reports);
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
