using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Packaging.Validation;

namespace PassGrains.Server.Preview;

/// <summary>
/// The front of a poster event ticket (iOS 18): the artwork fills the card, and the event, its venue and its start, taken
/// from the pass's semantics, stand on it. <paramref name="HeaderDarkening"/> is Wallet's shade behind the top row, which
/// <c>suppressHeaderDarkening</c> turns off. A sports event shows its teams, home against away by their abbreviations, where
/// the logo would be (<paramref name="Matchup"/>); a live performance names its performers under the event (<paramref name="Performers"/>).
/// </summary>
public sealed record PreviewPoster(
    PreviewImage Artwork, string? EventLogoText, string? EventName, string? VenueName, string? VenueDetail, string? StartDate, bool HeaderDarkening,
    string? Matchup = null, string? Performers = null);

public sealed partial record PassPreviewModel
{
    /// <summary>The poster front, when Wallet would draw the pass as a poster event ticket; null for the classic layout.</summary>
    public PreviewPoster? Poster { get; init; }

    /// <summary><c>poster</c> or <c>classic</c>: which front the page draws.</summary>
    public string Layout => Poster is null ? "classic" : "poster";

    /// <summary>
    /// The poster, for an event ticket that asks for it and that the validator finds ready: none of the listed problems is a
    /// poster fallback warning (a semantic tag or the artwork missing). The page so never draws a poster beside a warning
    /// that Wallet will not.
    /// </summary>
    private static PreviewPoster? ReadPoster(string style, byte[] passJson, JsonObject pass, Dictionary<string, PreviewImage> images,
        List<PassProblem> problems, PassStrings strings)
    {
        if (style != "eventTicket" || !AsksForPoster(passJson) || problems.Any(p => p.Rule == PassRules.PosterEventTicket))
            return null;
        // Wallet takes artwork.png for the poster, else background.png (PassModelValidator accepts either).
        if (!images.TryGetValue("artwork", out var artwork) && !images.TryGetValue("background", out artwork))
            return null;
        var semantics = pass["semantics"] as JsonObject ?? [];
        var detail = new[] { Localized(semantics, "venueRoom", strings), Localized(semantics, "venueRegionName", strings) }
            .Where(part => !string.IsNullOrWhiteSpace(part)).ToList();
        return new PreviewPoster(
            artwork,
            Localized(pass, "eventLogoText", strings),
            Localized(semantics, "eventName", strings),
            Localized(semantics, "venueName", strings),
            detail.Count == 0 ? null : string.Join(" · ", detail),
            Text(semantics, "eventStartDate") is { } start ? FieldValueFormatter.FormatDate(start, "PKDateStyleMedium", "PKDateStyleShort") : null,
            !(pass["suppressHeaderDarkening"] is JsonValue suppress && suppress.TryGetValue<bool>(out var suppressed) && suppressed),
            Matchup(semantics, strings),
            Performers(semantics, strings));
    }

    private static string? Matchup(JsonObject semantics, PassStrings strings) =>
        Text(semantics, "eventType") == "PKEventTypeSports"
        && Localized(semantics, "homeTeamAbbreviation", strings) is { Length: > 0 } home && Localized(semantics, "awayTeamAbbreviation", strings) is { Length: > 0 } away
            ? $"{home} vs {away}"
            : null;

    private static string? Performers(JsonObject semantics, PassStrings strings)
    {
        if (Text(semantics, "eventType") != "PKEventTypeLivePerformance" || semantics["performerNames"] is not JsonArray names)
            return null;
        var shown = names.OfType<JsonValue>().Select(n => n.TryGetValue<string>(out var name) ? strings.Translate(name) : null)
            .Where(n => !string.IsNullOrWhiteSpace(n)).ToList();
        return shown.Count == 0 ? null : string.Join(", ", shown);
    }

    /// <summary>The validator's own reading of <c>preferredStyleSchemes</c>, so that the preview and the check agree on it.</summary>
    private static bool AsksForPoster(byte[] passJson)
    {
        try
        {
            using var document = JsonDocument.Parse(passJson);
            return document.RootElement.ValueKind == JsonValueKind.Object && PassJsonValidator.AsksForPosterEventTicket(document.RootElement);
        }
        catch (JsonException)
        {
            return false; // reported by the validator
        }
    }
}
