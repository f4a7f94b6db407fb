using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary>What <c>pass build</c> puts into pass.json: --field, --patch, models given as a zip, --allow-http.</summary>
public sealed class BuildContentTests(DevChainFixture chains) : IClassFixture<DevChainFixture>
{
    private static JsonObject FindField(JsonObject pass, string style, string key) =>
        pass[style]!.AsObject().Select(p => p.Value).OfType<JsonArray>()
            .SelectMany(list => list.OfType<JsonObject>())
            .Single(f => (string?)f["key"] == key);

    [OpenSslFact]
    public async Task Field_option_sets_the_value_of_the_field_with_that_key_and_nothing_else()
    {
        using var temp = new TempDirectory("field");
        var output = temp.Combine("event.pkpass");
        var template = JsonNode.Parse(await File.ReadAllBytesAsync(Path.Combine(TestPaths.Model("event"), "pass.json")))!.AsObject();
        Assert.Equal("7", (string?)FindField(template, "eventTicket", "gate")["value"]);

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("event"), "F-1", output, "--field", "gate=9", "--field", "seat=B-7"));

        Expect.Exit(build, 0);
        var pass = Pkpass.ReadPassJson(output);
        var gate = FindField(pass, "eventTicket", "gate");
        Assert.Equal(JsonValueKind.String, gate["value"]!.GetValueKind());
        Assert.Equal("9", (string?)gate["value"]);
        Assert.Equal("GATE", (string?)gate["label"]);
        Assert.Equal("Gate changed to %@", (string?)gate["changeMessage"]);
        Assert.Equal("B-7", (string?)FindField(pass, "eventTicket", "seat")["value"]);

        // everything but the two values and the serial number is the template's
        FindField(template, "eventTicket", "gate")["value"] = "9";
        FindField(template, "eventTicket", "seat")["value"] = "B-7";
        template["serialNumber"] = "F-1";
        Assert.True(JsonNode.DeepEquals(template, pass), pass.ToJsonString());

        await Pkpass.AssertIndependentlyValidAsync(output, chains.Main.Wwdr, temp.Path);
        Expect.VerifiedOk(await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chains.Main.Wwdr));
    }

    [Fact]
    public async Task Field_value_stays_a_number_where_the_template_holds_a_number()
    {
        using var temp = new TempDirectory("field-number");
        var output = temp.Combine("storecard.pkpass");

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("storecard"), "N-1", output,
            "--field", "points=1500", "--field", "holder=1234"));

        Expect.Exit(build, 0);
        var pass = Pkpass.ReadPassJson(output);
        var points = FindField(pass, "storeCard", "points")["value"]!;
        Assert.Equal(JsonValueKind.Number, points.GetValueKind());
        Assert.Equal(1500m, points.GetValue<decimal>());
        var holder = FindField(pass, "storeCard", "holder")["value"]!;
        Assert.Equal(JsonValueKind.String, holder.GetValueKind());
        Assert.Equal("1234", holder.GetValue<string>());
    }

    [OpenSslFact]
    public async Task Patch_option_applies_a_json_merge_patch_to_pass_json()
    {
        using var temp = new TempDirectory("patch");
        var output = temp.Combine("event.pkpass");
        var patch = temp.Combine("patch.json");
        await File.WriteAllTextAsync(patch, """
            {
              "voided": true,
              "relevantDate": null,
              "barcodes": [
                { "format": "PKBarcodeFormatPDF417", "message": "PATCHED-0042", "messageEncoding": "iso-8859-1", "altText": "0042" }
              ],
              "eventTicket": { "secondaryFields": [ { "key": "loc", "label": "LOCATION", "value": "Side Hall" } ] }
            }
            """);

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("event"), "P-1", output, "--patch", patch));

        Expect.Exit(build, 0);
        var pass = Pkpass.ReadPassJson(output);
        Assert.True((bool?)pass["voided"]);
        Assert.False(pass.ContainsKey("relevantDate"), "a null in the merge patch removes the member");
        var barcode = Assert.Single(pass["barcodes"]!.AsArray())!;
        Assert.Equal("PKBarcodeFormatPDF417", (string?)barcode["format"]);
        Assert.Equal("PATCHED-0042", (string?)barcode["message"]);
        Assert.Equal("0042", (string?)barcode["altText"]);
        Assert.Equal("Side Hall", (string?)FindField(pass, "eventTicket", "loc")["value"]);
        // members the patch does not name keep the template's values
        Assert.Equal("Example Arena", (string?)pass["organizationName"]);
        Assert.Equal("New Year Concert", (string?)FindField(pass, "eventTicket", "event")["value"]);
        Assert.Equal("P-1", (string?)pass["serialNumber"]);

        await Pkpass.AssertIndependentlyValidAsync(output, chains.Main.Wwdr, temp.Path);
        Expect.VerifiedOk(await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chains.Main.Wwdr));
    }

    [Fact]
    public async Task Field_and_patch_together_both_apply()
    {
        using var temp = new TempDirectory("field-patch");
        var output = temp.Combine("boarding.pkpass");
        var patch = temp.Combine("patch.json");
        await File.WriteAllTextAsync(patch, """{ "voided": true }""");

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("boarding"), "FP-1", output, "--field", "gate=9", "--patch", patch));

        Expect.Exit(build, 0);
        var pass = Pkpass.ReadPassJson(output);
        Assert.Equal("9", (string?)FindField(pass, "boardingPass", "gate")["value"]);
        Assert.True((bool?)pass["voided"]);
    }

    [Fact]
    public async Task Unknown_field_key_is_invalid_input_naming_the_key()
    {
        using var temp = new TempDirectory("field-unknown");
        var output = temp.Combine("event.pkpass");

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("event"), "U-1", output, "--field", "gaet=9"));

        Expect.Exit(build, 1);
        Expect.Error(build, "pass.json", "field-value", messageContains: "'gaet'");
        Expect.OnlyProblemLines(build);
        Assert.False(File.Exists(output), "a refused build must not write the pass");
    }

    [Fact]
    public async Task Patch_that_is_not_a_json_object_is_invalid_input()
    {
        using var temp = new TempDirectory("patch-bad");
        var output = temp.Combine("generic.pkpass");
        var notJson = temp.Combine("not-json.json");
        var array = temp.Combine("array.json");
        await File.WriteAllTextAsync(notJson, "{ voided: true");
        await File.WriteAllTextAsync(array, "[1, 2]");

        foreach (var patch in new[] { notJson, array })
        {
            var build = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("generic"), "PB-1", output, "--patch", patch));
            Expect.Exit(build, 1);
            Expect.Error(build, patch, "json");
            Expect.OnlyProblemLines(build);
            Assert.False(File.Exists(output));
        }
    }

    [Fact]
    public async Task Patch_that_breaks_a_pass_rule_is_refused()
    {
        using var temp = new TempDirectory("patch-rule");
        var output = temp.Combine("generic.pkpass");
        var patch = temp.Combine("patch.json");
        await File.WriteAllTextAsync(patch, """{ "backgroundColor": "blue", "formatVersion": 2 }""");

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("generic"), "PR-1", output, "--patch", patch));

        Expect.Exit(build, 1);
        Expect.Error(build, "pass.json", "color", "$.backgroundColor");
        Expect.Error(build, "pass.json", "format-version", "$.formatVersion");
        Expect.OnlyProblemLines(build);
        Assert.False(File.Exists(output));
    }

    [OpenSslFact]
    public async Task A_model_given_as_a_zip_builds_like_the_folder()
    {
        using var temp = new TempDirectory("model-zip");
        var folder = TestPaths.Model("coupon");
        var zip = temp.Combine("coupon-model.zip");
        ZipFile.CreateFromDirectory(folder, zip, CompressionLevel.Optimal, includeBaseDirectory: false);
        var output = temp.Combine("coupon.pkpass");

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(zip, "Z-1", output, "--field", "offer=0.25"));

        Expect.Exit(build, 0);
        await Pkpass.AssertIndependentlyValidAsync(output, chains.Main.Wwdr, temp.Path);
        Assert.Equal(TestPaths.ModelFiles(folder).Append("manifest.json").Append("signature").Order(StringComparer.Ordinal),
            Pkpass.ReadEntries(output).Select(e => e.Key).Order(StringComparer.Ordinal));
        var offer = FindField(Pkpass.ReadPassJson(output), "coupon", "offer")["value"]!;
        Assert.Equal(0.25m, offer.GetValue<decimal>());
        Expect.VerifiedOk(await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chains.Main.Wwdr));
    }

    [Fact]
    public async Task A_zip_of_the_model_folder_itself_builds_with_a_warning()
    {
        using var temp = new TempDirectory("model-zip-wrapped");
        var zip = temp.Combine("wrapped.zip");
        ZipFile.CreateFromDirectory(TestPaths.Model("coupon"), zip, CompressionLevel.Optimal, includeBaseDirectory: true);
        var output = temp.Combine("coupon.pkpass");

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(zip, "W-1", output));

        Expect.Exit(build, 0);
        Assert.Contains(build.Problems, p => p is { Severity: "warning", File: "coupon.pass", Rule: "model-entry" });
        Assert.DoesNotContain(Pkpass.ReadEntries(output), e => e.Key.StartsWith("coupon.pass/", StringComparison.Ordinal));
        Expect.VerifiedOk(await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chains.Main.Wwdr));
    }

    [Fact]
    public async Task Http_web_service_url_needs_allow_http_in_build_and_verify()
    {
        using var temp = new TempDirectory("http");
        var output = temp.Combine("generic.pkpass");
        var patch = temp.Combine("http.json");
        await File.WriteAllTextAsync(patch, """{ "webServiceURL": "http://localhost:5000/passes/" }""");

        var refused = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("generic"), "H-1", output, "--patch", patch));
        Expect.Exit(refused, 1);
        Expect.Error(refused, "pass.json", "web-service", "$.webServiceURL");
        Assert.False(File.Exists(output));

        var allowed = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("generic"), "H-1", output, "--patch", patch, "--allow-http"));
        Expect.Exit(allowed, 0);
        Assert.Equal("http://localhost:5000/passes/", (string?)Pkpass.ReadPassJson(output)["webServiceURL"]);

        var strict = await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chains.Main.Wwdr);
        Expect.Exit(strict, 1);
        Expect.Error(strict, "pass.json", "web-service", "$.webServiceURL");
        Expect.VerifiedOk(await CliProcess.RunAsync("pass", "verify", output, "--wwdr", chains.Main.Wwdr, "--allow-http"));
    }

    [Fact]
    public async Task Field_value_that_breaks_the_rules_of_its_field_is_refused()
    {
        using var temp = new TempDirectory("field-rule");
        var output = temp.Combine("storecard.pkpass");

        var build = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("storecard"), "FR-1", output, "--field", "balance=lots"));

        Expect.Exit(build, 1);
        Expect.Error(build, "pass.json", "currency-code", "$.storeCard.primaryFields[0].value");
        Expect.OnlyProblemLines(build);
        Assert.False(File.Exists(output));
    }
}
