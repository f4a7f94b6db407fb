using System.Security.Cryptography;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>The configuration one test server runs with: free ports, a data directory, the dev chain, the API key.</summary>
public sealed record ServerSettings(string DataDirectory, SigningChain Chain, int HttpPort, int SiloPort, string? SecretKey = null) : IServerLaunch
{
    public string BaseUrl => $"http://127.0.0.1:{HttpPort}/";

    /// <summary>Further configuration keys (':' separated), such as the APNs endpoint of a test.</summary>
    public IReadOnlyDictionary<string, string?> Extra { get; init; } = new Dictionary<string, string?>();

    public static ServerSettings Create(string dataDirectory, SigningChain chain, string? secretKey = null) =>
        new(dataDirectory, chain, TestEnvironment.FreePort(), TestEnvironment.FreePort(), secretKey);

    /// <summary>
    /// A silo of a PostgreSQL cluster: shared database and secret, and the cluster certificate silos authenticate
    /// each other with (null: none, for tests of what happens without one).
    /// </summary>
    public static ServerSettings ClusterSilo(string dataDirectory, SigningChain chain, string secretKey, string database, string? clusterCertificate,
        IReadOnlyDictionary<string, string?>? extra = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["PassGrains:Storage:Provider"] = "Postgres",
            ["PassGrains:Storage:ConnectionString"] = database,
            ["PassGrains:Cluster:AdvertisedAddress"] = "127.0.0.1",
            ["PassGrains:Apns:Enabled"] = "false",
        };
        if (clusterCertificate is not null)
            configuration["PassGrains:Cluster:Certificate:Path"] = clusterCertificate;
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            configuration[key] = value;
        Directory.CreateDirectory(dataDirectory);
        return Create(dataDirectory, chain, secretKey) with { Extra = configuration };
    }

    /// <summary>A base64 server secret, so a test can compute download-link signatures itself.</summary>
    public static string NewSecretKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Configuration keys as the server reads them (':' separated).</summary>
    public Dictionary<string, string?> ToConfiguration()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["PassGrains:DataDirectory"] = DataDirectory,
            ["PassGrains:PublicUrl"] = BaseUrl,
            ["PassGrains:IssuerApiKeys:0"] = TestEnvironment.ApiKey,
            ["PassGrains:Cluster:SiloPort"] = SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PassGrains:PassTypes:0:Identifier"] = TestEnvironment.PassType,
            ["PassGrains:PassTypes:0:TeamIdentifier"] = TestEnvironment.Team,
            ["PassGrains:PassTypes:0:CertificatePath"] = Chain.P12,
            ["PassGrains:PassTypes:0:CertificatePassword"] = TestEnvironment.CertificatePassword,
            ["PassGrains:PassTypes:0:WwdrPath"] = Chain.Wwdr,
            // Every request of a test class comes from 127.0.0.1, and tests of refusals send many 401s on purpose:
            // the limits stay on, far above that. RateLimitTests run a server with the small budgets they test.
            ["PassGrains:RateLimits:UnauthorizedRequests"] = "100000",
            ["PassGrains:RateLimits:AnonymousRequests"] = "100000",
            // Test webhook receivers listen on loopback, which webhooks may not reach by default.
            ["PassGrains:Webhooks:AllowPrivateNetworks"] = "true",
        };
        if (SecretKey is not null)
            configuration["PassGrains:SecretKey"] = SecretKey;
        foreach (var (key, value) in Extra)
            configuration[key] = value;
        return configuration;
    }
}
