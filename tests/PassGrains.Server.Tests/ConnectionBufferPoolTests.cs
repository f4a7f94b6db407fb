using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PassGrains.Server.Http;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// Kestrel's connections take their buffers from <see cref="ConnectionBufferPool"/>: a pass of mostly images goes out in
/// the pool's blocks, and the blocks one download returns are the ones the next download sends from, up to what the pool keeps.
/// </summary>
public sealed class ConnectionBufferPoolTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_large_pass_is_sent_from_the_servers_pool_and_the_next_download_reuses_its_blocks()
    {
        var (pool, downloadUrl, first, blocksOfAPass) = await FirstDownloadAsync("pooled");
        // Kestrel's own pool would leave this one empty. The last blocks come back once the socket has sent them, which may
        // be a moment after the client has read them.
        var afterFirst = await RetainedAtLeastAsync(pool, blocksOfAPass - 1);

        for (var i = 0; i < 5; i++)
            Assert.Equal(first, await DownloadAsync(server.Client, downloadUrl));
        // Allocated anew, five downloads would have added five passes' worth of blocks; reused, the pool holds about what it
        // held (at most one pass more, should a download start before the last one's blocks are back).
        Assert.InRange(pool.RetainedBlocks, afterFirst - 2, afterFirst + blocksOfAPass);
    }

    [Fact]
    public async Task The_operator_sees_what_the_pool_lends_keeps_and_has_allocated_on_metrics()
    {
        var (pool, _, pass, blocksOfAPass) = await FirstDownloadAsync("metered");
        await RetainedAtLeastAsync(pool, blocksOfAPass - 1);

        using var scraped = await server.Client.SendAsync(HttpMethod.Get, "metrics");
        var metrics = await Expect.Status(scraped, HttpStatusCode.OK);
        var lent = Bytes(metrics, "passgrains_connection_buffers_in_use");
        var kept = Bytes(metrics, "passgrains_connection_buffers_retained");
        var allocated = Bytes(metrics, "passgrains_connection_buffers_allocated");
        // A pass's worth of blocks came back after its download; this scrape's own answer may hold a few meanwhile.
        Assert.True(kept >= (blocksOfAPass - 1L) * pool.BlockSize, $"retained {kept} bytes after a download of {pass.Length}");
        Assert.True(allocated >= kept + lent, $"allocated {allocated} bytes, fewer than the {kept} kept and {lent} lent");
        Assert.Equal(0, lent % pool.BlockSize);
    }

    [Fact]
    public void Returned_blocks_are_kept_up_to_the_configured_memory_and_handed_out_again()
    {
        var pool = new ConnectionBufferPool(new ConnectionBufferOptions { RetainedMegabytes = 1, BlockKilobytes = 64 });
        Assert.Equal(64 * 1024, pool.BlockSize);
        var keep = 1024 * 1024 / pool.BlockSize;
        var rented = Enumerable.Range(0, keep * 3).Select(_ => pool.Rent()).ToList();
        Assert.All(rented, block => Assert.Equal(pool.BlockSize, block.Memory.Length));
        Assert.Equal(0, pool.RetainedBlocks);
        Assert.Equal(keep * 3, pool.InUseBlocks);
        Assert.Equal(keep * 3, pool.AllocatedBlocks);

        foreach (var block in rented)
            block.Dispose();
        Assert.Equal(keep, pool.RetainedBlocks);
        Assert.Equal(0, pool.InUseBlocks);

        var again = Enumerable.Range(0, keep).Select(_ => pool.Rent()).ToList();
        Assert.All(again, block => Assert.Contains(rented, r => ReferenceEquals(r, block)));
        Assert.Equal(0, pool.RetainedBlocks);
        Assert.Equal(keep, pool.InUseBlocks);
        Assert.Equal(keep * 3, pool.AllocatedBlocks);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(pool.BlockSize + 1));
    }

    [Fact]
    public void A_pool_that_keeps_nothing_still_lends_blocks()
    {
        var pool = new ConnectionBufferPool(new ConnectionBufferOptions { RetainedMegabytes = 0 });
        var block = pool.Rent(100);
        block.Memory.Span.Fill(7);
        block.Dispose();
        Assert.Equal(0, pool.RetainedBlocks);
        Assert.NotSame(block, pool.Rent());
    }

    [Theory]
    [InlineData("PassGrains:ConnectionBuffers:BlockKilobytes", "128", "PassGrains:ConnectionBuffers:BlockKilobytes must be 4, 8, 16, 32 or 64")]
    [InlineData("PassGrains:ConnectionBuffers:BlockKilobytes", "12", "PassGrains:ConnectionBuffers:BlockKilobytes must be 4, 8, 16, 32 or 64")]
    [InlineData("PassGrains:ConnectionBuffers:RetainedMegabytes", "-1", "PassGrains:ConnectionBuffers:RetainedMegabytes must be between 0 and 65536")]
    public async Task A_server_with_an_impossible_buffer_setting_does_not_start_and_names_it(string setting, string value, string message) =>
        Assert.Contains(message, await TestServer.RefusalOfAsync(setting, value), StringComparison.Ordinal);

    /// <summary>A pass of event.pass (mostly images) issued and downloaded once, and how many of the pool's blocks it spans.</summary>
    private async Task<(ConnectionBufferPool Pool, string DownloadUrl, byte[] Pass, int BlocksOfAPass)> FirstDownloadAsync(string serialPrefix)
    {
        var client = server.Client;
        using (var upload = await client.UploadTemplateAsync("event", ModelZip.FromFolder(TestEnvironment.Model("event"))))
            Assert.True(upload.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"template upload answered {upload.StatusCode}");
        var issued = await client.IssueAsync(new { templateId = "event", serialNumber = TestEnvironment.UniqueId(serialPrefix) });
        var pool = server.Services.GetRequiredService<ConnectionBufferPool>();
        var pass = await DownloadAsync(client, issued.DownloadUrl);
        var blocksOfAPass = (int)((pass.Length + pool.BlockSize - 1) / pool.BlockSize);
        Assert.True(blocksOfAPass >= 10, $"event.pass is {pass.Length} bytes: too small to tell blocks apart");
        return (pool, issued.DownloadUrl, pass, blocksOfAPass);
    }

    private static async Task<byte[]> DownloadAsync(PassGrainsClient client, string url)
    {
        using var response = await client.Http.GetAsync(new Uri(url));
        await Expect.Status(response, HttpStatusCode.OK);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(TestEnvironment.PassType, (string?)PassPackage.Read(bytes).PassJson["passTypeIdentifier"]);
        return bytes;
    }

    /// <summary>The value of one of the pool's instruments in the Prometheus text (by unit "By" it ends in _bytes, a counter in _bytes_total).</summary>
    private static long Bytes(string metrics, string name)
    {
        var line = Regex.Match(metrics, $@"^{name}_bytes(?:_total)?(?:\{{[^}}]*\}})? (\S+)", RegexOptions.Multiline);
        Assert.True(line.Success, $"/metrics has no {name}_bytes");
        return (long)double.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<int> RetainedAtLeastAsync(ConnectionBufferPool pool, int blocks)
    {
        var until = DateTime.UtcNow + Patience;
        while (pool.RetainedBlocks < blocks)
        {
            Assert.True(DateTime.UtcNow < until, $"the pool kept {pool.RetainedBlocks} blocks, not the {blocks} a download of the pass sends from");
            await Task.Delay(10);
        }
        return pool.RetainedBlocks;
    }
}
