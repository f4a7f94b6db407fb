using System.Text.Json.Nodes;
using PassGrains.Cli.Tests.Infrastructure;

namespace PassGrains.Cli.Tests;

/// <summary>Exit code 2 for usage errors, 1 for invalid input with one problem per stderr line (the README's CLI section).</summary>
public sealed class ErrorExitCodeTests(DevChainFixture chains) : IClassFixture<DevChainFixture>
{
    [Fact]
    public async Task Unknown_verb_is_a_usage_error()
    {
        var result = await CliProcess.RunAsync("frobnicate", "--out", "x");

        Expect.Exit(result, 2);
        Assert.Contains("frobnicate", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task No_arguments_is_a_usage_error()
    {
        Expect.Exit(await CliProcess.RunAsync(), 2);
    }

    [Fact]
    public async Task Unknown_option_is_a_usage_error()
    {
        using var temp = new TempDirectory("usage-option");
        var result = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("generic"), "U-1", temp.Combine("g.pkpass"), "--colour", "red"));

        Expect.Exit(result, 2);
        Assert.Contains("--colour", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("g.pkpass")));
    }

    [Theory]
    [InlineData("--out")]
    [InlineData("--model")]
    [InlineData("--serial")]
    [InlineData("--cert")]
    public async Task Pass_build_without_a_required_option_is_a_usage_error(string missing)
    {
        using var temp = new TempDirectory("usage-required");
        var output = temp.Combine("g.pkpass");
        var all = chains.Main.BuildArguments(TestPaths.Model("generic"), "U-2", output).ToList();
        var index = all.IndexOf(missing);
        all.RemoveRange(index, 2);

        var result = await CliProcess.RunAsync([.. all]);

        Expect.Exit(result, 2);
        Assert.Contains(missing, result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Field_without_an_equals_sign_is_a_usage_error()
    {
        using var temp = new TempDirectory("usage-field");
        var output = temp.Combine("e.pkpass");

        var result = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("event"), "U-3", output, "--field", "gate"));

        Expect.Exit(result, 2);
        Assert.Contains("gate", result.StderrLines[^1], StringComparison.Ordinal);
        Assert.Contains("key=value", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Field_with_an_empty_key_is_a_usage_error()
    {
        using var temp = new TempDirectory("usage-field-empty");
        var result = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("event"), "U-4", temp.Combine("e.pkpass"), "--field", "=9"));

        Expect.Exit(result, 2);
        Assert.Contains("key=value", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_with_zero_seconds_is_a_usage_error()
    {
        var result = await CliProcess.RunAsync("bench", "sign", "--model", TestPaths.Model("small"), "--cert", chains.Main.P12,
            "--password", chains.Main.Password, "--wwdr", chains.Main.Wwdr, "--seconds", "0");

        Expect.Exit(result, 2);
        Assert.Contains("--seconds", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nonexistent_model_folder_is_invalid_input()
    {
        using var temp = new TempDirectory("missing-model");
        var model = temp.Combine("nowhere.pass");
        var output = temp.Combine("g.pkpass");

        var result = await CliProcess.RunAsync(chains.Main.BuildArguments(model, "M-1", output));

        Expect.Exit(result, 1);
        Expect.Error(result, model, "model-entry");
        Expect.OnlyProblemLines(result);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Wrong_p12_password_is_invalid_input_saying_so()
    {
        using var temp = new TempDirectory("wrong-password");
        var output = temp.Combine("g.pkpass");
        var arguments = chains.Main.BuildArguments(TestPaths.Model("generic"), "W-1", output);
        arguments[Array.IndexOf(arguments, "--password") + 1] = "not-the-password";

        var result = await CliProcess.RunAsync(arguments);

        Expect.Exit(result, 1);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("error", line, StringComparison.Ordinal);
        Assert.Contains("password", line, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("pass.p12", line, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Development_certificate_without_wwdr_is_invalid_input_pointing_at_wwdr()
    {
        using var temp = new TempDirectory("no-wwdr");
        var output = temp.Combine("g.pkpass");

        var result = await CliProcess.RunAsync("pass", "build", "--model", TestPaths.Model("generic"), "--serial", "N-1",
            "--cert", chains.Main.P12, "--password", chains.Main.Password, "--out", output);

        Expect.Exit(result, 1);
        Assert.Contains("--wwdr", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Model_with_pass_json_that_is_not_json_is_a_json_error()
    {
        using var temp = new TempDirectory("broken-json");
        var model = temp.Combine("broken.pass");
        TestPaths.CopyDirectory(TestPaths.Model("generic"), model);
        await File.WriteAllTextAsync(Path.Combine(model, "pass.json"), """{ "formatVersion": 1, "passTypeIdentifier": """);
        var output = temp.Combine("g.pkpass");

        var result = await CliProcess.RunAsync(chains.Main.BuildArguments(model, "J-1", output));

        Expect.Exit(result, 1);
        Expect.Error(result, "pass.json", "json");
        Expect.OnlyProblemLines(result);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Model_breaking_pass_json_rules_gets_one_line_per_problem()
    {
        using var temp = new TempDirectory("broken-rules");
        var model = temp.Combine("broken.pass");
        TestPaths.CopyDirectory(TestPaths.Model("generic"), model);
        var passJson = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(model, "pass.json")))!.AsObject();
        passJson["formatVersion"] = 2;
        passJson["backgroundColor"] = "blue";
        passJson.Remove("organizationName");
        passJson["barcodes"]![0]!["format"] = "PKBarcodeFormatUPCA";
        await File.WriteAllTextAsync(Path.Combine(model, "pass.json"), passJson.ToJsonString());
        var output = temp.Combine("g.pkpass");

        var result = await CliProcess.RunAsync(chains.Main.BuildArguments(model, "R-1", output));

        Expect.Exit(result, 1);
        Expect.OnlyProblemLines(result);
        Expect.Error(result, "pass.json", "format-version", "$.formatVersion");
        Expect.Error(result, "pass.json", "color", "$.backgroundColor");
        Expect.Error(result, "pass.json", "required", "$.organizationName");
        Expect.Error(result, "pass.json", "barcode-format", "$.barcodes[0].format");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Model_with_a_file_Wallet_does_not_read_builds_without_it_and_warns()
    {
        using var temp = new TempDirectory("stray-file");
        var model = temp.Combine("stray.pass");
        TestPaths.CopyDirectory(TestPaths.Model("generic"), model);
        await File.WriteAllTextAsync(Path.Combine(model, "notes.txt"), "not part of a pass");
        var output = temp.Combine("g.pkpass");

        var result = await CliProcess.RunAsync(chains.Main.BuildArguments(model, "S-1", output));

        Expect.Exit(result, 0);
        Assert.Contains(result.Problems, p => p is { Severity: "warning", File: "notes.txt", Rule: "model-entry" } && p.Message.Contains("left out", StringComparison.Ordinal));
        using var built = System.IO.Compression.ZipFile.OpenRead(output);
        Assert.DoesNotContain(built.Entries, e => e.FullName == "notes.txt");
    }

    [Fact]
    public async Task Empty_serial_is_refused_with_a_message_not_a_crash()
    {
        using var temp = new TempDirectory("empty-serial");
        var output = temp.Combine("g.pkpass");

        var result = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("generic"), "", output));

        Assert.True(result.ExitCode is 1 or 2, $"expected exit code 1 (invalid input) or 2 (usage){Environment.NewLine}{result}");
        Assert.DoesNotContain("Unhandled exception", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(result.StderrLines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.Contains("serial", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Output_path_that_is_a_directory_is_invalid_input_and_leaves_no_temporary_file()
    {
        using var temp = new TempDirectory("out-is-directory");
        var output = temp.Combine("existing-folder");
        Directory.CreateDirectory(output);

        var result = await CliProcess.RunAsync(chains.Main.BuildArguments(TestPaths.Model("generic"), "D-1", output));

        Expect.Exit(result, 1);
        Assert.True(Directory.Exists(output));
        Assert.False(File.Exists(output + ".tmp"), $"the failed build left {output}.tmp behind{Environment.NewLine}{result}");
        Assert.Equal(["existing-folder"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }
}
