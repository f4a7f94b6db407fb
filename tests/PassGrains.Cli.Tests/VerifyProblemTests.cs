using System.Text;
using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary>
/// Passes Wallet would refuse: <c>pass verify</c> exits 1 and names the cause on a problem line; <c>pass build</c>
/// refuses to make them in the first place.
/// </summary>
public sealed class VerifyProblemTests(DevChainFixture chains) : IClassFixture<DevChainFixture>
{
    /// <summary>A good pass of <paramref name="model"/> signed by <paramref name="chain"/> (the main chain by default).</summary>
    private async Task<string> BuildAsync(TempDirectory temp, string model = "generic", DevChain? chain = null)
    {
        var output = temp.Combine(model + ".pkpass");
        var build = await CliProcess.RunAsync((chain ?? chains.Main).BuildArguments(TestPaths.Model(model), "V-" + model, output));
        Expect.Exit(build, 0);
        return output;
    }

    private static Task<ProcessResult> VerifyAsync(string pkpass, string? wwdr = null) =>
        wwdr is null ? CliProcess.RunAsync("pass", "verify", pkpass) : CliProcess.RunAsync("pass", "verify", pkpass, "--wwdr", wwdr);

    private static async Task<ProcessResult> ExpectRefusedAsync(Task<ProcessResult> verify)
    {
        var result = await verify;
        Expect.Exit(result, 1);
        Assert.DoesNotContain("OK", result.StdoutLines);
        Expect.OnlyProblemLines(result);
        return result;
    }

    [Fact]
    public async Task Pass_json_changed_after_signing_is_a_manifest_error()
    {
        using var temp = new TempDirectory("tamper");
        var pass = await BuildAsync(temp);
        var tampered = temp.Combine("tampered.pkpass");
        Pkpass.Rewrite(pass, tampered, (name, data) => name == "pass.json" ? Pkpass.ReplaceText(data, "Jane Doe", "John Doe") : data);

        var result = await ExpectRefusedAsync(VerifyAsync(tampered, chains.Main.Wwdr));

        Expect.Error(result, "pass.json", "manifest");
        Expect.NoError(result, "signature");
        Expect.NoError(result, "wwdr");
    }

    [Fact]
    public async Task Image_changed_after_signing_is_a_manifest_error_naming_the_image()
    {
        using var temp = new TempDirectory("tamper-image");
        var pass = await BuildAsync(temp, "storecard");
        var tampered = temp.Combine("tampered.pkpass");
        Pkpass.Rewrite(pass, tampered, (name, data) =>
        {
            if (name != "logo@2x.png")
                return data;
            var copy = data.ToArray();
            copy[^1] ^= 0x55; // the last byte of the IEND chunk's CRC: still a PNG, different bytes
            return copy;
        });

        var result = await ExpectRefusedAsync(VerifyAsync(tampered, chains.Main.Wwdr));

        Expect.Error(result, "logo@2x.png", "manifest");
        Assert.DoesNotContain(result.Errors, p => p.Rule == "manifest" && p.File != "logo@2x.png");
        Expect.NoError(result, "signature");
    }

    [Fact]
    public async Task Manifest_rewritten_to_match_a_changed_pass_json_breaks_the_signature()
    {
        using var temp = new TempDirectory("tamper-manifest");
        var pass = await BuildAsync(temp);
        var original = Pkpass.ReadEntry(pass, "pass.json");
        var changed = Pkpass.ReplaceText(original, "Jane Doe", "John Doe");
        var tampered = temp.Combine("tampered.pkpass");
        Pkpass.Rewrite(pass, tampered, (name, data) => name switch
        {
            "pass.json" => changed,
            "manifest.json" => Pkpass.ReplaceText(data, Pkpass.Sha1Hex(original), Pkpass.Sha1Hex(changed)),
            _ => data,
        });

        var result = await ExpectRefusedAsync(VerifyAsync(tampered, chains.Main.Wwdr));

        Expect.Error(result, "signature", "signature");
        Expect.NoError(result, "manifest");
    }

    [Fact]
    public async Task File_added_after_signing_is_a_manifest_error()
    {
        using var temp = new TempDirectory("extra-file");
        var pass = await BuildAsync(temp);
        var tampered = temp.Combine("extra.pkpass");
        var thumbnail = Pkpass.ReadEntry(pass, "thumbnail.png");
        Pkpass.Rewrite(pass, tampered, (_, data) => data, [new("background.png", thumbnail)]);

        var result = await ExpectRefusedAsync(VerifyAsync(tampered, chains.Main.Wwdr));

        Expect.Error(result, "background.png", "manifest");
    }

    [Fact]
    public async Task Pass_verified_against_another_development_CA_is_a_wwdr_error()
    {
        using var temp = new TempDirectory("other-wwdr");
        var pass = await BuildAsync(temp);
        var other = await chains.OtherCa.Value;

        var result = await ExpectRefusedAsync(VerifyAsync(pass, other.Wwdr));

        Expect.Error(result, "signature", "wwdr");
        Expect.NoError(result, "manifest");
    }

    [Fact]
    public async Task Development_pass_verified_without_wwdr_is_refused_against_Apple_WWDR_G4()
    {
        using var temp = new TempDirectory("apple-wwdr");
        var pass = await BuildAsync(temp);

        var result = await ExpectRefusedAsync(VerifyAsync(pass));

        var problem = Expect.Error(result, "signature", "wwdr");
        Assert.Contains("Apple", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_refuses_a_certificate_for_another_pass_type()
    {
        using var temp = new TempDirectory("other-type-build");
        var other = await chains.OtherPassType.Value;
        var output = temp.Combine("event.pkpass");

        var build = await CliProcess.RunAsync(other.BuildArguments(TestPaths.Model("event"), "T-1", output));

        Expect.Exit(build, 1);
        var problem = Expect.Error(build, "pass.json", "certificate", "$.passTypeIdentifier");
        Assert.Contains("pass.com.other", problem.Message, StringComparison.Ordinal);
        Assert.Contains("pass.com.example.event", problem.Message, StringComparison.Ordinal);
        Expect.OnlyProblemLines(build);
        Assert.False(File.Exists(output), "a refused build must not write the pass");
    }

    [Fact]
    public async Task Build_refuses_a_certificate_of_another_team()
    {
        using var temp = new TempDirectory("other-team-build");
        var other = await chains.OtherTeam.Value;
        var output = temp.Combine("coupon.pkpass");

        var build = await CliProcess.RunAsync(other.BuildArguments(TestPaths.Model("coupon"), "T-2", output));

        Expect.Exit(build, 1);
        var problem = Expect.Error(build, "pass.json", "certificate", "$.teamIdentifier");
        Assert.Contains("ZZZZZ99999", problem.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [OpenSslFact]
    public async Task Pass_signed_with_the_certificate_of_another_pass_type_is_a_certificate_error()
    {
        // pass build refuses to sign it, so sign the (unchanged) manifest with openssl and the other certificate
        using var temp = new TempDirectory("other-type-verify");
        var pass = await BuildAsync(temp, "event");
        var other = await chains.OtherPassType.Value;
        var work = temp.Combine("resign");
        Directory.CreateDirectory(work);
        await File.WriteAllBytesAsync(Path.Combine(work, "manifest.json"), Pkpass.ReadEntry(pass, "manifest.json"));
        var sign = await OpenSsl.RunAsync(work, "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
            "-signer", other.CertificatePem, "-inkey", other.KeyPem, "-certfile", other.Wwdr, "-in", "manifest.json", "-out", "signature");
        Expect.Exit(sign, 0);
        var signature = await File.ReadAllBytesAsync(Path.Combine(work, "signature"));
        var resigned = temp.Combine("resigned.pkpass");
        Pkpass.Rewrite(pass, resigned, (name, data) => name == "signature" ? signature : data);
        await Pkpass.AssertIndependentlyValidAsync(resigned, other.Wwdr, temp.Path); // the signature itself is sound

        var result = await ExpectRefusedAsync(VerifyAsync(resigned, other.Wwdr));

        var problem = Expect.Error(result, "pass.json", "certificate", "$.passTypeIdentifier");
        Assert.Contains("pass.com.other", problem.Message, StringComparison.Ordinal);
        Expect.NoError(result, "manifest");
        Expect.NoError(result, "signature");
        Expect.NoError(result, "wwdr");
    }

    [Fact]
    public async Task Pass_type_identifier_edited_after_signing_is_a_manifest_and_certificate_error()
    {
        using var temp = new TempDirectory("tamper-type");
        var pass = await BuildAsync(temp, "event");
        var tampered = temp.Combine("tampered.pkpass");
        Pkpass.Rewrite(pass, tampered, (name, data) =>
            name == "pass.json" ? Pkpass.ReplaceText(data, "\"pass.com.example.event\"", "\"pass.com.other\"") : data);

        var result = await ExpectRefusedAsync(VerifyAsync(tampered, chains.Main.Wwdr));

        Expect.Error(result, "pass.json", "manifest");
        var problem = Expect.Error(result, "pass.json", "certificate", "$.passTypeIdentifier");
        Assert.Contains("pass.com.other", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_refuses_a_model_without_icon()
    {
        using var temp = new TempDirectory("no-icon-model");
        var model = temp.Combine("coupon.pass");
        TestPaths.CopyDirectory(TestPaths.Model("coupon"), model);
        File.Delete(Path.Combine(model, "icon.png"));
        var output = temp.Combine("coupon.pkpass");

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(model, "I-1", output));

        Expect.Exit(build, 1);
        Expect.Error(build, "icon.png", "icon");
        Expect.OnlyProblemLines(build);
        Assert.False(File.Exists(output), "a refused build must not write the pass");
    }

    [Fact]
    public async Task Icon_removed_from_a_signed_pass_is_an_icon_and_a_manifest_error()
    {
        using var temp = new TempDirectory("no-icon-pass");
        var pass = await BuildAsync(temp, "boarding");
        var stripped = temp.Combine("stripped.pkpass");
        Pkpass.Rewrite(pass, stripped, (name, data) => name == "icon.png" ? null : data);

        var result = await ExpectRefusedAsync(VerifyAsync(stripped, chains.Main.Wwdr));

        Expect.Error(result, "icon.png", "icon");
        Expect.Error(result, "icon.png", "manifest");
    }

    [Fact]
    public async Task A_file_that_is_not_a_zip_is_a_zip_error()
    {
        using var temp = new TempDirectory("not-zip");
        var file = temp.Combine("pass.pkpass");
        await File.WriteAllTextAsync(file, "this is not a zip file", Encoding.ASCII);

        var result = await ExpectRefusedAsync(VerifyAsync(file, chains.Main.Wwdr));

        Expect.Error(result, "zip", "zip");
    }

    [Fact]
    public async Task A_pass_without_signature_is_a_signature_error()
    {
        using var temp = new TempDirectory("unsigned");
        var pass = await BuildAsync(temp);
        var unsigned = temp.Combine("unsigned.pkpass");
        Pkpass.Rewrite(pass, unsigned, (name, data) => name == "signature" ? null : data);

        var result = await ExpectRefusedAsync(VerifyAsync(unsigned, chains.Main.Wwdr));

        Expect.Error(result, "signature", "signature");
    }
}
