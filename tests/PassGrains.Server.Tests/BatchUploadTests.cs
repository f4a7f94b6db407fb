using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
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

    /// <summary>Stored chunks of uploads whose lines hold <paramref name="marker"/> (their lines are JSON text in the row).</summary>
    private int StoredChunks(string marker)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.Settings.DataDirectory, "passgrains.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'batchchunk' AND PayloadBinary IS NOT NULL AND CAST(PayloadBinary AS TEXT) LIKE $marker";
        command.Parameters.AddWithValue("$marker", $"%{marker}%");
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task An_upload_abandoned_midway_leaves_no_file_behind()
    {
        // Uploads are stored in the grain storage as they stream in (chunks of 200 lines): what is left of an abandoned one is
        // no file, and no chunk holding its lines.
        var marker = TestEnvironment.UniqueId("abandoned");
        Assert.Equal(0, StoredChunks(marker));

        // A client that announces 10 MB, sends 300 lines (one chunk's worth is stored) and hangs up.
        var uri = new Uri(server.Settings.BaseUrl);
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(uri.Host, uri.Port);
            var stream = client.GetStream();
            var head = $"POST /api/passes/batch HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Bearer {TestEnvironment.ApiKey}\r\n"
                + "Content-Type: application/x-ndjson\r\nContent-Length: 10485760\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            var lines = string.Concat(Enumerable.Range(1, 300).Select(i => $"{{\"templateId\":\"{InProcessServerFixture.BoardingTemplate}\",\"serialNumber\":\"{marker}-{i}\"}}\n"));
            await stream.WriteAsync(Encoding.ASCII.GetBytes(lines));
            await stream.FlushAsync();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (StoredChunks(marker) == 0 && DateTime.UtcNow < until)
                await Task.Delay(20);
            Assert.True(StoredChunks(marker) > 0, "the upload was being stored");
            Assert.False(Directory.Exists(Path.Combine(server.Settings.DataDirectory, "jobs")), "uploads are not files of the silo");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (StoredChunks(marker) > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal(0, StoredChunks(marker));
        // And no job was made of it: no pass of its lines exists.
        using var pass = await server.Client.SendAsync(HttpMethod.Get, $"api/passes/{TestEnvironment.PassType}/{marker}-1");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, pass.StatusCode);
    }
}
