using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PassGrains.Packaging.Json;

/// <summary>Why a JSON text was refused: the member (a path such as <c>fields.seat</c>, or <c>$</c> for the whole text) and what is wrong.</summary>
public readonly record struct JsonProblem(string Member, string Message);

/// <summary>
/// Parses JSON from outside the server strictly: a repeated member name, nesting deeper than
/// <see cref="MaxDepth"/>, or text that is not valid UTF-8/UTF-16 is refused with the member it concerns.
/// System.Text.Json's nodes keep the last of two equal names or throw when the object is first read,
/// so without this a repeated key either changes meaning silently or surfaces as an exception (a 500).
/// </summary>
public static class StrictJson
{
    /// <summary>The bytes some editors put before UTF-8 text ("UTF-8 with BOM"); JSON text must not start with them (RFC 8259, section 8.1).</summary>
    public static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>Deep enough for any pass.json patch (barcodes, semantics, locations nest four or five levels).</summary>
    public const int MaxDepth = 32;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow };
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    /// <summary>The text as a JSON object, or the problem that makes it unacceptable.</summary>
    public static (JsonObject? Object, JsonProblem? Problem) ParseObject(ReadOnlySpan<byte> utf8)
    {
        if (Check(utf8) is { } problem)
            return (null, problem);
        var node = JsonNode.Parse(utf8, documentOptions: DocumentOptions);
        return node is JsonObject body ? (body, null) : (null, new JsonProblem("$", "the body must be a JSON object"));
    }

    /// <inheritdoc cref="ParseObject(ReadOnlySpan{byte})"/>
    public static (JsonObject? Object, JsonProblem? Problem) ParseObject(string text) => ParseObject(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Walks the text once, keeping the path and the names seen in each open object. Returns the first problem, or null
    /// when the text is one valid JSON value.
    /// </summary>
    public static JsonProblem? Check(ReadOnlySpan<byte> utf8)
    {
        // The reader's own message ("'0xEF' is an invalid start of a value") names no cause.
        if (utf8.StartsWith(Utf8ByteOrderMark))
            return new JsonProblem("$", "the text starts with a UTF-8 byte-order mark (bytes EF BB BF), which JSON does not allow; save it as UTF-8 without BOM");
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var frames = new Stack<Frame>();
        string? pendingName = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        var path = ChildPath(frames, pendingName);
                        pendingName = null;
                        frames.Push(new Frame(path, reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.Pop();
                        if (frames.TryPeek(out var parent) && parent.Names is null)
                            parent.Index++;
                        break;
                    case JsonTokenType.PropertyName:
                        var frame = frames.Peek();
                        var name = reader.GetString()!;
                        if (!frame.Names!.Add(name))
                            return new JsonProblem(Join(frame.Path, name), $"the member '{Shorten(name)}' appears more than once in the same object");
                        pendingName = name;
                        break;
                    default:
                        if (reader.TokenType == JsonTokenType.String)
                            _ = reader.GetString(); // throws on an escaped lone surrogate, which no text can hold
                        pendingName = null;
                        if (frames.TryPeek(out var container) && container.Names is null)
                            container.Index++;
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            // The reader throws on the token that opens a level past MaxDepth: the problem is where it opens.
            if (frames.Count >= MaxDepth)
                return new JsonProblem(ChildPath(frames, pendingName), $"JSON may nest at most {MaxDepth} levels");
            return new JsonProblem("$", $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
        catch (InvalidOperationException)
        {
            var at = frames.TryPeek(out var open) ? (pendingName is null ? open.Path : Join(open.Path, pendingName)) : "$";
            return new JsonProblem(at, "a string holds an escaped lone surrogate, which is not text");
        }
        return null;
    }

    /// <summary>A member as a JSONPath ("$.a.b[0]"), the form pass.json problems use.</summary>
    public static string ToJsonPath(string member) => member == "$" ? "$" : member.StartsWith('[') ? "$" + member : "$." + member;

    private static string ChildPath(Stack<Frame> frames, string? pendingName)
    {
        if (!frames.TryPeek(out var parent))
            return "$";
        return parent.Names is null ? $"{parent.Path}[{parent.Index}]" : Join(parent.Path, pendingName!);
    }

    private static string Join(string path, string name) => path == "$" ? Shorten(name) : $"{path}.{Shorten(name)}";

    /// <summary>Names come from the sender: a problem quotes at most this much of one.</summary>
    public static string Shorten(string name) => name.Length <= 64 ? name : name[..64] + "…";

    private sealed class Frame(string path, HashSet<string>? names)
    {
        public string Path { get; } = path;

        /// <summary>Names seen so far in an object; null for an array.</summary>
        public HashSet<string>? Names { get; } = names;

        public int Index { get; set; }
    }
}
