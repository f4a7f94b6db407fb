using System.Collections.Concurrent;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace PassGrains.Packaging.Signing;

/// <summary>
/// Public keys of certificates, parsed once per distinct key. BouncyCastle checks an RSA modulus for primality each
/// time it builds a key (several 2048-bit exponentiations, milliseconds), so verifying many passes of one signer
/// (the CLI over a folder, the device-herd benchmark's checks) would spend most of its time proving the same modulus
/// composite again. The key is a function of the certificate's SubjectPublicKeyInfo bytes alone, so equal bytes may
/// share it.
/// </summary>
internal static class CertificateKeys
{
    // A pass names one signer and one intermediate; a few dozen distinct keys is already an unusual workload. Past the
    // bound the cache starts over rather than grow with certificates an attacker made up.
    private const int MaxKeys = 64;

    private static readonly ConcurrentDictionary<string, AsymmetricKeyParameter> Keys = new(StringComparer.Ordinal);

    public static AsymmetricKeyParameter Of(X509Certificate certificate)
    {
        var id = Convert.ToBase64String(certificate.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded());
        if (Keys.TryGetValue(id, out var key))
            return key;
        key = certificate.GetPublicKey();
        if (Keys.Count >= MaxKeys)
            Keys.Clear();
        Keys[id] = key;
        return key;
    }
}
