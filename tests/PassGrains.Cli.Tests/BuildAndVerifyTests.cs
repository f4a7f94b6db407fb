using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary><c>certs dev</c>, then <c>pass build</c> for every model, checked independently (openssl, SHA-1) and by <c>pass verify</c>.</summary>
public sealed class BuildAndVerifyTests(DevChainFixture chains) : IClassFixture<DevChainFixture>
{
    [OpenSslTheory]
    [MemberData(nameof(TestPaths.AllModels), MemberType = typeof(TestPaths))]
    public async Task Build_signs_a_pass_that_openssl_and_pass_verify_accept(string modelName)
    {
        using var temp = new TempDirectory("build");
        var model = TestPaths.Model(modelName);
        var output = temp.Combine(modelName + ".pkpass");
        var serial = $"SER-{modelName}-001";

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(model, serial, output));

        Expect.Exit(build, 0);
        Assert.True(File.Exists(output), $"no {output}{Environment.NewLine}{build}");
        Assert.False(File.Exists(output + ".tmp"), "the temporary file was left behind");
        Expect.OnlyProblemLines(build);

        await Pkpass.AssertIndependentlyValidAsync(output, chains.Main.Wwdr, temp.Path);

        var packaged = Pkpass.ReadEntries(output).Select(e => e.Key).Order(StringComparer.Ordinal);
        Assert.Equal(TestPaths.ModelFiles(model).Append("manifest.json").Append("signature").Order(StringComparer.Ordinal), packaged);

        var passJson = Pkpass.ReadPassJson(output);
        Assert.Equal(serial, (string?)passJson["serialNumber"]);

        var verify = await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chains.Main.Wwdr);
        Expect.VerifiedOk(verify);
    }

    [OpenSslFact]
    public async Task Build_accepts_the_certificate_as_PEM_with_a_separate_key()
    {
        using var temp = new TempDirectory("pem");
        var output = temp.Combine("generic.pkpass");
        var chain = chains.Main;

        var build = await CliProcess.RunAsync("pass", "build", "--model", TestPaths.Model("generic"), "--serial", "PEM-1",
            "--cert", chain.CertificatePem, "--key", chain.KeyPem, "--wwdr", chain.Wwdr, "--out", output);

        Expect.Exit(build, 0);
        await Pkpass.AssertIndependentlyValidAsync(output, chain.Wwdr, temp.Path);
        Expect.VerifiedOk(await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chain.Wwdr));
    }

    [Fact]
    public async Task Builds_with_distinct_serials_differ_only_in_pass_json_manifest_and_signature()
    {
        using var temp = new TempDirectory("serials");
        var model = TestPaths.Model("coupon");
        var first = temp.Combine("a.pkpass");
        var second = temp.Combine("b.pkpass");

        Expect.Exit(await CliProcess.RunAsync(chains.Main.BuildArguments(model, "A-1", first)), 0);
        Expect.Exit(await CliProcess.RunAsync(chains.Main.BuildArguments(model, "B-2", second)), 0);

        Assert.Equal("A-1", (string?)Pkpass.ReadPassJson(first)["serialNumber"]);
        Assert.Equal("B-2", (string?)Pkpass.ReadPassJson(second)["serialNumber"]);
        var a = Pkpass.ReadEntries(first).ToDictionary(e => e.Key, e => e.Value);
        var b = Pkpass.ReadEntries(second).ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
        foreach (var name in a.Keys.Where(k => k is not ("pass.json" or "manifest.json" or "signature")))
            Assert.Equal(a[name], b[name]);
        Assert.NotEqual(a["manifest.json"], b["manifest.json"]);
    }
}
