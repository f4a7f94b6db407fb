using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary><c>certs dev</c>: the files it writes, checked with openssl.</summary>
public sealed class CertsDevTests
{
    [OpenSslFact]
    public async Task Writes_a_CA_and_a_pass_certificate_for_the_requested_pass_type_and_team()
    {
        using var temp = new TempDirectory("certs");
        var directory = temp.Combine("chain");

        var result = await CliProcess.RunAsync("certs", "dev", "--out", directory, "--pass-type-id", "pass.com.acme.tickets", "--team-id", "QWERTY1234");

        Expect.Exit(result, 0);
        var chain = new DevChain(directory, "dev");
        foreach (var file in new[] { chain.Wwdr, chain.P12, chain.CertificatePem, chain.KeyPem })
            Assert.True(File.Exists(file), $"certs dev did not write {file}{Environment.NewLine}{result}");

        var subject = await OpenSsl.RunAsync(directory, "x509", "-in", "pass.pem", "-noout", "-subject", "-nameopt", "RFC2253");
        Expect.Exit(subject, 0);
        Assert.Contains("UID=pass.com.acme.tickets", subject.Stdout, StringComparison.Ordinal);
        Assert.Contains("OU=QWERTY1234", subject.Stdout, StringComparison.Ordinal);

        var issued = await OpenSsl.RunAsync(directory, "verify", "-CAfile", "wwdr.pem", "pass.pem");
        Assert.True(issued.ExitCode == 0, $"pass.pem is not issued by wwdr.pem{Environment.NewLine}{issued}");

        var certificateKey = await OpenSsl.RunAsync(directory, "x509", "-in", "pass.pem", "-noout", "-pubkey");
        var privateKey = await OpenSsl.RunAsync(directory, "pkey", "-in", "pass.key", "-pubout");
        Expect.Exit(certificateKey, 0);
        Expect.Exit(privateKey, 0);
        Assert.Equal(certificateKey.Stdout.Trim(), privateKey.Stdout.Trim());

        var p12 = await OpenSsl.RunAsync(directory, "pkcs12", "-in", "pass.p12", "-passin", "pass:dev", "-noout");
        Assert.True(p12.ExitCode == 0, $"pass.p12 does not open with the default password 'dev'{Environment.NewLine}{p12}");
    }

    [OpenSslFact]
    public async Task Password_option_protects_the_p12_and_build_uses_it()
    {
        using var temp = new TempDirectory("certs-password");
        var chain = await DevChain.CreateAsync(temp.Combine("chain"), "--password", "s3cret-pw");

        var withDefault = await OpenSsl.RunAsync(chain.Directory, "pkcs12", "-in", "pass.p12", "-passin", "pass:dev", "-noout");
        Assert.NotEqual(0, withDefault.ExitCode);
        var withPassword = await OpenSsl.RunAsync(chain.Directory, "pkcs12", "-in", "pass.p12", "-passin", "pass:s3cret-pw", "-noout");
        Expect.Exit(withPassword, 0);

        var output = temp.Combine("small.pkpass");
        var build = await CliProcess.RunAsync(chain.BuildArguments(TestPaths.Model("small"), "PW-1", output));
        Expect.Exit(build, 0);
        Expect.VerifiedOk(await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chain.Wwdr));
    }

    [Fact]
    public async Task Pass_type_identifier_without_the_pass_prefix_is_a_usage_error()
    {
        using var temp = new TempDirectory("certs-usage");
        var directory = temp.Combine("chain");

        var result = await CliProcess.RunAsync("certs", "dev", "--out", directory, "--pass-type-id", "com.example.event");

        Expect.Exit(result, 2);
        Assert.Contains("com.example.event", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "pass.p12")));
    }
}
