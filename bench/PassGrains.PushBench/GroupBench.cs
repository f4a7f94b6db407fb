using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>
/// The group fan-out benchmark through a running server: N passes in one group, each installed on its
/// own device (downloaded for its token, registered with a push token), then one group change, timed
/// until the APNs stand-in has received a push for every device.
/// </summary>
internal static class GroupBench
{
    public static async Task<int> RunAsync(Uri server, string apiKey, string passType, string template, int devices, Uri stats, string? existingGroup, string serialPrefix)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var plain = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var group = existingGroup ?? $"bench-{DateTime.UtcNow:HHmmss}";
        string Serial(int i) => existingGroup is null ? $"{group}-{i}" : $"{serialPrefix}{i}";
        var stopwatch = Stopwatch.StartNew();
        if (existingGroup is null)
            await IssueAsync(http, group, template, devices, stopwatch);

        stopwatch.Restart();
        var failures = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, devices), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, cancellation) =>
        {
            var serial = Serial(i);
            var info = await http.GetFromJsonAsync<JsonObject>($"api/passes/{passType}/{serial}", cancellation);
            var bytes = await plain.GetByteArrayAsync(info!["downloadUrl"]!.GetValue<string>(), cancellation);
            using var zip = new ZipArchive(new MemoryStream(bytes));
            using var passJson = zip.GetEntry("pass.json")!.Open();
            var pass = (await JsonNode.ParseAsync(passJson, cancellationToken: cancellation))!;
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(pass["webServiceURL"]!.GetValue<string>()), $"v1/devices/benchdevice{i:x8}/registrations/{passType}/{serial}"))
            {
                Content = Json(new { pushToken = $"{i:x8}{Guid.NewGuid():N}" }),
            };
            request.Headers.TryAddWithoutValidation("Authorization", $"ApplePass {pass["authenticationToken"]!.GetValue<string>()}");
            using var response = await plain.SendAsync(request, cancellation);
            if ((int)response.StatusCode != 201)
                Interlocked.Increment(ref failures);
        });
        Console.WriteLine($"registered {devices} devices ({failures} failed): {stopwatch.Elapsed.TotalSeconds:F1} s");

        var before = long.Parse(await plain.GetStringAsync(stats), System.Globalization.CultureInfo.InvariantCulture);
        stopwatch.Restart();
        (await http.PutAsync($"api/groups/{group}", Json(new { fields = new { gate = "2" } }))).EnsureSuccessStatusCode();
        var accepted = stopwatch.Elapsed;
        long received;
        while ((received = long.Parse(await plain.GetStringAsync(stats), System.Globalization.CultureInfo.InvariantCulture) - before) < devices - failures)
        {
            if (stopwatch.Elapsed > TimeSpan.FromMinutes(5))
                break;
            await Task.Delay(20);
        }
        stopwatch.Stop();
        Console.WriteLine($"group change answered in {accepted.TotalMilliseconds:F0} ms; {received} pushes received by APNs {stopwatch.Elapsed.TotalSeconds:F2} s after the change = {received / stopwatch.Elapsed.TotalSeconds:F0} pushes/s");
        return received >= devices - failures ? 0 : 1;
    }

    private static async Task IssueAsync(HttpClient http, string group, string template, int devices, Stopwatch stopwatch)
    {
        (await http.PutAsync($"api/groups/{group}", Json(new { templateId = template, fields = new { gate = "1" } }))).EnsureSuccessStatusCode();
        var lines = string.Join('\n', Enumerable.Range(0, devices).Select(i => JsonSerializer.Serialize(new { templateId = template, groupId = group, serialNumber = $"{group}-{i}" })));
        var job = await (await http.PostAsync("api/passes/batch", new StringContent(lines, Encoding.UTF8, "application/x-ndjson"))).Content.ReadFromJsonAsync<JsonObject>();
        var jobId = job!["jobId"]!.GetValue<string>();
        while ((await http.GetFromJsonAsync<JsonObject>($"api/jobs/{jobId}"))!["state"]!.GetValue<string>() != "completed")
            await Task.Delay(200);
        Console.WriteLine($"issued {devices} passes in group {group}: {stopwatch.Elapsed.TotalSeconds:F1} s");

    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
