using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PassGrains.Packaging.Validation;

namespace PassGrains.Server.Preview;

/// <summary>
/// A field's value as Wallet shows it: dates by <c>dateStyle</c>/<c>timeStyle</c>, numbers by <c>numberStyle</c> or
/// <c>currencyCode</c>, localizable strings translated. Wallet formats for the device's locale and time zone; a
/// server has neither, so dates show in the value's own time zone and formats are those of US English.
/// A value this cannot format shows as it is.
/// </summary>
public static partial class FieldValueFormatter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    [GeneratedRegex("<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    public static string Format(JsonObject field, PassStrings strings)
    {
        // attributedValue replaces value; of its markup Wallet supports only links, whose text is what shows here.
        var value = field["attributedValue"] ?? field["value"];
        if (value is not JsonValue scalar)
            return value?.ToJsonString() ?? "";
        var dateStyle = Text(field, "dateStyle");
        var timeStyle = Text(field, "timeStyle");
        switch (scalar.GetValueKind())
        {
            case JsonValueKind.String:
                var text = scalar.GetValue<string>();
                if ((dateStyle is not null || timeStyle is not null) && FormatDate(text, dateStyle, timeStyle) is { } date)
                    return date;
                var translated = strings.Translate(text);
                return field["attributedValue"] is null ? translated : Tag().Replace(translated, "");
            case JsonValueKind.Number when scalar.TryGetValue<decimal>(out var number):
                return FormatNumber(number, Text(field, "numberStyle"), Text(field, "currencyCode"));
            default:
                return scalar.ToJsonString();
        }
    }

    /// <summary>A W3C date in the given styles; null when the value is no date (Wallet then shows it as text).</summary>
    public static string? FormatDate(string value, string? dateStyle, string? timeStyle)
    {
        if (!W3cDate.IsValid(value) || !DateTimeOffset.TryParse(value, Invariant, DateTimeStyles.None, out var date))
            return null;
        var datePart = dateStyle switch
        {
            "PKDateStyleShort" => date.ToString("M/d/yy", Invariant),
            "PKDateStyleMedium" => date.ToString("MMM d, yyyy", Invariant),
            "PKDateStyleLong" => date.ToString("MMMM d, yyyy", Invariant),
            "PKDateStyleFull" => date.ToString("dddd, MMMM d, yyyy", Invariant),
            _ => null,
        };
        var timePart = timeStyle switch
        {
            "PKDateStyleShort" => date.ToString("h:mm tt", Invariant),
            "PKDateStyleMedium" => date.ToString("h:mm:ss tt", Invariant),
            "PKDateStyleLong" or "PKDateStyleFull" => date.ToString("h:mm:ss tt", Invariant) + " GMT" + date.ToString("zzz", Invariant),
            _ => null,
        };
        return (datePart, timePart) switch
        {
            (null, null) => value,
            ({ } d, null) => d,
            (null, { } t) => t,
            ({ } d, { } t) => dateStyle == "PKDateStyleShort" ? $"{d}, {t}" : $"{d} at {t}",
        };
    }

    public static string FormatNumber(decimal value, string? numberStyle, string? currencyCode)
    {
        if (currencyCode is { Length: 3 })
        {
            var (symbol, decimals) = Currency(currencyCode);
            var amount = Math.Abs(value).ToString(decimals == 0 ? "#,##0" : "#,##0.00", Invariant);
            return $"{(value < 0 ? "-" : "")}{symbol}{amount}";
        }
        return numberStyle switch
        {
            "PKNumberStyleDecimal" => value.ToString("#,##0.###", Invariant),
            "PKNumberStylePercent" => (value * 100).ToString("#,##0.###", Invariant) + "%",
            "PKNumberStyleScientific" => ((double)value).ToString("0.###E0", Invariant),
            _ => value.ToString(Invariant),
        };
    }

    private static (string Symbol, int Decimals) Currency(string code) => code switch
    {
        "USD" => ("$", 2),
        "EUR" => ("€", 2),
        "GBP" => ("£", 2),
        "JPY" => ("¥", 0),
        "KRW" => ("₩", 0),
        "INR" => ("₹", 2),
        _ => (code + " ", 2),
    };

    private static string? Text(JsonObject field, string key) =>
        field[key] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
}
