using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using PassGrains.Server.Security;

namespace PassGrains.Server.DeviceLogs;

/// <summary>A device's report through POST /v1/log.</summary>
public sealed record DeviceLogEntry(DateTimeOffset At, string Message, string? UserAgent);

/// <summary>
/// The most recent device log messages of this silo, bounded, for the issuer API. Anyone may post to /v1/log,
/// so what is kept is bounded four ways: entries per request, characters per entry, entries per client address and
/// window (a minute by default), and entries per window for all devices together; past a budget entries are dropped
/// rather than pushing real ones out.
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
    private readonly PartitionedRateLimiter<string> _perAddress = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => RateLimiting.PerWindow(options.Value.DeviceLogEntriesPerAddress, options.Value.Window)));
    private long _dropped;

    /// <summary>Entries refused since start because the window's budget was spent.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Keeps the entry unless this window's budget (the address's or everyone's) is spent; true when kept.</summary>
    /// <param name="clientPartition">The sender's address (<see cref="RateLimiting.ClientPartition"/>).</param>
    public bool TryAdd(DeviceLogEntry entry, string clientPartition)
    {
        using var mine = _perAddress.AttemptAcquire(clientPartition);
        using var lease = mine.IsAcquired ? _budget.AttemptAcquire() : mine;
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

    public void Dispose()
    {
        _budget.Dispose();
        _perAddress.Dispose();
    }
}
