using System.CommandLine;
using System.Text.Json.Nodes;
using PassGrains.Cli.Certificates;
using PassGrains.Cli.Http;
using PassGrains.Packaging.Signing;

namespace PassGrains.Cli.Commands;

/// <summary>
/// <c>passgrains certs check</c>: days left of every signing certificate, from a running server
/// (GET /api/pass-types) or, with --p12, from a local certificate file before it is deployed.
/// </summary>
public static class CertsCheckCommand
{
    public static Command Create()
    {
        var warnDays = new Option<int>("--warn-days") { Description = "Fail when a certificate expires within this many days", DefaultValueFactory = _ => 30 };
        var p12 = new Option<string?>("--p12") { Description = "Check this certificate file (.p12, or PEM) instead of a server's pass types" };
        var password = new Option<string?>("--password") { Description = "Password of the --p12 file" };
        var wwdr = new Option<string?>("--wwdr") { Description = "With --p12: the intermediate to check too (PEM); default: Apple WWDR G4, shipped with passgrains" };
        var server = new ServerOptions();
        var check = new Command("check", "Show each pass type's certificates with their days left; exit 1 when one expires within --warn-days or has expired")
        {
            warnDays, p12, password, wwdr,
        };
        server.AddTo(check);
        check.SetAction((result, cancellationToken) => CommandRunner.GuardAsync(async () =>
        {
            var days = result.GetValue(warnDays);
            if (days < 0)
                throw new UsageException("--warn-days must not be negative");
            if (result.GetValue(p12) is { } file)
            {
                if (server.ServerGiven(result))
                    throw new UsageException("give either --p12 (a local file) or --server, not both");
                return CertificateExpiryReport.Print(FromFile(file, result.GetValue(password), result.GetValue(wwdr)), days);
            }
            if (result.GetValue(password) is not null || result.GetValue(wwdr) is not null)
                throw new UsageException("--password and --wwdr go with --p12");
            var target = server.Resolve(result);
            using var client = new IssuerClient(target);
            var passTypes = await client.GetJsonAsync("api/pass-types", cancellationToken) as JsonArray
                ?? throw new IssuerApiException("the server answered GET api/pass-types with something that is not a JSON array");
            return CertificateExpiryReport.Print(FromServer(passTypes), days);
        }));
        return check;
    }

    private static List<CertificateExpiry> FromFile(string path, string? password, string? wwdrPath)
    {
        var credentials = PassCertificateLoader.Load(path, password);
        var now = DateTimeOffset.UtcNow;
        var info = credentials.Info;
        var passType = info.PassTypeIdentifier ?? Path.GetFileName(path);
        var intermediate = PassCertificateInfo.From(AppleWwdr.LoadOrDefault(wwdrPath));
        return
        [
            new(passType, info.TeamIdentifier, "pass", info.Subject, info.NotAfter, info.DaysLeft(now)),
            new(passType, info.TeamIdentifier, "intermediate", intermediate.Subject, intermediate.NotAfter, intermediate.DaysLeft(now)),
        ];
    }

    private static List<CertificateExpiry> FromServer(JsonArray passTypes)
    {
        var result = new List<CertificateExpiry>();
        foreach (var passType in passTypes.OfType<JsonObject>())
        {
            var id = passType["passTypeIdentifier"]?.GetValue<string>() ?? "?";
            var team = passType["teamIdentifier"]?.GetValue<string>();
            foreach (var role in new[] { "certificate", "intermediate" })
            {
                if (passType[role] is JsonObject certificate)
                {
                    result.Add(new CertificateExpiry(id, team, role == "certificate" ? "pass" : role,
                        certificate["subject"]?.GetValue<string>() ?? "",
                        certificate["notAfter"]?.GetValue<DateTimeOffset>() ?? DateTimeOffset.MinValue,
                        certificate["daysLeft"]?.GetValue<int>() ?? int.MinValue));
                }
            }
        }
        return result;
    }
}
