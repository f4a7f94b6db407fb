using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using PassGrains.Packaging.Signing;

/// <summary>
/// APNs as far as the benchmarks go: TLS, HTTP/2 only, a client certificate required, 200 with an apns-id.
/// Every accepted push is counted and, when asked, handed to <c>onPush</c> with its device token (the herd
/// benchmark makes that device do what Wallet does). Its TLS certificate is made per start, or read from a
/// folder written by <see cref="WriteCertificates"/> so that a server started earlier can trust it.
/// </summary>
internal sealed class ApnsStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _count;
    private int _connections;

    private ApnsStandIn(WebApplication app) => _app = app;

    public long Count => Interlocked.Read(ref _count);

    public int Connections => _connections;

    public int Port { get; private set; }

    public int StatsPort { get; private set; }

    /// <summary>Writes a CA (ca.pem, for PassGrains:Apns:TrustedCaPath) and a server certificate it issued (server.p12) into <paramref name="folder"/>.</summary>
    public static async Task WriteCertificates(string folder)
    {
        Directory.CreateDirectory(folder);
        var (certificate, caPem) = ServerCertificate();
        await File.WriteAllTextAsync(Path.Combine(folder, "ca.pem"), caPem);
        await File.WriteAllBytesAsync(Path.Combine(folder, "server.p12"), certificate.Export(X509ContentType.Pkcs12));
    }

    public static async Task<ApnsStandIn> StartAsync(int port, int statsPort, string caOut) => await StartAsync(port, statsPort, caOut, null, null);

    /// <param name="certificateFolder">A folder of <see cref="WriteCertificates"/>; null makes a new CA and writes it to <paramref name="caOut"/>.</param>
    public static async Task<ApnsStandIn> StartAsync(int port, int statsPort, string? caOut, string? certificateFolder, Action<string>? onPush)
    {
        X509Certificate2 serverCertificate;
        if (certificateFolder is not null)
            serverCertificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(certificateFolder, "server.p12"), null);
        else
        {
            (serverCertificate, var caPem) = ServerCertificate();
            await File.WriteAllTextAsync(caOut ?? throw new ArgumentNullException(nameof(caOut)), caPem);
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ApnsStandIn? self = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Listen(System.Net.IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                    OnAuthenticate = (_, _) => Interlocked.Increment(ref self!._connections),
                });
            });
            kestrel.Listen(System.Net.IPAddress.Loopback, statsPort);
        });
        var app = builder.Build();
        self = new ApnsStandIn(app);
        app.MapPost("/3/device/{token}", (string token, HttpContext context) =>
        {
            Interlocked.Increment(ref self._count);
            onPush?.Invoke(token);
            context.Response.Headers["apns-id"] = Guid.NewGuid().ToString();
            return Results.Ok();
        });
        app.MapGet("/", () => Results.Text(self.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await app.StartAsync();
        var addresses = app.Urls.Select(u => new Uri(u.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal))).ToList();
        self.Port = addresses.First(u => u.Scheme == "https").Port;
        self.StatsPort = addresses.First(u => u.Scheme == "http").Port;
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static (X509Certificate2 Certificate, string CaPem) ServerCertificate()
    {
        var random = new SecureRandom();
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), random, 2048, 80));
        var caKeys = generator.GenerateKeyPair();
        var serverKeys = generator.GenerateKeyPair();
        var caName = new X509Name("CN=Push bench CA");
        var ca = Issue(caName, caKeys.Public, caName, caKeys.Private, isCa: true, random);
        var server = Issue(new X509Name("CN=localhost"), serverKeys.Public, caName, caKeys.Private, isCa: false, random);
        var pem = X509Certificate2.CreateFromPem(DevelopmentChain.ToPem(server), DevelopmentChain.ToPem(serverKeys.Private));
        return (X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null), DevelopmentChain.ToPem(ca));
    }

    private static Org.BouncyCastle.X509.X509Certificate Issue(X509Name subject, Org.BouncyCastle.Crypto.AsymmetricKeyParameter publicKey, X509Name issuer,
        Org.BouncyCastle.Crypto.AsymmetricKeyParameter issuerKey, bool isCa, SecureRandom random)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(64, random).Add(BigInteger.One));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        generator.SetNotAfter(DateTime.UtcNow.AddDays(30));
        generator.SetPublicKey(publicKey);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(isCa));
        if (!isCa)
        {
            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(
            [
                new GeneralName(GeneralName.DnsName, "localhost"), new GeneralName(GeneralName.IPAddress, "127.0.0.1"),
            ]));
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
        }
        return generator.Generate(new Asn1SignatureFactory("SHA256WITHRSA", issuerKey, random));
    }
}
