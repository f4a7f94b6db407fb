using System.Security.Cryptography;
using System.Text;

namespace PassGrains.Server.Security;

/// <summary>What a request needs of its key: reading, or changing something.</summary>
public enum IssuerAccess
{
    Read,
    Write,
}

/// <summary>The pass types a key may touch; <see cref="All"/> for a key that is not scoped to any.</summary>
public sealed record PassTypeScope(IReadOnlySet<string>? PassTypes)
{
    public static readonly PassTypeScope All = new((IReadOnlySet<string>?)null);

    public bool IsUnrestricted => PassTypes is null;

    public bool Allows(string passTypeIdentifier) => PassTypes is null || PassTypes.Contains(passTypeIdentifier);

    /// <summary>Why a request about <paramref name="passTypeIdentifier"/> is refused; the same words wherever it is checked.</summary>
    public static string Refusal(string passTypeIdentifier) => $"this key is not scoped to pass type {passTypeIdentifier}";
}

/// <summary>
/// One configured issuer key: where it was configured (for messages), whether it may change things, and the
/// pass types it may touch. Only the key's hash is kept.
/// </summary>
public sealed record IssuerKey(string Entry, bool CanWrite, PassTypeScope Scope)
{
    /// <summary>
    /// Names the key where it must be found again later (a schedule runs with the key that made it, if it is still
    /// configured): half its SHA-256, which tells keys apart and gives nothing to call the API with.
    /// </summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>A plain-string entry: every pass type, read and write (what every key meant before keys had scopes).</summary>
    public static IssuerKey Unscoped(string entry) => new(entry, CanWrite: true, PassTypeScope.All);
}

/// <summary>A set of API keys (issuers' or operators'), compared in constant time as hashes.</summary>
public sealed class IssuerApiKeys
{
    private readonly (byte[] Hash, IssuerKey Key)[] _keys;

    public IssuerApiKeys(IEnumerable<(string Secret, IssuerKey Key)> keys) =>
        _keys = keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k.Secret)))
            .Zip(keys, (hash, k) => (hash, k.Key with { Fingerprint = Convert.ToHexStringLower(hash.AsSpan(0, 16)) }))
            .ToArray();

    /// <summary>The configured key of <paramref name="fingerprint"/> (<see cref="IssuerKey.Fingerprint"/>), or null when it is configured no more.</summary>
    public IssuerKey? FindByFingerprint(string fingerprint) =>
        _keys.Select(k => k.Key).FirstOrDefault(k => k.Fingerprint.Length > 0 && k.Fingerprint == fingerprint);

    /// <summary>Keys without scopes (operators' keys), each allowed everything.</summary>
    public static IssuerApiKeys Unscoped(IEnumerable<string> keys) =>
        new(keys.Select((secret, i) => (secret, IssuerKey.Unscoped($"#{i}"))));

    public bool Any => _keys.Length > 0;

    public bool IsValid(string? authorization) => Find(authorization) is not null;

    /// <summary>The key a bearer <paramref name="authorization"/> presents, or null; every key is compared, match or not.</summary>
    public IssuerKey? Find(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return null;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        IssuerKey? match = null;
        foreach (var (hash, key) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, presented))
                match = key;
        }
        return match;
    }

    /// <summary>A key as a bearer token, or as the password of HTTP Basic authentication (what a browser can send).</summary>
    public bool IsValidBearerOrBasicPassword(string? authorization) => FindBearerOrBasicPassword(authorization) is not null;

    public IssuerKey? FindBearerOrBasicPassword(string? authorization) =>
        Find(authorization) ?? Find(BasicPasswordAsBearer(authorization ?? ""));

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
