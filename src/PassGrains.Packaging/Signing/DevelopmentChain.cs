using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace PassGrains.Packaging.Signing;

/// <summary>
/// A throwaway signing chain shaped like Apple's (a local CA standing in for WWDR, and a Pass Type ID
/// certificate with UID = pass type identifier and OU = team), for development and tests. Wallet on
/// a real device does not trust it.
/// </summary>
public sealed class DevelopmentChain
{
    private static readonly SecureRandom Random = new();

    private DevelopmentChain(X509Certificate ca, AsymmetricKeyParameter caKey, X509Certificate certificate, AsymmetricKeyParameter key)
    {
        CaCertificate = ca;
        CaKey = caKey;
        Certificate = certificate;
        Key = key;
    }

    public X509Certificate CaCertificate { get; }

    public AsymmetricKeyParameter CaKey { get; }

    public X509Certificate Certificate { get; }

    public AsymmetricKeyParameter Key { get; }

    public PassSigningCredentials Credentials => new(Certificate, Key, [CaCertificate]);

    public static DevelopmentChain Create(string passTypeIdentifier, string teamIdentifier, DateTime? notBefore = null, DateTime? notAfter = null,
        string caName = "PassGrains Development WWDR CA")
    {
        var caKeys = NewRsaKey();
        var caSubject = Name((X509Name.CN, caName), (X509Name.OU, "G4"), (X509Name.O, "PassGrains Development"), (X509Name.C, "US"));
        var now = DateTime.UtcNow;
        var ca = Issue(caSubject, caKeys.Public, caSubject, caKeys.Private, now.AddDays(-1), now.AddYears(10), isCa: true);
        return Issue(ca, caKeys.Private, passTypeIdentifier, teamIdentifier, notBefore, notAfter);
    }

    /// <summary>Another pass type certificate issued by this chain's CA (for a second pass type, or an expired one in tests).</summary>
    public DevelopmentChain IssueAnother(string passTypeIdentifier, string teamIdentifier, DateTime? notBefore = null, DateTime? notAfter = null) =>
        Issue(CaCertificate, CaKey, passTypeIdentifier, teamIdentifier, notBefore, notAfter);

    private static DevelopmentChain Issue(X509Certificate ca, AsymmetricKeyParameter caKey, string passTypeIdentifier, string teamIdentifier, DateTime? notBefore, DateTime? notAfter)
    {
        var keys = NewRsaKey();
        var subject = Name(
            (X509Name.UID, passTypeIdentifier), (X509Name.CN, $"Pass Type ID: {passTypeIdentifier}"), (X509Name.OU, teamIdentifier),
            (X509Name.O, "PassGrains Development"), (X509Name.C, "US"));
        var now = DateTime.UtcNow;
        var certificate = Issue(subject, keys.Public, ca.SubjectDN, caKey, notBefore ?? now.AddDays(-1), notAfter ?? now.AddYears(1), isCa: false);
        return new DevelopmentChain(ca, caKey, certificate, keys.Private);
    }

    /// <summary>A PKCS#12 of the pass certificate, its key and the CA. <paramref name="legacy"/> uses RC2-40/3DES like old Keychain exports.</summary>
    public byte[] ExportPkcs12(string password, bool legacy = false)
    {
        var builder = new Pkcs12StoreBuilder();
        if (legacy)
        {
            builder.SetCertAlgorithm(PkcsObjectIdentifiers.PbewithShaAnd40BitRC2Cbc);
            builder.SetKeyAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc);
        }
        else
        {
            builder.SetCertAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc);
            builder.SetKeyAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc);
        }
        var store = builder.Build();
        var chain = new[] { new X509CertificateEntry(Certificate), new X509CertificateEntry(CaCertificate) };
        store.SetKeyEntry("pass", new AsymmetricKeyEntry(Key), chain);
        using var output = new MemoryStream();
        store.Save(output, password.ToCharArray(), Random);
        return output.ToArray();
    }

    public static string ToPem(object item)
    {
        using var writer = new StringWriter();
        var pem = new PemWriter(writer);
        pem.WriteObject(item);
        pem.Writer.Flush();
        return writer.ToString();
    }

    public string CaPem => ToPem(CaCertificate);

    public string CertificatePem => ToPem(Certificate);

    public string KeyPem => ToPem(Key);

    private static AsymmetricCipherKeyPair NewRsaKey()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), Random, 2048, 80));
        return generator.GenerateKeyPair();
    }

    private static X509Name Name(params (DerObjectIdentifier Oid, string Value)[] parts) =>
        new(parts.Select(p => p.Oid).ToList(), parts.Select(p => p.Value).ToList());

    private static X509Certificate Issue(X509Name subject, AsymmetricKeyParameter publicKey, X509Name issuer, AsymmetricKeyParameter issuerKey,
        DateTime notBefore, DateTime notAfter, bool isCa)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(64, Random).Add(BigInteger.One));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(notBefore);
        generator.SetNotAfter(notAfter);
        generator.SetPublicKey(publicKey);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(isCa));
        generator.AddExtension(X509Extensions.KeyUsage, true,
            new KeyUsage(isCa ? KeyUsage.KeyCertSign | KeyUsage.CrlSign : KeyUsage.DigitalSignature));
        if (!isCa)
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_clientAuth));
        return generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", issuerKey, Random));
    }

    /// <summary>Writes <c>wwdr.pem</c>, <c>pass.p12</c>, <c>pass.pem</c> and <c>pass.key</c> into <paramref name="directory"/>.</summary>
    public void WriteTo(string directory, string password)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "wwdr.pem"), CaPem, Encoding.ASCII);
        File.WriteAllBytes(Path.Combine(directory, "pass.p12"), ExportPkcs12(password));
        File.WriteAllText(Path.Combine(directory, "pass.pem"), CertificatePem, Encoding.ASCII);
        var keyPath = Path.Combine(directory, "pass.key");
        File.WriteAllText(keyPath, KeyPem, Encoding.ASCII);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
