using System.Net;
using System.Text;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>Batch uploads larger than Kestrel's default 30 MB body limit are taken (the batch endpoint has its own limit).</summary>
public sealed class BatchUploadTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    [Fact]
    public async Task A_batch_of_more_than_30_MB_is_accepted_and_issued()
    {
        var serial = TestEnvironment.UniqueId("big");
        // One valid line padded with JSON whitespace to 31 MB, so the upload is large but the work small.
        var line = new StringBuilder("{\"templateId\":\"").Append(InProcessServerFixture.BoardingTemplate).Append("\",")
            .Append(' ', 31 * 1024 * 1024)
            .Append("\"serialNumber\":\"").Append(serial).Append("\"}\n").ToString();
        using var content = new StringContent(line, Encoding.UTF8, "application/x-ndjson");
        using var response = await server.Client.SendAsync(HttpMethod.Post, "api/passes/batch", content);
        var body = await Expect.Json(response, HttpStatusCode.Accepted);
        var job = body.GetProperty("jobId").GetString();

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement status = default;
        while (DateTime.UtcNow < until)
        {
            using var poll = await server.Client.SendAsync(HttpMethod.Get, $"api/jobs/{job}");
            status = await Expect.Json(poll, HttpStatusCode.OK);
            if (status.GetProperty("state").GetString() == "completed")
                break;
            await Task.Delay(100);
        }
        Assert.Equal("completed", status.GetProperty("state").GetString());
        Assert.Equal(1, status.GetProperty("done").GetInt32());
        Assert.Equal(TestEnvironment.PassType, (await server.Client.GetPassInfoAsync(TestEnvironment.PassType, serial)).GetProperty("passTypeIdentifier").GetString());
    }

    [Fact]
    public async Task An_upload_abandoned_midway_leaves_no_file_behind()
    {
        var jobs = Path.Combine(server.Settings.DataDirectory, "jobs");
        bool Partial() => Directory.Exists(jobs) && Directory.EnumerateFiles(jobs, "*.part").Any();
        Assert.False(Partial());

        // A client that announces 10 MB, sends one and hangs up.
        var uri = new Uri(server.Settings.BaseUrl);
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(uri.Host, uri.Port);
            var stream = client.GetStream();
            var head = $"POST /api/passes/batch HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Bearer {TestEnvironment.ApiKey}\r\n"
                + "Content-Type: application/x-ndjson\r\nContent-Length: 10485760\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
            for (var sent = 0; sent < 1024 * 1024; sent += chunk.Length)
                await stream.WriteAsync(chunk);
            await stream.FlushAsync();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!Partial() && DateTime.UtcNow < until)
                await Task.Delay(20);
            Assert.True(Partial(), "the upload was being written");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Partial() && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.False(Partial(), "an abandoned upload left its partial file behind");
    }
}
