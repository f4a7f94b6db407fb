using System.Globalization;
using System.Text;

namespace PassGrains.Packaging.PassModels;

/// <summary>
/// Parses Apple <c>.strings</c> files (<c>"key" = "value";</c> with comments), in UTF-8 or UTF-16
/// (with or without a byte order mark), which is where most localization failures start.
/// </summary>
public static class StringsFile
{
    public static IReadOnlyDictionary<string, string> Parse(ReadOnlySpan<byte> data)
    {
        var text = Decode(data);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var parser = new Parser(text);
        parser.SkipTrivia();
        while (!parser.AtEnd)
        {
            var key = parser.ReadToken("a quoted key");
            parser.SkipTrivia();
            parser.Expect('=');
            parser.SkipTrivia();
            var value = parser.ReadToken("a quoted value");
            parser.SkipTrivia();
            parser.Expect(';');
            result[key] = value;
            parser.SkipTrivia();
        }
        return result;
    }

    /// <summary>Decodes by BOM, then by the zero-byte pattern of BOM-less UTF-16, else strict UTF-8.</summary>
    public static string Decode(ReadOnlySpan<byte> data)
    {
        try
        {
            if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
                return new UnicodeEncoding(false, false, true).GetString(data[2..]);
            if (data.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
                return new UnicodeEncoding(true, false, true).GetString(data[2..]);
            if (data.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
                data = data[3..];
            else if (data.Length >= 2 && data.Length % 2 == 0 && data[1] == 0 && data[0] != 0)
                return new UnicodeEncoding(false, false, true).GetString(data);
            else if (data.Length >= 2 && data.Length % 2 == 0 && data[0] == 0 && data[1] != 0)
                return new UnicodeEncoding(true, false, true).GetString(data);
            return new UTF8Encoding(false, true).GetString(data);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException("the file is neither valid UTF-8 nor UTF-16; save it as UTF-16 or UTF-8");
        }
    }

    private sealed class Parser(string text)
    {
        private int _position;

        public bool AtEnd => _position >= text.Length;

        private int Line => text.AsSpan(0, Math.Min(_position, text.Length)).Count('\n') + 1;

        public void SkipTrivia()
        {
            while (_position < text.Length)
            {
                var c = text[_position];
                if (char.IsWhiteSpace(c) || c == '\uFEFF')
                {
                    _position++;
                }
                else if (c == '/' && Peek(1) == '*')
                {
                    var end = text.IndexOf("*/", _position + 2, StringComparison.Ordinal);
                    if (end < 0)
                        throw Fail("a comment is not closed with */");
                    _position = end + 2;
                }
                else if (c == '/' && Peek(1) == '/')
                {
                    var end = text.IndexOf('\n', _position);
                    _position = end < 0 ? text.Length : end + 1;
                }
                else
                {
                    return;
                }
            }
        }

        public void Expect(char c)
        {
            if (AtEnd || text[_position] != c)
                throw Fail($"expected '{c}'{(AtEnd ? " before the end of the file" : $" but found '{text[_position]}'")}");
            _position++;
        }

        public string ReadToken(string what)
        {
            if (AtEnd)
                throw Fail($"expected {what} before the end of the file");
            if (text[_position] != '"')
            {
                // Unquoted tokens (letters, digits, _ . -) are legal in old-style property lists.
                var start = _position;
                while (_position < text.Length && (char.IsLetterOrDigit(text[_position]) || text[_position] is '_' or '.' or '-'))
                    _position++;
                if (start == _position)
                    throw Fail($"expected {what} but found '{text[_position]}'");
                return text[start.._position];
            }
            _position++;
            var builder = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                    throw Fail("a string is not closed with \"");
                var c = text[_position++];
                if (c == '"')
                    return builder.ToString();
                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }
                if (AtEnd)
                    throw Fail("a string ends in a backslash");
                var escaped = text[_position++];
                switch (escaped)
                {
                    case 'n': builder.Append('\n'); break;
                    case 't': builder.Append('\t'); break;
                    case 'r': builder.Append('\r'); break;
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case 'u' or 'U':
                        if (_position + 4 > text.Length
                            || !int.TryParse(text.AsSpan(_position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                            throw Fail("\\U needs four hex digits");
                        builder.Append((char)code);
                        _position += 4;
                        break;
                    default: builder.Append(escaped); break;
                }
            }
        }

        private char Peek(int offset) => _position + offset < text.Length ? text[_position + offset] : '\0';

        private FormatException Fail(string message) => new($"line {Line}: {message}");
    }
}
