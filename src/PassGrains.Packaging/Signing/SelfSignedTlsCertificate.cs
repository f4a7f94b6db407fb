using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PassGrains.Packaging.Signing;

/// <summary>
/// A self-signed certificate for mutual TLS between silos: usable as server and as client certificate
/// (both extended key usages), ECDSA P-256. Here, beside the other certificate code, because the CLI
/// (<c>passgrains certs cluster</c>) and the server both make one.
/// </summary>
public static class SelfSignedTlsCertificate
{
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>A new key and certificate valid from a day ago for <paramref name="lifetime"/>.</summary>
    public static X509Certificate2 Create(string commonName, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication), new Oid(ClientAuthentication)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now + lifetime);
        // Round trip through PKCS#12: a key made in memory is ephemeral, which SslStream cannot use on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }
}
