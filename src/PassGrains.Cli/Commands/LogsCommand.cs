using System.CommandLine;
using System.Text.Json.Nodes;
using PassGrains.Cli.Http;

namespace PassGrains.Cli.Commands;

/// <summary><c>passgrains logs</c>: the messages devices sent to /v1/log, newest first (GET /api/device-logs).</summary>
public static class LogsCommand
{
    /// <summary>What the server keeps per silo (DeviceLogStore.Capacity).</summary>
    private const int MaxLimit = 1000;

    public static Command Create()
    {
        var limit = new Option<int>("--limit") { Description = $"How many messages, newest first (1–{MaxLimit})", DefaultValueFactory = _ => 100 };
        var server = new ServerOptions();
        var logs = new Command("logs", "Recent messages that devices sent to the server's log endpoint, newest first") { limit };
        server.AddTo(logs);
        logs.SetAction((result, cancellationToken) => CommandRunner.GuardAsync(async () =>
        {
            var count = result.GetValue(limit);
            if (count is < 1 or > MaxLimit)
                throw new UsageException($"--limit must be between 1 and {MaxLimit}");
            var target = server.Resolve(result);
            using var client = new IssuerClient(target);
            var entries = (await client.GetJsonAsync($"api/device-logs?count={count}", cancellationToken) as JsonArray ?? [])
                .OfType<JsonObject>()
                .Select(e => (At: At(e["at"]), Agent: Text(e["userAgent"]) ?? "-", Message: Text(e["message"]) ?? ""))
                .OrderByDescending(e => e.At) // the server answers newest first; a stable sort keeps that for equal times
                .ToList();
            if (entries.Count == 0)
                Console.Error.WriteLine("no device log messages on this server");
            foreach (var (at, agent, message) in entries)
                Console.WriteLine($"{at:yyyy-MM-ddTHH:mm:ss.fffZ}  {agent}  {OneLine(message)}");
            return ExitCodes.Success;
        }));
        return logs;
    }

    private static DateTimeOffset At(JsonNode? node) =>
        Text(node) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at.ToUniversalTime()
            : DateTimeOffset.MinValue;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>A device's message may hold line breaks; one entry stays one line.</summary>
    private static string OneLine(string message) =>
        message.ReplaceLineEndings(" ⏎ ");
}
