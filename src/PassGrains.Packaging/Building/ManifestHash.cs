using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace PassGrains.Packaging.Building;

/// <summary>The hash manifest.json lists for each file: SHA-1, lowercase hex, as Apple's format requires.</summary>
public static class ManifestHash
{
    [SuppressMessage("Security", "CA5350", Justification = "Apple's pass manifest format is defined with SHA-1; the signature over it uses SHA-256.")]
    public static void Compute(ReadOnlySpan<byte> data, Span<byte> destination) => SHA1.HashData(data, destination);

    public static string ComputeHex(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[20];
        Compute(data, hash);
        return Convert.ToHexStringLower(hash);
    }
}
