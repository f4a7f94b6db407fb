using System.Text;
using System.Text.Json.Nodes;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.Signing;
using PassGrains.Packaging.Validation;
using PassGrains.Packaging.Verification;

namespace PassGrains.Packaging.Tests;

/// <summary>PassVerifier names why Wallet would refuse a .pkpass.</summary>
public sealed class PassVerifierTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static byte[] GoodPass(string model = "event") =>
        TestChains.Packager.Build(Templates.Get(model), "SERIAL-0001", signingTime: Now).ToArray();

    private static IReadOnlyList<PassProblem> Verify(byte[] pkpass) => PassVerifier.Verify(pkpass, TestChains.Main.CaCertificate, Now);

    /// <summary>Rewrites a pass's zip, changing its entries with <paramref name="edit"/>, without re-signing.</summary>
    private static byte[] Rewrite(byte[] pkpass, Func<List<(string Name, byte[] Data)>, IEnumerable<(string Name, byte[] Data)>> edit) =>
        Zip.Create(edit(Zip.Read(pkpass)));

    public static TheoryData<string> ModelNames => new(TestPaths.ModelNames);

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void A_good_pass_has_no_errors(string model)
    {
        Verify(GoodPass(model)).AssertNoErrors();
    }

    [Fact]
    public void A_good_pass_rezipped_unchanged_still_has_no_errors()
    {
        Verify(Rewrite(GoodPass(), e => e)).AssertNoErrors();
    }

    [Fact]
    public void A_changed_pass_json_is_a_manifest_error()
    {
        var tampered = Rewrite(GoodPass(), entries => entries.Select(e => e.Name == "pass.json"
            ? (e.Name, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(e.Data).Replace("New Year Concert", "Free Concert", StringComparison.Ordinal)))
            : e));
        var problem = Verify(tampered).AssertError(PassRules.Manifest, "pass.json");
        Assert.Contains("changed after signing", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_added_file_is_a_manifest_error()
    {
        var tampered = Rewrite(GoodPass(), entries => entries.Append(("thumbnail.png", Png.Create(90, 90))));
        Verify(tampered).AssertError(PassRules.Manifest, "thumbnail.png");
    }

    [Fact]
    public void A_removed_file_is_a_manifest_error()
    {
        var tampered = Rewrite(GoodPass(), entries => entries.Where(e => e.Name != "logo@3x.png"));
        Verify(tampered).AssertError(PassRules.Manifest, "logo@3x.png");
    }

    [Fact]
    public void A_changed_manifest_is_a_signature_error()
    {
        var tampered = Rewrite(GoodPass(), entries => entries.Select(e => e.Name == "manifest.json"
            ? (e.Name, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(e.Data).Replace("{", "{ ", StringComparison.Ordinal)))
            : e));
        var problems = Verify(tampered);
        problems.AssertError(PassRules.Signature, "signature");
        Assert.DoesNotContain(problems, p => p.Rule == PassRules.Manifest);
    }

    [Fact]
    public void A_missing_signature_is_an_error()
    {
        Verify(Rewrite(GoodPass(), entries => entries.Where(e => e.Name != "signature"))).AssertError(PassRules.Signature, "signature");
    }

    [Fact]
    public void A_garbage_signature_is_an_error()
    {
        var tampered = Rewrite(GoodPass(), entries => entries.Select(e => e.Name == "signature" ? (e.Name, "not a signature"u8.ToArray()) : e));
        Verify(tampered).AssertError(PassRules.Signature, "signature");
    }

    [Fact]
    public void A_missing_manifest_is_an_error()
    {
        Verify(Rewrite(GoodPass(), entries => entries.Where(e => e.Name != "manifest.json"))).AssertError(PassRules.Manifest, "manifest.json");
    }

    [Fact]
    public void A_pass_checked_against_another_wwdr_is_a_wwdr_error()
    {
        var problems = PassVerifier.Verify(GoodPass(), TestChains.Unrelated.CaCertificate, Now);
        problems.AssertError(PassRules.Wwdr);
    }

    [Fact]
    public void A_development_pass_checked_against_apple_g4_is_a_wwdr_error()
    {
        var problem = PassVerifier.Verify(GoodPass(), now: Now).AssertError(PassRules.Wwdr);
        Assert.Contains("WWDR", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_without_the_intermediate_is_a_wwdr_error()
    {
        // a signer whose "intermediate" is the pass certificate itself embeds no issuer
        var selfAsWwdr = new PassSigningCredentials(TestChains.Main.Certificate, TestChains.Main.Key, []);
        var pass = GoodPass();
        var manifest = Zip.Read(pass).Single(e => e.Name == "manifest.json").Data;
        var signer = new Org.BouncyCastle.Cms.CmsSignedDataGenerator();
        signer.AddSigner(selfAsWwdr.PrivateKey, selfAsWwdr.Certificate, Org.BouncyCastle.Cms.CmsSignedGenerator.DigestSha256);
        signer.AddCertificate(selfAsWwdr.Certificate);
        var signature = signer.Generate(new Org.BouncyCastle.Cms.CmsProcessableByteArray(manifest), encapsulate: false).GetEncoded();
        var tampered = Rewrite(pass, entries => entries.Select(e => e.Name == "signature" ? (e.Name, signature) : e));

        var problem = Verify(tampered).AssertError(PassRules.Wwdr);
        Assert.Contains("intermediate", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pass_signed_with_another_pass_types_certificate_is_a_certificate_error()
    {
        using var signer = PassSigner.Create(TestChains.OtherPassType.Credentials, TestChains.OtherPassType.CaCertificate);
        var pass = new PassPackager(signer).Build(Templates.Get("event"), "SERIAL-0001", signingTime: Now, validate: false).ToArray();

        var problem = Verify(pass).AssertError(PassRules.Certificate, "pass.json", "$.passTypeIdentifier");
        Assert.Contains("passTypeIdentifier", problem.Message, StringComparison.Ordinal);
        Assert.Contains("pass.com.example.other", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pass_for_another_team_is_a_certificate_error()
    {
        var pass = TestChains.Packager.Build(Templates.Get("event"), "SERIAL-0001",
            [new PassLayer(Patch: JsonNode.Parse("{\"teamIdentifier\": \"ZZZZZ99999\"}")!.AsObject())], Now, validate: false).ToArray();
        Verify(pass).AssertError(PassRules.Certificate, "pass.json", "$.teamIdentifier");
    }

    [Fact]
    public void A_pass_checked_after_its_certificate_expired_is_a_certificate_error()
    {
        var problem = PassVerifier.Verify(GoodPass(), TestChains.Main.CaCertificate, Now.AddYears(2)).AssertError(PassRules.Certificate);
        Assert.Contains("expired", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signing_time_outside_the_certificate_validity_is_an_error()
    {
        var pass = TestChains.Packager.Build(Templates.Get("event"), "SERIAL-0001", signingTime: Now.AddYears(-3)).ToArray();
        Verify(pass).AssertError(PassRules.Certificate, "signature");
    }

    [Fact]
    public void A_signed_pass_without_an_icon_is_an_icon_error()
    {
        var template = Templates.FromFiles(PassJson.BaseBytes, ("logo.png", Png.Create(120, 40)));
        var pass = TestChains.Packager.Build(template, "SERIAL-0001", signingTime: Now).ToArray();

        var problems = Verify(pass);
        problems.AssertError(PassRules.Icon, "icon.png");
        Assert.DoesNotContain(problems, p => p.Rule is PassRules.Manifest or PassRules.Signature);
    }

    [Fact]
    public void A_zipped_folder_is_a_zip_error()
    {
        var wrapped = Rewrite(GoodPass(), entries => entries.Select(e => ("Concert.pass/" + e.Name, e.Data)));
        var problem = Verify(wrapped).AssertError(PassRules.Zip);
        Assert.Contains("folder", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Operating_system_metadata_in_a_pass_is_a_zip_error()
    {
        var withJunk = Rewrite(GoodPass(), entries => entries.Append((".DS_Store", new byte[] { 0, 0, 0, 1 })));
        Verify(withJunk).AssertError(PassRules.Zip, ".DS_Store");
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_a_zip_error()
    {
        Verify("<html>Not found</html>"u8.ToArray()).AssertError(PassRules.Zip);
    }

    [Fact]
    public void Entries_escaping_the_package_are_zip_errors()
    {
        var hostile = Rewrite(GoodPass(), entries => entries.Append(("../evil.png", Png.Icon1x)));
        Verify(hostile).AssertError(PassRules.Zip, "../evil.png");
    }

    [Fact]
    public void Pass_json_rule_violations_are_reported_with_their_path()
    {
        var pass = TestChains.Packager.Build(Templates.Get("event"), "SERIAL-0001",
            [new PassLayer(Patch: JsonNode.Parse("{\"backgroundColor\": \"#000\"}")!.AsObject())], Now, validate: false).ToArray();
        var problems = Verify(pass);
        problems.AssertError(PassRules.Color, "pass.json", "$.backgroundColor");
        Assert.DoesNotContain(problems, p => p.Rule is PassRules.Manifest or PassRules.Signature or PassRules.Wwdr);
    }
}
