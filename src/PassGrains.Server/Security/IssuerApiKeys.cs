using System.Security.Cryptography;
using System.Text;

namespace PassGrains.Server.Security;

/// <summary>The keys accepted as <c>Authorization: Bearer &lt;key&gt;</c> on the issuer API, compared in constant time.</summary>
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
}
