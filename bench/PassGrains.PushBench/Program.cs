using System.Diagnostics;
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
using PassGrains.Apns;
using PassGrains.Packaging.Signing;

// usage:
//   PushBench double --port P --stats-port S --ca-out CA.pem      APNs stand-in; GET http://127.0.0.1:S/ answers the push count
//   PushBench group --server URL --api-key K --template T --devices N --stats URL [--existing-group G --serial-prefix P]
//        issues N passes in a new group (or uses the passes P0..P(N-1) of group G), registers a device for each, changes the group, times the pushes
//   PushBench pass-devices --server URL --api-key K --template T --devices N --concurrency C --stats URL --serial S
//        issues one pass, registers N devices for it (each registration timed), changes it once, times the pushes
//   PushBench client --pushes N --concurrency C                   starts its own stand-in, sends N pushes with one ApnsClient, prints pushes/s
var verb = args.FirstOrDefault() ?? "client";
string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

if (verb == "double")
{
    await using var stand = await ApnsStandIn.StartAsync(int.Parse(Arg("--port", "0")), int.Parse(Arg("--stats-port", "0")), Arg("--ca-out", "apns-ca.pem"));
    Console.WriteLine($"apns https://127.0.0.1:{stand.Port}/ stats http://127.0.0.1:{stand.StatsPort}/");
    var done = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; done.TrySetResult(); };
    AppDomain.CurrentDomain.ProcessExit += (_, _) => done.TrySetResult();
    await done.Task;
    return 0;
}

if (verb == "group")
    return await GroupBench.RunAsync(new Uri(Arg("--server", "http://127.0.0.1:5300/")), Arg("--api-key", ""), Arg("--pass-type", "pass.com.example.event"),
        Arg("--template", "bench"), int.Parse(Arg("--devices", "100000")), new Uri(Arg("--stats", "http://127.0.0.1:5302/")),
        args.Contains("--existing-group") ? Arg("--existing-group", "") : null, Arg("--serial-prefix", ""));

if (verb == "pass-devices")
    return await PassDevicesBench.RunAsync(new Uri(Arg("--server", "http://127.0.0.1:5300/")), Arg("--api-key", ""), Arg("--pass-type", "pass.com.example.event"),
        Arg("--template", "bench"), int.Parse(Arg("--devices", "100000")), int.Parse(Arg("--concurrency", "1")), new Uri(Arg("--stats", "http://127.0.0.1:5302/")),
        Arg("--serial", $"coupon-{DateTime.UtcNow:HHmmss}"));

var pushes = int.Parse(Arg("--pushes", "100000"));
var concurrency = int.Parse(Arg("--concurrency", "2000"));
var caPath = Path.Combine(Path.GetTempPath(), $"apns-bench-{Guid.NewGuid():N}.pem");
await using (var apns = await ApnsStandIn.StartAsync(0, 0, caPath))
{
    var chain = DevelopmentChain.Create("pass.com.example.bench", "BENCH12345");
    using var certificate = X509CertificateLoader.LoadPkcs12(chain.ExportPkcs12("bench"), "bench");
    using var client = new ApnsClient(new ApnsOptions { Endpoint = new Uri($"https://127.0.0.1:{apns.Port}"), TrustedCaPath = caPath }, new ApnsCertificateCredentials(certificate));
    await RunAsync(client, Math.Min(pushes, 5000), concurrency); // warm-up: connections, JIT
    var before = apns.Count;
    var stopwatch = Stopwatch.StartNew();
    var failed = await RunAsync(client, pushes, concurrency);
    stopwatch.Stop();
    Console.WriteLine($"pushes: {pushes}, failed: {failed}, seconds: {stopwatch.Elapsed.TotalSeconds:F2}, received by the stand-in: {apns.Count - before}, connections: {apns.Connections}");
    Console.WriteLine($"pushes/s: {pushes / stopwatch.Elapsed.TotalSeconds:F0}");
}
File.Delete(caPath);
return 0;

static async Task<int> RunAsync(ApnsClient client, int pushes, int concurrency)
{
    var failed = 0;
    await Parallel.ForEachAsync(Enumerable.Range(0, pushes), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, cancellationToken) =>
    {
        var result = await client.SendAsync($"{i:x8}{Guid.NewGuid():N}", "pass.com.example.bench", cancellationToken);
        if (!result.IsDelivered)
            Interlocked.Increment(ref failed);
    });
    return failed;
}

/// <summary>APNs as far as throughput goes: TLS, HTTP/2 only, a client certificate required, 200 with an apns-id.</summary>
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

    public static async Task<ApnsStandIn> StartAsync(int port, int statsPort, string caOut)
    {
        var (serverCertificate, caPem) = ServerCertificate();
        await File.WriteAllTextAsync(caOut, caPem);
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
        app.MapPost("/3/device/{token}", (HttpContext context) =>
        {
            Interlocked.Increment(ref self._count);
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
