using System.Globalization;
using System.Text.Json;

namespace PassGrains.Packaging.Validation;

/// <summary>
/// The JSON types of Apple's documented semantic tags, in the pass's <c>semantics</c> and in each upcoming event's. A tag
/// of the wrong type (<c>"flightNumber": "123"</c>, <c>"venueLocation": "Hall 5"</c>) does not keep the pass from
/// installing, but Wallet cannot use it, nor what rests on it (a Siri suggestion, the upgraded boarding pass or poster
/// layout, the event guide), and says nothing. Each wrong value is therefore a warning naming its path, the type Apple
/// documents and what the pass has. Keys Apple does
/// not document are left alone, since Apple adds tags every year. Where the table comes from, and what it leaves out, is in
/// docs/wallet-protocol.md ("Semantic tag value types").
/// </summary>
public static partial class PassJsonValidator
{
    internal enum SemanticJson { String, Number, Boolean, Array, Object }

    /// <summary>
    /// A type a semantic tag, or a member of one of Apple's SemanticTagType objects, may have: <paramref name="Items"/> is
    /// the type of an array's entries, <paramref name="Members"/> the documented members of an object.
    /// </summary>
    internal sealed record SemanticType(string Name, SemanticJson Json, SemanticType? Items = null, IReadOnlyList<SemanticMember>? Members = null);

    internal sealed record SemanticMember(string Key, SemanticType Type, bool Required = false);

    private static readonly SemanticType SemanticText = new("a string", SemanticJson.String);
    private static readonly SemanticType SemanticNumber = new("a number", SemanticJson.Number);
    private static readonly SemanticType SemanticFlag = new("true or false", SemanticJson.Boolean);
    private static readonly SemanticType SemanticTextList = new("an array of strings", SemanticJson.Array, SemanticText);

    /// <summary>
    /// Apple's "ISO 8601 date as string". Both its type and its form are <see cref="CheckSemanticDates"/>'s, which already
    /// reports anything that is not a W3C date (a number included) as an error; the type check passes these tags by.
    /// </summary>
    internal static readonly SemanticType SemanticDate = new("a date string", SemanticJson.String);

    private static readonly SemanticType SemanticLocation = new(
        "a SemanticTagType.Location object such as {\"latitude\": 52.5145, \"longitude\": 13.4501}", SemanticJson.Object,
        Members: [new("latitude", SemanticNumber, Required: true), new("longitude", SemanticNumber, Required: true)]);

    /// <remarks>
    /// currencyCode is "ISO 4217 currency code as a string"; only its type is checked here: a string that is no currency
    /// code is a wrong value, not a wrong type.
    /// </remarks>
    private static readonly SemanticType SemanticCurrencyAmount = new(
        "a SemanticTagType.CurrencyAmount object such as {\"amount\": \"12.50\", \"currencyCode\": \"EUR\"}", SemanticJson.Object,
        Members: [new("amount", SemanticText), new("currencyCode", SemanticText)]);

    private static readonly SemanticType SemanticPersonName = new(
        "a SemanticTagType.PersonNameComponents object such as {\"givenName\": \"Anna\", \"familyName\": \"Schmidt\"}", SemanticJson.Object,
        Members:
        [
            new("familyName", SemanticText), new("givenName", SemanticText), new("middleName", SemanticText), new("namePrefix", SemanticText),
            new("nameSuffix", SemanticText), new("nickname", SemanticText), new("phoneticRepresentation", SemanticText),
        ]);

    /// <remarks>
    /// seatSectionColor is a string in every source, but its form is not agreed: Apple's reference asks for a CSS rgb()
    /// triple, while Apple's pass builder also reads #RRGGBB. Only the type is checked.
    /// </remarks>
    private static readonly SemanticType SemanticSeat = new(
        "a SemanticTagType.Seat object such as {\"seatSection\": \"100\", \"seatRow\": \"F\", \"seatNumber\": \"12\"}", SemanticJson.Object,
        Members:
        [
            new("seatAisle", SemanticText), new("seatDescription", SemanticText), new("seatIdentifier", SemanticText),
            new("seatLevel", SemanticText), new("seatNumber", SemanticText), new("seatRow", SemanticText), new("seatSection", SemanticText),
            new("seatSectionColor", SemanticText), new("seatType", SemanticText),
        ]);

    private static readonly SemanticType SemanticWifiNetwork = new(
        "a SemanticTagType.WifiNetwork object such as {\"ssid\": \"Arena Guest\", \"password\": \"...\"}", SemanticJson.Object,
        Members:
        [
            new("ssid", SemanticText, Required: true), new("password", SemanticText, Required: true),
            new("captiveToken", SemanticText), new("captiveTokenAuthURL", SemanticText),
        ]);

    /// <remarks>
    /// date is "ISO 8601 date as string" but is not held to the W3C form of the other semantic dates: with
    /// ignoreTimeComponents the time may mean nothing, and no source says whether Wallet then takes a date alone.
    /// Nor is date required: passkit-generator requires it, Apple's reference and Apple's pass builder do not.
    /// </remarks>
    private static readonly SemanticType SemanticEventDateInfo = new(
        "a SemanticTagType.EventDateInfo object such as {\"date\": \"2026-12-31T20:00+01:00\", \"timeZone\": \"Europe/Berlin\"}", SemanticJson.Object,
        Members:
        [
            new("date", new("a date string such as \"2026-12-31T20:00+01:00\"", SemanticJson.String)),
            new("ignoreTimeComponents", SemanticFlag), new("timeZone", SemanticText), new("unannounced", SemanticFlag),
            new("undetermined", SemanticFlag),
        ]);

    /// <summary>
    /// Every tag of Apple's SemanticTags reference whose type the sources agree on, with that type. Left out, because the
    /// sources disagree or only one that is not Apple's names them: the time zones and security programs as Apple's pass
    /// builder spells them (<c>departureAirportTimeZone</c>, <c>departureAirportSecurityPrograms</c> and their destination
    /// twins; the reference says <c>...Location...</c>, checked here), <c>airlineLoungePlaceID</c> (the pass builder's one
    /// string, where the reference has the <c>loungePlaceIDs</c> list), and passkit-generator's <c>airplay</c> and
    /// <c>eventLiveMessage</c>, which no Apple source lists. The link keys the boarding pass article files as semantic tags
    /// are <see cref="CheckLinks"/>'s.
    /// </summary>
    internal static IReadOnlyDictionary<string, SemanticType> SemanticTagTypes => LazySemanticTagTypes.Value;

    // Built on first use: the order of static initializers across the parts of a partial class is unspecified, and the
    // table takes its dates from SemanticDateKeys in another part.
    private static readonly Lazy<Dictionary<string, SemanticType>> LazySemanticTagTypes = new(BuildSemanticTagTypes);

    private static Dictionary<string, SemanticType> BuildSemanticTagTypes()
    {
        string[] text =
        [
            "additionalTicketAttributes", "admissionLevel", "admissionLevelAbbreviation", "airlineCode", "attendeeName",
            "awayTeamAbbreviation", "awayTeamLocation", "awayTeamName", "boardingGroup", "boardingSequenceNumber", "boardingZone",
            "carNumber", "confirmationNumber", "departureAirportCode", "departureAirportName", "departureCityName", "departureGate",
            "departureLocationDescription", "departureLocationTimeZone", "departurePlatform", "departureStationName", "departureTerminal",
            "destinationAirportCode", "destinationAirportName", "destinationCityName", "destinationGate", "destinationLocationDescription",
            "destinationLocationTimeZone", "destinationPlatform", "destinationStationName", "destinationTerminal", "entranceDescription",
            "eventName", "eventType", "flightCode", "genre", "homeTeamAbbreviation", "homeTeamLocation", "homeTeamName",
            "internationalDocumentsVerifiedDeclarationName", "leagueAbbreviation", "leagueName", "membershipProgramName",
            "membershipProgramNumber", "membershipProgramStatus", "priorityStatus", "securityScreening", "sportName", "ticketFareClass",
            "transitProvider", "transitStatus", "transitStatusReason", "vehicleName", "vehicleNumber", "vehicleType", "venueEntrance",
            "venueEntranceDoor", "venueEntranceGate", "venueEntrancePortal", "venueName", "venuePhoneNumber", "venueRegionName", "venueRoom",
        ];
        string[] textLists =
        [
            "albumIDs", "artistIDs", "departureLocationSecurityPrograms", "destinationLocationSecurityPrograms", "loungePlaceIDs",
            "passengerAirlineSSRs", "passengerCapabilities", "passengerEligibleSecurityPrograms", "passengerInformationSSRs",
            "passengerServiceSSRs", "performerNames", "playlistIDs",
        ];
        var types = new Dictionary<string, SemanticType>(StringComparer.Ordinal)
        {
            ["duration"] = SemanticNumber,
            ["flightNumber"] = SemanticNumber,
            ["internationalDocumentsAreVerified"] = SemanticFlag,
            ["silenceRequested"] = SemanticFlag,
            ["tailgatingAllowed"] = SemanticFlag,
            ["balance"] = SemanticCurrencyAmount,
            ["totalPrice"] = SemanticCurrencyAmount,
            ["departureLocation"] = SemanticLocation,
            ["destinationLocation"] = SemanticLocation,
            ["venueLocation"] = SemanticLocation,
            ["passengerName"] = SemanticPersonName,
            ["eventStartDateInfo"] = SemanticEventDateInfo,
            ["seats"] = new("an array of SemanticTagType.Seat objects", SemanticJson.Array, SemanticSeat),
            ["wifiAccess"] = new("an array of SemanticTagType.WifiNetwork objects", SemanticJson.Array, SemanticWifiNetwork),
        };
        foreach (var key in text)
            types.Add(key, SemanticText);
        foreach (var key in textLists)
            types.Add(key, SemanticTextList);
        foreach (var key in SemanticDateKeys)
            types.Add(key, SemanticDate);
        return types;
    }

    private static void CheckSemanticTypes(JsonElement root, List<PassProblem> problems)
    {
        if (root.TryGetProperty("semantics", out var semantics) && semantics.ValueKind == JsonValueKind.Object)
            CheckSemanticTagTypes(semantics, "$.semantics", problems);
    }

    /// <summary>The documented tags of a <c>semantics</c> object (the pass's, or an upcoming event's), each held to its type.</summary>
    private static void CheckSemanticTagTypes(JsonElement semantics, string path, List<PassProblem> problems)
    {
        foreach (var tag in semantics.EnumerateObject())
        {
            if (SemanticTagTypes.TryGetValue(tag.Name, out var type) && !ReferenceEquals(type, SemanticDate))
                CheckSemanticValue(tag.Value, type, $"{path}.{tag.Name}", tag.Name, problems);
        }
    }

    private static void CheckSemanticValue(JsonElement value, SemanticType type, string path, string name, List<PassProblem> problems)
    {
        if (!HasJsonType(value, type.Json))
        {
            problems.Add(Warning(path, PassRules.SemanticType,
                $"{name} must be {type.Name}, not {Describe(value)}; Wallet ignores a semantic tag whose value is not of the type Apple documents.{SemanticHint(value, type)}"));
            return;
        }
        if (type.Items is { } items)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                CheckSemanticValue(item, items, $"{path}[{i}]", $"{name}[{i}]", problems);
                i++;
            }
        }
        if (type.Members is { } members)
        {
            foreach (var member in members)
            {
                var memberPath = $"{path}.{member.Key}";
                if (value.TryGetProperty(member.Key, out var memberValue))
                    CheckSemanticValue(memberValue, member.Type, memberPath, $"{name}.{member.Key}", problems);
                else if (member.Required)
                    problems.Add(Warning(memberPath, PassRules.SemanticType,
                        $"{name} has no {member.Key}, which Apple lists as required ({member.Type.Name}); Wallet ignores the tag without it."));
            }
        }
    }

    private static bool HasJsonType(JsonElement value, SemanticJson json) => json switch
    {
        SemanticJson.String => value.ValueKind == JsonValueKind.String,
        SemanticJson.Number => value.ValueKind == JsonValueKind.Number,
        SemanticJson.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        SemanticJson.Array => value.ValueKind == JsonValueKind.Array,
        _ => value.ValueKind == JsonValueKind.Object,
    };

    /// <summary>
    /// The usual slips, named with their fix: a quoted number or Boolean, a number where text is documented (a seat number),
    /// one value where a list is.
    /// </summary>
    private static string SemanticHint(JsonElement value, SemanticType type)
    {
        if (type.Json == SemanticJson.Number && value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), System.Globalization.NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            return $" Write {value.GetString()!.Trim()} without quotes.";
        if (type.Json == SemanticJson.Boolean && value.ValueKind == JsonValueKind.String && value.GetString() is "true" or "false")
            return $" Write {value.GetString()} without quotes.";
        if (ReferenceEquals(type, SemanticText) && value.ValueKind == JsonValueKind.Number)
            return $" Put it in quotes: \"{value.GetRawText()}\".";
        if (type.Json == SemanticJson.Array && type.Items is { } items && HasJsonType(value, items.Json))
            return $" Put it in a list: [{value.GetRawText()}].";
        return "";
    }
}
