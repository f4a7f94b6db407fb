using System.Globalization;
using System.Text.RegularExpressions;
using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

public sealed partial class BenchTests(DevChainFixture chains) : IClassFixture<DevChainFixture>
{
    [GeneratedRegex(@"^signed passes/s: (?<rate>[0-9]+(\.[0-9]+)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex RateLine();

    [Fact]
    public async Task Bench_sign_prints_a_positive_signing_rate()
    {
        var result = await CliProcess.RunAsync("bench", "sign", "--model", TestPaths.Model("small"), "--cert", chains.Main.P12,
            "--password", chains.Main.Password, "--wwdr", chains.Main.Wwdr, "--seconds", "1", "--threads", "1");

        Expect.Exit(result, 0);
        var line = Assert.Single(result.StdoutLines, l => RateLine().IsMatch(l));
        var rate = double.Parse(RateLine().Match(line).Groups["rate"].Value, CultureInfo.InvariantCulture);
        Assert.True(rate > 0, $"the rate is {rate}{Environment.NewLine}{result}");
    }

}
