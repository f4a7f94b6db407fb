using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using IssuerAndSerialNumber = Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;
using Time = Org.BouncyCastle.Asn1.Cms.Time;
using BcContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;

namespace PassGrains.Packaging.Signing;

/// <summary>
/// Makes the detached CMS SignedData Wallet expects over manifest.json (and over personalization
/// tokens): SHA-256, signed attributes contentType, signingTime and messageDigest, and the signer
/// and WWDR certificates embedded.
/// </summary>
/// <remarks>
/// The CMS structures are BouncyCastle's; everything that does not change between passes (the
/// certificate set, signer identifier, algorithm identifiers) is built once here. The one RSA or
/// ECDSA operation per pass runs on the platform's native implementation (OpenSSL on Linux), which
/// is several times faster than a managed big-integer one and is the floor of the whole render.
/// Thread-safe.
/// </remarks>
public sealed class PassSigner : IDisposable
{
    private static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(30);

    private readonly AsymmetricAlgorithm _key;
    private readonly AlgorithmIdentifier _digestAlgorithm = new(NistObjectIdentifiers.IdSha256, DerNull.Instance);
    private readonly AlgorithmIdentifier _signatureAlgorithm;
    private readonly SignerIdentifier _signerId;
    private readonly Asn1Set _digestAlgorithms;
    private readonly Asn1Set _certificates;
    private readonly BcContentInfo _detachedContent = new(CmsObjectIdentifiers.Data, null);
    private readonly Attribute _contentTypeAttribute = new(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data));

    private PassSigner(PassSigningCredentials credentials, X509Certificate wwdr, IReadOnlyList<string> warnings)
    {
        Credentials = credentials;
        Wwdr = wwdr;
        Warnings = warnings;
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(credentials.PrivateKey).GetDerEncoded();
        switch (credentials.PrivateKey)
        {
            case RsaKeyParameters:
                var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                _key = rsa;
                _signatureAlgorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance);
                break;
            case ECPrivateKeyParameters:
                var ecdsa = ECDsa.Create();
                ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
                _key = ecdsa;
                _signatureAlgorithm = new AlgorithmIdentifier(X9ObjectIdentifiers.ECDsaWithSha256);
                break;
            default:
                throw new PassCertificateException($"the private key is {credentials.PrivateKey.GetType().Name}; pass certificates use RSA or EC P-256 keys");
        }
        var structure = credentials.Certificate.CertificateStructure;
        _signerId = new SignerIdentifier(new IssuerAndSerialNumber(structure.Issuer, structure.SerialNumber));
        _digestAlgorithms = new DerSet(_digestAlgorithm);
        _certificates = new DerSet(structure, wwdr.CertificateStructure);
    }

    public PassSigningCredentials Credentials { get; }

    public PassCertificateInfo Certificate => Credentials.Info;

    /// <summary>The intermediate embedded in every signature.</summary>
    public X509Certificate Wwdr { get; }

    /// <summary>Certificates that expire within 30 days, and similar things to tell the operator.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// Checks the credentials (key matches certificate, certificate issued by <paramref name="wwdr"/>, neither
    /// expired) and prepares to sign. <paramref name="wwdr"/> defaults to Apple's WWDR G4.
    /// </summary>
    public static PassSigner Create(PassSigningCredentials credentials, X509Certificate? wwdr = null, DateTimeOffset? now = null)
    {
        wwdr ??= AppleWwdr.G4;
        var at = now ?? DateTimeOffset.UtcNow;
        var warnings = new List<string>();
        var info = credentials.Info;
        var wwdrInfo = PassCertificateInfo.From(wwdr);

        if (at < info.NotBefore)
            throw new PassCertificateException($"the certificate {info.DisplayName} is not valid before {info.NotBefore:yyyy-MM-dd HH:mm} UTC; check the machine's clock");
        if (info.IsExpired(at))
            throw new PassCertificateException(
                $"the certificate {info.DisplayName} expired on {info.NotAfter:yyyy-MM-dd}; Wallet refuses passes signed with it. Create a new one for the same pass type identifier in your Apple developer account (Certificates, Identifiers & Profiles) and export it with its key");
        if (wwdrInfo.IsExpired(at))
            throw new PassCertificateException(
                $"the intermediate certificate '{wwdrInfo.Subject}' expired on {wwdrInfo.NotAfter:yyyy-MM-dd}; use Apple's WWDR G4 (the default when no --wwdr is given)");
        if (info.PassTypeIdentifier is null)
            warnings.Add($"the certificate '{info.Subject}' names no pass type identifier (subject UID); is it a Pass Type ID certificate?");
        if (info.NotAfter - at < ExpiryWarning)
            warnings.Add($"the certificate {info.DisplayName} expires in {info.DaysLeft(at)} days ({info.NotAfter:yyyy-MM-dd}); renew it before then or passes stop installing and updating");
        if (wwdrInfo.NotAfter - at < ExpiryWarning)
            warnings.Add($"the intermediate '{wwdrInfo.Subject}' expires in {wwdrInfo.DaysLeft(at)} days ({wwdrInfo.NotAfter:yyyy-MM-dd})");

        if (!IsIssuedBy(credentials.Certificate, wwdr))
        {
            var hint = wwdr.Equals(AppleWwdr.G4)
                ? "Apple issues Pass Type ID certificates under WWDR G4, the default; for a development chain give its CA with --wwdr"
                : "give the intermediate that issued it with --wwdr (Apple's WWDR G4 for Apple certificates: leave --wwdr out)";
            throw new PassCertificateException(
                $"the certificate {info.DisplayName} was issued by '{info.Issuer}', not by the intermediate '{wwdrInfo.Subject}'; Wallet would refuse the pass. {hint}");
        }

        var signer = new PassSigner(credentials, wwdr, warnings);
        signer.CheckKeyMatchesCertificate();
        return signer;
    }

    /// <summary>The DER of a detached CMS SignedData over <paramref name="content"/>.</summary>
    public byte[] SignDetached(ReadOnlySpan<byte> content, DateTimeOffset signingTime)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(content, digest);
        var signedAttributes = new DerSet(
            _contentTypeAttribute,
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Time(signingTime.UtcDateTime))),
            new Attribute(CmsAttributes.MessageDigest, new DerSet(new DerOctetString(digest.ToArray()))));
        var signature = SignNative(signedAttributes.GetEncoded(Asn1Encodable.Der));
        var signerInfo = new SignerInfo(_signerId, _digestAlgorithm, signedAttributes, _signatureAlgorithm, new DerOctetString(signature), null);
        var signedData = new SignedData(_digestAlgorithms, _detachedContent, _certificates, null, new DerSet(signerInfo));
        return new BcContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetEncoded(Asn1Encodable.Der);
    }

    /// <summary>The response body of the personalize endpoint: the token's UTF-8 bytes, signed like a manifest.</summary>
    public byte[] SignPersonalizationToken(string personalizationToken, DateTimeOffset signingTime)
    {
        ArgumentException.ThrowIfNullOrEmpty(personalizationToken);
        return SignDetached(System.Text.Encoding.UTF8.GetBytes(personalizationToken), signingTime);
    }

    public void Dispose() => _key.Dispose();

    internal static bool IsIssuedBy(X509Certificate certificate, X509Certificate issuer)
    {
        if (!certificate.IssuerDN.Equivalent(issuer.SubjectDN))
            return false;
        try
        {
            certificate.Verify(CertificateKeys.Of(issuer));
            return true;
        }
        catch (Exception e) when (e is InvalidKeyException or SignatureException or Org.BouncyCastle.Security.Certificates.CertificateException or CryptographicException)
        {
            return false;
        }
    }

    private byte[] SignNative(byte[] data) => _key switch
    {
        RSA rsa => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
        _ => throw new InvalidOperationException("unsupported key"),
    };

    private void CheckKeyMatchesCertificate()
    {
        var probe = "PassGrains key check"u8.ToArray();
        var signature = SignNative(probe);
        var verifier = SignerUtilities.GetSigner(_key is RSA ? "SHA256withRSA" : "SHA256withECDSA");
        verifier.Init(false, Credentials.Certificate.GetPublicKey());
        verifier.BlockUpdate(probe, 0, probe.Length);
        if (!verifier.VerifySignature(signature))
        {
            Dispose();
            throw new PassCertificateException($"the private key does not belong to the certificate {Certificate.DisplayName}; export the certificate together with its own key");
        }
    }
}
