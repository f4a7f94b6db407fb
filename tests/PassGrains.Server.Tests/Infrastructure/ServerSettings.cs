using System.Security.Cryptography;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>The configuration one test server runs with: free ports, a data directory, the dev chain, the API key.</summary>
public sealed record ServerSettings(string DataDirectory, SigningChain Chain, int HttpPort, int SiloPort, int GatewayPort, string? SecretKey = null) : IServerLaunch
{
    public string BaseUrl => $"http://127.0.0.1:{HttpPort}/";

    /// <summary>Further configuration keys (':' separated), such as the APNs endpoint of a test.</summary>
    public IReadOnlyDictionary<string, string?> Extra { get; init; } = new Dictionary<string, string?>();

    public static ServerSettings Create(string dataDirectory, SigningChain chain, string? secretKey = null) =>
        new(dataDirectory, chain, TestEnvironment.FreePort(), TestEnvironment.FreePort(), TestEnvironment.FreePort(), secretKey);

    /// <summary>A base64 server secret, so a test can compute download-link signatures itself.</summary>
    public static string NewSecretKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Configuration keys as CONTRACT.md names them (':' separated).</summary>
    public Dictionary<string, string?> ToConfiguration()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["PassGrains:DataDirectory"] = DataDirectory,
            ["PassGrains:PublicUrl"] = BaseUrl,
            ["PassGrains:IssuerApiKeys:0"] = TestEnvironment.ApiKey,
            ["PassGrains:Cluster:SiloPort"] = SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PassGrains:Cluster:GatewayPort"] = GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
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
