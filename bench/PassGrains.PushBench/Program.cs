using System.Diagnostics;
using System.Globalization;
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
//   PushBench apns-certs --out DIR                                writes DIR/ca.pem and DIR/server.p12 for a stand-in started later (herd)
//   PushBench herd --server URL --api-key K --template T --devices N --apns-port P --apns-certs DIR [--wwdr PEM] [--connections C] [--patience S]
//        [--check-every K] [--bare URL] [--sample-out FILE] [--cpu-pids P1,P2] [--deadline S] [--setup-concurrency C] [--warm-up W]
//        the device herd (HerdBench.cs): N devices of one group behave like Wallet on the push of one group change; timed against the floor
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

if (verb == "apns-certs")
{
    await ApnsStandIn.WriteCertificates(Arg("--out", "apns"));
    return 0;
}

if (verb == "herd")
{
    using var herd = new HerdBench(new HerdOptions(new Uri(Arg("--server", "http://127.0.0.1:5300/")), Arg("--api-key", ""), Arg("--pass-type", "pass.com.example.event"),
        Arg("--template", "bench"), int.Parse(Arg("--devices", "2000")), int.Parse(Arg("--connections", "15000")), int.Parse(Arg("--setup-concurrency", "32")),
        args.Contains("--wwdr") ? Arg("--wwdr", "") : null, int.Parse(Arg("--check-every", "100")), TimeSpan.FromSeconds(double.Parse(Arg("--patience", "60"), CultureInfo.InvariantCulture)),
        TimeSpan.FromSeconds(double.Parse(Arg("--deadline", "900"), CultureInfo.InvariantCulture)),
        args.Contains("--bare") ? new Uri(Arg("--bare", "")) : null, Arg("--sample-out", Path.Combine(Path.GetTempPath(), "herd-sample.pkpass")),
        Arg("--cpu-pids", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList(), int.Parse(Arg("--apns-port", "5301")), Arg("--apns-certs", "apns"),
        int.Parse(Arg("--warm-up", "0"))));
    return await herd.RunAsync();
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
