using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Cms;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.Validation;
using PassGrains.Packaging.Verification;

namespace PassGrains.Packaging.Tests;

/// <summary>Signed .pkpass files built from the sample models: what OpenSSL and a zip reader see.</summary>
public sealed class PassPackagerTests
{
    // whole seconds: CMS signing time has no fractions
    private static readonly DateTimeOffset SigningTime = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60);

    public static TheoryData<string> ModelNames => new(TestPaths.ModelNames);

    private static SignedPass Build(string model, string serial = "SERIAL-0001", IEnumerable<PassLayer>? layers = null) =>
        TestChains.Packager.Build(Templates.Get(model), serial, layers, SigningTime);

    [OpenSslTheory]
    [MemberData(nameof(ModelNames))]
    public void OpenSsl_verifies_the_signature_over_the_manifest(string model)
    {
        var pass = Build(model);
        using var dir = new TempDirectory();
        var signaturePath = dir.Write("signature", pass.Signature);
        var manifestPath = dir.Write("manifest.json", pass.Manifest);
        var caPath = dir.Write("ca.pem", Encoding.ASCII.GetBytes(TestChains.Main.CaPem));

        var (exitCode, output) = OpenSsl.Run("cms", "-verify", "-binary", "-inform", "DER", "-in", signaturePath,
            "-content", manifestPath, "-CAfile", caPath, "-purpose", "any", "-out", "/dev/null");

        Assert.True(exitCode == 0, $"openssl cms -verify failed ({exitCode}): {output}");
    }

    [OpenSslFact]
    public void OpenSsl_rejects_the_signature_over_a_changed_manifest()
    {
        var pass = Build("event");
        var changed = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(pass.Manifest).Replace("\"pass.json\":\"", "\"pass.json\":\"0", StringComparison.Ordinal));
        var (exitCode, _) = OpenSsl.VerifyDetached(pass.Signature, changed, TestChains.Main.CaPem);
        Assert.NotEqual(0, exitCode);
    }

    [OpenSslFact]
    public void OpenSsl_rejects_the_signature_with_another_ca()
    {
        var pass = Build("event");
        var (exitCode, _) = OpenSsl.VerifyDetached(pass.Signature, pass.Manifest, TestChains.Unrelated.CaPem);
        Assert.NotEqual(0, exitCode);
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void The_manifest_lists_every_file_with_its_sha1_and_nothing_else(string model)
    {
        var pass = Build(model);
        var files = Zip.Read(pass.ToArray());
        var manifest = JsonSerializer.Deserialize<Dictionary<string, string>>(pass.Manifest)!;

        var expected = files.Where(f => f.Name is not ("manifest.json" or "signature"))
            .ToDictionary(f => f.Name, f => Convert.ToHexStringLower(SHA1.HashData(f.Data)));
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), manifest.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Contains("pass.json", manifest.Keys);
        Assert.Contains("icon.png", manifest.Keys);
        Assert.DoesNotContain("manifest.json", manifest.Keys);
        Assert.DoesNotContain("signature", manifest.Keys);

        // the zip holds exactly the model's files plus pass.json, manifest.json and signature
        var modelFiles = Templates.Get(model).Model.Files.Select(f => f.Path);
        Assert.Equal(modelFiles.Concat(["pass.json", "manifest.json", "signature"]).Order(StringComparer.Ordinal),
            files.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(pass.Manifest, files.Single(f => f.Name == "manifest.json").Data);
        Assert.Equal(pass.Signature, files.Single(f => f.Name == "signature").Data);
        Assert.Equal(pass.PassJson, files.Single(f => f.Name == "pass.json").Data);
    }

    [Fact]
    public void Localized_files_are_listed_with_their_folder()
    {
        var manifest = JsonSerializer.Deserialize<Dictionary<string, string>>(Build("event").Manifest)!;
        Assert.Contains("de.lproj/pass.strings", manifest.Keys);
        Assert.Contains("de.lproj/logo.png", manifest.Keys);
        Assert.Contains("en.lproj/pass.strings", manifest.Keys);
        var storeCard = JsonSerializer.Deserialize<Dictionary<string, string>>(Build("storecard").Manifest)!;
        Assert.Contains("fr.lproj/pass.strings", storeCard.Keys);
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Pngs_are_stored_and_json_is_deflated(string model)
    {
        var bytes = Build(model).ToArray();
        var headers = Zip.LocalHeaders(bytes);
        Assert.NotEmpty(headers);

        foreach (var (name, method, compressed, size) in headers)
        {
            if (name.EndsWith(".png", StringComparison.Ordinal))
            {
                Assert.True(method == 0, $"{name} should be stored, method {method}");
                Assert.Equal(size, compressed);
            }
            else if (name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith(".strings", StringComparison.Ordinal))
            {
                Assert.True(method == 8, $"{name} should be deflated, method {method}");
            }
        }
        Assert.Contains(headers, h => h.Name == "pass.json" && h.Method == 8);

        // the same seen through System.IO.Compression
        using var archive = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        Assert.Equal(headers.Select(h => h.Name), archive.Entries.Select(e => e.FullName));
        foreach (var entry in archive.Entries.Where(e => e.FullName.EndsWith(".png", StringComparison.Ordinal)))
            Assert.Equal(entry.Length, entry.CompressedLength);
        var passJson = archive.GetEntry("pass.json")!;
        Assert.True(passJson.CompressedLength < passJson.Length);
    }

    [Fact]
    public void Entry_order_is_the_same_for_every_pass()
    {
        var first = Zip.LocalHeaders(Build("event", "A-1").ToArray()).Select(h => h.Name).ToList();
        var second = Zip.LocalHeaders(Build("event", "B-2", [new PassLayer(new Dictionary<string, JsonNode?> { ["gate"] = "12" })]).ToArray())
            .Select(h => h.Name).ToList();
        Assert.Equal(first, second);
        Assert.Equal(["pass.json", "manifest.json", "signature"], first.TakeLast(3));
        var templateFiles = first.SkipLast(3).ToList();
        Assert.Equal(templateFiles.Order(StringComparer.Ordinal), templateFiles);
    }

    [Fact]
    public void The_zip_is_readable_by_unzip()
    {
        var pass = Build("storecard");
        using var dir = new TempDirectory();
        var path = dir.Write("pass.pkpass", pass.ToArray());
        var (exitCode, output) = Tool.Run("unzip", "-t", path);
        Assert.True(exitCode == 0, output);
        Assert.Contains("No errors detected", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signature_embeds_the_pass_certificate_and_the_wwdr_and_a_signing_time()
    {
        var pass = Build("event");
        var signed = new CmsSignedData(new CmsProcessableByteArray(pass.Manifest), pass.Signature);

        var certificates = signed.GetCertificates().EnumerateMatches(null).ToList();
        Assert.Equal(2, certificates.Count);
        Assert.Contains(TestChains.Main.Certificate, certificates);
        Assert.Contains(TestChains.Main.CaCertificate, certificates);

        var signer = Assert.Single(signed.GetSignerInfos().GetSigners());
        Assert.True(signer.Verify(TestChains.Main.Certificate));
        Assert.Equal(NistObjectIdentifiers.IdSha256, signer.DigestAlgorithmID.Algorithm);
        var signingTime = signer.SignedAttributes?[CmsAttributes.SigningTime];
        Assert.NotNull(signingTime);
        Assert.Equal(SigningTime.UtcDateTime, Time.GetInstance(signingTime.AttrValues[0]).ToDateTime());

        // detached: manifest.json is not inside the signature
        var content = SignedData.GetInstance(ContentInfo.GetInstance(pass.Signature).Content);
        Assert.Null(content.EncapContentInfo.Content);
    }

    [OpenSslFact]
    public void OpenSsl_sees_two_certificates_and_a_signing_time()
    {
        var pass = Build("event");
        using var dir = new TempDirectory();
        var path = dir.Write("signature", pass.Signature);
        var (exitCode, output) = OpenSsl.Run("cms", "-cmsout", "-print", "-inform", "DER", "-in", path, "-noout");
        Assert.True(exitCode == 0, output);
        Assert.Contains("signingTime", output, StringComparison.Ordinal);
        Assert.Contains("eContent: <ABSENT>", output, StringComparison.Ordinal);
        var (certsExit, certs) = OpenSsl.Run("pkcs7", "-inform", "DER", "-in", path, "-print_certs", "-noout");
        Assert.True(certsExit == 0, certs);
        Assert.Equal(2, certs.Split('\n').Count(l => l.StartsWith("subject", StringComparison.Ordinal)));
        Assert.Contains("Pass Type ID: pass.com.example.event", certs, StringComparison.Ordinal);
        Assert.Contains("PassGrains Development WWDR CA", certs, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_ToArray_and_WriteTo_agree()
    {
        var pass = Build("coupon");
        var bytes = pass.ToArray();
        Assert.Equal(pass.Length, bytes.Length);
        using var stream = new MemoryStream();
        pass.WriteTo(stream);
        Assert.Equal(bytes, stream.ToArray());
    }

    [Fact]
    public void Field_values_and_merge_patches_appear_in_the_built_pass()
    {
        var group = new PassLayer(
            new Dictionary<string, JsonNode?> { ["gate"] = "3", ["seat"] = "B-7" },
            JsonNode.Parse(PassJson.Q("{'backgroundColor': 'rgb(1, 2, 3)', 'logoText': null}"))!.AsObject());
        var own = new PassLayer(
            new Dictionary<string, JsonNode?> { ["gate"] = "12" },
            JsonNode.Parse(PassJson.Q("{'barcodes': [{'format': 'PKBarcodeFormatQR', 'message': 'TICKET-42', 'messageEncoding': 'iso-8859-1'}], 'userInfo': {'order': 42}}"))!.AsObject());

        var pass = Build("event", "TICKET-42", [group, own]);
        var json = JsonNode.Parse(pass.PassJson)!.AsObject();

        Assert.Equal("TICKET-42", json["serialNumber"]!.GetValue<string>());
        var aux = json["eventTicket"]!["auxiliaryFields"]!.AsArray();
        Assert.Equal("12", aux.Single(f => f!["key"]!.GetValue<string>() == "gate")!["value"]!.GetValue<string>());
        Assert.Equal("B-7", aux.Single(f => f!["key"]!.GetValue<string>() == "seat")!["value"]!.GetValue<string>());
        Assert.Equal("Gate changed to %@", aux.Single(f => f!["key"]!.GetValue<string>() == "gate")!["changeMessage"]!.GetValue<string>());
        Assert.Equal("rgb(1, 2, 3)", json["backgroundColor"]!.GetValue<string>());
        Assert.False(json.ContainsKey("logoText"));
        Assert.Equal("TICKET-42", json["barcodes"]![0]!["message"]!.GetValue<string>());
        Assert.Equal(42, json["userInfo"]!["order"]!.GetValue<int>());

        // the zip's pass.json is the one the manifest hashes
        var files = Zip.Read(pass.ToArray());
        Assert.Equal(pass.PassJson, files.Single(f => f.Name == "pass.json").Data);
        Assert.Empty(PassVerifier.Verify(pass.ToArray(), TestChains.Main.CaCertificate, SigningTime).Errors());
    }

    [Fact]
    public void A_template_is_not_changed_by_building_passes()
    {
        var template = Templates.Get("small");
        var before = template.PassJson.ToJsonString();
        TestChains.Packager.Build(template, "X-1", [new PassLayer(new Dictionary<string, JsonNode?> { ["gate"] = "99" },
            JsonNode.Parse("{\"logoText\": \"changed\"}")!.AsObject())], SigningTime);
        Assert.Equal(before, template.PassJson.ToJsonString());
        var next = JsonNode.Parse(TestChains.Packager.Build(template, "X-2", signingTime: SigningTime).PassJson)!;
        Assert.Equal("7", next["eventTicket"]!["auxiliaryFields"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public void Non_ascii_values_are_written_as_utf8_without_escapes()
    {
        var pass = Build("event", "S-1", [new PassLayer(new Dictionary<string, JsonNode?> { ["event"] = "Silvesterkonzert – Grüße" })]);
        Assert.Contains("Silvesterkonzert – Grüße", Encoding.UTF8.GetString(pass.PassJson), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_field_key_is_refused_naming_the_key()
    {
        var e = Assert.Throws<PassValidationException>(() =>
            Build("event", layers: [new PassLayer(new Dictionary<string, JsonNode?> { ["gaet"] = "12" })]));
        var problem = Assert.Single(e.Problems);
        Assert.Contains("'gaet'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("gate", problem.Message, StringComparison.Ordinal); // lists the known keys
        Assert.Contains("gaet", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_patch_that_breaks_a_rule_is_refused()
    {
        var e = Assert.Throws<PassValidationException>(() =>
            Build("event", layers: [new PassLayer(Patch: JsonNode.Parse(PassJson.Q("{'backgroundColor': '#ffffff'}"))!.AsObject())]));
        e.Problems.AssertError(PassRules.Color, "pass.json", "$.backgroundColor");
    }

    [Fact]
    public void A_broken_pass_can_be_built_when_validation_is_off()
    {
        var pass = TestChains.Packager.Build(Templates.Get("event"), "S-1",
            [new PassLayer(Patch: JsonNode.Parse(PassJson.Q("{'backgroundColor': '#ffffff'}"))!.AsObject())], SigningTime, validate: false);
        Assert.Contains("#ffffff", Encoding.UTF8.GetString(pass.PassJson), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{'passTypeIdentifier': 'pass.com.example.other'}", "$.passTypeIdentifier")]
    [InlineData("{'teamIdentifier': 'ZZZZZ99999'}", "$.teamIdentifier")]
    public void A_pass_the_certificate_cannot_sign_is_refused(string patch, string path)
    {
        var e = Assert.Throws<PassValidationException>(() =>
            Build("event", layers: [new PassLayer(Patch: JsonNode.Parse(PassJson.Q(patch))!.AsObject())]));
        e.Problems.AssertError(PassRules.Certificate, "pass.json", path);
    }

    [Fact]
    public void An_empty_serial_number_is_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => Build("event", ""));
    }

    [Fact]
    public void PassJsonComposer_sets_values_in_every_style_dictionary()
    {
        var template = JsonNode.Parse(PassJson.Q(
            "{'generic': {'primaryFields': [{'key': 'a', 'value': 'x'}]}, 'posterGeneric': {'primaryFields': [{'key': 'a', 'value': 'x'}]}}"))!.AsObject();
        var composed = PassJsonComposer.Compose(template, "S-9", [new PassLayer(new Dictionary<string, JsonNode?> { ["a"] = 5 })]);
        Assert.Equal(5, composed["generic"]!["primaryFields"]![0]!["value"]!.GetValue<int>());
        Assert.Equal(5, composed["posterGeneric"]!["primaryFields"]![0]!["value"]!.GetValue<int>());
        Assert.Equal("S-9", composed["serialNumber"]!.GetValue<string>());
        Assert.Equal("x", template["generic"]!["primaryFields"]![0]!["value"]!.GetValue<string>());
    }

    // ---- .pkpasses bundles ----

    [Fact]
    public void A_bundle_is_a_zip_of_pkpass_files()
    {
        var passes = new[] { Build("event", "A-1"), Build("coupon", "B/2"), Build("boarding", "A-1") };
        var bundle = PassBundle.Create(passes);

        var entries = Zip.Read(bundle);
        Assert.Equal(["A-1.pkpass", "B_2.pkpass", "A-1-2.pkpass"], entries.Select(e => e.Name));
        for (var i = 0; i < passes.Length; i++)
        {
            Assert.Equal(passes[i].ToArray(), entries[i].Data);
            Assert.Empty(PassVerifier.Verify(entries[i].Data, TestChains.Main.CaCertificate, SigningTime).Errors());
        }
    }

    [Fact]
    public void A_bundle_of_ten_is_accepted_and_eleven_refused()
    {
        var passes = Enumerable.Range(1, 11).Select(i => Build("small", $"P-{i}")).ToList();
        Assert.Equal(10, Zip.Read(PassBundle.Create(passes.Take(10).ToList())).Count);
        var e = Assert.Throws<ArgumentException>(() => PassBundle.Create(passes));
        Assert.Contains("10", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_bundle_is_refused()
    {
        Assert.Throws<ArgumentException>(() => PassBundle.Create([]));
    }

    [Theory]
    [InlineData("ABC-123", "ABC-123.pkpass")]
    [InlineData("a/b\\c d", "a_b_c_d.pkpass")]
    [InlineData("", "pass.pkpass")]
    public void Bundle_file_names_are_safe(string serial, string expected)
    {
        Assert.Equal(expected, PassBundle.FileName(serial));
    }
}
