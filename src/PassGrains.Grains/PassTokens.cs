using System.Security.Cryptography;
using System.Text;

namespace PassGrains.Grains;

/// <summary>
/// Authentication tokens of passes. A token is HMAC-SHA256(key, nonce) in base64url (43 characters):
/// random to anyone without the server key, recomputable for every render, and stored only as a
/// nonce plus a SHA-256 hash, so a copy of the database reveals no token.
/// </summary>
public sealed class PassTokens(byte[] key)
{
    private readonly byte[] _key = key.Length >= 32 ? key : throw new ArgumentException("the token key needs at least 32 bytes", nameof(key));

    public static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    public string TokenFor(string nonce) => Base64Url(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(nonce)));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Compares in constant time, so response timing reveals nothing about the token.</summary>
    public static bool Matches(string? presented, string storedHash)
    {
        if (string.IsNullOrEmpty(presented) || storedHash.Length != 64)
            return false;
        Span<byte> actual = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), actual);
        Span<byte> expected = stackalloc byte[32];
        return Convert.FromHexString(storedHash, expected, out _, out _) == System.Buffers.OperationStatus.Done
            && CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
