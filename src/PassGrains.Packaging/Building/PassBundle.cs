using System.Text.RegularExpressions;

namespace PassGrains.Packaging.Building;

/// <summary>
/// A .pkpasses bundle: several signed passes in one zip, opened by Wallet as one "Add all" sheet
/// (iOS 15+). At most 10 passes and 150 MB.
/// </summary>
public static partial class PassBundle
{
    public const string MediaType = "application/vnd.apple.pkpasses";
    public const int MaxPasses = 10;
    public const long MaxBytes = 150L * 1000 * 1000;

    [GeneratedRegex(@"[^A-Za-z0-9._-]", RegexOptions.CultureInvariant)]
    private static partial Regex UnsafeFileNameCharacters();

    public static byte[] Create(IReadOnlyList<SignedPass> passes)
    {
        if (passes.Count == 0)
            throw new ArgumentException("a .pkpasses bundle needs at least one pass", nameof(passes));
        if (passes.Count > MaxPasses)
            throw new ArgumentException($"a .pkpasses bundle holds at most {MaxPasses} passes, not {passes.Count}", nameof(passes));
        if (passes.Sum(p => p.Length) > MaxBytes)
            throw new ArgumentException($"a .pkpasses bundle may be at most {MaxBytes / 1000 / 1000} MB", nameof(passes));

        var now = DateTime.UtcNow;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var entries = new List<PassZip.Entry>();
        foreach (var pass in passes)
        {
            var name = FileName(pass.SerialNumber);
            for (var n = 2; !names.Add(name); n++)
                name = $"{FileName(pass.SerialNumber)[..^".pkpass".Length]}-{n}.pkpass";
            entries.Add(PassZip.CreateEntry(name, pass.ToArray(), deflate: false, now));
        }

        var centralSize = entries.Sum(e => e.CentralRecordLength);
        var localSize = entries.Sum(e => (long)e.LocalRecord.Length);
        var result = new byte[localSize + centralSize + 22];
        long offset = 0;
        foreach (var entry in entries)
        {
            entry.LocalRecord.CopyTo(result, offset);
            offset += entry.LocalRecord.Length;
        }
        var position = (int)localSize;
        offset = 0;
        foreach (var entry in entries)
        {
            position += PassZip.WriteCentralRecord(result.AsSpan(position), entry, offset);
            offset += entry.LocalRecord.Length;
        }
        PassZip.WriteEndOfCentralDirectory(result.AsSpan(position), entries.Count, centralSize, localSize);
        return result;
    }

    /// <summary>A download file name for a serial: safe characters only, ending in .pkpass.</summary>
    public static string FileName(string serialNumber)
    {
        var safe = UnsafeFileNameCharacters().Replace(serialNumber, "_");
        if (safe.Length > 100)
            safe = safe[..100];
        return (safe.Length == 0 ? "pass" : safe) + ".pkpass";
    }
}
