using System.Text.Json;
using System.Text.Json.Serialization;

namespace PassGrains.Packaging.PassJson;

public sealed record PassBarcode
{
    /// <summary><c>PKBarcodeFormatQR</c>, <c>PKBarcodeFormatPDF417</c>, <c>PKBarcodeFormatAztec</c> or <c>PKBarcodeFormatCode128</c>.</summary>
    public string? Format { get; init; }
    public string? Message { get; init; }
    public string? MessageEncoding { get; init; }
    public string? AltText { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }

    public static readonly IReadOnlyList<string> Formats =
        ["PKBarcodeFormatQR", "PKBarcodeFormatPDF417", "PKBarcodeFormatAztec", "PKBarcodeFormatCode128"];

    /// <summary>Formats added in iOS 27: older devices need a fallback entry after them.</summary>
    public static readonly IReadOnlyList<string> NewFormats =
        ["PKBarcodeFormatCode39", "PKBarcodeFormatCodabar", "PKBarcodeFormatEAN13", "PKBarcodeFormatI2of5"];
}
