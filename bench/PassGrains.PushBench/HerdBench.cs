using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Packaging.Validation;
using PassGrains.Packaging.Verification;

/// <param name="Server">Where the issuer API is (the devices use each pass's own webServiceURL).</param>
/// <param name="Connections">HTTP/1.1 connections the devices may hold at once: a device in flight opens its own when none is idle, as a
/// phone does, so the server sees every woken device's request (a queue inside the driver would hide them from its pacer). Capped below
/// the process's file limit; a request waiting for one waits inside its patience.</param>
/// <param name="CheckEvery">One downloaded pass in this many is checked like Wallet: CMS signature against the WWDR, manifest SHA-1s, pass.json rules.</param>
/// <param name="Patience">Per request, from sending to the last byte of the answer; past it the device gives up and asks again later.</param>
/// <param name="Bare">A bare Kestrel serving the same pass's bytes at /pkpass, for the transfer part of the floor.</param>
/// <param name="WarmUp">Devices of a group of their own, changed once before the measured change, so that the measured herd meets a server
/// that has pushed and served a change before (as a running server has), not one compiling its push path for the first time.</param>
internal sealed record HerdOptions(Uri Server, string ApiKey, string PassType, string Template, int Devices, int Connections, int SetupConcurrency,
    string? WwdrPath, int CheckEvery, TimeSpan Patience, TimeSpan Deadline, Uri? Bare, string SamplePath,
    IReadOnlyList<int> CpuPids, int ApnsPort, string ApnsCertificates, int WarmUp);

/// <summary>
/// The device herd (issue 13): N devices, each holding its own pass of one group and registered with its own push
/// token; the APNs stand-in inside this driver makes the device a push is for do what Wallet does (list the serials
/// changed since its tag, fetch each with If-Modified-Since, check it, keep the new tag). One change of the group,
/// timed until the last device holds the new version, beside the floor measured in the same run.
/// </summary>
internal sealed class HerdBench(HerdOptions options) : IDisposable
{
    private static readonly TimeSpan DefaultRetry = TimeSpan.FromSeconds(5);

    private readonly HttpClient _issuer = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
    {
        BaseAddress = options.Server,
        Timeout = TimeSpan.FromMinutes(5),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey) },
    };

    /// <summary>What the devices send through: no overall timeout (each request has the device's patience), no cookies, no decompression.</summary>
    private readonly HttpClient _devices = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = options.Connections,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    private readonly Org.BouncyCastle.X509.X509Certificate? _wwdr = options.WwdrPath is null ? null
        : new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(File.ReadAllBytes(options.WwdrPath));

    // Each of the connections may be reading a pass at once; ArrayPool<byte>.Shared keeps a few dozen large arrays, so
    // past them every download would allocate a fresh megabyte (and the driver's collections would count against the herd).
    private readonly ArrayPool<byte> _bodies = ArrayPool<byte>.Create(maxArrayLength: 8 << 20, maxArraysPerBucket: options.Connections + 64);

    private readonly ConcurrentDictionary<string, Device> _byToken = new(StringComparer.OrdinalIgnoreCase);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Counters _counters = new();
    private Device[] _devicesList = [];
    private string _expectedGate = "";
    private long _changeTicks;
    private long _unknownPushes;
    private long _inFlight;
    private int _verifyReported;

    public async Task<int> RunAsync()
    {
        var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
        var group = $"herd-{run}";
        Console.WriteLine($"# herd: {options.Devices} devices, template {options.Template}, {options.Connections} device connections, patience {options.Patience.TotalSeconds:F0} s, " +
            $"1 in {options.CheckEvery} passes checked (signature, manifest, pass.json)");
        await using var apns = await ApnsStandIn.StartAsync(options.ApnsPort, 0, null, options.ApnsCertificates, OnPush);

        var setup = Stopwatch.StartNew();
        await IssueAsync(group, options.Devices);
        Console.WriteLine($"setup: issued {options.Devices} passes in group {group} (batch job): {setup.Elapsed.TotalSeconds:F1} s");
        var install = Stopwatch.StartNew();
        _devicesList = await InstallAsync(group, run, options.Devices, options.SamplePath);
        Console.WriteLine($"setup: {options.Devices} devices downloaded their pass, registered and listed ({options.SetupConcurrency} at a time): {install.Elapsed.TotalSeconds:F1} s; setup total {setup.Elapsed.TotalSeconds:F1} s");
        var warmGroup = $"{group}-warm";
        Device[] warm = [];
        if (options.WarmUp > 0)
        {
            await IssueAsync(warmGroup, options.WarmUp);
            warm = await InstallAsync(warmGroup, $"{run}w", options.WarmUp, samplePath: null);
        }

        await QuietServerAsync();
        var transferBefore = await TransferRatesAsync();
        var signingBefore = await SignaturesPerSecondAsync();

        if (warm.Length > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(1.1));
            _expectedGate = $"W{run}";
            var warming = Stopwatch.StartNew();
            using (var put = await _issuer.PutAsync($"api/groups/{warmGroup}", Json(new { fields = new { gate = _expectedGate } })))
                put.EnsureSuccessStatusCode();
            while (warm.Any(d => d.HeldNewTicks == 0 || d.Busy) && warming.Elapsed < options.Deadline)
                await Task.Delay(50);
            Console.WriteLine($"warm-up (not measured): a change of group {warmGroup}, {warm.Length} devices, all current: {warm.All(d => d.HeldNewTicks != 0)}, " +
                $"in {warming.Elapsed.TotalSeconds:F2} s; 5xx {_counters.Status5xx}, timeouts {_counters.Timeouts}");
        }

        // The tag a list answers stays a second behind the listing; let the last one's second pass so the change is after every tag.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        _counters.Reset();
        _expectedGate = $"H{run}";
        // One server process only: behind the cluster's balancer the two reads may reach different silos, and their difference means nothing.
        var oneServer = options.CpuPids.Count == 1;
        var serverBefore = oneServer ? await ServerRuntimeAsync() : null;
        var driverRuntimeBefore = DriverRuntime();
        var cpuBefore = CpuSeconds(options.CpuPids);
        var driverBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var changeWatch = Stopwatch.StartNew();
        Volatile.Write(ref _changeTicks, _clock.ElapsedTicks);
        using (var put = await _issuer.PutAsync($"api/groups/{group}", Json(new { fields = new { gate = _expectedGate } })))
            put.EnsureSuccessStatusCode();
        var answered = changeWatch.Elapsed;
        while (_devicesList.Any(d => d.HeldNewTicks == 0) && changeWatch.Elapsed < options.Deadline)
            await Task.Delay(50);
        var last = _devicesList.Max(d => d.HeldNewTicks);
        var allCurrent = _devicesList.All(d => d.HeldNewTicks != 0);
        var toLast = allCurrent ? Seconds(last - _changeTicks) : changeWatch.Elapsed.TotalSeconds;
        var cpuAfter = CpuSeconds(options.CpuPids);
        var driverCpu = (Process.GetCurrentProcess().TotalProcessorTime - driverBefore).TotalSeconds;
        var driverRuntime = DriverRuntime() - driverRuntimeBefore;
        var serverRuntime = oneServer ? await ServerRuntimeAsync() - serverBefore : null;
        // Late pushes (a second one for a device) would show here.
        await Task.Delay(TimeSpan.FromSeconds(3));
        while (_devicesList.Any(d => d.Busy) && changeWatch.Elapsed < options.Deadline + TimeSpan.FromSeconds(30))
            await Task.Delay(50);

        var floor = await FloorAsync(transferBefore, signingBefore);
        Report(answered, toLast, allCurrent, floor, cpuAfter - cpuBefore, driverCpu);
        if (serverRuntime is not null)
            Console.WriteLine($"server runtime from the change to the last device: {serverRuntime}");
        Console.WriteLine($"driver runtime meanwhile: {driverRuntime}");
        return allCurrent ? 0 : 1;
    }

    private void Report(TimeSpan answered, double toLast, bool allCurrent, double floor, double serverCpu, double driverCpu)
    {
        var held = _devicesList.Where(d => d.HeldNewTicks != 0).ToList();
        var latencies = held.Select(d => Seconds(d.HeldNewTicks - d.FirstPushTicks)).Order().ToArray();
        var pushedAt = _devicesList.Where(d => d.FirstPushTicks != 0).Select(d => Seconds(d.FirstPushTicks - _changeTicks)).Order().ToArray();
        var pushes = _devicesList.GroupBy(d => d.Pushes).OrderBy(g => g.Key).Select(g => $"{g.Count()} devices {g.Key} push{(g.Key == 1 ? "" : "es")}");
        var c = _counters;
        Console.WriteLine($"change: PUT /api/groups answered in {answered.TotalMilliseconds:F0} ms");
        Console.WriteLine($"devices holding the new version: {held.Count} of {_devicesList.Length}{(allCurrent ? "" : "  (NOT ALL: deadline reached)")}");
        Console.WriteLine($"time from the change to the last device holding the new version: {toLast:F2} s");
        Console.WriteLine($"floor: {floor:F2} s; time to the last device / floor = {toLast / floor:F2}");
        Console.WriteLine($"change -> push received (the fan-out): p50 {Percentile(pushedAt, 0.5):F2} s, max {(pushedAt.Length == 0 ? 0 : pushedAt[^1]):F2} s");
        Console.WriteLine($"per device push -> list -> pass (new version held): p50 {Percentile(latencies, 0.5):F2} s, p99 {Percentile(latencies, 0.99):F2} s, max {(latencies.Length == 0 ? 0 : latencies[^1]):F2} s");
        Console.WriteLine($"pushes per device: {string.Join(", ", pushes)}; pushes for no device: {Interlocked.Read(ref _unknownPushes)}");
        Console.WriteLine($"answers: list 200 {c.List200}, list 204 {c.List204}, pass 200 {c.Pass200}, pass 304 {c.Pass304}; 5xx {c.Status5xx}, 429 {c.Status429}, other statuses {c.OtherStatus}, " +
            $"timeouts ({options.Patience.TotalSeconds:F0} s) {c.Timeouts}, connection errors {c.ConnectionErrors}; needless 200s (a version the device held) {c.Needless}, " +
            $"200s of an old version {c.Stale}; retries {c.Retries}");
        Console.WriteLine($"checked passes: {c.Checked}, failed checks: {c.CheckFailed}; device requests in flight at most: {c.PeakInFlight} (connections up to {options.Connections})");
        if (options.CpuPids.Count > 0)
            Console.WriteLine($"server CPU (pids {string.Join(',', options.CpuPids)} and their children) from the change to the last device: {serverCpu:F1} s = {serverCpu / toLast:F2} cores busy of {Environment.ProcessorCount}; " +
                $"{serverCpu * 1000 / Math.Max(1, held.Count):F2} ms per device");
        Console.WriteLine($"driver CPU (devices, APNs stand-in, checks) meanwhile: {driverCpu:F1} s = {driverCpu / toLast:F2} cores");
    }

    private async Task IssueAsync(string group, int count)
    {
        (await _issuer.PutAsync($"api/groups/{group}", Json(new { templateId = options.Template, fields = new { gate = "1" } }))).EnsureSuccessStatusCode();
        var lines = new StringBuilder();
        for (var i = 0; i < count; i++)
            lines.Append(JsonSerializer.Serialize(new { templateId = options.Template, groupId = group, serialNumber = $"{group}-{i}" })).Append('\n');
        using var posted = await _issuer.PostAsync("api/passes/batch", new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson"));
        posted.EnsureSuccessStatusCode();
        var jobId = (await posted.Content.ReadFromJsonAsync<JsonObject>())!["jobId"]!.GetValue<string>();
        JsonObject job;
        while ((job = (await _issuer.GetFromJsonAsync<JsonObject>($"api/jobs/{jobId}"))!)["state"]!.GetValue<string>() != "completed")
            await Task.Delay(500);
        var text = job.ToJsonString();
        Console.WriteLine($"setup: batch job {(text.Length > 200 ? text[..200] : text)}");
    }

    /// <summary>Each device as Wallet installs a pass: download it (for its token), register with a push token, list (for a first tag).</summary>
    private async Task<Device[]> InstallAsync(string group, string run, int count, string? samplePath)
    {
        var devices = new Device[count];
        var failures = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency }, async (i, cancellation) =>
        {
            try
            {
                var serial = $"{group}-{i}";
                var info = await _issuer.GetFromJsonAsync<JsonObject>($"api/passes/{options.PassType}/{serial}", cancellation);
                using var download = await _devices.GetAsync(info!["downloadUrl"]!.GetValue<string>(), cancellation);
                download.EnsureSuccessStatusCode();
                var bytes = await download.Content.ReadAsByteArrayAsync(cancellation);
                if (i == 0 && samplePath is not null)
                    await File.WriteAllBytesAsync(samplePath, bytes, cancellation);
                var (passJson, manifestHash) = Unpack(bytes, bytes.Length);
                var device = new Device(serial, $"herd{run}{i:x8}", $"{i:x8}{RandomNumberGenerator.GetHexString(56, lowercase: true)}",
                    passJson["authenticationToken"]!.GetValue<string>(), new Uri(passJson["webServiceURL"]!.GetValue<string>()))
                {
                    LastModified = download.Content.Headers.LastModified,
                    ManifestHash = manifestHash,
                };
                if (i % options.CheckEvery == 0)
                    Check(bytes, bytes.Length, serial);
                using var register = new HttpRequestMessage(HttpMethod.Post, new Uri(device.WebService, $"v1/devices/{device.Id}/registrations/{options.PassType}/{serial}"))
                {
                    Content = Json(new { pushToken = device.PushToken }),
                };
                register.Headers.TryAddWithoutValidation("Authorization", $"ApplePass {device.AuthenticationToken}");
                using (var registered = await _devices.SendAsync(register, cancellation))
                    if (registered.StatusCode != HttpStatusCode.Created)
                        throw new HttpRequestException($"registration answered {(int)registered.StatusCode}");
                var list = await _devices.GetFromJsonAsync<JsonObject>(new Uri(device.WebService, $"v1/devices/{device.Id}/registrations/{options.PassType}"), cancellation);
                device.Tag = list!["lastUpdated"]!.GetValue<string>();
                devices[i] = device;
                _byToken[device.PushToken] = device;
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or InvalidDataException)
            {
                if (Interlocked.Increment(ref failures) <= 5)
                    Console.WriteLine($"setup: device {i} failed: {e.Message}");
            }
        });
        if (failures > 0)
            throw new InvalidOperationException($"{failures} devices could not be installed");
        Console.WriteLine($"setup: checks of installed passes of {group}: {_counters.Checked}, failed: {_counters.CheckFailed}");
        return devices;
    }

    /// <summary>The server's JIT and GC totals from its Prometheus endpoint (the issuer key reads it); null when it does not answer.</summary>
    private async Task<RuntimeFigures?> ServerRuntimeAsync()
    {
        try
        {
            var text = await _issuer.GetStringAsync("metrics");
            double Sum(string name, string? label = null) => text.Split('\n')
                .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && (label is null || l.Contains(label, StringComparison.Ordinal)))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            return new RuntimeFigures(Sum("dotnet_jit_compilation_time_seconds_total"), Sum("dotnet_gc_pause_time_seconds_total"),
                (long)Sum("dotnet_gc_collections_total", "\"gen0\""), (long)Sum("dotnet_gc_collections_total", "\"gen1\""), (long)Sum("dotnet_gc_collections_total", "\"gen2\""));
        }
        catch (Exception e) when (e is HttpRequestException or FormatException)
        {
            return null;
        }
    }

    private static RuntimeFigures DriverRuntime() => new(System.Runtime.JitInfo.GetCompilationTime().TotalSeconds, GC.GetTotalPauseDuration().TotalSeconds,
        GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    private sealed record RuntimeFigures(double JitSeconds, double GcPauseSeconds, long Gen0, long Gen1, long Gen2)
    {
        public static RuntimeFigures? operator -(RuntimeFigures? after, RuntimeFigures? before) => after is null || before is null ? null
            : new(after.JitSeconds - before.JitSeconds, after.GcPauseSeconds - before.GcPauseSeconds, after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2);

        public override string ToString() => $"JIT {JitSeconds:F2} s, GC pauses {GcPauseSeconds:F2} s, collections gen0 {Gen0} / gen1 {Gen1} / gen2 {Gen2}";
    }

    /// <summary>
    /// N × (one signature + sending the pass's bytes) over the cores: N / signatures per second of all cores + N / bare
    /// Kestrel's transfer rate of the same bytes. Both are measured before the herd and again after it, and the floor
    /// takes the median of each: the machine's speed drifts by a third within minutes, and one reading of a few seconds
    /// taken in a slow moment (or a fast one) would move the ratio more than most changes to the server do.
    /// </summary>
    private async Task<double> FloorAsync(IReadOnlyList<double> transferBefore, double signingBefore)
    {
        var n = options.Devices;
        await QuietServerAsync();
        var transferAfter = await TransferRatesAsync();
        double[] signing = [signingBefore, await SignaturesPerSecondAsync()];
        var signRate = Median(signing);
        var transferRate = Median([.. transferBefore, .. transferAfter]);
        var sign = signRate > 0 ? n / signRate : 0;
        var transfer = transferRate > 0 ? n / transferRate : 0;
        Console.WriteLine($"floor: signing {n} / {signRate:F0} signatures/s (openssl speed rsa2048, all cores; before and after the herd: {Rates(signing)}) = {sign:F2} s; " +
            $"sending {n} × {new FileInfo(options.SamplePath).Length:N0} bytes / {transferRate:F0} passes/s (bare Kestrel, this driver's client, 16 in flight; " +
            $"median of {Rates(transferBefore)} before and {Rates(transferAfter)} after) = {transfer:F2} s; floor {sign + transfer:F2} s");
        return sign + transfer;

        static string Rates(IEnumerable<double> rates) => string.Join(" / ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Waits (at most 30 s) until the server spends under a tenth of a core: after the setup and after the herd it finishes
    /// work of its own (writes, compilation, collections) for a while, and a floor measured meanwhile would measure that
    /// work, not the machine.
    /// </summary>
    private async Task QuietServerAsync()
    {
        if (options.CpuPids.Count == 0)
            return;
        var waited = Stopwatch.StartNew();
        var last = CpuSeconds(options.CpuPids);
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = CpuSeconds(options.CpuPids);
            var busy = now - last;
            last = now;
            if (busy < 0.1)
                break;
        }
        Console.WriteLine($"floor: the server was quiet (under a tenth of a core) after {waited.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>Passes a second the bare Kestrel sends to this driver's client, in five rounds of two seconds after a warm-up second.</summary>
    private async Task<IReadOnlyList<double>> TransferRatesAsync()
    {
        if (options.Bare is not { } bare)
            return [];
        var url = new Uri(bare, "pkpass");
        var expected = new FileInfo(options.SamplePath).Length;
        await TransferAsync(url, TimeSpan.FromSeconds(1), expected); // warm-up
        var rates = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            var (count, elapsed) = await TransferAsync(url, TimeSpan.FromSeconds(2), expected);
            rates.Add(count / elapsed);
        }
        return rates;
    }

    /// <summary>RSA-2048 signatures a second of all cores now (openssl speed -multi, three seconds).</summary>
    private static async Task<double> SignaturesPerSecondAsync()
    {
        var start = new ProcessStartInfo("openssl", $"speed -seconds 3 -multi {Environment.ProcessorCount} rsa2048")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var openssl = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var stderr = openssl.StandardError.ReadToEndAsync();
        var output = await openssl.StandardOutput.ReadToEndAsync();
        await openssl.WaitForExitAsync();
        await stderr;
        // "rsa 2048 bits 0.000299s 0.000009s   3344.8 107142.9": signatures/s is the second figure from the end.
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("rsa 2048 bits", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("openssl speed printed no rsa 2048 line");
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return double.Parse(fields[^2], CultureInfo.InvariantCulture);
    }

    private static double Median(double[] values)
    {
        if (values.Length == 0)
            return 0;
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private async Task<(long Count, double Seconds)> TransferAsync(Uri url, TimeSpan duration, long expected)
    {
        long count = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 16), async (_, cancellation) =>
        {
            while (watch.Elapsed < duration)
            {
                using var response = await _devices.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation);
                response.EnsureSuccessStatusCode();
                var (buffer, length) = await ReadBodyAsync(response, cancellation);
                _bodies.Return(buffer);
                if (length != expected)
                    throw new InvalidOperationException($"bare Kestrel sent {length} bytes, not {expected}");
                Interlocked.Increment(ref count);
            }
        });
        return (count, watch.Elapsed.TotalSeconds);
    }

    private void OnPush(string token)
    {
        if (!_byToken.TryGetValue(token, out var device))
        {
            Interlocked.Increment(ref _unknownPushes);
            return;
        }
        var now = _clock.ElapsedTicks;
        if (Interlocked.Increment(ref device.Pushes) == 1)
            device.FirstPushTicks = now;
        lock (device)
        {
            if (device.Busy)
            {
                device.Again = true; // Wallet coalesces: one more sync after the one running
                return;
            }
            device.Busy = true;
        }
        _ = Task.Run(() => SyncLoopAsync(device));
    }

    private async Task SyncLoopAsync(Device device)
    {
        while (true)
        {
            try
            {
                await SyncAsync(device);
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or InvalidDataException or InvalidOperationException)
            {
                Interlocked.Increment(ref _counters.OtherStatus);
                Console.WriteLine($"device {device.Id}: {e.Message}");
            }
            lock (device)
            {
                if (!device.Again)
                {
                    device.Busy = false;
                    return;
                }
                device.Again = false;
            }
        }
    }

    /// <summary>What Wallet does on a push: list what changed since its tag, fetch each listed pass, keep the new tag.</summary>
    private async Task SyncAsync(Device device)
    {
        var listUrl = new Uri(device.WebService, $"v1/devices/{device.Id}/registrations/{options.PassType}?passesUpdatedSince={Uri.EscapeDataString(device.Tag)}");
        var listed = await WithRetries<(List<string> Serials, string? Tag)>(() => new HttpRequestMessage(HttpMethod.Get, listUrl), async (response, cancellation) =>
        {
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                Interlocked.Increment(ref _counters.List204);
                return ([], null);
            }
            if (response.StatusCode != HttpStatusCode.OK)
                return null;
            Interlocked.Increment(ref _counters.List200);
            var body = (await response.Content.ReadFromJsonAsync<JsonObject>(cancellation))!;
            return (body["serialNumbers"]!.AsArray().Select(s => s!.GetValue<string>()).ToList(), body["lastUpdated"]!.GetValue<string>());
        });
        if (listed is not { } list)
            return;
        foreach (var serial in list.Serials)
        {
            var passUrl = new Uri(device.WebService, $"v1/passes/{options.PassType}/{serial}");
            var fetched = await WithRetries<bool>(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, passUrl);
                request.Headers.TryAddWithoutValidation("Authorization", $"ApplePass {device.AuthenticationToken}");
                if (device.LastModified is { } held)
                    request.Headers.IfModifiedSince = held;
                return request;
            }, async (response, cancellation) =>
            {
                if (response.StatusCode == HttpStatusCode.NotModified)
                {
                    Interlocked.Increment(ref _counters.Pass304);
                    return true;
                }
                if (response.StatusCode != HttpStatusCode.OK)
                    return null;
                var (buffer, length) = await ReadBodyAsync(response, cancellation);
                try
                {
                    Interlocked.Increment(ref _counters.Pass200);
                    var (passJson, manifestHash) = Unpack(buffer, length);
                    if (manifestHash.AsSpan().SequenceEqual(device.ManifestHash))
                        Interlocked.Increment(ref _counters.Needless);
                    if (Interlocked.Increment(ref _counters.Downloads) % options.CheckEvery == 0)
                        Check(buffer, length, serial);
                    device.ManifestHash = manifestHash;
                    device.LastModified = response.Content.Headers.LastModified;
                    if (Gate(passJson) == _expectedGate)
                    {
                        if (device.HeldNewTicks == 0)
                            device.HeldNewTicks = _clock.ElapsedTicks;
                    }
                    else
                        Interlocked.Increment(ref _counters.Stale);
                    return true;
                }
                finally
                {
                    _bodies.Return(buffer);
                }
            });
            if (fetched is null)
                return; // gave up past the deadline; the tag is not moved, as Wallet keeps it until the passes are fetched
        }
        if (list.Tag is not null)
            device.Tag = list.Tag;
    }

    /// <summary>
    /// Sends until an answer <paramref name="read"/> accepts (non-null): a 5xx or 429 waits its Retry-After (5 s without one), a
    /// request past the device's patience or a broken connection waits 5 s, all counted; gives up (null) at the deadline.
    /// </summary>
    private async Task<T?> WithRetries<T>(Func<HttpRequestMessage> request, Func<HttpResponseMessage, CancellationToken, Task<T?>> read) where T : struct
    {
        while (true)
        {
            TimeSpan wait;
            using (var patience = new CancellationTokenSource(options.Patience))
            {
                var inFlight = Interlocked.Increment(ref _inFlight);
                for (var peak = Interlocked.Read(ref _counters.PeakInFlight); inFlight > peak; peak = Interlocked.Read(ref _counters.PeakInFlight))
                    Interlocked.CompareExchange(ref _counters.PeakInFlight, inFlight, peak);
                try
                {
                    using var message = request();
                    using var response = await _devices.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, patience.Token);
                    var status = (int)response.StatusCode;
                    if (await read(response, patience.Token) is { } result)
                        return result;
                    if (status >= 500)
                        Interlocked.Increment(ref _counters.Status5xx);
                    else if (status == 429)
                        Interlocked.Increment(ref _counters.Status429);
                    else
                    {
                        Interlocked.Increment(ref _counters.OtherStatus);
                        Console.WriteLine($"unexpected {status} for {message.RequestUri}");
                    }
                    wait = RetryAfter(response) ?? DefaultRetry;
                }
                catch (OperationCanceledException) when (patience.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _counters.Timeouts);
                    wait = DefaultRetry;
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    Interlocked.Increment(ref _counters.ConnectionErrors);
                    wait = DefaultRetry;
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
            if (Seconds(_clock.ElapsedTicks - Volatile.Read(ref _changeTicks)) + wait.TotalSeconds > options.Deadline.TotalSeconds)
                return null;
            Interlocked.Increment(ref _counters.Retries);
            await Task.Delay(wait);
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    private async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        var expected = response.Content.Headers.ContentLength ?? throw new InvalidDataException("a pass without Content-Length");
        var buffer = _bodies.Rent((int)expected);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellation);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, (int)expected), cancellation);
            return (buffer, (int)expected);
        }
        catch
        {
            _bodies.Return(buffer);
            throw;
        }
    }

    /// <summary>pass.json, and a hash of manifest.json: the same manifest is the same version (it hashes every file, pass.json included).</summary>
    private static (JsonObject PassJson, byte[] ManifestHash) Unpack(byte[] buffer, int length)
    {
        using var zip = new ZipArchive(new MemoryStream(buffer, 0, length, writable: false), ZipArchiveMode.Read);
        using var passStream = (zip.GetEntry("pass.json") ?? throw new InvalidDataException("no pass.json")).Open();
        var passJson = JsonNode.Parse(passStream)!.AsObject();
        using var manifest = (zip.GetEntry("manifest.json") ?? throw new InvalidDataException("no manifest.json")).Open();
        return (passJson, SHA256.HashData(manifest));
    }

    private void Check(byte[] buffer, int length, string serial)
    {
        Interlocked.Increment(ref _counters.Checked);
        var errors = PassVerifier.Verify(buffer.AsSpan(0, length), _wwdr, options: new PassValidationOptions { AllowHttpWebService = true })
            .Where(p => p.IsError).ToList();
        if (errors.Count == 0)
            return;
        Interlocked.Increment(ref _counters.CheckFailed);
        if (Interlocked.Increment(ref _verifyReported) <= 3)
            Console.WriteLine($"check of {serial} failed: {string.Join("; ", errors.Select(e => e.ToString()))}");
    }

    /// <summary>The value of the field keyed "gate", wherever the style puts it.</summary>
    private static string? Gate(JsonNode? node) => node switch
    {
        JsonObject o when o["key"]?.GetValue<string>() == "gate" => o["value"]?.ToString(),
        JsonObject o => o.Select(p => Gate(p.Value)).FirstOrDefault(v => v is not null),
        JsonArray a => a.Select(Gate).FirstOrDefault(v => v is not null),
        _ => null,
    };

    /// <summary>utime + stime of each process and of its children (waited-for and live ones) from /proc, in seconds.</summary>
    private static double CpuSeconds(IReadOnlyList<int> pids)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || Stat(pid) is not { } fields)
                continue;
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (!parents.TryGetValue(parent, out var children))
                parents[parent] = children = [];
            children.Add(pid);
        }
        const double ticksPerSecond = 100; // USER_HZ of Linux on x86-64 and arm64
        double total = 0;
        var seen = new HashSet<int>();
        var pending = new Stack<int>(pids);
        while (pending.TryPop(out var pid))
        {
            if (!seen.Add(pid) || Stat(pid) is not { } fields)
                continue;
            // after the command's closing parenthesis: [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime
            total += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / ticksPerSecond;
            foreach (var child in parents.GetValueOrDefault(pid) ?? [])
                pending.Push(child);
        }
        return total;
    }

    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public void Dispose()
    {
        _issuer.Dispose();
        _devices.Dispose();
    }

    private sealed class Device(string serial, string id, string pushToken, string authenticationToken, Uri webService)
    {
        public string Serial { get; } = serial;
        public string Id { get; } = id;
        public string PushToken { get; } = pushToken;
        public string AuthenticationToken { get; } = authenticationToken;
        public Uri WebService { get; } = webService;
        public string Tag { get; set; } = "";
        public DateTimeOffset? LastModified { get; set; }
        public byte[] ManifestHash { get; set; } = [];
        public int Pushes;
        public long FirstPushTicks;
        public long HeldNewTicks;
        public bool Busy;
        public bool Again;
    }

    private sealed class Counters
    {
        public long List200, List204, Pass200, Pass304, Status5xx, Status429, OtherStatus, Timeouts, ConnectionErrors, Needless, Stale, Retries, Checked, CheckFailed, Downloads, PeakInFlight;

        public void Reset()
        {
            List200 = List204 = Pass200 = Pass304 = Status5xx = Status429 = OtherStatus = Timeouts = ConnectionErrors = Needless = Stale = Retries = Checked = CheckFailed = Downloads = PeakInFlight = 0;
        }
    }
}
