namespace PassGrains.Server.Rendering;

/// <summary>A device's report through POST /v1/log.</summary>
public sealed record DeviceLogEntry(DateTimeOffset At, string Message, string? UserAgent);

/// <summary>The most recent device log messages of this silo, bounded, for the issuer API.</summary>
public sealed class DeviceLogStore
{
    public const int Capacity = 1000;

    private readonly Queue<DeviceLogEntry> _entries = new();
    private readonly Lock _lock = new();

    public void Add(DeviceLogEntry entry)
    {
        lock (_lock)
        {
            _entries.Enqueue(entry);
            while (_entries.Count > Capacity)
                _entries.Dequeue();
        }
    }

    public IReadOnlyList<DeviceLogEntry> Recent(int count)
    {
        lock (_lock)
            return _entries.Reverse().Take(count).ToList();
    }
}
