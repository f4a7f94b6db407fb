using PassGrains.Cli.Tests.Infrastructure;
using PassGrains.Packaging.Signing;

namespace PassGrains.Cli.Tests;

/// <summary><c>passgrains certs check</c> against a server's pass types.</summary>
[Collection(RunningServer.Name)]
public sealed class CertsCheckTests(ServerFixture server)
{
    private int DaysLeft() => PassCertificateLoader.Load(server.Chain.P12, server.Chain.Password).Info.DaysLeft(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Certs_check_lists_each_pass_type_with_its_days_left()
    {
        var before = DaysLeft();
        var result = await server.RunCliAsync("certs", "check");
        var after = DaysLeft();

        Expect.Exit(result, 0);
        var row = result.StdoutLines.Single(l => l.StartsWith(ServerSettings.PassType, StringComparison.Ordinal) && l.Contains(" pass ", StringComparison.Ordinal));
        var cells = row.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(cells[4], new[] { before.ToString(System.Globalization.CultureInfo.InvariantCulture), after.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal("ok", cells[5]);
        Assert.Contains(result.StdoutLines, l => l.StartsWith(ServerSettings.PassType, StringComparison.Ordinal) && l.Contains(" intermediate ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Certs_check_fails_when_a_certificate_expires_within_warn_days()
    {
        var warn = DaysLeft() + 5;

        var result = await server.RunCliAsync("certs", "check", "--warn-days", warn.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Expect.Exit(result, 1);
        Assert.Contains($"error: the pass certificate of {ServerSettings.PassType} expires in", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"within --warn-days {warn}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(result.StdoutLines, l => l.Contains("renew soon", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_and_p12_together_are_a_usage_error()
    {
        var result = await server.RunCliAsync("certs", "check", "--p12", server.Chain.P12, "--password", server.Chain.Password);

        Expect.Exit(result, 2);
        Assert.Contains("--p12", result.Stderr, StringComparison.Ordinal);
    }
}

/// <summary><c>passgrains certs check --p12</c>: a local certificate, no server.</summary>
public sealed class CertsCheckOfflineTests : IDisposable
{
    private readonly TempDirectory _temp = new("certs-check");

    public void Dispose() => _temp.Dispose();

    private (string P12, string Wwdr) Chain(string name, DateTime? notBefore = null, DateTime? notAfter = null)
    {
        var directory = _temp.Combine(name);
        DevelopmentChain.Create(ServerSettings.PassType, ServerSettings.Team, notBefore, notAfter).WriteTo(directory, "dev");
        return (Path.Combine(directory, "pass.p12"), Path.Combine(directory, "wwdr.pem"));
    }

    [Fact]
    public async Task A_certificate_with_a_year_left_passes()
    {
        var (p12, wwdr) = Chain("year");

        var result = await CliProcess.RunAsync("certs", "check", "--p12", p12, "--password", "dev", "--wwdr", wwdr);

        Expect.Exit(result, 0);
        var row = result.StdoutLines.Single(l => l.StartsWith(ServerSettings.PassType, StringComparison.Ordinal) && l.Contains(" pass ", StringComparison.Ordinal));
        Assert.Matches(@"  36[456]  +ok  ", row);
    }

    [Fact]
    public async Task A_certificate_that_expires_within_warn_days_fails()
    {
        var (p12, wwdr) = Chain("soon", notAfter: DateTime.UtcNow.AddDays(10).AddHours(1));

        var result = await CliProcess.RunAsync("certs", "check", "--p12", p12, "--password", "dev", "--wwdr", wwdr);

        Expect.Exit(result, 1);
        Assert.Contains($"error: the pass certificate of {ServerSettings.PassType} expires in 10 days", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("within --warn-days 30", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_certificate_fails_whatever_warn_days_says()
    {
        var (p12, wwdr) = Chain("expired", DateTime.UtcNow.AddDays(-30), DateTime.UtcNow.AddDays(-2).AddHours(-1));

        var result = await CliProcess.RunAsync("certs", "check", "--p12", p12, "--password", "dev", "--wwdr", wwdr, "--warn-days", "0");

        Expect.Exit(result, 1);
        Assert.Contains("EXPIRED", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"error: the pass certificate of {ServerSettings.PassType} expired 3 days ago", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_says_so()
    {
        var (p12, _) = Chain("password");

        var result = await CliProcess.RunAsync("certs", "check", "--p12", p12, "--password", "wrong");

        Expect.Exit(result, 1);
        Assert.Contains("password is wrong", result.Stderr, StringComparison.Ordinal);
    }
}
