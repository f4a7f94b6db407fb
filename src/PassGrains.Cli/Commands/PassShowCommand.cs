using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Cli.Http;

namespace PassGrains.Cli.Commands;

/// <summary><c>passgrains pass show</c>: GET /api/passes/{passType}/{serial}, one "name: value" line per property.</summary>
public static class PassShowCommand
{
    public static Command Create()
    {
        var passType = new Argument<string>("PASS_TYPE") { Description = "Pass type identifier, e.g. pass.com.example.event" };
        var serial = new Argument<string>("SERIAL") { Description = "Serial number" };
        var json = new Option<bool>("--json") { Description = "Print the server's JSON answer as it is" };
        var server = new ServerOptions();
        var show = new Command("show", "Show a pass on a server: version, lastUpdated, lastModified, voided, devices, owed pushes") { passType, serial, json };
        server.AddTo(show);
        show.SetAction((result, cancellationToken) => CommandRunner.GuardAsync(async () =>
        {
            var target = server.Resolve(result);
            using var client = new IssuerClient(target);
            var path = $"api/passes/{Uri.EscapeDataString(result.GetValue(passType)!)}/{Uri.EscapeDataString(result.GetValue(serial)!)}";
            var answer = await client.ExpectSuccessAsync(HttpMethod.Get, path, null, cancellationToken);
            if (result.GetValue(json))
            {
                Console.WriteLine(answer.Body);
                return ExitCodes.Success;
            }
            if (answer.Json() is not JsonObject pass)
                throw new IssuerApiException($"the server answered GET {path} with something that is not a JSON object");
            // Every property the server sends, so that what it adds later shows without a CLI change.
            var width = pass.Select(p => p.Key.Length).DefaultIfEmpty(0).Max() + 1;
            foreach (var (name, value) in pass)
                Console.WriteLine($"{(name + ":").PadRight(width)} {Display(value)}");
            return ExitCodes.Success;
        }));
        return show;
    }

    private static string Display(JsonNode? value) => value switch
    {
        null => "-",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };
}
