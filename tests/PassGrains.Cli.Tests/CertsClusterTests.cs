using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary><c>certs cluster</c>: the cluster certificate silos authenticate each other with.</summary>
public sealed class CertsClusterTests
{
    [Fact]
    public async Task Writes_a_TLS_certificate_with_its_key_readable_by_its_owner_only_and_never_replaces_one_silently()
    {
        using var temp = new TempDirectory("certs-cluster");
        var directory = temp.Combine("cluster");
        var file = Path.Combine(directory, "cluster.p12");

        var result = await CliProcess.RunAsync("certs", "cluster", "--out", directory);

        Expect.Exit(result, 0);
        Assert.Contains("PassGrains__Cluster__Certificate__Path=", result.Stdout, StringComparison.Ordinal);
        string thumbprint;
        using (var certificate = X509CertificateLoader.LoadPkcs12FromFile(file, password: null))
        {
            Assert.True(certificate.HasPrivateKey, "cluster.p12 must carry the key: a silo proves it owns the certificate");
            var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToList();
            Assert.Contains("1.3.6.1.5.5.7.3.1", usages); // server: the silo that is dialled
            Assert.Contains("1.3.6.1.5.5.7.3.2", usages); // client: the silo that dials
            thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        }
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        var again = await CliProcess.RunAsync("certs", "cluster", "--out", directory);
        Expect.Exit(again, 2);
        Assert.Contains("--force", again.Stderr, StringComparison.Ordinal);
        using (var kept = X509CertificateLoader.LoadPkcs12FromFile(file, password: null))
            Assert.Equal(thumbprint, kept.GetCertHashString(HashAlgorithmName.SHA256));

        Expect.Exit(await CliProcess.RunAsync("certs", "cluster", "--out", directory, "--force", "--password", "s3cret"), 0);
        using var replaced = X509CertificateLoader.LoadPkcs12FromFile(file, "s3cret");
        Assert.NotEqual(thumbprint, replaced.GetCertHashString(HashAlgorithmName.SHA256));
    }
}
