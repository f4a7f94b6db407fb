using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>A TCP socket a process listens on.</summary>
public sealed record ListeningSocket(IPAddress Address, int Port);

/// <summary>Looks at the Orleans ports from outside, as someone on the network (or on this machine) would.</summary>
public static class OrleansPorts
{
    /// <summary>Every TCP socket <paramref name="processId"/> listens on, from /proc (its socket inodes matched against /proc/net/tcp and tcp6).</summary>
    public static IReadOnlyList<ListeningSocket> ListeningSockets(int processId)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFiles($"/proc/{processId}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    inodes.Add(target["socket:[".Length..^1]);
            }
            catch (IOException)
            {
                // A descriptor closed while we looked.
            }
        }
        var sockets = new List<ListeningSocket>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
                continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length < 10 || columns[3] != "0A" || !inodes.Contains(columns[9]))
                    continue;
                var local = columns[1].Split(':');
                sockets.Add(new ListeningSocket(ParseProcAddress(local[0]), int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
        }
        return sockets;
    }

    /// <summary>/proc/net/tcp writes addresses as 32-bit words in host byte order (little endian here).</summary>
    private static IPAddress ParseProcAddress(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
            Array.Reverse(bytes, word, 4);
        var address = new IPAddress(bytes);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    /// <summary>An IPv4 address of this machine that is not loopback (an up interface's), or null when it has none.</summary>
    public static IPAddress? NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    /// <summary>Whether a TCP connection to <paramref name="endpoint"/> is accepted (false: refused or no answer within 5 s).</summary>
    public static async Task<bool> AcceptsConnectionAsync(IPEndPoint endpoint)
    {
        using var client = new TcpClient(endpoint.AddressFamily);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.ConnectAsync(endpoint, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// The first bytes a silo sends on a plaintext Orleans connection (length-prefixed ConnectionPreamble: protocol
    /// version, the silo-to-silo connection id, a silo address, the cluster id), made by Orleans' own serializer
    /// from its internal types, so that the test speaks exactly what a silo without TLS would.
    /// </summary>
    public static byte[] PlaintextPreamble(string clusterId, IPEndPoint claimedSilo)
    {
        var core = Assembly.Load("Orleans.Core");
        var preambleType = core.GetType("Orleans.Runtime.Messaging.ConnectionPreamble", throwOnError: true)!;
        var versionType = core.GetType("Orleans.Runtime.Messaging.NetworkProtocolVersion", throwOnError: true)!;
        var constants = core.GetType("Orleans.Runtime.Constants", throwOnError: true)!;
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(core)).BuildServiceProvider();
        var serializer = services.GetRequiredService(typeof(Serializer<>).MakeGenericType(preambleType));
        var preamble = Activator.CreateInstance(preambleType)!;
        var versions = Enum.GetValues(versionType);
        preambleType.GetProperty("NetworkProtocolVersion")!.SetValue(preamble, versions.GetValue(versions.Length - 1));
        preambleType.GetProperty("NodeIdentity")!.SetValue(preamble,
            constants.GetField("SiloDirectConnectionId", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.GetValue(null));
        preambleType.GetProperty("SiloAddress")!.SetValue(preamble, Orleans.Runtime.SiloAddress.New(claimedSilo, 1));
        preambleType.GetProperty("ClusterId")!.SetValue(preamble, clusterId);
        var body = (byte[])serializer.GetType().GetMethod("SerializeToArray", [preambleType])!.Invoke(serializer, [preamble])!;
        var framed = new byte[sizeof(int) + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(framed, body.Length);
        body.CopyTo(framed, sizeof(int));
        return framed;
    }

    /// <summary>What came back after sending <paramref name="bytes"/>: everything the other end sent, and whether it then closed.</summary>
    public sealed record Exchange(byte[] Received, bool Closed)
    {
        public bool Contains(string text) => Encoding.UTF8.GetString(Received).Contains(text, StringComparison.Ordinal);
    }

    /// <summary>Connects, sends <paramref name="bytes"/> and reads until the other end closes or <paramref name="timeout"/> passes.</summary>
    public static async Task<Exchange> SendAsync(IPEndPoint endpoint, byte[] bytes, TimeSpan timeout)
    {
        using var client = new TcpClient(endpoint.AddressFamily);
        using var deadline = new CancellationTokenSource(timeout);
        await client.ConnectAsync(endpoint, deadline.Token);
        var stream = client.GetStream();
        var received = new MemoryStream();
        try
        {
            await stream.WriteAsync(bytes, deadline.Token);
            var buffer = new byte[4096];
            while (true)
            {
                var read = await stream.ReadAsync(buffer, deadline.Token);
                if (read == 0)
                    return new Exchange(received.ToArray(), Closed: true);
                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return new Exchange(received.ToArray(), Closed: false);
        }
        catch (IOException)
        {
            return new Exchange(received.ToArray(), Closed: true); // reset by the other end
        }
    }
}

/// <summary>Cluster certificates for tests, made here with CertificateRequest (not by the code under test).</summary>
public static class TestClusterCertificates
{
    /// <summary>Writes a new self-signed certificate with its key (ECDSA P-256, TLS server and client usage) as a PKCS#12 file.</summary>
    public static string WriteSelfSigned(string path, string? password = null, string commonName = "PassGrains test cluster")
    {
        using var certificate = CreateSelfSigned(commonName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    public static X509Certificate2 CreateSelfSigned(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>A CA (certificate and key) and a certificate it issued with its key, for CA-based admission.</summary>
    public static (X509Certificate2 Ca, X509Certificate2 Issued) CreateCaAndIssued(string caName, string issuedName)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={issuedName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var issued = request.Create(ca, now, now.AddYears(1), RandomNumberGenerator.GetBytes(12));
        using var withKey = issued.CopyWithPrivateKey(key);
        return (X509CertificateLoader.LoadPkcs12(ca.Export(X509ContentType.Pkcs12), null), X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }
}
