using System.Globalization;
using System.Text;
using ZXing;
using ZXing.Common;

namespace PassGrains.Server.Preview;

/// <summary>A barcode drawn for the preview: the SVG element, or why it cannot be drawn.</summary>
public sealed record BarcodeDrawing(string? Svg, string? Error);

/// <summary>
/// Draws a pass's barcode as an inline SVG with ZXing.Net. Modules are whole pixels with crisp edges and a
/// quiet zone, so that a screenshot of the page scans like the code on a phone. The SVG holds no text of
/// the pass (only rectangles), so nothing of pass.json can reach the page's markup through it.
/// </summary>
public static class BarcodeSvg
{
    /// <summary>Roughly the width Wallet gives a square code; rectangular ones get up to the pass's inner width.</summary>
    private const int SquareTargetPixels = 150;
    private const int WideTargetPixels = 300;
    private const int LinearHeightPixels = 64;

    private sealed record Symbology(BarcodeFormat Format, bool Linear, int QuietZone, string Name);

    private static readonly Dictionary<string, Symbology> Formats = new(StringComparer.Ordinal)
    {
        ["PKBarcodeFormatQR"] = new(BarcodeFormat.QR_CODE, false, 4, "QR code"),
        ["PKBarcodeFormatAztec"] = new(BarcodeFormat.AZTEC, false, 2, "Aztec code"),
        ["PKBarcodeFormatPDF417"] = new(BarcodeFormat.PDF_417, false, 2, "PDF417 code"),
        ["PKBarcodeFormatCode128"] = new(BarcodeFormat.CODE_128, true, 10, "Code 128 barcode"),
        ["PKBarcodeFormatCode39"] = new(BarcodeFormat.CODE_39, true, 10, "Code 39 barcode"),
        ["PKBarcodeFormatCodabar"] = new(BarcodeFormat.CODABAR, true, 10, "Codabar barcode"),
        ["PKBarcodeFormatEAN13"] = new(BarcodeFormat.EAN_13, true, 10, "EAN-13 barcode"),
        ["PKBarcodeFormatI2of5"] = new(BarcodeFormat.ITF, true, 10, "Interleaved 2 of 5 barcode"),
    };

    /// <param name="format">The pass's <c>format</c> (<c>PKBarcodeFormatQR</c>, ...).</param>
    /// <param name="encoding">The pass's <c>messageEncoding</c>: the bytes a scanner reads are the message in that charset.</param>
    /// <param name="elementId">The id of the SVG element, for the page's stylesheet and for tests.</param>
    public static BarcodeDrawing Draw(string format, string message, string? encoding, string elementId)
    {
        if (!Formats.TryGetValue(format, out var symbology))
            return new BarcodeDrawing(null, $"'{format}' is not a barcode format Wallet knows; nothing would be shown");
        if (message.Length == 0)
            return new BarcodeDrawing(null, "the barcode message is empty");
        var charset = encoding ?? "iso-8859-1";
        try
        {
            // Strict: a character the charset lacks would silently become '?' in the code.
            Encoding.GetEncoding(charset, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback).GetBytes(message);
        }
        catch (ArgumentException e) when (e is not EncoderFallbackException)
        {
            return new BarcodeDrawing(null, $"messageEncoding '{charset}' is not a charset this server knows, so the code cannot be drawn");
        }
        catch (EncoderFallbackException)
        {
            return new BarcodeDrawing(null, $"the message has characters that {charset} cannot encode; scanners would read '?' instead");
        }

        BitMatrix matrix;
        try
        {
            var hints = new Dictionary<EncodeHintType, object>
            {
                [EncodeHintType.MARGIN] = 0,
                [EncodeHintType.CHARACTER_SET] = charset,
                // Wallet encodes the message's bytes in the charset as they are, without an ECI header.
                [EncodeHintType.DISABLE_ECI] = true,
            };
            matrix = new MultiFormatWriter().encode(message, symbology.Format, 0, 0, hints);
        }
        catch (Exception e) when (e is ArgumentException or WriterException or InvalidOperationException)
        {
            return new BarcodeDrawing(null, $"the message cannot be drawn as a {symbology.Name}: {e.Message}");
        }
        return new BarcodeDrawing(ToSvg(matrix, symbology, elementId), null);
    }

    private static string ToSvg(BitMatrix matrix, Symbology symbology, string elementId)
    {
        var quiet = symbology.QuietZone;
        var columns = matrix.Width + 2 * quiet;
        var rows = symbology.Linear ? 1 : matrix.Height + 2 * quiet;
        var target = symbology.Linear || columns > rows * 2 ? WideTargetPixels : SquareTargetPixels;
        // Whole pixels per module keep edges sharp; a long message gets thinner modules rather than a wider pass.
        var module = Math.Max(1, target / columns);
        var width = columns * module;
        var height = symbology.Linear ? LinearHeightPixels : rows * module;

        var path = new StringBuilder();
        for (var y = 0; y < (symbology.Linear ? 1 : matrix.Height); y++)
        {
            var x = 0;
            while (x < matrix.Width)
            {
                if (!matrix[x, y])
                {
                    x++;
                    continue;
                }
                var start = x;
                while (x < matrix.Width && matrix[x, y])
                    x++;
                var top = symbology.Linear ? 0 : y + quiet;
                path.Append(CultureInfo.InvariantCulture, $"M{start + quiet} {top}h{x - start}v1h-{x - start}z");
            }
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"<svg id=\"{elementId}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{symbology.Name}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {columns} {rows}\" preserveAspectRatio=\"none\" shape-rendering=\"crispEdges\"><rect width=\"{columns}\" height=\"{rows}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>");
    }
}
