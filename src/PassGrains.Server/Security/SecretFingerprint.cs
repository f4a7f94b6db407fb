using System.Security.Cryptography;
using System.Text;

namespace PassGrains.Server.Security;

/// <summary>
/// How a secret (a push token, a pass's authentication token, an API key) may appear in a log line, metric or
/// trace: the first 8 hex characters of its SHA-256. Enough to tell two tokens apart and to match a line with a
/// token an operator holds; useless for pushing to a device, asking for a pass or calling the API.
/// </summary>
public static class SecretFingerprint
{
    public static string Of(string? secret) =>
        secret is null ? "none" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..8];
}
