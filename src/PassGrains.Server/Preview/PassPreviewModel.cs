using PassGrains.Server.Http;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Validation;

namespace PassGrains.Server.Preview;

/// <summary>One field as shown: localized label, formatted value, and whether Wallet would leave it out for lack of room.</summary>
public sealed record PreviewField(string Key, string? Label, string Value, string? TextAlignment, int Row, bool BeyondLimit);

/// <summary>An image of the pass as a data: URI, with the size it takes on the pass (pixels divided by its scale).</summary>
public sealed record PreviewImage(string Path, string DataUri, int Width, int Height);

/// <summary>The barcode Wallet would show (the first of <c>barcodes</c>, else the legacy <c>barcode</c>).</summary>
public sealed record PreviewBarcode(string Format, string Message, string? AltText, BarcodeDrawing Drawing);

/// <summary>A CSS color, only ever built from three numbers, so pass.json cannot inject into a style attribute.</summary>
public readonly record struct PreviewColor(int Red, int Green, int Blue)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"rgb({Red}, {Green}, {Blue})");
}

/// <summary>
/// What the preview shows of a composed pass.json: the style's fields, colors, images and barcode, localized for one
/// language, with every problem the validator finds. Built from the untrusted JSON without assuming it is valid:
/// whatever has the wrong shape is skipped here and reported in <see cref="Problems"/>.
/// </summary>
public sealed partial record PassPreviewModel
{
    public static readonly IReadOnlyList<string> Styles = ["boardingPass", "coupon", "eventTicket", "generic", "storeCard"];

    public required string Style { get; init; }
    public string? TransitType { get; init; }
    public string? OrganizationName { get; init; }
    public string? Description { get; init; }
    public string? SerialNumber { get; init; }
    public string? LogoText { get; init; }
    public bool Voided { get; init; }
    public PreviewColor Background { get; init; }
    public PreviewColor Foreground { get; init; }
    public PreviewColor Label { get; init; }
    public required IReadOnlyDictionary<string, PreviewImage> Images { get; init; }
    public required IReadOnlyList<PreviewField> HeaderFields { get; init; }
    public required IReadOnlyList<PreviewField> PrimaryFields { get; init; }
    public required IReadOnlyList<PreviewField> SecondaryFields { get; init; }
    public required IReadOnlyList<PreviewField> AuxiliaryFields { get; init; }
    public required IReadOnlyList<PreviewField> BackFields { get; init; }
    public PreviewBarcode? Barcode { get; init; }
    public string? Language { get; init; }
    public required IReadOnlyList<string> Languages { get; init; }

    /// <summary>The validator's findings on the composed pass.json, then the model's own warnings (images, localizations).</summary>
    public required IReadOnlyList<PassProblem> Problems { get; init; }

    /// <summary>What the preview itself could not show as Wallet would (an unknown language, an undrawable barcode).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>The composed pass.json as a holder downloads it, indented to be read.</summary>
    public required string PassJson { get; init; }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // the page encodes it for HTML
    };

    [GeneratedRegex(@"^\s*rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex RgbColor();

    [GeneratedRegex(@"^\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex HexColor();

    public static PassPreviewModel Create(PassModel model, byte[] passJson, string? language, PassValidationOptions options)
    {
        var problems = PassJsonValidator.Validate(passJson, options)
            .OrderByDescending(p => p.IsError)
            .Concat(model.Warnings)
            .ToList();
        var notes = new List<string>();
        var strings = PassStrings.For(model, language);
        if (strings.Note is { } note)
            notes.Add(note);

        JsonObject pass;
        try
        {
            pass = JsonNode.Parse(passJson) as JsonObject ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            pass = []; // the validator has reported it; show an empty pass beside that
        }
        var style = Styles.FirstOrDefault(s => pass[s] is JsonObject) ?? "generic";
        var fields = pass[style] as JsonObject ?? [];
        if (pass[style] is null)
            notes.Add("pass.json has no style dictionary Wallet knows; drawn as a generic pass");

        var images = new Dictionary<string, PreviewImage>(StringComparer.Ordinal);
        foreach (var slot in ImageSlots(style))
        {
            if (strings.Image(slot) is { } file && ToImage(file) is { } image)
                images[slot] = image;
        }
        // Beside a strip Wallet has no room for a thumbnail.
        if (images.ContainsKey("strip"))
            images.Remove("thumbnail");

        var foreground = Color(pass, "foregroundColor") ?? new PreviewColor(0, 0, 0);
        var limits = Limits(style);
        return new PassPreviewModel
        {
            Style = style,
            TransitType = Text(fields, "transitType"),
            OrganizationName = Localized(pass, "organizationName", strings),
            Description = Localized(pass, "description", strings),
            SerialNumber = Text(pass, "serialNumber"),
            LogoText = Localized(pass, "logoText", strings),
            Voided = pass["voided"] is JsonValue voided && voided.TryGetValue<bool>(out var isVoided) && isVoided,
            Background = Color(pass, "backgroundColor") ?? new PreviewColor(255, 255, 255),
            Foreground = foreground,
            Label = Color(pass, "labelColor") ?? foreground,
            Images = images,
            HeaderFields = Fields(fields, "headerFields", strings, limits.Header),
            PrimaryFields = Fields(fields, "primaryFields", strings, limits.Primary),
            SecondaryFields = Fields(fields, "secondaryFields", strings, limits.Secondary),
            AuxiliaryFields = Fields(fields, "auxiliaryFields", strings, limits.Auxiliary, style == "eventTicket"),
            BackFields = Fields(fields, "backFields", strings, int.MaxValue),
            Barcode = ReadBarcode(pass, notes),
            Poster = ReadPoster(style, passJson, pass, images, problems, strings),
            Language = strings.Language,
            Languages = strings.Languages,
            Problems = problems,
            Notes = notes,
            PassJson = pass.Count == 0 ? System.Text.Encoding.UTF8.GetString(passJson) : pass.ToJsonString(Indented),
        };
    }

    /// <summary>The images the style draws on the front, as Wallet lays them out (an event ticket's artwork only as a poster).</summary>
    private static string[] ImageSlots(string style) => style switch
    {
        "boardingPass" => ["logo", "footer"],
        "coupon" or "storeCard" => ["logo", "strip"],
        "eventTicket" => ["logo", "strip", "thumbnail", "background", "artwork"],
        _ => ["logo", "thumbnail"],
    };

    /// <summary>How many fields of each list Wallet shows; event tickets count per auxiliary row.</summary>
    private static (int Header, int Primary, int Secondary, int Auxiliary) Limits(string style) => style switch
    {
        "boardingPass" => (3, 2, 4, 5),
        _ => (3, 1, 4, 4),
    };

    private static List<PreviewField> Fields(JsonObject style, string list, PassStrings strings, int limit, bool rows = false)
    {
        var result = new List<PreviewField>();
        if (style[list] is not JsonArray array)
            return result;
        var perRow = new Dictionary<int, int>();
        foreach (var field in array.OfType<JsonObject>())
        {
            var row = rows && field["row"] is JsonValue r && r.TryGetValue<int>(out var number) && number == 1 ? 1 : 0;
            perRow[row] = perRow.GetValueOrDefault(row) + 1;
            result.Add(new PreviewField(
                Text(field, "key") ?? "",
                Text(field, "label") is { } label ? strings.Translate(label) : null,
                FieldValueFormatter.Format(field, strings),
                Text(field, "textAlignment"),
                row,
                perRow[row] > limit));
        }
        return result;
    }

    private static PreviewBarcode? ReadBarcode(JsonObject pass, List<string> notes)
    {
        var barcode = pass["barcodes"] is JsonArray list ? list.FirstOrDefault() as JsonObject : pass["barcode"] as JsonObject;
        if (barcode is null)
            return null;
        var format = Text(barcode, "format") ?? "";
        var message = Text(barcode, "message") ?? "";
        var drawing = BarcodeSvg.Draw(format, message, Text(barcode, "messageEncoding"), "barcode");
        if (drawing.Error is { } error)
            notes.Add($"barcode: {error}");
        return new PreviewBarcode(format, message, Text(barcode, "altText"), drawing);
    }

    private static PreviewImage? ToImage(PassModelFile file)
    {
        var bytes = file.Content.Span;
        if (!PngInfo.TryRead(bytes, out var info))
            return null;
        var name = file.FileName;
        var scale = name.EndsWith("@3x.png", StringComparison.Ordinal) ? 3 : name.EndsWith("@2x.png", StringComparison.Ordinal) ? 2 : 1;
        return new PreviewImage(file.Path, "data:image/png;base64," + Convert.ToBase64String(bytes),
            Math.Max(1, info.Width / scale), Math.Max(1, info.Height / scale));
    }

    /// <summary>A color of pass.json, as Wallet reads it (<c>rgb(r, g, b)</c>, or <c>#rrggbb</c> as Apple's tools also do); null when absent or unreadable.</summary>
    private static PreviewColor? Color(JsonObject pass, string key)
    {
        if (Text(pass, key) is not { } text)
            return null;
        if (RgbColor().Match(text) is { Success: true } rgb)
        {
            var parts = rgb.Groups.Values.Skip(1).Select(g => int.Parse(g.Value, CultureInfo.InvariantCulture)).ToArray();
            return parts.All(p => p <= 255) ? new PreviewColor(parts[0], parts[1], parts[2]) : null;
        }
        if (HexColor().Match(text) is { Success: true } hex)
        {
            var digits = hex.Groups[1].Value;
            if (digits.Length == 3)
                digits = string.Concat(digits.Select(c => new string(c, 2)));
            var value = Convert.ToInt32(digits, 16);
            return new PreviewColor((value >> 16) & 255, (value >> 8) & 255, value & 255);
        }
        return null;
    }

    private static string? Localized(JsonObject node, string key, PassStrings strings) =>
        Text(node, key) is { } text ? strings.Translate(text) : null;

    private static string? Text(JsonObject node, string key) =>
        node[key] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
}
