using System.Security.Cryptography;
using System.Text;

namespace PassGrains.Server.Security;

/// <summary>A set of API keys (issuers' or operators'), compared in constant time as hashes.</summary>
public sealed class IssuerApiKeys(IEnumerable<string> keys)
{
    private readonly byte[][] _hashes = keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();

    public bool Any => _hashes.Length > 0;

    public bool IsValid(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        var match = false;
        foreach (var hash in _hashes)
            match |= CryptographicOperations.FixedTimeEquals(hash, presented);
        return match;
    }

    /// <summary>A key as a bearer token, or as the password of HTTP Basic authentication (what a browser can send).</summary>
    public bool IsValidBearerOrBasicPassword(string? authorization) =>
        IsValid(authorization) || IsValid(BasicPasswordAsBearer(authorization ?? ""));

    /// <summary>Far above any real key; a longer header is refused without decoding it.</summary>
    private const int MaxCredentialsLength = 4096;

    /// <summary>"Basic base64(user:password)" → "Bearer password", so the keys are checked in one place; the user name is not checked.</summary>
    private static string? BasicPasswordAsBearer(string authorization)
    {
        const string scheme = "Basic ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length > MaxCredentialsLength)
            return null;
        var encoded = authorization[scheme.Length..].Trim();
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var written))
            return null;
        string credentials;
        try
        {
            credentials = new UTF8Encoding(false, true).GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : "Bearer " + credentials[(colon + 1)..];
    }
}
