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
}
