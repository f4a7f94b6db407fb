using System.Collections.Concurrent;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>A push dispatcher that records every request and answers with a scripted outcome (delivered by default).</summary>
public sealed class RecordingPushDispatcher : IPushDispatcher
{
    public ConcurrentQueue<(string PassType, string? Serial, PushTarget Target)> Sent { get; } = new();

    /// <summary>Outcome per push token; tokens not listed are delivered.</summary>
    public ConcurrentDictionary<string, PushOutcome> Script { get; } = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<PushReport>> SendAsync(string passTypeIdentifier, IReadOnlyList<PushTarget> targets)
    {
        foreach (var target in targets)
            Sent.Enqueue((passTypeIdentifier, null, target));
        IReadOnlyList<PushReport> reports = targets.Select(t => new PushReport(t.DeviceLibraryIdentifier, t.PushToken, Script.GetValueOrDefault(t.PushToken, PushOutcome.Delivered))).ToList();
        return Task.FromResult(reports);
    }

    public void Enqueue(string passTypeIdentifier, string serialNumber, IReadOnlyList<PushTarget> targets)
    {
        foreach (var target in targets)
            Sent.Enqueue((passTypeIdentifier, serialNumber, target));
    }

    public IReadOnlyList<PushTarget> SentFor(string passTypeIdentifier) =>
        Sent.Where(s => s.PassType == passTypeIdentifier).Select(s => s.Target).ToList();
}
