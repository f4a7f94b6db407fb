using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary><c>passgrains logs</c>: what devices sent to /v1/log, newest first.</summary>
[Collection(RunningServer.Name)]
public sealed class LogsTests(ServerFixture server)
{
    [Fact]
    public async Task Logs_shows_device_messages_newest_first()
    {
        var marker = ServerFixture.UniquePrefix("log");
        await server.PostDeviceLogAsync($"{marker} older");
        await server.PostDeviceLogAsync($"{marker} newer");

        var result = await server.RunCliAsync("logs", "--limit", "2");

        Expect.Exit(result, 0);
        Assert.Equal(2, result.StdoutLines.Count);
        Assert.EndsWith($"{marker} newer", result.StdoutLines[0], StringComparison.Ordinal);
        Assert.EndsWith($"{marker} older", result.StdoutLines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_limit_out_of_range_is_a_usage_error()
    {
        Expect.Exit(await server.RunCliAsync("logs", "--limit", "0"), 2);
    }
}
