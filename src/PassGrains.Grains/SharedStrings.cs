using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace PassGrains.Grains;

/// <summary>
/// One instance of the strings that every pass state of a pass type or template holds the same value of (its pass type
/// identifier, its template id, its events' types). Each state read from storage brings its own copies, about 200 bytes a
/// pass that a million active passes hold a million times over (docs/benchmarks.md, "Memory per grain"). Bounded: these
/// values are few (configured pass types, uploaded templates, event types), and past the bound a value is kept as it came,
/// so nothing a caller sends can grow the pool without limit.
/// </summary>
internal static class SharedStrings
{
    private const int Capacity = 4096;
    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);
    private static int _count;

    [return: NotNullIfNotNull(nameof(value))]
    public static string? Of(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return value;
        if (Pool.TryGetValue(value, out var shared))
            return shared;
        // A counter rather than Pool.Count, which takes every lock of the dictionary.
        if (Volatile.Read(ref _count) >= Capacity)
            return value;
        shared = Pool.GetOrAdd(value, value);
        if (ReferenceEquals(shared, value))
            Interlocked.Increment(ref _count);
        return shared;
    }
}
