using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PassGrains.Server.Configuration;

namespace PassGrains.Server.Security;

/// <summary>
/// Download links that need no API key: the path and an expiry, signed with HMAC-SHA256, so a link
/// can be mailed to a ticket holder and stops working when it expires.
/// </summary>
public sealed class DownloadLinks(byte[] key, PublicUrl publicUrl, TimeSpan lifetime, TimeProvider time)
{
    public string ForPass(string passTypeIdentifier, string serialNumber)
    {
        var path = $"download/{Uri.EscapeDataString(passTypeIdentifier)}/{Uri.EscapeDataString(serialNumber)}";
        return Sign(path, $"{passTypeIdentifier}/{serialNumber}");
    }

    public string ForBundle(string passTypeIdentifier, IReadOnlyList<string> serialNumbers)
    {
        var serials = string.Join(',', serialNumbers.Select(Uri.EscapeDataString));
        var path = $"download/{Uri.EscapeDataString(passTypeIdentifier)}?serials={serials}";
        return Sign(path, $"{passTypeIdentifier}/{string.Join(',', serialNumbers)}");
    }

    /// <summary>Checks an expiry and signature taken from a request for <paramref name="subject"/>.</summary>
    public bool IsValid(string subject, string? expires, string? signature)
    {
        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry) || signature is null)
            return false;
        if (time.GetUtcNow().ToUnixTimeSeconds() > expiry)
            return false;
        var expected = Compute(subject, expiry);
        var presented = Encoding.ASCII.GetBytes(signature);
        return presented.Length == expected.Length && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), presented);
    }

    private string Sign(string path, string subject)
    {
        var expiry = time.GetUtcNow().Add(lifetime).ToUnixTimeSeconds();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return publicUrl.Combine($"{path}{separator}expires={expiry}&sig={Compute(subject, expiry)}");
    }

    private string Compute(string subject, long expiry) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{subject}\n{expiry}")));
}
