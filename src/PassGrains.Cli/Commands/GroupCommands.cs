using System.CommandLine;
using System.Text.Json.Nodes;
using PassGrains.Cli.Http;

namespace PassGrains.Cli.Commands;

/// <summary><c>passgrains group set</c>: PUT /api/groups/{id}; every pass of the group follows.</summary>
public static class GroupCommands
{
    public static Command Create()
    {
        var id = new Option<string>("--group") { Description = "Group id", Required = true };
        var template = new Option<string?>("--template") { Description = "Template id of the group's passes (required when the group is new)" };
        var fields = new Option<string[]>("--field") { Description = "key=value: the value of the field with that key on every pass of the group (repeatable)", AllowMultipleArgumentsPerToken = false };
        var server = new ServerOptions();
        var set = new Command("set", "Create or change a group; prints its new version") { id, template, fields };
        server.AddTo(set);
        set.SetAction((result, cancellationToken) => CommandRunner.GuardAsync(async () =>
        {
            var target = server.Resolve(result);
            var body = new JsonObject();
            if (result.GetValue(template) is { } templateId)
                body["templateId"] = templateId;
            var values = ParseFields(result.GetValue(fields) ?? []);
            if (values.Count > 0)
                body["fields"] = values;
            if (body.Count == 0)
                throw new UsageException("nothing to set: give --field key=value (and --template for a new group)");

            var groupId = result.GetValue(id)!;
            using var client = new IssuerClient(target);
            var answer = await client.ExpectSuccessAsync(HttpMethod.Put, $"api/groups/{Uri.EscapeDataString(groupId)}", body, cancellationToken);
            var version = answer.Json()?["version"]?.GetValue<long>();
            var verb = answer.Status == System.Net.HttpStatusCode.Created ? "created" : "changed";
            Console.WriteLine($"group {groupId} {verb}: version {version}");
            return ExitCodes.Success;
        }));
        return new Command("group", "Groups of passes on a server") { set };
    }

    /// <summary>key=value pairs as strings: the server's template decides what a value must look like.</summary>
    private static JsonObject ParseFields(IEnumerable<string> pairs)
    {
        var result = new JsonObject();
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new UsageException($"--field '{pair}' must look like key=value");
            result[pair[..equals]] = pair[(equals + 1)..];
        }
        return result;
    }
}
