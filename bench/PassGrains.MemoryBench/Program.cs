using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Storage;
using PassGrains.Abstractions;
using PassGrains.Grains;
using PassGrains.MemoryBench;
using PassGrains.Packaging.Building;
using PassGrains.Server;
using PassGrains.Server.Issuing;

// usage: MemoryBench --kind pass|device|probe --count N --work DIR --certs DIR --model-zip FILE
//                    [--concurrency C] [--gcdump-tool PATH --gcdump-out FILE]
//   Starts the product's host (PassGrainsApp: one silo, SQLite with its single-writer queue, reminders, the web front end)
//   in this process, then activates N grains of one kind and prints the growth of resident memory and of the GC heap
//   per grain, each measured after full blocking compacting collections, with the silo's own count of the activations.
//     pass   N issued passes of the template (stored first, as batch issuing stores them, then each activated by a
//            device's stamp read: what a list or a 304 does); the baseline is taken after storing, before activating
//     device N devices, each with one registration (IDeviceGrain.Register, what a pass's registration calls)
//     probe  N activations of a grain with no state and no fields: what Orleans itself keeps per activation
string Arg(string name, string? fallback = null) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback ?? throw new ArgumentException($"{name} is required");

var kind = Arg("--kind");
var count = int.Parse(Arg("--count", "1000000"), CultureInfo.InvariantCulture);
var concurrency = int.Parse(Arg("--concurrency", "256"), CultureInfo.InvariantCulture);
var work = Arg("--work");
var certs = Arg("--certs");
var modelZip = Arg("--model-zip");
const string PassType = "pass.com.example.event";
const string Template = "event";
const string ApiKey = "memory-bench-issuer-key-0123456789";

var httpPort = FreePort();
var configuration = new Dictionary<string, string?>
{
    ["PassGrains:DataDirectory"] = Path.Combine(work, "data"),
    ["PassGrains:PublicUrl"] = $"http://127.0.0.1:{httpPort}/",
    ["PassGrains:IssuerApiKeys:0"] = ApiKey,
    ["PassGrains:SecretKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    ["PassGrains:Cluster:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
    ["PassGrains:PassTypes:0:Identifier"] = PassType,
    ["PassGrains:PassTypes:0:TeamIdentifier"] = "ABCDE12345",
    ["PassGrains:PassTypes:0:CertificatePath"] = Path.Combine(certs, "pass.p12"),
    ["PassGrains:PassTypes:0:CertificatePassword"] = "dev",
    ["PassGrains:PassTypes:0:WwdrPath"] = Path.Combine(certs, "wwdr.pem"),
    ["PassGrains:Apns:Enabled"] = "false",
    ["Logging:LogLevel:Default"] = "Warning",
    // Orleans' placement retries while the silo stops are no news here.
    ["Logging:LogLevel:Polly"] = "None",
};
await using var app = PassGrainsApp.Build(["--urls", $"http://127.0.0.1:{httpPort}"], builder =>
{
    builder.Configuration.AddInMemoryCollection(configuration);
    // Orleans collects activations idle for 15 minutes; a million take longer than that to set up and measure, and a
    // collected one would make the figure per active grain look smaller than it is. Keeping them changes no grain's size.
    builder.Services.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(6));
});
await app.StartAsync();
var services = app.Services;
var grains = services.GetRequiredService<IGrainFactory>();
var reads = services.GetRequiredService<PassGrains.Grains.Caching.CachedDeviceReads>();
var silo = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") })
{
    using var upload = new HttpRequestMessage(HttpMethod.Put, $"api/templates/{Template}") { Content = new ByteArrayContent(await File.ReadAllBytesAsync(modelZip)) };
    upload.Headers.Authorization = new("Bearer", ApiKey);
    upload.Content.Headers.ContentType = new("application/zip");
    using var answer = await http.SendAsync(upload);
    if (!answer.IsSuccessStatusCode)
        throw new InvalidOperationException($"template upload: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
}

Console.WriteLine($"# {kind}: {count:N0} grains, {concurrency} calls in flight, {Environment.ProcessorCount} cores, server GC {GCSettings.IsServerGC}, .NET {Environment.Version}");
var clock = Stopwatch.StartNew();
if (kind == "pass")
{
    await ForEach(count, concurrency, SeedPass(services, grains));
    Console.WriteLine($"stored {count:N0} issued passes in {clock.Elapsed.TotalSeconds:F0} s");
}
var before = Snapshot.Take();
clock.Restart();
Func<int, Task> activate = kind switch
{
    // What a device's 304 does on a silo that does not hold the pass yet: asks the pass for its view, which the silo's
    // cache then keeps (Grains/Caching/CachedDeviceReads.cs), so the figure includes that cache entry.
    "pass" => i => reads.PassAsync(PassType, Serial(i)).AsTask(),
    // Fresh strings per call, as a registration that arrives over the wire (or a state read after a restart) brings its own;
    // then the device's first list, which makes the device remember the silo that keeps its serials.
    "device" => async i =>
    {
        var device = grains.GetGrain<IDeviceGrain>(GrainKeys.Device(DeviceId(i)));
        await device.Register(string.Concat("pass.com.example.", "event"), Serial(i), PushToken(i));
        await device.WatchSerials(PassType, silo);
    },
    "probe" => i => grains.GetGrain<IProbeGrain>($"probe:{i}").Touch(),
    _ => throw new ArgumentException($"unknown kind {kind}"),
};
await ForEach(count, concurrency, activate);
Console.WriteLine($"activated {count:N0} in {clock.Elapsed.TotalSeconds:F0} s");
var after = Snapshot.Take();

var grainType = kind switch { "pass" => "PassGrain", "device" => "DeviceGrain", _ => "ProbeGrain" };
// Grain types read "namespace.class,assembly".
bool IsOf(string type) => type.Contains($".{grainType},", StringComparison.Ordinal);
var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
var active = statistics.Where(s => IsOf(s.GrainType)).Sum(s => s.ActivationCount);
Console.WriteLine($"active {grainType} activations (the silo's count): {active:N0}");
foreach (var other in statistics.Where(s => s.ActivationCount > 10 && !IsOf(s.GrainType)))
    Console.WriteLine($"  also active: {other.GrainType} {other.ActivationCount:N0}");
Console.WriteLine($"before: {before}");
Console.WriteLine($"after:  {after}");
Console.WriteLine($"per {kind} grain: RSS {(after.Rss - before.Rss) / (double)count:F0} B, GC heap {(after.Heap - before.Heap) / (double)count:F0} B, " +
    $"live objects {(after.Live - before.Live) / (double)count:F0} B");

if (args.Contains("--gcdump-out"))
{
    var dump = Arg("--gcdump-out");
    var tool = Arg("--gcdump-tool");
    Run(tool, $"collect -p {Environment.ProcessId} -o {dump}");
    Run(tool, $"report {dump}");
}
// No orderly stop: the database is thrown away, and a million activations take minutes to deactivate.
Environment.Exit(active >= count ? 0 : 1);

static async Task ForEach(int count, int concurrency, Func<int, Task> body)
{
    var done = 0;
    var progress = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
    {
        await body(i);
        if (Interlocked.Increment(ref done) % 100_000 == 0)
            Console.WriteLine($"  {done:N0} ({progress.Elapsed.TotalSeconds:F0} s)");
    });
}

// A pass as the product stores it at issue: the content as the issuer API reads a batch line of scripts/make-batch.py,
// then PassState.Issue (the one place that decides what an issued pass holds), written through the grains' storage
// provider under the grain's id, as NewPassWriter writes it (its outbox holding the pass.issued event). Only the hand-on of
// that event to the feed is left out: it adds nothing to the pass, and the feed's own memory is not the pass's.
static Func<int, Task> SeedPass(IServiceProvider services, IGrainFactory grains)
{
    var storage = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Provider);
    var tokens = services.GetRequiredService<PassTokens>();
    var time = services.GetRequiredService<TimeProvider>();
    return async i =>
    {
        var line = new JsonObject { ["templateId"] = Template, ["serialNumber"] = Serial(i), ["fields"] = new JsonObject { ["seat"] = $"R{i / 100}-{i % 100}" } };
        var (given, error) = RequestContent.ContentOf(line);
        if (error is not null)
            throw new InvalidOperationException(error.Value.Message);
        PassContent content = PassContentLayers.Merge(default, given);
        var nonce = PassTokens.NewNonce();
        var pass = new PassState();
        pass.Issue(PassType, Serial(i), new PassIssue(Template, null, content), nonce, PassTokens.Hash(tokens.TokenFor(nonce)), time.GetUtcNow());
        var grainId = grains.GetGrain<IPassGrain>(GrainKeys.Pass(PassType, Serial(i))).GetGrainId();
        await storage.WriteStateAsync(StorageNames.Pass, grainId, new GrainState<PassState>(pass));
    };
}

static string Serial(int i) => $"B-{i}";

// Wallet's device library ids are 32 hex digits, APNs tokens 64.
static string DeviceId(int i) => $"{i:x8}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";

static string PushToken(int i) => $"{i:x8}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(28))}";

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

static void Run(string file, string arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
    var output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    // The report's first rows are the types holding the most bytes.
    foreach (var row in output.Split('\n').Take(45))
        Console.WriteLine(row);
}

namespace PassGrains.MemoryBench
{
    /// <summary>Resident memory and GC heap after full blocking compacting collections (the large object heap compacted too).</summary>
    internal readonly record struct Snapshot(long Rss, long Heap, long Live, long Committed)
    {
        public static Snapshot Take()
        {
            for (var i = 0; i < 3; i++)
            {
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }
            var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
            return new Snapshot(ResidentBytes(), info.HeapSizeBytes, GC.GetTotalMemory(false), info.TotalCommittedBytes);
        }

        private static long ResidentBytes()
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }

        public override string ToString() =>
            $"RSS {Rss / 1048576.0:F1} MiB, GC heap {Heap / 1048576.0:F1} MiB, live {Live / 1048576.0:F1} MiB, GC committed {Committed / 1048576.0:F1} MiB";
    }

    /// <summary>A grain with no state and no fields: an activation of it is what Orleans keeps for any grain.</summary>
    public interface IProbeGrain : IGrainWithStringKey
    {
        Task Touch();
    }

    public sealed class ProbeGrain : Grain, IProbeGrain
    {
        public Task Touch() => Task.CompletedTask;
    }
}
