using System.Globalization;
using System.Text.RegularExpressions;

namespace PassGrains.Server.Http;

/// <summary>
/// Times the API reads: RFC 3339 with their offset, since a time without one would be read in the server's zone. Fractions
/// of a second up to nanoseconds (as Go's RFC3339Nano and others write them) are read to the nearest tick (100 ns).
/// </summary>
public static partial class Rfc3339
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    public static bool TryRead(string text, out DateTimeOffset time)
    {
        time = default;
        return Shape().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }
}
