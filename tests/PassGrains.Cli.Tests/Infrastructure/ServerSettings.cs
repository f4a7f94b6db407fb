using System.Globalization;
using System.Net;
using System.Net.Sockets;


namespace PassGrains.Cli.Tests.Infrastructure;

/// <summary>
/// How one test server runs: free ports, a data directory, a development signing chain and an issuer API key,
/// as configuration keys (':' separated) that <see cref="ServerProcess"/> turns into environment variables.
/// </summary>
public sealed record ServerSettings(string DataDirectory, DevChain Chain, int HttpPort, int SiloPort) : IServerLaunch
{
    public const string PassType = "pass.com.example.event";
    public const string Team = "ABCDE12345";
    public const string ApiKey = "cli-test-issuer-key-0123456789";

    public string BaseUrl => $"http://127.0.0.1:{HttpPort}/";

    public static ServerSettings Create(string dataDirectory, DevChain chain) =>
        new(dataDirectory, chain, FreePort(), FreePort());

    public Dictionary<string, string?> ToConfiguration() => new()
    {
        ["PassGrains:DataDirectory"] = DataDirectory,
        ["PassGrains:PublicUrl"] = BaseUrl,
        ["PassGrains:IssuerApiKeys:0"] = ApiKey,
        ["PassGrains:Cluster:SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture),
        ["PassGrains:PassTypes:0:Identifier"] = PassType,
        ["PassGrains:PassTypes:0:TeamIdentifier"] = Team,
        ["PassGrains:PassTypes:0:CertificatePath"] = Chain.P12,
        ["PassGrains:PassTypes:0:CertificatePassword"] = Chain.Password,
        ["PassGrains:PassTypes:0:WwdrPath"] = Chain.Wwdr,
    };

    /// <summary>A port nobody listens on right now.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
