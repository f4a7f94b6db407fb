using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace PassGrains.Packaging.Signing;

/// <summary>
/// What a Pass Type ID certificate says about itself: Apple puts the pass type identifier in the
/// subject UID (and CN "Pass Type ID: …") and the team identifier in the subject OU.
/// </summary>
public sealed record PassCertificateInfo(
    string Subject,
    string Issuer,
    string? PassTypeIdentifier,
    string? TeamIdentifier,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string SerialNumber)
{
    public static PassCertificateInfo From(X509Certificate certificate)
    {
        var subject = certificate.SubjectDN;
        var uid = subject.GetValueList(X509Name.UID).FirstOrDefault();
        var cn = subject.GetValueList(X509Name.CN).FirstOrDefault();
        var passType = uid ?? PassTypeFromCommonName(cn);
        var team = subject.GetValueList(X509Name.OU).FirstOrDefault();
        return new PassCertificateInfo(
            subject.ToString(),
            certificate.IssuerDN.ToString(),
            passType,
            team,
            new DateTimeOffset(DateTime.SpecifyKind(certificate.NotBefore, DateTimeKind.Utc)),
            new DateTimeOffset(DateTime.SpecifyKind(certificate.NotAfter, DateTimeKind.Utc)),
            certificate.SerialNumber.ToString(16).ToUpperInvariant());
    }

    public string DisplayName => PassTypeIdentifier is null ? Subject : $"Pass Type ID: {PassTypeIdentifier}";

    public bool IsExpired(DateTimeOffset now) => now > NotAfter;

    public int DaysLeft(DateTimeOffset now) => (int)Math.Floor((NotAfter - now).TotalDays);

    private static string? PassTypeFromCommonName(string? cn)
    {
        foreach (var prefix in new[] { "Pass Type ID with NFC: ", "Pass Type ID: " })
        {
            if (cn is not null && cn.StartsWith(prefix, StringComparison.Ordinal))
                return cn[prefix.Length..].Trim();
        }
        return null;
    }
}
