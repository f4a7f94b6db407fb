using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary>
/// A signing chain made with openssl rather than <c>certs dev</c>, as a user's own certificates would be: a CA standing
/// in for WWDR, a Pass Type ID certificate valid for ten more days (as PEM, an OpenSSL 3 .p12 and a legacy RC2-40 .p12
/// like old Keychain exports), and one that expired in 2021.
/// </summary>
public sealed class OpenSslChainFixture : IAsyncLifetime, IDisposable
{
    private const string CaConfig = """
        [ ca ]
        default_ca = local
        [ local ]
        database = db/index.txt
        serial = db/serial
        new_certs_dir = db
        default_md = sha256
        policy = any
        copy_extensions = none
        unique_subject = no
        x509_extensions = pass_ext
        [ any ]
        UID = optional
        commonName = supplied
        organizationalUnitName = optional
        organizationName = optional
        countryName = optional
        [ pass_ext ]
        basicConstraints = critical, CA:false
        keyUsage = critical, digitalSignature
        """;

    private readonly TempDirectory _root = new("openssl-chain");

    public string Directory => _root.Path;

    public string Ca => _root.Combine("ca.pem");

    public string Key => _root.Combine("pass.key");

    public string ValidPem => _root.Combine("valid.pem");

    public string ExpiredPem => _root.Combine("expired.pem");

    public string ModernP12 => _root.Combine("modern.p12");

    public string LegacyP12 => _root.Combine("legacy.p12");

    public const string P12Password = "pw-1234";

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_root.Combine("db"));
        await File.WriteAllTextAsync(_root.Combine("db", "index.txt"), "");
        await File.WriteAllTextAsync(_root.Combine("db", "serial"), "1000\n");
        await File.WriteAllTextAsync(_root.Combine("ca.cnf"), CaConfig);

        await RunAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
            "-subj", "/CN=Test WWDR CA/OU=G4/O=Test/C=US", "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        await RunAsync("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "pass.key", "-out", "pass.csr",
            "-subj", "/UID=pass.com.example.event/CN=Pass Type ID: pass.com.example.event/OU=ABCDE12345/O=Test/C=US");
        await RunAsync("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "pass.csr", "-out", "valid.pem",
            "-days", "10", "-notext");
        await RunAsync("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "pass.csr", "-out", "expired.pem",
            "-startdate", "20200101000000Z", "-enddate", "20210101000000Z", "-notext");
        await RunAsync("pkcs12", "-export", "-in", "valid.pem", "-inkey", "pass.key", "-certfile", "ca.pem", "-out", "modern.p12", "-passout", "pass:" + P12Password);
        await RunAsync("pkcs12", "-export", "-legacy", "-in", "valid.pem", "-inkey", "pass.key", "-certfile", "ca.pem", "-out", "legacy.p12", "-passout", "pass:" + P12Password);
    }

    private async Task RunAsync(params string[] arguments)
    {
        var result = await OpenSsl.RunAsync(Directory, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"openssl failed:{Environment.NewLine}{result}");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _root.Dispose();
}

public sealed class OpenSslChainTests(OpenSslChainFixture chain, DevChainFixture devChains) : IClassFixture<OpenSslChainFixture>, IClassFixture<DevChainFixture>
{
    private string[] CertificateArguments(string kind) => kind switch
    {
        "pem" => ["--cert", chain.ValidPem, "--key", chain.Key],
        "modern-p12" => ["--cert", chain.ModernP12, "--password", OpenSslChainFixture.P12Password],
        "legacy-p12" => ["--cert", chain.LegacyP12, "--password", OpenSslChainFixture.P12Password],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [OpenSslTheory]
    [InlineData("pem")]
    [InlineData("modern-p12")]
    [InlineData("legacy-p12")]
    public async Task Build_signs_with_an_openssl_made_certificate_and_warns_that_it_expires_soon(string kind)
    {
        using var temp = new TempDirectory("openssl-build");
        var output = temp.Combine("generic.pkpass");

        var build = await CliProcess.RunAsync(["pass", "build", "--model", TestPaths.Model("generic"), "--serial", "O-" + kind,
            .. CertificateArguments(kind), "--wwdr", chain.Ca, "--out", output]);

        Expect.Exit(build, 0);
        Assert.Contains(build.StderrLines, l => l.StartsWith("warning", StringComparison.Ordinal) && l.Contains("expires in", StringComparison.Ordinal));
        await Pkpass.AssertIndependentlyValidAsync(output, chain.Ca, temp.Path);
        Expect.VerifiedOk(await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chain.Ca));
    }

    [OpenSslFact]
    public async Task Build_refuses_an_expired_certificate()
    {
        using var temp = new TempDirectory("openssl-expired-build");
        var output = temp.Combine("generic.pkpass");

        var build = await CliProcess.RunAsync("pass", "build", "--model", TestPaths.Model("generic"), "--serial", "X-1",
            "--cert", chain.ExpiredPem, "--key", chain.Key, "--wwdr", chain.Ca, "--out", output);

        Expect.Exit(build, 1);
        Assert.Contains(build.StderrLines, l => l.StartsWith("error", StringComparison.Ordinal) && l.Contains("expired on 2021-01-01", StringComparison.Ordinal));
        Assert.False(File.Exists(output));
    }

    [OpenSslFact]
    public async Task Pass_signed_with_an_expired_certificate_is_a_certificate_error()
    {
        using var temp = new TempDirectory("openssl-expired-verify");
        var good = temp.Combine("good.pkpass");
        Expect.Exit(await CliProcess.RunAsync(["pass", "build", "--model", TestPaths.Model("generic"), "--serial", "X-2",
            .. CertificateArguments("pem"), "--wwdr", chain.Ca, "--out", good]), 0);
        var work = temp.Combine("resign");
        Directory.CreateDirectory(work);
        await File.WriteAllBytesAsync(Path.Combine(work, "manifest.json"), Pkpass.ReadEntry(good, "manifest.json"));
        var sign = await OpenSsl.RunAsync(work, "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
            "-signer", chain.ExpiredPem, "-inkey", chain.Key, "-certfile", chain.Ca, "-in", "manifest.json", "-out", "signature");
        Expect.Exit(sign, 0);
        var signature = await File.ReadAllBytesAsync(Path.Combine(work, "signature"));
        var expired = temp.Combine("expired.pkpass");
        Pkpass.Rewrite(good, expired, (name, data) => name == "signature" ? signature : data);

        var result = await CliProcess.RunAsync("pass", "verify", expired, "--wwdr", chain.Ca);

        Expect.Exit(result, 1);
        Expect.OnlyProblemLines(result);
        Expect.Error(result, "signature", "certificate", messageContains: "expired");
        Expect.NoError(result, "manifest");
        Expect.NoError(result, "wwdr");
    }

    [OpenSslFact]
    public async Task Pass_of_the_openssl_chain_is_refused_against_the_development_CA()
    {
        using var temp = new TempDirectory("openssl-vs-dev");
        var output = temp.Combine("generic.pkpass");
        Expect.Exit(await CliProcess.RunAsync(["pass", "build", "--model", TestPaths.Model("generic"), "--serial", "X-3",
            .. CertificateArguments("pem"), "--wwdr", chain.Ca, "--out", output]), 0);

        var result = await CliProcess.RunAsync("pass", "verify", output, "--wwdr", devChains.Main.Wwdr);

        Expect.Exit(result, 1);
        Expect.Error(result, "signature", "wwdr");
    }
}
