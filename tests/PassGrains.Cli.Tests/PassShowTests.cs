using System.Text.Json.Nodes;
using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary><c>passgrains pass show</c>: what the server knows of one pass.</summary>
[Collection(RunningServer.Name)]
public sealed class PassShowTests(ServerFixture server)
{
    [Fact]
    public async Task Pass_show_prints_the_version_and_the_registered_devices()
    {
        var serial = ServerFixture.UniquePrefix("show");
        await server.IssueAsync(new { templateId = ServerFixture.Template, serialNumber = serial });
        await server.RegisterDeviceAsync(serial);

        var result = await server.RunCliAsync("pass", "show", ServerSettings.PassType, serial);

        Expect.Exit(result, 0);
        var values = result.StdoutLines.Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        Assert.Equal("1", values["version"]);
        Assert.Equal("1", values["devices"]);
        Assert.Equal("false", values["voided"]);
        Assert.Equal(serial, values["serialNumber"]);
        Assert.Matches("^[0-9]+$", values["lastUpdated"]);
        Assert.True(DateTimeOffset.TryParse(values["lastModified"], System.Globalization.CultureInfo.InvariantCulture, out _), result.ToString());
        Assert.Matches("^[0-9]+$", values["owedPushes"]);
    }

    [Fact]
    public async Task Pass_show_json_prints_the_servers_answer()
    {
        var serial = ServerFixture.UniquePrefix("json");
        await server.IssueAsync(new { templateId = ServerFixture.Template, serialNumber = serial });

        var result = await server.RunCliAsync("pass", "show", ServerSettings.PassType, serial, "--json");

        Expect.Exit(result, 0);
        var pass = JsonNode.Parse(result.Stdout)!.AsObject();
        Assert.Equal(serial, pass["serialNumber"]!.GetValue<string>());
        Assert.Equal(0, pass["devices"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_unknown_pass_is_a_clear_404()
    {
        var result = await server.RunCliAsync("pass", "show", ServerSettings.PassType, "no-such-pass");

        Expect.Exit(result, 1);
        Assert.Contains("error: not found (404", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no-such-pass", result.Stderr, StringComparison.Ordinal);
    }
}
