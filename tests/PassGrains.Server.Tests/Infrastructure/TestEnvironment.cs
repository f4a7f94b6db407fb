using System.Net;
using System.Net.Sockets;
using PassGrains.Packaging.Signing;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>Paths, ports and temporary folders the server tests share.</summary>
public static class TestEnvironment
{
    public const string PassType = "pass.com.example.event";
    public const string Team = "ABCDE12345";
    public const string ApiKey = "test-issuer-key-0123456789";
    public const string CertificatePassword = "dev";

    public static string RepoRoot => RepositoryPaths.Root;

    /// <summary>A sample pass model folder, e.g. "boarding" for samples/models/boarding.pass.</summary>
    public static string Model(string name) => RepositoryPaths.Model(name);

    /// <summary>A port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Distinct ids per call, so tests sharing one server never touch each other's passes or devices.</summary>
    public static string UniqueId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}

/// <summary>A folder under the system temp directory, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string name)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"passgrains-server-tests-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A development signing chain (local CA as wwdr.pem, pass.p12 with password "dev") for pass.com.example.event.</summary>
public sealed record SigningChain(string Directory)
{
    public string Wwdr => Path.Combine(Directory, "wwdr.pem");

    public string P12 => Path.Combine(Directory, "pass.p12");

    public static SigningChain Create(string directory)
    {
        DevelopmentChain.Create(TestEnvironment.PassType, TestEnvironment.Team).WriteTo(directory, TestEnvironment.CertificatePassword);
        return new SigningChain(directory);
    }
}
