using System.Globalization;

namespace PassGrains.Cli.Certificates;

/// <summary>One certificate a pass type signs with: its own ("pass") or the intermediate that issued it.</summary>
public sealed record CertificateExpiry(string PassType, string? Team, string Role, string Subject, DateTimeOffset NotAfter, int DaysLeft)
{
    public bool IsExpired => DaysLeft < 0;

    public bool ExpiresWithin(int warnDays) => DaysLeft < warnDays;

    public string Status(int warnDays) => IsExpired ? "EXPIRED" : ExpiresWithin(warnDays) ? "renew soon" : "ok";
}

/// <summary>
/// Prints certificates as a table with their days left and judges them: a certificate that has expired or
/// expires within the warning period fails the check, since Wallet refuses passes signed after expiry.
/// </summary>
public static class CertificateExpiryReport
{
    public static int Print(IReadOnlyList<CertificateExpiry> certificates, int warnDays)
    {
        string[] header = ["PASS TYPE", "TEAM", "CERTIFICATE", "EXPIRES (UTC)", "DAYS LEFT", "STATUS", "SUBJECT"];
        var rows = certificates.Select(c => new[]
        {
            c.PassType, c.Team ?? "-", c.Role, c.NotAfter.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            c.DaysLeft.ToString(CultureInfo.InvariantCulture), c.Status(warnDays), c.Subject,
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
            Console.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());

        var failing = certificates.Where(c => c.ExpiresWithin(warnDays)).ToList();
        foreach (var c in failing)
        {
            Console.Error.WriteLine(c.IsExpired
                ? $"error: the {c.Role} certificate of {c.PassType} expired {-c.DaysLeft} days ago ({c.NotAfter:yyyy-MM-dd}); passes signed with it are refused"
                : $"error: the {c.Role} certificate of {c.PassType} expires in {c.DaysLeft} days ({c.NotAfter:yyyy-MM-dd}), within --warn-days {warnDays}; {(c.Role == "pass" ? "renew it" : "install its successor")}");
        }
        if (certificates.Count == 0)
            Console.Error.WriteLine("no pass types: nothing to check");
        return failing.Count == 0 ? ExitCodes.Success : ExitCodes.InvalidInput;
    }
}
