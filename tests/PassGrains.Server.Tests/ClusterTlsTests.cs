using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using PassGrains.Server.Storage;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// Cluster silos (PostgreSQL membership) admit each other only by mutual TLS with the cluster certificate: a silo with
/// another certificate, or without TLS, never joins, a raw plaintext Orleans connection is dropped, and a silo with the
/// cluster certificate joins.
/// </summary>
public sealed class ClusterTlsTests : IDisposable
{
    private const string ClusterId = "passgrains";
    private const string Password = "cluster-test-password";
    private readonly TempDirectory _root = new("cluster-tls");

    public void Dispose() => _root.Dispose();

    private static async Task<List<(int Port, int Status)>> MembershipAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT Port, Status FROM OrleansMembershipTable", connection);
        await using var reader = await query.ExecuteReaderAsync();
        var rows = new List<(int, int)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetInt32(0), reader.GetInt32(1)));
        return rows;
    }

    private const int Active = 3;

    /// <summary>Waits until something accepts connections on the loopback port (a starting silo binds it before joining).</summary>
    private static async Task UntilListeningAsync(int port, ServerProcess server)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await OrleansPorts.AcceptsConnectionAsync(new IPEndPoint(IPAddress.Loopback, port)))
        {
            Assert.True(DateTime.UtcNow < deadline && !server.HasExited, $"nothing listened on {port}:{Environment.NewLine}{server.Output}");
            await Task.Delay(200);
        }
    }

    [PostgresFact]
    public async Task Silos_admit_only_peers_with_the_cluster_certificate()
    {
        var database = await PostgresClusterTests.NewDatabaseAsync();
        var chain = SigningChain.Create(_root.Combine("chain"));
        var secret = ServerSettings.NewSecretKey();
        var password = new Dictionary<string, string?> { ["PassGrains:Cluster:Certificate:Password"] = Password };
        var clusterCertificate = TestClusterCertificates.WriteSelfSigned(_root.Combine("cluster", "cluster.p12"), Password);
        var otherCertificate = TestClusterCertificates.WriteSelfSigned(_root.Combine("other", "cluster.p12"), Password, "PassGrains test cluster");

        var first = ServerSettings.ClusterSilo(_root.Combine("silo1"), chain, secret, database, clusterCertificate, password);
        await using var one = await ServerProcess.StartAsync(first);

        // Two silos that should never get in: one with another self-signed certificate (same subject name), one without TLS.
        var impostor = ServerSettings.ClusterSilo(_root.Combine("impostor"), chain, secret, database, otherCertificate, password);
        var plaintext = ServerSettings.ClusterSilo(_root.Combine("plaintext"), chain, secret, database, null,
            new Dictionary<string, string?> { ["PassGrains:Cluster:AllowInsecure"] = "true" });
        await using var wrong = await ServerProcess.StartAsync(impostor, waitUntilReady: false);
        await using var insecure = await ServerProcess.StartAsync(plaintext, waitUntilReady: false);

        // Orleans' plaintext preamble is answered by the silo without TLS (so it is the real thing) and dropped by the cluster silo.
        var preamble = OrleansPorts.PlaintextPreamble(ClusterId, new IPEndPoint(IPAddress.Loopback, 1));
        await UntilListeningAsync(plaintext.SiloPort, insecure);
        var answered = await OrleansPorts.SendAsync(new IPEndPoint(IPAddress.Loopback, plaintext.SiloPort), preamble, TimeSpan.FromSeconds(15));
        Assert.True(answered.Contains(ClusterId), "a silo without TLS did not answer the test's plaintext preamble: the test does not speak Orleans");
        var dropped = await OrleansPorts.SendAsync(new IPEndPoint(IPAddress.Loopback, first.SiloPort), preamble, TimeSpan.FromSeconds(15));
        Assert.True(dropped.Closed, "the cluster silo kept a connection open that sent a plaintext Orleans preamble");
        Assert.False(dropped.Contains(ClusterId), "the cluster silo answered a plaintext preamble with its own");

        // Both outsiders try to reach the cluster silo as they join; it refuses their handshakes.
        Assert.True(await one.WaitForOutputAsync("Authentication failed", TimeSpan.FromSeconds(45)),
            $"the cluster silo logged no refused TLS handshake:{Environment.NewLine}{one.Output}");
        Assert.True(await wrong.WaitForOutputAsync("Authentication failed", TimeSpan.FromSeconds(30)),
            $"the silo with another certificate did not refuse the cluster silo's certificate either:{Environment.NewLine}{wrong.Output}");
        var rows = await MembershipAsync(database);
        Assert.Equal([first.SiloPort], rows.Where(r => r.Status == Active).Select(r => r.Port).ToList());
        Assert.DoesNotContain(rows, r => r.Status == Active && (r.Port == impostor.SiloPort || r.Port == plaintext.SiloPort));
        await wrong.KillAsync();
        await insecure.KillAsync();

        // A silo with the cluster certificate joins, and the cluster serves through it.
        var second = ServerSettings.ClusterSilo(_root.Combine("silo2"), chain, secret, database, clusterCertificate, password);
        await using var two = await ServerProcess.StartAsync(second);
        var active = (await MembershipAsync(database)).Where(r => r.Status == Active).Select(r => r.Port).Order().ToList();
        Assert.Equal(new[] { first.SiloPort, second.SiloPort }.Order().ToList(), active);
        using var viaTwo = new PassGrainsClient(new Uri(second.BaseUrl));
        using var health = await viaTwo.Http.GetAsync(new Uri("health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}

/// <summary>Cluster settings are checked at start: no insecure cluster by accident, no gateway, a usable certificate.</summary>
public sealed class ClusterSettingsTests : IDisposable
{
    private readonly TempDirectory _root = new("cluster-settings");

    public void Dispose() => _root.Dispose();

    private Dictionary<string, string?> ClusterConfiguration(IReadOnlyDictionary<string, string?> extra)
    {
        var settings = ServerSettings.ClusterSilo(_root.Combine("data"), SigningChain.Create(_root.Combine("chain")), ServerSettings.NewSecretKey(),
            "Host=127.0.0.1;Port=1;Username=nobody;Database=none", null, extra);
        return settings.ToConfiguration();
    }

    /// <summary>Builds the server as Program does (nothing starts, so no PostgreSQL is needed) and returns the validation message, or null.</summary>
    private static string? BuildProblem(Dictionary<string, string?> configuration)
    {
        try
        {
            var app = PassGrainsApp.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(configuration));
            ((IDisposable)app).Dispose();
            return null;
        }
        catch (OptionsValidationException e)
        {
            return e.Message;
        }
    }

    [Fact]
    public void Cluster_mode_without_a_cluster_certificate_refuses_to_start_naming_the_setting()
    {
        var problem = BuildProblem(ClusterConfiguration(new Dictionary<string, string?>()));
        Assert.NotNull(problem);
        Assert.Contains("PassGrains:Cluster:Certificate:Path", problem, StringComparison.Ordinal);
        Assert.Contains("PassGrains:Cluster:AllowInsecure", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_mode_starts_insecure_only_when_told_so()
    {
        Assert.Null(BuildProblem(ClusterConfiguration(new Dictionary<string, string?> { ["PassGrains:Cluster:AllowInsecure"] = "true" })));
    }

    [Fact]
    public void A_wrong_certificate_password_refuses_to_start_naming_the_setting()
    {
        var path = TestClusterCertificates.WriteSelfSigned(_root.Combine("cluster", "cluster.p12"), "right-password");
        var problem = BuildProblem(ClusterConfiguration(new Dictionary<string, string?>
        {
            ["PassGrains:Cluster:Certificate:Path"] = path,
            ["PassGrains:Cluster:Certificate:Password"] = "wrong-password",
        }));
        Assert.NotNull(problem);
        Assert.Contains("PassGrains:Cluster:Certificate:Password", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pem_certificate_with_its_key_is_accepted()
    {
        using var certificate = TestClusterCertificates.CreateSelfSigned("PassGrains PEM cluster");
        var pem = _root.Combine("cluster.pem");
        var key = _root.Combine("cluster.key");
        File.WriteAllText(pem, certificate.ExportCertificatePem());
        using (var privateKey = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(certificate)!)
            File.WriteAllText(key, privateKey.ExportPkcs8PrivateKeyPem());
        Assert.Null(BuildProblem(ClusterConfiguration(new Dictionary<string, string?>
        {
            ["PassGrains:Cluster:Certificate:Path"] = pem,
            ["PassGrains:Cluster:Certificate:KeyPath"] = key,
        })));
    }

    [Fact]
    public void A_gateway_port_is_refused_in_either_mode()
    {
        var cluster = BuildProblem(ClusterConfiguration(new Dictionary<string, string?>
        {
            ["PassGrains:Cluster:AllowInsecure"] = "true",
            ["PassGrains:Cluster:GatewayPort"] = "30000",
        }));
        Assert.NotNull(cluster);
        Assert.Contains("PassGrains:Cluster:GatewayPort", cluster, StringComparison.Ordinal);

        var single = ServerSettings.Create(_root.Combine("single"), SigningChain.Create(_root.Combine("single-chain"))).ToConfiguration();
        single["PassGrains:Cluster:GatewayPort"] = "30000";
        Assert.Contains("PassGrains:Cluster:GatewayPort", BuildProblem(single) ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_cluster_CA_the_own_certificate_must_be_issued_by_it()
    {
        var (ca, issued) = TestClusterCertificates.CreateCaAndIssued("PassGrains test CA", "silo");
        var (otherCa, _) = TestClusterCertificates.CreateCaAndIssued("PassGrains other CA", "silo");
        var path = _root.Combine("silo.p12");
        File.WriteAllBytes(path, issued.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, (string?)null));
        var caPath = _root.Combine("ca.pem");
        var otherCaPath = _root.Combine("other-ca.pem");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(otherCaPath, otherCa.ExportCertificatePem());

        Assert.Null(BuildProblem(ClusterConfiguration(new Dictionary<string, string?>
        {
            ["PassGrains:Cluster:Certificate:Path"] = path,
            ["PassGrains:Cluster:Certificate:CaPath"] = caPath,
        })));
        var problem = BuildProblem(ClusterConfiguration(new Dictionary<string, string?>
        {
            ["PassGrains:Cluster:Certificate:Path"] = path,
            ["PassGrains:Cluster:Certificate:CaPath"] = otherCaPath,
        }));
        Assert.Contains("PassGrains:Cluster:Certificate:CaPath", problem ?? "", StringComparison.Ordinal);
    }
}

/// <summary>Which peer certificates a silo admits.</summary>
public sealed class ClusterCertificateTests : IDisposable
{
    private readonly TempDirectory _root = new("cluster-certificate");

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Admits_the_cluster_certificate_and_refuses_another_with_the_same_name()
    {
        var path = TestClusterCertificates.WriteSelfSigned(_root.Combine("cluster.p12"), commonName: "PassGrains cluster");
        var cluster = ClusterCertificate.Load(new ClusterCertificateSettings { Path = path });
        using var same = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(path, null);
        using var other = TestClusterCertificates.CreateSelfSigned("PassGrains cluster");
        Assert.True(cluster.Admits(same, null));
        Assert.False(cluster.Admits(other, null));
    }

    [Fact]
    public void With_a_cluster_CA_admits_what_it_issued_and_refuses_what_another_CA_issued()
    {
        var (ca, issued) = TestClusterCertificates.CreateCaAndIssued("PassGrains test CA", "silo-1");
        var (_, foreign) = TestClusterCertificates.CreateCaAndIssued("PassGrains test CA", "silo-1"); // same names, other keys
        var path = _root.Combine("silo.p12");
        File.WriteAllBytes(path, issued.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, (string?)null));
        var caPath = _root.Combine("ca.pem");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        var cluster = ClusterCertificate.Load(new ClusterCertificateSettings { Path = path, CaPath = caPath });
        Assert.True(cluster.Admits(issued, null));
        Assert.False(cluster.Admits(foreign, null));
        using var selfSigned = TestClusterCertificates.CreateSelfSigned("silo-1");
        Assert.False(cluster.Admits(selfSigned, null));
    }
}
