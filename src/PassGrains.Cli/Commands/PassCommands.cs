using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.Signing;
using PassGrains.Packaging.Validation;
using PassGrains.Packaging.Verification;

namespace PassGrains.Cli.Commands;

public static class PassCommands
{
    public static Command Create() => new("pass", "Build and verify passes, and show passes on a server") { CreateBuild(), CreateVerify(), PassShowCommand.Create() };

    private static Command CreateBuild()
    {
        var model = new Option<string>("--model") { Description = "Pass model: a folder (pass.json, images, xx.lproj/) or a zip of one", Required = true };
        var serial = new Option<string>("--serial") { Description = "Serial number of the pass", Required = true };
        var fields = new Option<string[]>("--field") { Description = "key=value: sets the value of the field with that key (repeatable)", AllowMultipleArgumentsPerToken = false };
        var patch = new Option<string?>("--patch") { Description = "A JSON merge patch (RFC 7386) file applied to pass.json" };
        var output = new Option<string>("--out") { Description = "Where to write the .pkpass", Required = true };
        var allowHttp = new Option<bool>("--allow-http") { Description = "Accept an http:// webServiceURL (development devices only)" };
        var signing = new SigningOptions();

        var build = new Command("build", "Build and sign one pass from a pass model") { model, serial, fields, patch, output, allowHttp };
        signing.AddTo(build);
        build.SetAction(result => CommandRunner.Guard(() =>
        {
            var serialNumber = result.GetValue(serial)!;
            if (string.IsNullOrWhiteSpace(serialNumber))
                throw new PassValidationException([PassProblem.Error("pass.json", "$.serialNumber", PassRules.Required, "--serial must not be empty")]);
            var options = new PassValidationOptions { AllowHttpWebService = result.GetValue(allowHttp), IsTemplate = true };
            var passModel = PassModel.Load(result.GetValue(model)!, options: options);
            foreach (var warning in passModel.Warnings)
                Console.Error.WriteLine(warning);
            var template = CompiledPassTemplate.Compile(passModel);
            var layer = new PassLayer(ParseFields(result.GetValue(fields) ?? [], template.PassJson), ReadPatch(result.GetValue(patch)));
            using var signer = signing.CreateSigner(result);
            var pass = new PassPackager(signer).Build(template, serialNumber, [layer],
                options: options with { IsTemplate = false });
            var path = result.GetValue(output)!;
            WriteAtomically(path, pass);
            Console.WriteLine($"{path}: {pass.Length} bytes, serial {pass.SerialNumber}, signed by {signer.Certificate.DisplayName}");
            return ExitCodes.Success;
        }));
        return build;
    }

    private static Command CreateVerify()
    {
        var file = new Argument<string>("FILE") { Description = "The .pkpass to check" };
        var wwdr = new Option<string?>("--wwdr") { Description = "The intermediate Wallet should trust (PEM); default: Apple WWDR G4" };
        var allowHttp = new Option<bool>("--allow-http") { Description = "Accept an http:// webServiceURL (development devices only)" };
        var verify = new Command("verify", "Check a pass the way Wallet would refuse it; prints OK or one problem per line") { file, wwdr, allowHttp };
        verify.SetAction(result => CommandRunner.Guard(() =>
        {
            var path = result.GetValue(file)!;
            if (!File.Exists(path))
                throw new FileNotFoundException($"no such file: {path}");
            var problems = PassVerifier.Verify(File.ReadAllBytes(path), AppleWwdr.LoadOrDefault(result.GetValue(wwdr)),
                options: new PassValidationOptions { AllowHttpWebService = result.GetValue(allowHttp) });
            foreach (var problem in problems.Where(p => !p.IsError))
                Console.Error.WriteLine(problem);
            var errors = problems.Where(p => p.IsError).ToList();
            if (errors.Count == 0)
            {
                Console.WriteLine("OK");
                return ExitCodes.Success;
            }
            foreach (var problem in errors)
                Console.Error.WriteLine(problem);
            return ExitCodes.InvalidInput;
        }));
        return verify;
    }

    /// <summary>key=value pairs; a value becomes a JSON number where the template's field holds a number.</summary>
    internal static Dictionary<string, JsonNode?> ParseFields(IEnumerable<string> pairs, JsonObject template)
    {
        var numeric = NumericFieldKeys(template);
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new UsageException($"--field '{pair}' must look like key=value");
            var key = pair[..equals];
            var value = pair[(equals + 1)..];
            result[key] = numeric.Contains(key) && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? JsonValue.Create(number)
                : JsonValue.Create(value);
        }
        return result;
    }

    private static HashSet<string> NumericFieldKeys(JsonObject template) =>
        template.Select(p => p.Value).OfType<JsonObject>()
            .SelectMany(style => style.Select(p => p.Value).OfType<JsonArray>())
            .SelectMany(list => list.OfType<JsonObject>())
            .Where(f => f["value"]?.GetValueKind() == JsonValueKind.Number && f["key"] is JsonValue)
            .Select(f => f["key"]!.ToString())
            .ToHashSet(StringComparer.Ordinal);

    private static JsonObject? ReadPatch(string? path)
    {
        if (path is null)
            return null;
        if (!File.Exists(path))
            throw new FileNotFoundException($"--patch file '{path}' does not exist");
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject
                ?? throw new PassValidationException([PassProblem.Error(path, "$", PassRules.Json, "a merge patch must be a JSON object")]);
        }
        catch (JsonException e)
        {
            throw new PassValidationException([PassProblem.Error(path, "$", PassRules.Json, $"the patch is not valid JSON: {e.Message}")]);
        }
    }

    private static void WriteAtomically(string path, SignedPass pass)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        try
        {
            using (var stream = File.Create(temporary))
                pass.WriteTo(stream);
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
