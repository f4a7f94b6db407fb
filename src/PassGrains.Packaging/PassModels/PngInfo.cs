using System.Buffers.Binary;

namespace PassGrains.Packaging.PassModels;

/// <summary>Reads the PNG signature and the IHDR dimensions, the only parts of an image Wallet rules need.</summary>
public readonly record struct PngInfo(int Width, int Height)
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool TryRead(ReadOnlySpan<byte> data, out PngInfo info)
    {
        info = default;
        // signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4)
        if (data.Length < 24 || !data[..8].SequenceEqual(Signature) || !data.Slice(12, 4).SequenceEqual("IHDR"u8))
            return false;
        var width = BinaryPrimitives.ReadInt32BigEndian(data.Slice(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(data.Slice(20, 4));
        if (width <= 0 || height <= 0)
            return false;
        info = new PngInfo(width, height);
        return true;
    }
}
