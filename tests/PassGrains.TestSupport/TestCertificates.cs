using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using PassGrains.Packaging.Signing;

namespace PassGrains.TestSupport;

/// <summary>Certificates for the APNs double and its clients, made with BouncyCastle from <see cref="DevelopmentChain"/>s.</summary>
public static class TestCertificates
{
    public const string PassType = "pass.com.example.card";
    public const string Team = "ABCDE12345";

    private static readonly SecureRandom Random = new();
    private static readonly Lazy<DevelopmentChain> LazyChain = new(() => DevelopmentChain.Create(PassType, Team));
    private static readonly Lazy<DevelopmentChain> LazyOtherCa = new(() => DevelopmentChain.Create(PassType, Team, caName: "Not The APNs CA"));

    /// <summary>The chain the double trusts: its CA issues the double's server certificate and the pass certificate.</summary>
    public static DevelopmentChain Chain => LazyChain.Value;

    /// <summary>A pass certificate with the same subject, issued by an unrelated CA.</summary>
    public static DevelopmentChain OtherCa => LazyOtherCa.Value;

    /// <summary>The pass (client) certificate of <paramref name="chain"/> with its private key, usable by SslStream.</summary>
    public static X509Certificate2 ClientCertificate(DevelopmentChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        return WithUsableKey(chain.CertificatePem, chain.KeyPem);
    }

    /// <summary>A serverAuth certificate for DNS:localhost and IP:127.0.0.1 (and ::1), issued by <paramref name="chain"/>'s CA.</summary>
    public static X509Certificate2 IssueServerCertificate(DevelopmentChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var keyGenerator = new ECKeyPairGenerator();
        keyGenerator.Init(new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.X9.X9ObjectIdentifiers.Prime256v1, Random));
        var keys = keyGenerator.GenerateKeyPair();

        var now = DateTime.UtcNow;
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(64, Random).Add(BigInteger.One));
        generator.SetIssuerDN(chain.CaCertificate.SubjectDN);
        generator.SetSubjectDN(new X509Name("CN=localhost, O=PassGrains APNs double"));
        generator.SetNotBefore(now.AddDays(-1));
        generator.SetNotAfter(now.AddDays(30));
        generator.SetPublicKey(keys.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
        generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(
        [
            new GeneralName(GeneralName.DnsName, "localhost"),
            new GeneralName(GeneralName.IPAddress, "127.0.0.1"),
            new GeneralName(GeneralName.IPAddress, "::1"),
        ]));
        var certificate = generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", chain.CaKey, Random));
        return WithUsableKey(DevelopmentChain.ToPem(certificate), DevelopmentChain.ToPem(keys.Private));
    }

    /// <summary>PEM certificate + key to an X509Certificate2 whose key SslStream can use (re-imported through PKCS#12).</summary>
    private static X509Certificate2 WithUsableKey(string certificatePem, string keyPem)
    {
        using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}
