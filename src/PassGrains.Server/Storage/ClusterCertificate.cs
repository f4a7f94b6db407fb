using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Orleans.Connections.Security;
using PassGrains.Packaging.Signing;

namespace PassGrains.Server.Storage;

/// <summary>
/// What silos authenticate each other with: mutual TLS on the silo port, where a peer is admitted only when it
/// presents this very certificate (every silo holds the same key), or, with a cluster CA
/// (<c>PassGrains:Cluster:Certificate:CaPath</c>), a certificate that chains to that CA. The operating system's
/// trust store never admits a silo: a certificate from any public CA is not a cluster member.
/// </summary>
public sealed class ClusterCertificate
{
    private const string Setting = "PassGrains:Cluster:Certificate";

    private readonly X509Certificate2Collection? _authorities;

    private ClusterCertificate(X509Certificate2 certificate, X509Certificate2Collection? authorities)
    {
        Certificate = certificate;
        _authorities = authorities;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>How peers are admitted, for the start-up log.</summary>
    public string Description => _authorities is null
        ? $"peers must present the cluster certificate {Certificate.Subject} (SHA-256 {Certificate.GetCertHashString(HashAlgorithmName.SHA256)})"
        : $"peers must present a certificate issued by {string.Join(", ", _authorities.Select(a => a.Subject))}";

    /// <summary>
    /// A certificate whose key exists only in this process: no other process can complete a handshake, so a
    /// single node's silo port (loopback only) admits nobody, not even another local user's process.
    /// </summary>
    public static ClusterCertificate ForThisProcessOnly() =>
        new(SelfSignedTlsCertificate.Create("PassGrains single node", TimeSpan.FromDays(3650)), null);

    /// <summary>Loads and checks the configured certificate (PKCS#12, or PEM with the key in :KeyPath or the same file).</summary>
    public static ClusterCertificate Load(ClusterCertificateSettings settings)
    {
        var path = settings.Path ?? throw Invalid($"{Setting}:Path is not set");
        X509Certificate2 certificate;
        try
        {
            certificate = File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal)
                ? FromPem(path, settings.KeyPath, settings.Password)
                : X509CertificateLoader.LoadPkcs12FromFile(path, settings.Password);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw Invalid($"{Setting}:Path '{path}' could not be loaded ({e.Message}); check the file and {Setting}:Password / :KeyPath");
        }
        if (!certificate.HasPrivateKey)
            throw Invalid($"{Setting}:Path '{path}' holds no private key: a silo must prove it owns the certificate (PKCS#12 with its key, or PEM with {Setting}:KeyPath)");
        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usages)
        {
            var oids = usages.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToHashSet(StringComparer.Ordinal);
            if (!oids.Contains(SelfSignedTlsCertificate.ServerAuthentication) || !oids.Contains(SelfSignedTlsCertificate.ClientAuthentication))
                throw Invalid($"{Setting}:Path '{path}' must allow both TLS server and client authentication (extended key usages 1.3.6.1.5.5.7.3.1 and .2): each silo is server and client of its peers");
        }

        X509Certificate2Collection? authorities = null;
        if (settings.CaPath is { } caPath)
        {
            authorities = [];
            try
            {
                authorities.ImportFromPemFile(caPath);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw Invalid($"{Setting}:CaPath '{caPath}' could not be read ({e.Message})");
            }
            if (authorities.Count == 0)
                throw Invalid($"{Setting}:CaPath '{caPath}' holds no PEM certificate");
        }
        var cluster = new ClusterCertificate(certificate, authorities);
        if (authorities is not null && !cluster.Admits(certificate, null))
            throw Invalid($"{Setting}:Path '{path}' is not issued by {Setting}:CaPath '{settings.CaPath}' (or has expired): the other silos would refuse this one");
        return cluster;
    }

    /// <summary>Whether <paramref name="peer"/> (with the chain it sent) belongs to this cluster.</summary>
    public bool Admits(X509Certificate2 peer, X509Chain? presented)
    {
        if (_authorities is null)
            return peer.RawDataMemory.Span.SequenceEqual(Certificate.RawDataMemory.Span);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        // A private cluster CA publishes no revocation lists; rotate the CA (or the silo certificates) instead.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // Intermediates the peer sent may complete its chain; only the configured CA anchors it.
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(peer.RawDataMemory.Span))
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        return chain.Build(peer);
    }

    /// <summary>Mutual TLS on every silo connection, inbound and outbound, admitting only cluster members.</summary>
    public void Apply(ISiloBuilder silo) => silo.UseTls(Certificate, tls =>
    {
        // The listening silo demands a certificate and the dialling silo always sends its own.
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Self-signed certificates and IP-address peers always carry chain and name errors: admission is decided here alone.
        tls.RemoteCertificateValidation = (peer, chain, _) => Admits(peer, chain);
    });

    private static X509Certificate2 FromPem(string path, string? keyPath, string? password)
    {
        using var pem = password is null
            ? X509Certificate2.CreateFromPemFile(path, keyPath ?? path)
            : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath ?? path);
        // A PEM key is ephemeral, which SslStream cannot use on every platform: carry it over through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    private static OptionsValidationException Invalid(string message) =>
        new(SiloOptions.Section, typeof(SiloOptions), [message]);
}

/// <summary>How this cluster-mode silo admits peers (null: PassGrains:Cluster:AllowInsecure), for the start-up report.</summary>
public sealed record ClusterSecurity(string? Tls);
