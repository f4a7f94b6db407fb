using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using PassGrains.Abstractions;
using PassGrains.Server.Stats;

namespace PassGrains.Server.IssuerConsole;

/// <summary>
/// The console's stats page: one chart a number (server-rendered SVG, no script, so the Content-Security-Policy allows
/// none) and the table of every bucket with its totals. Every text goes through <see cref="E"/>; the numbers are the
/// report's, as GET /api/stats gives them. Ids and <c>data-*</c> attributes are stable for tests.
/// </summary>
public static class StatsPage
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>The charts, in order: the number's key (as in the API), its title, and how it is read from a bucket.</summary>
    private static readonly (string Key, string Title, Func<StatsBucket, long> Value, bool PassTypeOnly)[] Numbers =
    [
        ("activeInstalls", "Active installs (at the end of each interval)", b => b.ActiveInstalls, false),
        ("installs", "Installs", b => b.Counts.Installs, false),
        ("uninstalls", "Uninstalls", b => b.Counts.Uninstalls, false),
        ("issued", "Issued", b => b.Counts.Issued, false),
        ("voided", "Voided", b => b.Counts.Voided, false),
        ("downloads", "Downloads", b => b.Counts.Downloads, false),
        ("pushesSent", "Pushes sent", b => b.Counts.PushesSent, true),
        ("pushesFailed", "Pushes failed", b => b.Counts.PushesFailed, true),
    ];

    private const int ChartWidth = 560;
    private const int ChartHeight = 140;

    public static string Render(StatsReport report)
    {
        var numbers = Numbers.Where(n => report.CountsPushes || !n.PassTypeOnly).ToList();
        var scope = $"{ScopeName(report.ScopeKind)} {report.ScopeId}";
        var interval = report.Interval == StatsInterval.Hour ? "hour" : "day";
        var html = new StringBuilder(32 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(E($"Stats: {scope}")).Append("</title><style>").Append(Stylesheet).Append("</style></head><body>");
        html.Append("<header><h1>Stats <span id=\"scope\" data-scope=\"").Append(E(report.ScopeKind)).Append("\">").Append(E(scope)).Append("</span></h1>")
            .Append("<p class=\"meta\">By <span id=\"interval\">").Append(interval).Append("</span>, ")
            .Append("<time id=\"from\">").Append(E(Stamp(report.From))).Append("</time> to <time id=\"to\">").Append(E(Stamp(report.To))).Append("</time> (UTC)")
            .Append(" · events counted through cursor <span id=\"counted-through\">").Append(report.CountedThrough.ToString(CultureInfo.InvariantCulture)).Append("</span></p>");
        if (!report.CountsPushes)
            html.Append("<p class=\"note\">Pushes are counted by pass type only: one push wakes a device for every pass of the type it holds.</p>");
        html.Append("</header><main><section class=\"charts\">");
        foreach (var number in numbers)
            Chart(html, report, number.Key, number.Title, number.Value);
        html.Append("</section>");
        Table(html, report, numbers);
        html.Append("</main></body></html>");
        return html.ToString();
    }

    private static void Chart(StringBuilder html, StatsReport report, string key, string title, Func<StatsBucket, long> value)
    {
        var values = report.Buckets.Select(value).ToList();
        var max = Math.Max(1, values.DefaultIfEmpty(0).Max());
        var total = key == "activeInstalls" ? values.LastOrDefault() : values.Sum();
        html.Append("<figure class=\"chart\" data-chart=\"").Append(key).Append("\"><figcaption>").Append(E(title)).Append(": <strong data-total=\"").Append(key).Append("\">")
            .Append(total.ToString(CultureInfo.InvariantCulture)).Append("</strong></figcaption>");
        html.Append("<svg viewBox=\"0 0 ").Append(ChartWidth).Append(' ').Append(ChartHeight + 16).Append("\" width=\"").Append(ChartWidth).Append("\" height=\"").Append(ChartHeight + 16)
            .Append("\" role=\"img\" aria-label=\"").Append(E(title)).Append("\">");
        html.Append("<line x1=\"0\" y1=\"").Append(ChartHeight).Append("\" x2=\"").Append(ChartWidth).Append("\" y2=\"").Append(ChartHeight).Append("\" class=\"axis\"/>");
        var width = (double)ChartWidth / Math.Max(1, values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            var height = values[i] * (ChartHeight - 10.0) / max;
            html.Append("<rect x=\"").Append(F(i * width + width * 0.1)).Append("\" y=\"").Append(F(ChartHeight - height)).Append("\" width=\"").Append(F(width * 0.8))
                .Append("\" height=\"").Append(F(height)).Append("\" data-value=\"").Append(values[i].ToString(CultureInfo.InvariantCulture)).Append("\"><title>")
                .Append(E($"{Stamp(report.Buckets[i].Start)}: {values[i].ToString(CultureInfo.InvariantCulture)}")).Append("</title></rect>");
        }
        html.Append("<text x=\"0\" y=\"").Append(ChartHeight + 13).Append("\">").Append(E(report.Buckets.Count > 0 ? Stamp(report.Buckets[0].Start) : "")).Append("</text>");
        html.Append("<text x=\"").Append(ChartWidth).Append("\" y=\"").Append(ChartHeight + 13).Append("\" text-anchor=\"end\">max ").Append(max.ToString(CultureInfo.InvariantCulture)).Append("</text>");
        html.Append("</svg></figure>");
    }

    private static void Table(StringBuilder html, StatsReport report, IReadOnlyList<(string Key, string Title, Func<StatsBucket, long> Value, bool PassTypeOnly)> numbers)
    {
        html.Append("<table id=\"buckets\"><thead><tr><th>Start (UTC)</th>");
        foreach (var number in numbers)
            html.Append("<th>").Append(E(number.Key)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var bucket in report.Buckets)
        {
            html.Append("<tr data-start=\"").Append(E(Stamp(bucket.Start))).Append("\"><td>").Append(E(Stamp(bucket.Start))).Append("</td>");
            foreach (var number in numbers)
                html.Append("<td data-metric=\"").Append(number.Key).Append("\">").Append(number.Value(bucket).ToString(CultureInfo.InvariantCulture)).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
    }

    private static string ScopeName(string kind) => kind switch
    {
        GrainKeys.StatsPassType => "pass type",
        GrainKeys.StatsTemplate => "template",
        _ => "group",
    };

    private static string Stamp(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string E(string text) => Encoder.Encode(text);

    private const string Stylesheet = """
        body { font: 14px/1.4 -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; color: #1d1d1f; }
        h1 { font-size: 20px; margin: 0 0 4px; } .meta, .note { color: #555; margin: 0 0 8px; }
        .charts { display: flex; flex-wrap: wrap; gap: 16px; margin: 16px 0; }
        .chart { margin: 0; padding: 8px; border: 1px solid #ddd; border-radius: 8px; }
        .chart rect { fill: #0a84ff; } .chart[data-chart="activeInstalls"] rect { fill: #30a46c; }
        .chart .axis { stroke: #999; } .chart text { font-size: 11px; fill: #666; }
        table { border-collapse: collapse; } th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: right; } th:first-child, td:first-child { text-align: left; }
        """;
}
