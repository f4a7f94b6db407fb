using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary>--server and --api-key, and the environment variables that stand in for them.</summary>
[Collection(RunningServer.Name)]
public sealed class ServerOptionsTests(ServerFixture server)
{
    [Fact]
    public async Task The_environment_gives_server_and_key_when_the_options_are_absent()
    {
        var result = await CliProcess.RunAsync(null, new Dictionary<string, string?>
        {
            ["PASSGRAINS_SERVER"] = server.Settings.BaseUrl,
            ["PASSGRAINS_API_KEY"] = ServerSettings.ApiKey,
        }, null, "certs", "check");

        Expect.Exit(result, 0);
        Assert.Contains(result.StdoutLines, l => l.StartsWith(ServerSettings.PassType, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_options_win_over_the_environment()
    {
        var result = await CliProcess.RunAsync(null, new Dictionary<string, string?>
        {
            ["PASSGRAINS_SERVER"] = "http://127.0.0.1:1/",
            ["PASSGRAINS_API_KEY"] = "wrong-key-from-the-environment",
        }, null, "certs", "check", "--server", server.Settings.BaseUrl, "--api-key", ServerSettings.ApiKey);

        Expect.Exit(result, 0);
    }

    [Theory]
    [InlineData("--server", "PASSGRAINS_SERVER")]
    [InlineData("--api-key", "PASSGRAINS_API_KEY")]
    public async Task Without_server_or_key_it_is_a_usage_error(string missing, string variable)
    {
        string[] arguments = ["logs", .. missing == "--server" ? new[] { "--api-key", "k" } : ["--server", server.Settings.BaseUrl]];

        var result = await CliProcess.RunAsync(arguments);

        Expect.Exit(result, 2);
        Assert.Contains(missing, result.Stderr, StringComparison.Ordinal);
        Assert.Contains(variable, result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("issue")]
    [InlineData("logs")]
    public async Task Help_names_the_environment_variables(string verb)
    {
        var result = await CliProcess.RunAsync(verb, "--help");

        Expect.Exit(result, 0);
        Assert.Contains("PASSGRAINS_SERVER", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("PASSGRAINS_API_KEY", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_not_a_url_is_a_usage_error()
    {
        var result = await CliProcess.RunAsync("logs", "--server", "localhost:5000", "--api-key", "k");

        Expect.Exit(result, 2);
        Assert.Contains("--server 'localhost:5000'", result.Stderr, StringComparison.Ordinal);
    }
}
