using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ZXing;
using ZXing.Common;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>Reads a barcode back from a screenshot, as a scanner at the gate would.</summary>
public static class BarcodeImage
{
    /// <summary>The decoded text of the one <paramref name="format"/> code in the PNG, or null when none can be read.</summary>
    public static string? Decode(byte[] png, BarcodeFormat format, string characterSet = "ISO-8859-1")
    {
        using var image = Image.Load<Rgba32>(png);
        var pixels = new byte[image.Width * image.Height * 4];
        image.CopyPixelDataTo(pixels);
        var source = new RGBLuminanceSource(pixels, image.Width, image.Height, RGBLuminanceSource.BitmapFormat.RGBA32);
        var reader = new BarcodeReaderGeneric
        {
            AutoRotate = false,
            Options = new DecodingOptions { PossibleFormats = [format], TryHarder = true, CharacterSet = characterSet },
        };
        return reader.Decode(source)?.Text;
    }
}
