using System.Text.Json;

namespace PassGrains.Packaging.Validation;

/// <summary>
/// The upgraded boarding pass of iOS 26 (<c>"preferredStyleSchemes": ["semanticBoardingPass", "boardingPass"]</c>): Wallet
/// draws it only for an airline boarding pass whose semantics hold every tag Apple lists as required, and otherwise shows
/// the classic boarding pass without a word. Each missing tag is therefore named in a warning. What Apple requires, where
/// that is written, and what is not known is in docs/wallet-protocol.md ("Upgraded boarding passes").
/// </summary>
public static partial class PassJsonValidator
{
    private const string SemanticBoardingPassScheme = "semanticBoardingPass";

    /// <summary>The semantic tags Apple lists as required for the upgraded layout, in the order of Apple's list.</summary>
    internal static readonly string[] SemanticBoardingPassTags =
    [
        "airlineCode", "flightNumber", "departureAirportCode", "departureCityName", "departureLocationTimeZone",
        "destinationAirportCode", "destinationCityName", "destinationLocationTimeZone", "originalArrivalDate",
        "originalBoardingDate", "originalDepartureDate", "passengerName",
    ];

    /// <summary>
    /// Apple's documentation names the time zones <c>...LocationTimeZone</c>, while Apple's own pass-building code writes
    /// <c>...AirportTimeZone</c>; which one Wallet reads is not established, so either spelling counts as present, and a
    /// missing one is named with both.
    /// </summary>
    private static readonly Dictionary<string, string> TimeZoneSpellings = new(StringComparer.Ordinal)
    {
        ["departureLocationTimeZone"] = "departureAirportTimeZone",
        ["destinationLocationTimeZone"] = "destinationAirportTimeZone",
    };

    private static bool AsksForStyleScheme(JsonElement root, string scheme) =>
        root.TryGetProperty("preferredStyleSchemes", out var schemes) && schemes.ValueKind == JsonValueKind.Array
        && schemes.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.String && s.GetString() == scheme);

    private static void CheckSemanticBoardingPass(JsonElement root, List<string> styles, List<PassProblem> problems)
    {
        if (!AsksForStyleScheme(root, SemanticBoardingPassScheme))
            return;
        if (!styles.Contains("boardingPass"))
        {
            problems.Add(Warning("$.preferredStyleSchemes", PassRules.SemanticBoardingPass,
                "semanticBoardingPass upgrades only boarding passes (the boardingPass style); Wallet ignores it on this pass."));
            return;
        }

        // A missing or unknown transitType is an error of its own (CheckStyle); only a known one that is not a flight is news here.
        if (root.GetProperty("boardingPass") is { ValueKind: JsonValueKind.Object } boarding
            && boarding.TryGetProperty("transitType", out var transit) && transit.ValueKind == JsonValueKind.String
            && TransitTypes.Contains(transit.GetString()) && transit.GetString() != "PKTransitTypeAir")
        {
            problems.Add(Warning("$.boardingPass.transitType", PassRules.SemanticBoardingPass,
                $"preferredStyleSchemes asks for semanticBoardingPass, which is only for flights, but transitType is {transit.GetString()}; " +
                "Wallet will show the classic boarding pass layout instead (set PKTransitTypeAir, or leave semanticBoardingPass out)."));
        }

        var semantics = root.TryGetProperty("semantics", out var tags) && tags.ValueKind == JsonValueKind.Object ? tags : default;
        var missing = SemanticBoardingPassTags
            .Where(tag => !HasValue(semantics, tag) && !(TimeZoneSpellings.TryGetValue(tag, out var other) && HasValue(semantics, other)))
            .Select(tag => TimeZoneSpellings.TryGetValue(tag, out var other) ? $"{tag} (or {other})" : tag)
            .ToList();
        if (missing.Count > 0)
        {
            problems.Add(Warning("$.semantics", PassRules.SemanticBoardingPass,
                $"preferredStyleSchemes asks for semanticBoardingPass, but semantics has no {string.Join(", ", missing)}; Wallet will show the classic boarding pass layout instead."));
        }
    }

    /// <summary>A tag with something in it: an empty string, object or list gives Wallet nothing to draw, as a missing tag does.</summary>
    private static bool HasValue(JsonElement semantics, string key) =>
        semantics.ValueKind == JsonValueKind.Object && semantics.TryGetProperty(key, out var value) && value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => false,
            JsonValueKind.String => !string.IsNullOrWhiteSpace(value.GetString()),
            JsonValueKind.Object => value.EnumerateObject().Any(),
            JsonValueKind.Array => value.GetArrayLength() > 0,
            _ => true,
        };
}
