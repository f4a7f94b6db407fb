using PassGrains.Server.PassTypes;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Pkcs;
using PassGrains.Apns;
using Microsoft.Extensions.Options;

namespace PassGrains.Server.Pushes;

/// <summary>One APNs client per pass type, authenticated with that pass type's certificate (the topic is the pass type).</summary>
public sealed class ApnsClients : IDisposable
{
    private readonly Dictionary<string, ApnsClient> _clients = new(StringComparer.Ordinal);

    public ApnsClients(PassTypeRegistry passTypes, IOptions<ApnsSettings> configured)
    {
        var settings = configured.Value;
        Enabled = settings.Enabled ?? !passTypes.IsDevelopmentChain || settings.Endpoint != ApnsOptions.Production.ToString();
        if (!Enabled)
            return;
        var options = new ApnsOptions
        {
            Endpoint = new Uri(settings.Endpoint),
            TrustedCaPath = settings.TrustedCaPath,
            RetryDeadline = settings.RetryDeadline,
            MaxConnections = settings.MaxConnections,
        };
        // A .p8 key pushes for every pass type of its team over the same kind of connection; otherwise each
        // pass type authenticates with its own certificate.
        var token = settings.UsesToken ? ApnsTokenCredentials.FromP8(settings.KeyId!, settings.TeamId!, File.ReadAllText(settings.KeyPath!)) : null;
        foreach (var type in passTypes.All)
            _clients[type.Identifier] = new ApnsClient(options, token is null ? new ApnsCertificateCredentials(ClientCertificate(type)) : token);
    }

    public bool Enabled { get; }

    public ApnsClient? For(string passTypeIdentifier) => _clients.GetValueOrDefault(passTypeIdentifier);

    public void Dispose()
    {
        foreach (var client in _clients.Values)
            client.Dispose();
    }

    /// <summary>The pass type certificate with its key as a TLS client certificate.</summary>
    private static X509Certificate2 ClientCertificate(PassType type)
    {
        var credentials = type.Signer.Credentials;
        var certificate = X509CertificateLoader.LoadCertificate(credentials.Certificate.GetEncoded());
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(credentials.PrivateKey).GetDerEncoded();
        X509Certificate2 withKey;
        if (certificate.GetKeyAlgorithm() == "1.2.840.10045.2.1")
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            withKey = certificate.CopyWithPrivateKey(ecdsa);
        }
        else
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            withKey = certificate.CopyWithPrivateKey(rsa);
        }
        certificate.Dispose();
        // SslStream on Linux wants a certificate whose key it can hand to OpenSSL: round-trip through PKCS#12.
        var exported = withKey.Export(X509ContentType.Pkcs12);
        withKey.Dispose();
        return X509CertificateLoader.LoadPkcs12(exported, null);
    }
}
