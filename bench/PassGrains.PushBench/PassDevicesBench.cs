using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>
/// One pass held by N devices (a public coupon with one serial number), through a running server: the pass is issued and
/// downloaded once, then N devices register for it through Apple's web service, each timed; then one change of the pass,
/// timed until the APNs stand-in has received a push for every device. Prints the median registration time of an early
/// and of the last window of devices, and their ratio.
/// </summary>
internal static class PassDevicesBench
{
    private const int Window = 100;

    public static async Task<int> RunAsync(Uri server, string apiKey, string passType, string template, int devices, int concurrency, Uri stats, string serial)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var plain = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        (await http.PostAsync("api/passes", Json(new { templateId = template, serialNumber = serial }))).EnsureSuccessStatusCode();
        var info = await http.GetFromJsonAsync<JsonObject>($"api/passes/{passType}/{serial}");
        using var zip = new ZipArchive(new MemoryStream(await plain.GetByteArrayAsync(info!["downloadUrl"]!.GetValue<string>())));
        JsonNode pass;
        using (var passJson = zip.GetEntry("pass.json")!.Open())
            pass = (await JsonNode.ParseAsync(passJson))!;
        var webService = new Uri(pass["webServiceURL"]!.GetValue<string>().TrimEnd('/') + "/");
        var authorization = $"ApplePass {pass["authenticationToken"]!.GetValue<string>()}";

        // Milliseconds per registration, by the device's number (1-based: device 100 is the 100th to register).
        var latencies = new double[devices + 1];
        var failures = 0;
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(1, devices), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, cancellation) =>
        {
            // Wallet-shaped: 32 hex digits of device library id, 64 of push token.
            var device = $"{i:x8}{Guid.NewGuid():N}"[..32];
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(webService, $"v1/devices/{device}/registrations/{passType}/{serial}"))
            {
                Content = Json(new { pushToken = $"{Guid.NewGuid():N}{Guid.NewGuid():N}" }),
            };
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            var started = Stopwatch.GetTimestamp();
            using var response = await plain.SendAsync(request, cancellation);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if ((int)response.StatusCode != 201)
                Interlocked.Increment(ref failures);
        });
        var registering = stopwatch.Elapsed;
        var early = Median(latencies, 50, 50 + Window);
        var late = Median(latencies, devices - Window + 1, devices + 1);
        Console.WriteLine($"registered {devices} devices for {passType}/{serial} ({failures} failed), {concurrency} in flight: {registering.TotalSeconds:F1} s = {devices / registering.TotalSeconds:F0}/s");
        Console.WriteLine($"median registration, devices 50-{49 + Window}: {early:F2} ms; devices {devices - Window + 1}-{devices}: {late:F2} ms; ratio last/early: {late / early:F2}");
        Console.WriteLine($"devices reported by the server: {(await http.GetFromJsonAsync<JsonObject>($"api/passes/{passType}/{serial}"))!["devices"]}");

        var before = await CountAsync(plain, stats);
        stopwatch.Restart();
        (await http.PatchAsync($"api/passes/{passType}/{serial}", Json(new { fields = new { gate = "2" } }))).EnsureSuccessStatusCode();
        var accepted = stopwatch.Elapsed;
        long received;
        while ((received = await CountAsync(plain, stats) - before) < devices - failures && stopwatch.Elapsed < TimeSpan.FromMinutes(5))
            await Task.Delay(20);
        var reached = stopwatch.Elapsed;
        // Once nothing is owed, a push sent twice would have arrived: the count then says whether each device had one.
        while ((await http.GetFromJsonAsync<JsonObject>($"api/passes/{passType}/{serial}"))!["owedPushes"]!.GetValue<int>() > 0 && stopwatch.Elapsed < TimeSpan.FromMinutes(5))
            await Task.Delay(100);
        var total = await CountAsync(plain, stats) - before;
        Console.WriteLine($"change answered in {accepted.TotalMilliseconds:F0} ms; {received} pushes received by APNs {reached.TotalSeconds:F2} s after the change = {received / reached.TotalSeconds:F0} pushes/s; once nothing was owed: {total} pushes for {devices - failures} devices");
        return received >= devices - failures && total == devices - failures ? 0 : 1;
    }

    private static double Median(double[] values, int from, int to)
    {
        var window = values[from..to].Order().ToArray();
        return window.Length % 2 == 1 ? window[window.Length / 2] : (window[(window.Length / 2) - 1] + window[window.Length / 2]) / 2;
    }

    private static async Task<long> CountAsync(HttpClient http, Uri stats) =>
        long.Parse(await http.GetStringAsync(stats), System.Globalization.CultureInfo.InvariantCulture);

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
