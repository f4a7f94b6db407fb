using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using PassGrains.Server.Security;

namespace PassGrains.Server.Rendering;

/// <summary>A device's report through POST /v1/log.</summary>
public sealed record DeviceLogEntry(DateTimeOffset At, string Message, string? UserAgent);

/// <summary>
/// The most recent device log messages of this silo, bounded, for the issuer API. Anyone may post to /v1/log,
/// so what is kept is bounded three ways: entries per request, characters per entry, and entries per window
/// (a minute by default) for all devices together; past the window's budget entries are dropped rather than pushing real ones out.
/// </summary>
public sealed class DeviceLogStore(IOptions<RateLimitOptions> options) : IDisposable
{
    public const int Capacity = 1000;
    public const int MaxEntriesPerRequest = 100;
    public const int MaxMessageLength = 2000;

    private readonly Queue<DeviceLogEntry> _entries = new();
    private readonly Lock _lock = new();
    private readonly FixedWindowRateLimiter _budget = new(new FixedWindowRateLimiterOptions
    {
        PermitLimit = options.Value.DeviceLogEntries,
        Window = options.Value.Window,
        QueueLimit = 0,
    });
    private long _dropped;

    /// <summary>Entries refused since start because the window's budget was spent.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Keeps the entry unless this window's budget is spent; true when kept.</summary>
    public bool TryAdd(DeviceLogEntry entry)
    {
        using var lease = _budget.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }
        lock (_lock)
        {
            _entries.Enqueue(entry);
            while (_entries.Count > Capacity)
                _entries.Dequeue();
        }
        return true;
    }

    public IReadOnlyList<DeviceLogEntry> Recent(int count)
    {
        lock (_lock)
            return _entries.Reverse().Take(count).ToList();
    }

    public void Dispose() => _budget.Dispose();
}
