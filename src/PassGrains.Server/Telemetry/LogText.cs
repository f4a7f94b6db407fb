using System.Globalization;
using System.Text;

namespace PassGrains.Server.Telemetry;

/// <summary>Text from outside the server made safe for a log line: no character that starts a line or moves the cursor.</summary>
public static class LogText
{
    /// <summary>Control characters (CR, LF, ESC, ...) and Unicode line and paragraph separators as <c>\uXXXX</c>.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(IsUnsafe))
            return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsUnsafe(c))
                escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else
                escaped.Append(c);
        }
        return escaped.ToString();
    }

    private static bool IsUnsafe(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
