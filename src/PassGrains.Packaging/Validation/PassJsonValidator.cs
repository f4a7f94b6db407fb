using PassGrains.Packaging.Json;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PassGrains.Packaging.PassJson;

namespace PassGrains.Packaging.Validation;

/// <summary>
/// The rules Wallet holds pass.json to, applied to the JSON of pass.json (not to the typed model, so
/// that a wrong type is reported with its path instead of failing deserialization). Every problem
/// is reported, not only the first.
/// </summary>
public static partial class PassJsonValidator
{
    private const string File = "pass.json";

    private static readonly string[] LegacyStyles = ["boardingPass", "coupon", "eventTicket", "generic", "storeCard"];
    private static readonly string[] TransitTypes = ["PKTransitTypeAir", "PKTransitTypeBoat", "PKTransitTypeBus", "PKTransitTypeGeneric", "PKTransitTypeTrain"];
    private static readonly string[] Alignments = ["PKTextAlignmentLeft", "PKTextAlignmentCenter", "PKTextAlignmentRight", "PKTextAlignmentNatural"];
    private static readonly string[] DateStyles = ["PKDateStyleNone", "PKDateStyleShort", "PKDateStyleMedium", "PKDateStyleLong", "PKDateStyleFull"];
    private static readonly string[] NumberStyles = ["PKNumberStyleDecimal", "PKNumberStylePercent", "PKNumberStyleScientific", "PKNumberStyleSpellOut"];
    private static readonly string[] DataDetectors = ["PKDataDetectorTypePhoneNumber", "PKDataDetectorTypeLink", "PKDataDetectorTypeAddress", "PKDataDetectorTypeCalendarEvent"];
    private static readonly string[] LegacyBarcodeFormats = ["PKBarcodeFormatQR", "PKBarcodeFormatPDF417", "PKBarcodeFormatAztec"];
    private static readonly string[] ColorKeys = ["backgroundColor", "foregroundColor", "labelColor", "stripColor", "footerBackgroundColor"];
    private static readonly string[] TopLevelDateKeys = ["relevantDate", "expirationDate"];
    private static readonly string[] SemanticDateKeys =
    [
        "eventStartDate", "eventEndDate", "venueOpenDate", "venueDoorsOpenDate", "venueGatesOpenDate", "venueBoxOfficeOpenDate",
        "venueFanZoneOpenDate", "venueParkingLotsOpenDate", "venueCloseDate", "originalBoardingDate", "currentBoardingDate",
        "originalDepartureDate", "currentDepartureDate", "originalArrivalDate", "currentArrivalDate",
    ];

    [GeneratedRegex(@"^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$", RegexOptions.CultureInvariant)]
    private static partial Regex RgbColor();

    [GeneratedRegex(@"^#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$", RegexOptions.CultureInvariant)]
    private static partial Regex HexColor();

    [GeneratedRegex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();

    [GeneratedRegex(@"^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso4217();

    /// <summary>Parses and checks pass.json bytes; a JSON syntax error is one problem with its line.</summary>
    public static IReadOnlyList<PassProblem> Validate(ReadOnlySpan<byte> passJson, PassValidationOptions? options = null)
    {
        var problems = new List<PassProblem>();
        // A repeated key is ambiguous (Wallet and our checks could each read a different one), and a lone surrogate is no text.
        if (StrictJson.Check(passJson) is { } strict)
        {
            problems.Add(PassProblem.Error(File, StrictJson.ToJsonPath(strict.Member), PassRules.Json, $"pass.json is not acceptable JSON: {strict.Message}"));
            return problems;
        }
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(passJson, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            problems.Add(PassProblem.Error(File, "$", PassRules.Json,
                $"pass.json is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}"));
            return problems;
        }
        using (document)
        {
            Validate(document.RootElement, options ?? PassValidationOptions.Default, problems);
        }
        return problems;
    }

    public static void Validate(JsonElement root, PassValidationOptions options, List<PassProblem> problems)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error("$", PassRules.Type, "pass.json must be a JSON object."));
            return;
        }

        CheckStandardKeys(root, options, problems);
        var styles = CheckStyle(root, problems);
        CheckFields(root, styles, problems);
        CheckColors(root, problems);
        CheckBarcodes(root, problems);
        CheckWebService(root, options, problems);
        CheckAssociatedApp(root, problems);
        CheckDates(root, problems);
        CheckSemanticTypes(root, problems);
        CheckRelevance(root, styles, problems);
        CheckNfc(root, problems);
        CheckTypes(root, problems);
        CheckLinks(root, problems);
        CheckPosterEventTicket(root, problems);
        CheckSemanticBoardingPass(root, styles, problems);
        CheckUpcomingPassInformation(root, styles, problems);
    }

    /// <summary>True when pass.json asks Wallet for the poster event ticket layout (iOS 18).</summary>
    public static bool AsksForPosterEventTicket(JsonElement root) => AsksForStyleScheme(root, "posterEventTicket");

    /// <summary>
    /// The poster layout needs semantic tags the classic event ticket does not: without one of them Wallet quietly shows the
    /// classic layout, so each missing tag is named in a warning (the artwork the layout needs is a model's file:
    /// <see cref="PassModelValidator"/>).
    /// </summary>
    private static void CheckPosterEventTicket(JsonElement root, List<PassProblem> problems)
    {
        if (!AsksForPosterEventTicket(root))
            return;
        var semantics = root.TryGetProperty("semantics", out var tags) && tags.ValueKind == JsonValueKind.Object ? tags : default;
        bool Has(string key) => semantics.ValueKind == JsonValueKind.Object && semantics.TryGetProperty(key, out _);
        var needed = new List<string> { "eventName", "venueName", "venueRegionName", "venueRoom" };
        var eventType = semantics.ValueKind == JsonValueKind.Object && semantics.TryGetProperty("eventType", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()
            : null;
        if (eventType == "PKEventTypeSports")
            needed.AddRange(["homeTeamAbbreviation", "awayTeamAbbreviation"]);
        else if (eventType == "PKEventTypeLivePerformance")
            needed.Add("performerNames");
        var missing = needed.Where(key => !Has(key)).ToList();
        if (missing.Count > 0)
        {
            problems.Add(Warning("$.semantics", PassRules.PosterEventTicket,
                $"preferredStyleSchemes asks for posterEventTicket, but semantics has no {string.Join(", ", missing)}; Wallet will show the classic event ticket layout instead."));
        }
    }

    /// <summary>
    /// The top-level keys Wallet opens as web links: the event guide of poster event tickets (iOS 18) and the actions of
    /// upgraded boarding passes (iOS 26). Wallet shows a button for each; a value it cannot open is a dead button.
    /// </summary>
    internal static readonly string[] LinkKeys =
    [
        "accessibilityURL", "addOnURL", "bagPolicyURL", "contactVenueWebsite", "directionsInformationURL", "merchandiseURL",
        "orderFoodURL", "parkingInformationURL", "purchaseParkingURL", "sellURL", "transferURL", "transitInformationURL",
        "changeSeatURL", "entertainmentURL", "purchaseAdditionalBaggageURL", "purchaseLoungeAccessURL", "purchaseWifiURL",
        "upgradeURL", "managementURL", "registerServiceAnimalURL", "reportLostBagURL", "requestWheelchairURL", "trackBagsURL",
        "transitProviderWebsiteURL",
    ];

    private static void CheckLinks(JsonElement root, List<PassProblem> problems)
    {
        foreach (var key in LinkKeys)
        {
            if (root.TryGetProperty(key, out var link))
                CheckLink(link, $"$.{key}", key, problems);
        }
        // Apple's boarding pass article lists the airline's links as semantic tags, while Apple's own pass builder writes them
        // at the top level (docs/wallet-protocol.md); wherever one is written, a value that is no URL is no button.
        if (root.TryGetProperty("semantics", out var semantics) && semantics.ValueKind == JsonValueKind.Object)
        {
            foreach (var key in LinkKeys)
            {
                if (semantics.TryGetProperty(key, out var link))
                    CheckLink(link, $"$.semantics.{key}", key, problems);
            }
        }
        CheckFeaturedActions(root, problems);
    }

    /// <summary>
    /// <c>featuredActions</c>: the action cards of a pass, each <c>{identifier, type, url}</c>. A card opens its url, which
    /// need not be a web link (a call action dials), so like appLaunchURL it is held only to being an absolute URL.
    /// </summary>
    private static void CheckFeaturedActions(JsonElement root, List<PassProblem> problems)
    {
        if (!root.TryGetProperty("featuredActions", out var actions))
            return;
        if (actions.ValueKind != JsonValueKind.Array)
        {
            problems.Add(Error("$.featuredActions", PassRules.Type, $"featuredActions must be an array of actions ({{\"identifier\", \"type\", \"url\"}}), not {Describe(actions)}."));
            return;
        }
        var i = 0;
        foreach (var action in actions.EnumerateArray())
        {
            var path = $"$.featuredActions[{i++}]";
            if (action.ValueKind != JsonValueKind.Object)
                problems.Add(Error(path, PassRules.Type, $"A featured action must be an object ({{\"identifier\", \"type\", \"url\"}}), not {Describe(action)}."));
            else if (action.TryGetProperty("url", out var url) && !IsAbsoluteUrl(url))
                problems.Add(Error($"{path}.url", PassRules.Link, $"url {Describe(url)} is not an absolute URL; Wallet opens it when the action is tapped."));
        }
    }

    /// <summary>
    /// A value Wallet opens as a web link: an absolute http(s) URL. <paramref name="httpsOnly"/> is for a value Wallet
    /// downloads an image from, which Apple requires to be https.
    /// </summary>
    private static void CheckLink(JsonElement link, string path, string key, List<PassProblem> problems, bool httpsOnly = false)
    {
        var use = httpsOnly ? "Wallet downloads the image from it" : "Wallet opens it as a link";
        if (link.ValueKind != JsonValueKind.String || !Uri.TryCreate(link.GetString(), UriKind.Absolute, out var uri))
            problems.Add(Error(path, PassRules.Link, $"{key} {Describe(link)} is not an absolute URL; {use} (https://...)."));
        else if (httpsOnly && uri.Scheme != Uri.UriSchemeHttps)
            problems.Add(Error(path, PassRules.Link, $"{key} must be an https URL, not {uri.Scheme}:; {use}, and Apple allows only https here."));
        else if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            problems.Add(Error(path, PassRules.Link, $"{key} must be an http or https URL, not {uri.Scheme}:."));
    }

    /// <summary>
    /// A string that is a URL with a scheme of its own. On Unix <see cref="Uri"/> takes "/path" for an absolute file: URL,
    /// which Wallet would not; the scheme must be written.
    /// </summary>
    private static bool IsAbsoluteUrl(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri)
        && value.GetString()!.StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase);

    private static void CheckStandardKeys(JsonElement root, PassValidationOptions options, List<PassProblem> problems)
    {
        if (!root.TryGetProperty("formatVersion", out var version))
            problems.Add(Error("$.formatVersion", PassRules.Required, "formatVersion is missing; set it to 1."));
        else if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != 1)
            problems.Add(Error("$.formatVersion", PassRules.FormatVersion, $"formatVersion must be the number 1, not {version.GetRawText()}."));

        foreach (var key in new[] { "passTypeIdentifier", "serialNumber", "teamIdentifier", "organizationName", "description" })
        {
            if (options.IsTemplate && key == "serialNumber" && !root.TryGetProperty(key, out _))
                continue;
            if (!root.TryGetProperty(key, out var value))
                problems.Add(Error($"$.{key}", PassRules.Required, $"{key} is required."));
            else if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                problems.Add(Error($"$.{key}", PassRules.Required, $"{key} must be a non-empty string."));
        }

        if (root.TryGetProperty("passTypeIdentifier", out var type) && type.ValueKind == JsonValueKind.String
            && !(type.GetString() ?? "").StartsWith("pass.", StringComparison.Ordinal))
            problems.Add(Error("$.passTypeIdentifier", PassRules.PassTypeIdentifier,
                $"passTypeIdentifier '{type.GetString()}' must be a reverse-DNS identifier starting with 'pass.', as registered in your Apple developer account."));
    }

    private static List<string> CheckStyle(JsonElement root, List<PassProblem> problems)
    {
        var present = LegacyStyles.Where(s => root.TryGetProperty(s, out _)).ToList();
        var poster = root.TryGetProperty("posterGeneric", out _);
        if (present.Count == 0)
        {
            problems.Add(Error("$", PassRules.StyleKey,
                poster
                    ? "posterGeneric needs a legacy style key beside it (generic, storeCard, coupon or eventTicket) for devices before iOS 27."
                    : "pass.json has no style key: add exactly one of boardingPass, coupon, eventTicket, generic, storeCard."));
        }
        else if (present.Count > 1)
        {
            problems.Add(Error("$", PassRules.StyleKey,
                $"pass.json has {present.Count} style keys ({string.Join(", ", present)}); keep exactly one."));
        }
        else if (poster && present[0] == "boardingPass")
        {
            problems.Add(Error("$.posterGeneric", PassRules.StyleKey, "posterGeneric cannot fall back to boardingPass; use generic, storeCard, coupon or eventTicket."));
        }

        var styles = new List<string>(present);
        if (poster)
            styles.Add("posterGeneric");
        foreach (var style in styles)
        {
            var value = root.GetProperty(style);
            if (value.ValueKind != JsonValueKind.Object)
                problems.Add(Error($"$.{style}", PassRules.Type, $"{style} must be an object of field lists."));
        }

        if (root.TryGetProperty("boardingPass", out var boarding) && boarding.ValueKind == JsonValueKind.Object)
        {
            if (!boarding.TryGetProperty("transitType", out var transit))
                problems.Add(Error("$.boardingPass.transitType", PassRules.TransitType,
                    $"A boarding pass needs transitType: one of {string.Join(", ", TransitTypes)}."));
            else if (transit.ValueKind != JsonValueKind.String || !TransitTypes.Contains(transit.GetString()))
                problems.Add(Error("$.boardingPass.transitType", PassRules.TransitType,
                    $"transitType {transit.GetRawText()} is not one of {string.Join(", ", TransitTypes)}."));
        }
        return styles;
    }

    private static void CheckFields(JsonElement root, List<string> styles, List<PassProblem> problems)
    {
        // Field keys are unique per pass (across lists); posterGeneric is a second rendering of the
        // same pass, so it may repeat the legacy style's keys but must be unique within itself.
        foreach (var style in styles)
        {
            if (!root.TryGetProperty(style, out var fields) || fields.ValueKind != JsonValueKind.Object)
                continue;
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var list in PassFields.ListNames)
            {
                if (!fields.TryGetProperty(list, out var array))
                    continue;
                var listPath = $"$.{style}.{list}";
                if (array.ValueKind != JsonValueKind.Array)
                {
                    problems.Add(Error(listPath, PassRules.Type, $"{list} must be an array of fields."));
                    continue;
                }
                if ((list == "footerFields") && style != "posterGeneric")
                    problems.Add(Warning(listPath, PassRules.Type, "footerFields only show on posterGeneric passes."));
                if (list == "additionalInfoFields" && style != "eventTicket" && style != "posterGeneric")
                    problems.Add(Warning(listPath, PassRules.Type, "additionalInfoFields only show on poster event tickets and posterGeneric passes."));

                var index = 0;
                foreach (var field in array.EnumerateArray())
                {
                    var path = $"{listPath}[{index++}]";
                    CheckField(field, path, style, list, seen, problems);
                }
            }
        }
    }

    private static void CheckField(JsonElement field, string path, string style, string list, Dictionary<string, string> seen, List<PassProblem> problems)
    {
        if (field.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error(path, PassRules.Type, "A field must be an object with at least key and value."));
            return;
        }

        if (!field.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(key.GetString()))
        {
            problems.Add(Error($"{path}.key", PassRules.Required, "Every field needs a non-empty string key."));
        }
        else if (seen.TryGetValue(key.GetString()!, out var first))
        {
            problems.Add(Error($"{path}.key", PassRules.FieldKeyUnique,
                $"Field key '{key.GetString()}' is already used at {first}; field keys must be unique within {(style == UpcomingEntryStyle ? "an upcoming event" : "the pass")}."));
        }
        else
        {
            seen[key.GetString()!] = path;
        }

        var hasDateStyle = field.TryGetProperty("dateStyle", out _) || field.TryGetProperty("timeStyle", out _);
        if (!field.TryGetProperty("value", out var value))
        {
            problems.Add(Error($"{path}.value", PassRules.Required, "Every field needs a value (a string, a number or a W3C date)."));
        }
        else if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            problems.Add(Error($"{path}.value", PassRules.FieldValue, $"A field value must be a string or a number, not {Describe(value)}."));
        }
        else if (hasDateStyle && (value.ValueKind != JsonValueKind.String || !W3cDate.IsValid(value.GetString()!)))
        {
            problems.Add(Error($"{path}.value", PassRules.Date,
                $"A field with dateStyle or timeStyle needs a W3C date value with time zone, like 2026-12-31T20:00+01:00; got {value.GetRawText()}."));
        }

        if (field.TryGetProperty("attributedValue", out var attributed) && attributed.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            problems.Add(Error($"{path}.attributedValue", PassRules.FieldValue, $"attributedValue must be a string or a number, not {Describe(attributed)}."));

        if (field.TryGetProperty("changeMessage", out var change))
        {
            if (change.ValueKind != JsonValueKind.String)
                problems.Add(Error($"{path}.changeMessage", PassRules.Type, "changeMessage must be a string."));
            else if (!change.GetString()!.Contains("%@", StringComparison.Ordinal))
                problems.Add(Error($"{path}.changeMessage", PassRules.ChangeMessage,
                    $"changeMessage \"{change.GetString()}\" has no %@; Wallet puts the new value there (e.g. \"Gate changed to %@\"), and without it the notification is generic or missing."));
        }

        if (field.TryGetProperty("textAlignment", out var alignment))
        {
            if (alignment.ValueKind != JsonValueKind.String || !Alignments.Contains(alignment.GetString()))
                problems.Add(Error($"{path}.textAlignment", PassRules.TextAlignment, $"textAlignment {alignment.GetRawText()} is not one of {string.Join(", ", Alignments)}."));
            else if (list is "primaryFields" or "backFields")
                problems.Add(Error($"{path}.textAlignment", PassRules.TextAlignment, $"textAlignment is not allowed on {list}; remove it."));
        }

        foreach (var styleKey in new[] { "dateStyle", "timeStyle" })
        {
            if (field.TryGetProperty(styleKey, out var ds) && (ds.ValueKind != JsonValueKind.String || !DateStyles.Contains(ds.GetString())))
                problems.Add(Error($"{path}.{styleKey}", PassRules.DateStyle, $"{styleKey} {ds.GetRawText()} is not one of {string.Join(", ", DateStyles)}."));
        }

        foreach (var flag in new[] { "isRelative", "ignoresTimeZone" })
        {
            if (field.TryGetProperty(flag, out var b) && b.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                problems.Add(Error($"{path}.{flag}", PassRules.Type, $"{flag} must be true or false."));
        }

        if (field.TryGetProperty("numberStyle", out var ns) && (ns.ValueKind != JsonValueKind.String || !NumberStyles.Contains(ns.GetString())))
            problems.Add(Error($"{path}.numberStyle", PassRules.NumberStyle, $"numberStyle {ns.GetRawText()} is not one of {string.Join(", ", NumberStyles)}."));

        if (field.TryGetProperty("currencyCode", out var currency))
        {
            if (currency.ValueKind != JsonValueKind.String || !Iso4217().IsMatch(currency.GetString()!))
                problems.Add(Error($"{path}.currencyCode", PassRules.CurrencyCode, $"currencyCode {currency.GetRawText()} must be an ISO 4217 code such as EUR or USD."));
            else if (field.TryGetProperty("value", out var amount) && amount.ValueKind != JsonValueKind.Number)
                problems.Add(Error($"{path}.value", PassRules.CurrencyCode, "A field with currencyCode needs a numeric value."));
            if (field.TryGetProperty("numberStyle", out _))
                problems.Add(Warning($"{path}.numberStyle", PassRules.NumberStyle, "numberStyle is ignored when currencyCode is set."));
        }
        else if (field.TryGetProperty("numberStyle", out _) && field.TryGetProperty("value", out var number) && number.ValueKind != JsonValueKind.Number)
        {
            problems.Add(Error($"{path}.value", PassRules.NumberStyle, "A field with numberStyle needs a numeric value."));
        }

        if (field.TryGetProperty("row", out var row))
        {
            if (style != "eventTicket" || list != "auxiliaryFields")
                problems.Add(Error($"{path}.row", PassRules.Row, "row is only allowed on auxiliaryFields of event tickets."));
            else if (row.ValueKind != JsonValueKind.Number || !row.TryGetInt32(out var r) || r is not (0 or 1))
                problems.Add(Error($"{path}.row", PassRules.Row, $"row must be 0 or 1, not {row.GetRawText()}."));
        }

        if (field.TryGetProperty("dataDetectorTypes", out var detectors))
        {
            if (list != "backFields")
                problems.Add(Warning($"{path}.dataDetectorTypes", PassRules.DataDetectors, "dataDetectorTypes only apply to backFields."));
            if (detectors.ValueKind != JsonValueKind.Array)
                problems.Add(Error($"{path}.dataDetectorTypes", PassRules.DataDetectors, "dataDetectorTypes must be an array."));
            else
            {
                var i = 0;
                foreach (var d in detectors.EnumerateArray())
                {
                    if (d.ValueKind != JsonValueKind.String || !DataDetectors.Contains(d.GetString()))
                        problems.Add(Error($"{path}.dataDetectorTypes[{i}]", PassRules.DataDetectors, $"{d.GetRawText()} is not one of {string.Join(", ", DataDetectors)}."));
                    i++;
                }
            }
        }
    }

    private static void CheckColors(JsonElement root, List<PassProblem> problems)
    {
        foreach (var key in ColorKeys)
        {
            if (!root.TryGetProperty(key, out var color))
                continue;
            var text = color.ValueKind == JsonValueKind.String ? color.GetString()! : null;
            var match = text is null ? null : RgbColor().Match(text);
            if (match is { Success: true } && match.Groups.Values.Skip(1).All(g => int.Parse(g.Value, CultureInfo.InvariantCulture) <= 255))
                continue;
            var hint = text is not null && HexColor().IsMatch(text) ? $" Write it as {HexToRgb(text)}." : "";
            problems.Add(Error($"$.{key}", PassRules.Color, $"{key} {color.GetRawText()} must be a CSS color rgb(r, g, b) with each value 0–255.{hint}"));
        }
    }

    private static void CheckBarcodes(JsonElement root, List<PassProblem> problems)
    {
        var hasBarcodes = root.TryGetProperty("barcodes", out var barcodes);
        if (hasBarcodes)
        {
            if (barcodes.ValueKind != JsonValueKind.Array)
            {
                problems.Add(Error("$.barcodes", PassRules.Type, "barcodes must be an array of barcode objects."));
            }
            else
            {
                var i = 0;
                var onlyNewFormats = barcodes.GetArrayLength() > 0;
                foreach (var barcode in barcodes.EnumerateArray())
                {
                    CheckBarcode(barcode, $"$.barcodes[{i++}]", legacy: false, problems);
                    if (barcode.ValueKind == JsonValueKind.Object && barcode.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String
                        && PassBarcode.Formats.Contains(f.GetString()))
                        onlyNewFormats = false;
                }
                if (onlyNewFormats)
                    problems.Add(Warning("$.barcodes", PassRules.BarcodeFormat,
                        "No barcode in a format older devices show (QR, PDF417, Aztec, Code128); add one after the new formats as a fallback."));
            }
        }
        if (root.TryGetProperty("barcode", out var single))
        {
            CheckBarcode(single, "$.barcode", legacy: true, problems);
            if (!hasBarcodes)
                problems.Add(Warning("$.barcode", PassRules.BarcodeFormat, "barcode is deprecated since iOS 9; add the same barcode to barcodes."));
        }
    }

    private static void CheckBarcode(JsonElement barcode, string path, bool legacy, List<PassProblem> problems)
    {
        if (barcode.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error(path, PassRules.Type, "A barcode must be an object with format, message and messageEncoding."));
            return;
        }
        var allowed = legacy ? LegacyBarcodeFormats : PassBarcode.Formats.Concat(PassBarcode.NewFormats).ToArray();
        if (!barcode.TryGetProperty("format", out var format))
            problems.Add(Error($"{path}.format", PassRules.Required, $"A barcode needs a format: {string.Join(", ", allowed)}."));
        else if (format.ValueKind != JsonValueKind.String || !allowed.Contains(format.GetString()))
            problems.Add(Error($"{path}.format", PassRules.BarcodeFormat,
                $"Barcode format {format.GetRawText()} is not one of {string.Join(", ", allowed)}{(legacy ? " (the legacy barcode key supports no Code128)" : "")}."));

        if (!barcode.TryGetProperty("message", out var message))
            problems.Add(Error($"{path}.message", PassRules.Required, "A barcode needs a message."));
        else if (message.ValueKind != JsonValueKind.String)
            problems.Add(Error($"{path}.message", PassRules.BarcodeMessage, "A barcode message must be a string."));

        if (!barcode.TryGetProperty("messageEncoding", out var encoding))
        {
            problems.Add(Error($"{path}.messageEncoding", PassRules.BarcodeEncoding, "A barcode needs messageEncoding, usually \"iso-8859-1\"."));
        }
        else if (encoding.ValueKind != JsonValueKind.String || !IsKnownEncoding(encoding.GetString()!))
        {
            problems.Add(Error($"{path}.messageEncoding", PassRules.BarcodeEncoding,
                $"messageEncoding {encoding.GetRawText()} is not an IANA character set name such as \"iso-8859-1\" or \"utf-8\"."));
        }
        else if (message.ValueKind == JsonValueKind.String && encoding.GetString()!.Equals("iso-8859-1", StringComparison.OrdinalIgnoreCase)
                 && message.GetString()!.Any(c => c > 0xFF))
        {
            problems.Add(Error($"{path}.message", PassRules.BarcodeEncoding,
                "The barcode message has characters outside ISO-8859-1; set messageEncoding to \"utf-8\"."));
        }

        if (barcode.TryGetProperty("altText", out var alt) && alt.ValueKind != JsonValueKind.String)
            problems.Add(Error($"{path}.altText", PassRules.Type, "altText must be a string."));
    }

    private static void CheckWebService(JsonElement root, PassValidationOptions options, List<PassProblem> problems)
    {
        var hasUrl = root.TryGetProperty("webServiceURL", out var url);
        var hasToken = root.TryGetProperty("authenticationToken", out var token);
        if (hasUrl && !hasToken)
            problems.Add(Error("$.authenticationToken", PassRules.WebService, "webServiceURL is set but authenticationToken is missing; they come as a pair."));
        if (hasToken && !hasUrl)
            problems.Add(Error("$.webServiceURL", PassRules.WebService, "authenticationToken is set but webServiceURL is missing; they come as a pair."));

        if (hasUrl)
        {
            if (url.ValueKind != JsonValueKind.String || !Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri))
                problems.Add(Error("$.webServiceURL", PassRules.WebService, $"webServiceURL {url.GetRawText()} is not an absolute URL."));
            else if (uri.Scheme == Uri.UriSchemeHttp && !options.AllowHttpWebService)
                problems.Add(Error("$.webServiceURL", PassRules.WebService,
                    $"webServiceURL {uri} uses http; Wallet requires https (plain http only on development devices, allow it explicitly)."));
            else if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
                problems.Add(Error("$.webServiceURL", PassRules.WebService, $"webServiceURL must use https, not {uri.Scheme}."));
        }
        if (hasToken)
        {
            if (token.ValueKind != JsonValueKind.String)
                problems.Add(Error("$.authenticationToken", PassRules.AuthenticationToken, "authenticationToken must be a string."));
            else if (token.GetString()!.Length < 16)
                problems.Add(Error("$.authenticationToken", PassRules.AuthenticationToken,
                    $"authenticationToken has {token.GetString()!.Length} characters; Wallet needs at least 16 (use 32 random characters)."));
        }
    }

    private static void CheckAssociatedApp(JsonElement root, List<PassProblem> problems)
    {
        var hasIds = CheckStoreIdentifiers(root, "$", "associatedStoreIdentifiers", problems);
        CheckStoreIdentifiers(root, "$", "auxiliaryStoreIdentifiers", problems);
        if (root.TryGetProperty("appLaunchURL", out var launch))
        {
            if (!IsAbsoluteUrl(launch))
                problems.Add(Error("$.appLaunchURL", PassRules.AppLaunch, $"appLaunchURL {launch.GetRawText()} must be an absolute URL string."));
            if (!hasIds)
                problems.Add(Error("$.appLaunchURL", PassRules.AppLaunch,
                    "appLaunchURL requires associatedStoreIdentifiers (the App Store ids of the app to open), as numbers."));
        }
    }

    /// <summary>The App Store ids under <paramref name="key"/> of the object at <paramref name="parentPath"/> (the pass, or an upcoming event).</summary>
    private static bool CheckStoreIdentifiers(JsonElement parent, string parentPath, string key, List<PassProblem> problems)
    {
        if (!parent.TryGetProperty(key, out var ids))
            return false;
        if (ids.ValueKind != JsonValueKind.Array)
        {
            problems.Add(Error($"{parentPath}.{key}", PassRules.StoreIdentifiers, $"{key} must be an array of numbers."));
            return false;
        }
        var i = 0;
        var ok = ids.GetArrayLength() > 0;
        foreach (var id in ids.EnumerateArray())
        {
            if (id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var n) || n <= 0)
            {
                var hint = id.ValueKind == JsonValueKind.String && long.TryParse(id.GetString(), System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                    ? $" Write {parsed} without quotes." : "";
                problems.Add(Error($"{parentPath}.{key}[{i}]", PassRules.StoreIdentifiers, $"{key} entries must be positive numbers (App Store ids), not {id.GetRawText()}.{hint}"));
                ok = false;
            }
            i++;
        }
        if (ids.GetArrayLength() == 0)
            problems.Add(Error($"{parentPath}.{key}", PassRules.StoreIdentifiers, $"{key} is empty; list at least one App Store id or remove the key."));
        return ok;
    }

    private static void CheckDates(JsonElement root, List<PassProblem> problems)
    {
        foreach (var key in TopLevelDateKeys)
        {
            if (root.TryGetProperty(key, out var date))
                CheckDate(date, $"$.{key}", problems);
        }

        if (root.TryGetProperty("relevantDates", out var dates))
        {
            if (dates.ValueKind != JsonValueKind.Array)
            {
                problems.Add(Error("$.relevantDates", PassRules.RelevantDates, "relevantDates must be an array of {date} or {startDate, endDate} objects."));
            }
            else
            {
                var i = 0;
                foreach (var entry in dates.EnumerateArray())
                {
                    var path = $"$.relevantDates[{i++}]";
                    if (entry.ValueKind != JsonValueKind.Object)
                    {
                        problems.Add(Error(path, PassRules.RelevantDates, "Each relevantDates entry must be an object."));
                        continue;
                    }
                    var hasDate = entry.TryGetProperty("date", out var d) | entry.TryGetProperty("relevantDate", out var legacyDate);
                    var hasStart = entry.TryGetProperty("startDate", out var start);
                    var hasEnd = entry.TryGetProperty("endDate", out var end);
                    if (entry.TryGetProperty("date", out _)) CheckDate(d, $"{path}.date", problems);
                    if (entry.TryGetProperty("relevantDate", out _)) CheckDate(legacyDate, $"{path}.relevantDate", problems);
                    if (hasStart) CheckDate(start, $"{path}.startDate", problems);
                    if (hasEnd) CheckDate(end, $"{path}.endDate", problems);
                    if (hasStart && !hasEnd)
                        problems.Add(Error($"{path}.endDate", PassRules.RelevantDates, "startDate needs an endDate."));
                    if (!hasDate && !hasStart)
                        problems.Add(Error(path, PassRules.RelevantDates, "A relevantDates entry needs date, or startDate and endDate."));
                    if (hasStart && hasEnd && start.ValueKind == JsonValueKind.String && end.ValueKind == JsonValueKind.String
                        && W3cDate.IsValid(start.GetString()!) && W3cDate.IsValid(end.GetString()!)
                        && DateTimeOffset.Parse(end.GetString()!, CultureInfo.InvariantCulture) < DateTimeOffset.Parse(start.GetString()!, CultureInfo.InvariantCulture))
                        problems.Add(Error($"{path}.endDate", PassRules.RelevantDates, "endDate is before startDate."));
                }
            }
        }

        if (root.TryGetProperty("semantics", out var semantics) && semantics.ValueKind == JsonValueKind.Object)
            CheckSemanticDates(semantics, "$.semantics", problems);
    }

    /// <summary>The semantic tags that hold dates, in the pass's semantics or an upcoming event's.</summary>
    private static void CheckSemanticDates(JsonElement semantics, string path, List<PassProblem> problems)
    {
        foreach (var key in SemanticDateKeys)
        {
            if (semantics.TryGetProperty(key, out var date))
                CheckDate(date, $"{path}.{key}", problems);
        }
    }

    private static void CheckDate(JsonElement date, string path, List<PassProblem> problems)
    {
        if (date.ValueKind != JsonValueKind.String || !W3cDate.IsValid(date.GetString()!))
            problems.Add(Error(path, PassRules.Date,
                $"{date.GetRawText()} is not a W3C date with hours, minutes and a time zone, like 2026-12-31T20:00+01:00 or 2026-12-31T19:00:00Z."));
    }

    private static void CheckRelevance(JsonElement root, List<string> styles, List<PassProblem> problems)
    {
        if (root.TryGetProperty("locations", out var locations))
        {
            if (locations.ValueKind != JsonValueKind.Array)
            {
                problems.Add(Error("$.locations", PassRules.Location, "locations must be an array."));
            }
            else
            {
                if (locations.GetArrayLength() > 10)
                    problems.Add(Error("$.locations", PassRules.Location, $"locations has {locations.GetArrayLength()} entries; Wallet uses at most 10."));
                var i = 0;
                foreach (var location in locations.EnumerateArray())
                {
                    var path = $"$.locations[{i++}]";
                    if (location.ValueKind != JsonValueKind.Object)
                    {
                        problems.Add(Error(path, PassRules.Location, "A location must be an object with latitude and longitude."));
                        continue;
                    }
                    CheckCoordinate(location, path, "latitude", 90, problems);
                    CheckCoordinate(location, path, "longitude", 180, problems);
                    if (location.TryGetProperty("altitude", out var alt) && alt.ValueKind != JsonValueKind.Number)
                        problems.Add(Error($"{path}.altitude", PassRules.Location, "altitude must be a number (meters)."));
                    if (location.TryGetProperty("relevantText", out var text) && text.ValueKind != JsonValueKind.String)
                        problems.Add(Error($"{path}.relevantText", PassRules.Type, "relevantText must be a string."));
                }
            }
        }

        if (root.TryGetProperty("beacons", out var beacons))
        {
            if (beacons.ValueKind != JsonValueKind.Array)
            {
                problems.Add(Error("$.beacons", PassRules.Beacon, "beacons must be an array."));
            }
            else
            {
                var uuids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                var i = 0;
                foreach (var beacon in beacons.EnumerateArray())
                {
                    var path = $"$.beacons[{i++}]";
                    if (beacon.ValueKind != JsonValueKind.Object)
                    {
                        problems.Add(Error(path, PassRules.Beacon, "A beacon must be an object with proximityUUID."));
                        continue;
                    }
                    if (!beacon.TryGetProperty("proximityUUID", out var uuid) || uuid.ValueKind != JsonValueKind.String || !Uuid().IsMatch(uuid.GetString()!))
                        problems.Add(Error($"{path}.proximityUUID", PassRules.Beacon, "proximityUUID must be a UUID string like E2C56DB5-DFFB-48D2-B060-D0F5A71096E0."));
                    else
                        uuids.Add(uuid.GetString()!);
                    foreach (var part in new[] { "major", "minor" })
                    {
                        if (beacon.TryGetProperty(part, out var n) && (n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out var v) || v is < 0 or > 65535))
                            problems.Add(Error($"{path}.{part}", PassRules.Beacon, $"{part} must be a 16-bit unsigned number (0–65535)."));
                    }
                }
                if (uuids.Count > 10)
                    problems.Add(Error("$.beacons", PassRules.Beacon, $"beacons name {uuids.Count} distinct UUIDs; Wallet uses at most 10."));
            }
        }

        if (root.TryGetProperty("maxDistance", out var max) && (max.ValueKind != JsonValueKind.Number || max.GetDouble() <= 0))
            problems.Add(Error("$.maxDistance", PassRules.MaxDistance, $"maxDistance must be a positive number of meters, not {max.GetRawText()}; Wallet drops a string silently."));

        if (root.TryGetProperty("groupingIdentifier", out _) && !styles.Contains("eventTicket") && !styles.Contains("boardingPass"))
            problems.Add(Warning("$.groupingIdentifier", PassRules.GroupingIdentifier, "groupingIdentifier only groups event tickets and boarding passes; other styles ignore it."));

        var dateRelevant = root.TryGetProperty("relevantDate", out _) || root.TryGetProperty("relevantDates", out _);
        if (dateRelevant && (styles.Contains("coupon") || styles.Contains("storeCard")))
            problems.Add(Warning("$.relevantDate", PassRules.RelevantDates, "Coupons and store cards ignore relevant dates; use locations instead."));
    }

    private static void CheckCoordinate(JsonElement location, string path, string key, double limit, List<PassProblem> problems)
    {
        if (!location.TryGetProperty(key, out var value))
            problems.Add(Error($"{path}.{key}", PassRules.Location, $"A location needs {key}."));
        else if (value.ValueKind != JsonValueKind.Number || Math.Abs(value.GetDouble()) > limit)
            problems.Add(Error($"{path}.{key}", PassRules.Location, $"{key} must be a number between -{limit} and {limit}, not {value.GetRawText()}."));
    }

    private static void CheckNfc(JsonElement root, List<PassProblem> problems)
    {
        if (!root.TryGetProperty("nfc", out var nfc))
            return;
        if (nfc.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error("$.nfc", PassRules.Nfc, "nfc must be an object with message and encryptionPublicKey."));
            return;
        }
        if (!nfc.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String)
            problems.Add(Error("$.nfc.message", PassRules.Nfc, "nfc needs a string message."));
        else if (Encoding.UTF8.GetByteCount(message.GetString()!) > 64)
            problems.Add(Error("$.nfc.message", PassRules.Nfc, $"nfc.message is {Encoding.UTF8.GetByteCount(message.GetString()!)} bytes; Wallet truncates it at 64."));
        if (!nfc.TryGetProperty("encryptionPublicKey", out var key) || key.ValueKind != JsonValueKind.String)
            problems.Add(Error("$.nfc.encryptionPublicKey", PassRules.Nfc, "nfc needs encryptionPublicKey: the Base64 SubjectPublicKeyInfo of a P-256 key."));
        else if (!IsBase64(key.GetString()!))
            problems.Add(Error("$.nfc.encryptionPublicKey", PassRules.Nfc, "nfc.encryptionPublicKey is not Base64 (give the PEM body only, without the BEGIN/END lines)."));
        if (nfc.TryGetProperty("requiresAuthentication", out var auth) && auth.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            problems.Add(Error("$.nfc.requiresAuthentication", PassRules.Type, "requiresAuthentication must be true or false."));
    }

    private static void CheckTypes(JsonElement root, List<PassProblem> problems)
    {
        foreach (var key in new[] { "voided", "sharingProhibited", "suppressStripShine", "suppressHeaderDarkening", "useAutomaticColors" })
        {
            if (root.TryGetProperty(key, out var b) && b.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                problems.Add(Error($"$.{key}", PassRules.Type, $"{key} must be true or false, not {b.GetRawText()}."));
        }
        foreach (var key in new[] { "logoText", "groupingIdentifier", "eventLogoText" })
        {
            if (root.TryGetProperty(key, out var s) && s.ValueKind != JsonValueKind.String)
                problems.Add(Error($"$.{key}", PassRules.Type, $"{key} must be a string."));
        }
        if (root.TryGetProperty("semantics", out var semantics) && semantics.ValueKind != JsonValueKind.Object)
            problems.Add(Error("$.semantics", PassRules.Type, "semantics must be an object of semantic tags."));
        if (root.TryGetProperty("preferredStyleSchemes", out var schemes)
            && (schemes.ValueKind != JsonValueKind.Array || schemes.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String)))
            problems.Add(Error("$.preferredStyleSchemes", PassRules.Type, "preferredStyleSchemes must be an array of strings."));
    }

    private static bool IsKnownEncoding(string name)
    {
        try
        {
            _ = Encoding.GetEncoding(name);
            return true;
        }
        catch (ArgumentException)
        {
            return name.ToLowerInvariant() is "shift_jis" or "euc-jp" or "gb2312" or "gbk" or "big5" or "windows-1252" or "euc-kr"
                or "iso-8859-2" or "iso-8859-5" or "iso-8859-15" or "koi8-r";
        }
    }

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return value.Length > 0 && Convert.TryFromBase64String(value, buffer, out _);
    }

    private static string HexToRgb(string hex)
    {
        var digits = hex[1..];
        if (digits.Length == 3)
            digits = string.Concat(digits.Select(c => new string(c, 2)));
        var r = Convert.ToInt32(digits[..2], 16);
        var g = Convert.ToInt32(digits[2..4], 16);
        var b = Convert.ToInt32(digits[4..6], 16);
        return $"rgb({r}, {g}, {b})";
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    private static PassProblem Error(string path, string rule, string message) => PassProblem.Error(File, path, rule, message);

    private static PassProblem Warning(string path, string rule, string message) => PassProblem.Warning(File, path, rule, message);
}
