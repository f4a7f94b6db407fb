using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace PassGrains.Apns;

/// <summary>How the provider authenticates: the pass type certificate as TLS client certificate, or a .p8 token.</summary>
public abstract class ApnsCredentials;

/// <summary>The Pass Type ID certificate with its private key, the documented way to push for passes.</summary>
public sealed class ApnsCertificateCredentials(X509Certificate2 certificate) : ApnsCredentials
{
    public X509Certificate2 Certificate { get; } = certificate;
}

/// <summary>
/// Token authentication (JWT ES256 with a .p8 key): works for pass types of the key's team in practice,
/// though Apple documents certificates for passes. The token is reused for 40 minutes (APNs refuses
/// refreshes more often than every 20 and tokens older than 60).
/// </summary>
public sealed class ApnsTokenCredentials(string keyId, string teamId, ECDsa key, TimeProvider? time = null) : ApnsCredentials
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(40);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private (string Token, DateTimeOffset IssuedAt)? _current;

    public string KeyId { get; } = keyId;

    public string TeamId { get; } = teamId;

    public static ApnsTokenCredentials FromP8(string keyId, string teamId, string p8Pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(p8Pem);
        return new ApnsTokenCredentials(keyId, teamId, key);
    }

    public string CurrentToken()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_current is { } current && now - current.IssuedAt < Lifetime)
                return current.Token;
            var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "ES256", ["kid"] = KeyId }));
            var claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["iss"] = TeamId, ["iat"] = now.ToUnixTimeSeconds() }));
            var signature = key.SignData(Encoding.ASCII.GetBytes($"{header}.{claims}"), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            var token = $"{header}.{claims}.{Base64Url(signature)}";
            _current = (token, now);
            return token;
        }
    }

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
