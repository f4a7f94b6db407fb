using System.CommandLine;
using PassGrains.Cli.Http;
using PassGrains.Cli.Issuing;

namespace PassGrains.Cli.Commands;

/// <summary><c>passgrains issue</c>: one pass per CSV row through POST /api/passes, N requests in flight.</summary>
public static class IssueCommand
{
    private const int MaxConcurrency = 256;

    public static Command Create()
    {
        var template = new Option<string>("--template") { Description = "Template id of the passes (uploaded with PUT /api/templates/{id})", Required = true };
        var csv = new Option<string>("--csv")
        {
            Description = "CSV file (RFC 4180, UTF-8): a header row, then one row per pass. Columns: serialNumber (optional: "
                + "the server makes one), groupId (optional), and field keys; an empty cell leaves that field out",
            Required = true,
        };
        var group = new Option<string?>("--group") { Description = "Group of every pass whose row has no groupId" };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight", DefaultValueFactory = _ => 16 };
        var server = new ServerOptions();
        var issue = new Command("issue", "Issue one pass per CSV row on a running server; exit 1 when any row was refused") { template, csv, group, concurrency };
        server.AddTo(issue);
        issue.SetAction((result, cancellationToken) => CommandRunner.GuardAsync(async () =>
        {
            var inFlight = result.GetValue(concurrency);
            if (inFlight is < 1 or > MaxConcurrency)
                throw new UsageException($"--concurrency must be between 1 and {MaxConcurrency}");
            var target = server.Resolve(result);
            // Checked whole before anything is sent: a broken last line must not leave half a file issued.
            var rows = CsvPassRows.Open(result.GetValue(csv)!);

            using var client = new IssuerClient(target, inFlight);
            // One cheap request first, so that a wrong URL or key is one clear error, not one per row.
            await client.GetJsonAsync("api/pass-types", cancellationToken);

            var issuer = new BulkIssuer(client, result.GetValue(template)!, result.GetValue(group), inFlight);
            var report = await IssueProgress.RunAsync(rows.Count, issuer.Counters, () => issuer.RunAsync(rows.Read(), rows.Count, row => rows.RepeatedSerialLines.Contains(row.Line), cancellationToken));

            Console.WriteLine(report.Unfinished > 0
                ? $"issued {report.Issued}, failed {report.Failed}, unfinished {report.Unfinished}"
                : $"issued {report.Issued}, failed {report.Failed}");
            foreach (var failure in report.Failures)
                Console.Error.WriteLine(failure);
            if (report.Aborted is { } reason)
            {
                Console.Error.WriteLine($"error: stopped ({reason}); {report.Unfinished} rows were not issued, "
                    + "though those in flight at that moment may exist on the server (check with pass show)");
            }
            return report.Failed == 0 && report.Unfinished == 0 ? ExitCodes.Success : ExitCodes.InvalidInput;
        }));
        return issue;
    }
}
