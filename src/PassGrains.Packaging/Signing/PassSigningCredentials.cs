using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace PassGrains.Packaging.Signing;

/// <summary>
/// A Pass Type ID certificate with its private key, and any other certificates that came in the
/// same file (a .p12 exported with its chain). Load with <see cref="PassCertificateLoader"/>.
/// </summary>
public sealed record PassSigningCredentials(
    X509Certificate Certificate,
    AsymmetricKeyParameter PrivateKey,
    IReadOnlyList<X509Certificate> OtherCertificates)
{
    public PassCertificateInfo Info { get; } = PassCertificateInfo.From(Certificate);
}
