using System.Text.Json.Nodes;
using PassGrains.Packaging.Validation;
using static PassGrains.Packaging.Tests.PassJson;

namespace PassGrains.Packaging.Tests;

/// <summary>
/// The value types of Apple's documented semantic tags (rule semantic-type): a tag of another type is a warning naming its
/// path, the documented type and what the pass has, in the pass's semantics and in each upcoming event's; undocumented
/// keys and the dates (the W3C date check's) are left alone. Cases patch the valid event ticket of <see cref="PassJson"/>.
/// </summary>
public sealed class PassJsonValidatorSemanticTypesTests
{
    private static IReadOnlyList<PassProblem> Validate(string patch) => PassJsonValidator.Validate(PatchedBytes(patch));

    private static IReadOnlyList<PassProblem> ValidateSemantics(string tags) => Validate($"{{'semantics': {{{tags}}}}}");

    private static PassProblem AssertSemanticTypeWarning(IReadOnlyList<PassProblem> problems, string path)
    {
        problems.AssertNoErrors();
        var match = problems.FirstOrDefault(p => p.Rule == PassRules.SemanticType && p.Path == path);
        Assert.True(match is not null, $"expected a warning [{PassRules.SemanticType}] at {path}; got:{Environment.NewLine}{problems.Describe()}");
        Assert.False(match!.IsError);
        return match;
    }

    [Theory]
    // numbers
    [InlineData("'flightNumber': '123'", "$.semantics.flightNumber", "a number", "\"123\"")]
    [InlineData("'duration': '1h'", "$.semantics.duration", "a number", "\"1h\"")]
    // Booleans
    [InlineData("'silenceRequested': 'yes'", "$.semantics.silenceRequested", "true or false", "\"yes\"")]
    [InlineData("'tailgatingAllowed': 1", "$.semantics.tailgatingAllowed", "true or false", "not 1")]
    [InlineData("'internationalDocumentsAreVerified': 'true'", "$.semantics.internationalDocumentsAreVerified", "true or false", "\"true\"")]
    // strings, localizable or not
    [InlineData("'eventName': 42", "$.semantics.eventName", "a string", "not 42")]
    [InlineData("'admissionLevel': true", "$.semantics.admissionLevel", "a string", "a boolean")]
    [InlineData("'venueRoom': {'name': 'Hall A'}", "$.semantics.venueRoom", "a string", "an object")]
    [InlineData("'airlineCode': ['LH']", "$.semantics.airlineCode", "a string", "an array")]
    [InlineData("'eventType': 8", "$.semantics.eventType", "a string", "not 8")]
    [InlineData("'departureLocationTimeZone': 1", "$.semantics.departureLocationTimeZone", "a string", "not 1")]
    [InlineData("'ticketFareClass': 3", "$.semantics.ticketFareClass", "a string", "not 3")]
    // lists of strings
    [InlineData("'performerNames': 'The Band'", "$.semantics.performerNames", "an array of strings", "\"The Band\"")]
    [InlineData("'performerNames': ['The Band', 2]", "$.semantics.performerNames[1]", "a string", "not 2")]
    [InlineData("'passengerCapabilities': 'PKPassengerCapabilityPreboarding'", "$.semantics.passengerCapabilities", "an array of strings", "\"PKPassengerCapabilityPreboarding\"")]
    [InlineData("'loungePlaceIDs': {}", "$.semantics.loungePlaceIDs", "an array of strings", "an object")]
    [InlineData("'passengerServiceSSRs': [['WCHR']]", "$.semantics.passengerServiceSSRs[0]", "a string", "an array")]
    // SemanticTagType.Location
    [InlineData("'departureLocation': 'Gate 5'", "$.semantics.departureLocation", "a SemanticTagType.Location object", "\"Gate 5\"")]
    [InlineData("'venueLocation': {'latitude': '52.5145', 'longitude': 13.4501}", "$.semantics.venueLocation.latitude", "a number", "\"52.5145\"")]
    [InlineData("'destinationLocation': {'latitude': 40.64, 'longitude': '-73.78'}", "$.semantics.destinationLocation.longitude", "a number", "\"-73.78\"")]
    // SemanticTagType.CurrencyAmount
    [InlineData("'totalPrice': 12", "$.semantics.totalPrice", "a SemanticTagType.CurrencyAmount object", "not 12")]
    [InlineData("'totalPrice': {'amount': 12.5, 'currencyCode': 'EUR'}", "$.semantics.totalPrice.amount", "a string", "not 12.5")]
    [InlineData("'balance': {'amount': '5.00', 'currencyCode': 978}", "$.semantics.balance.currencyCode", "a string", "not 978")]
    // SemanticTagType.PersonNameComponents
    [InlineData("'passengerName': 'Anna Schmidt'", "$.semantics.passengerName", "a SemanticTagType.PersonNameComponents object", "\"Anna Schmidt\"")]
    [InlineData("'passengerName': {'givenName': ['Anna'], 'familyName': 'Schmidt'}", "$.semantics.passengerName.givenName", "a string", "an array")]
    [InlineData("'passengerName': {'familyName': 'Schmidt', 'phoneticRepresentation': {'familyName': 'Shmit'}}", "$.semantics.passengerName.phoneticRepresentation", "a string", "an object")]
    // seats: an array of SemanticTagType.Seat
    [InlineData("'seats': {}", "$.semantics.seats", "an array of SemanticTagType.Seat objects", "an object")]
    [InlineData("'seats': ['12A']", "$.semantics.seats[0]", "a SemanticTagType.Seat object", "\"12A\"")]
    [InlineData("'seats': [{'seatRow': 'F', 'seatNumber': 12}]", "$.semantics.seats[0].seatNumber", "a string", "not 12")]
    [InlineData("'seats': [{'seatNumber': '12'}, {'seatSectionColor': [23, 187, 82]}]", "$.semantics.seats[1].seatSectionColor", "a string", "an array")]
    // wifiAccess: an array of SemanticTagType.WifiNetwork
    [InlineData("'wifiAccess': {'ssid': 'Arena Guest', 'password': 'welcome'}", "$.semantics.wifiAccess", "an array of SemanticTagType.WifiNetwork objects", "an object")]
    [InlineData("'wifiAccess': [{'ssid': 1, 'password': 'welcome'}]", "$.semantics.wifiAccess[0].ssid", "a string", "not 1")]
    [InlineData("'wifiAccess': [{'ssid': 'Arena Guest', 'password': 'welcome', 'captiveTokenAuthURL': false}]", "$.semantics.wifiAccess[0].captiveTokenAuthURL", "a string", "a boolean")]
    // eventStartDateInfo: SemanticTagType.EventDateInfo
    [InlineData("'eventStartDateInfo': '2026-12-31T20:00+01:00'", "$.semantics.eventStartDateInfo", "a SemanticTagType.EventDateInfo object", "\"2026-12-31T20:00+01:00\"")]
    [InlineData("'eventStartDateInfo': {'date': 1798743600}", "$.semantics.eventStartDateInfo.date", "a date string", "not 1798743600")]
    [InlineData("'eventStartDateInfo': {'date': '2026-12-31T20:00+01:00', 'ignoreTimeComponents': 'no'}", "$.semantics.eventStartDateInfo.ignoreTimeComponents", "true or false", "\"no\"")]
    [InlineData("'eventStartDateInfo': {'date': '2026-12-31T20:00+01:00', 'timeZone': 1}", "$.semantics.eventStartDateInfo.timeZone", "a string", "not 1")]
    [InlineData("'eventStartDateInfo': {'undetermined': 'false'}", "$.semantics.eventStartDateInfo.undetermined", "true or false", "\"false\"")]
    public void A_semantic_tag_of_the_wrong_type_is_a_warning_naming_its_path_its_documented_type_and_what_was_found(
        string tags, string path, string expected, string found)
    {
        var problem = AssertSemanticTypeWarning(ValidateSemantics(tags), path);
        Assert.Contains($"must be {expected}", problem.Message, StringComparison.Ordinal);
        Assert.Contains(found, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'venueLocation': {'longitude': 13.4501}", "$.semantics.venueLocation.latitude", "latitude")]
    [InlineData("'departureLocation': {'latitude': 50.03}", "$.semantics.departureLocation.longitude", "longitude")]
    [InlineData("'wifiAccess': [{'ssid': 'Arena Guest'}]", "$.semantics.wifiAccess[0].password", "password")]
    [InlineData("'wifiAccess': [{'password': 'welcome'}]", "$.semantics.wifiAccess[0].ssid", "ssid")]
    public void A_member_Apple_lists_as_required_is_named_when_it_is_missing(string tags, string path, string member)
    {
        var problem = AssertSemanticTypeWarning(ValidateSemantics(tags), path);
        Assert.Contains($"has no {member}", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'flightNumber': '400'", "Write 400 without quotes.")]
    [InlineData("'silenceRequested': 'true'", "Write true without quotes.")]
    [InlineData("'seats': [{'seatNumber': 12}]", "Put it in quotes: \"12\".")]
    [InlineData("'performerNames': 'The Band'", "Put it in a list: [\"The Band\"].")]
    public void The_usual_slips_are_named_with_their_fix(string tags, string hint)
    {
        var problem = Assert.Single(ValidateSemantics(tags), p => p.Rule == PassRules.SemanticType);
        Assert.EndsWith(hint, problem.Message, StringComparison.Ordinal);
    }

    /// <summary>Every tag the table checks, with a value of its documented type.</summary>
    private const string EveryCheckedTag = """
        'additionalTicketAttributes': 'Includes a drink', 'admissionLevel': 'General admission', 'admissionLevelAbbreviation': 'GA',
        'airlineCode': 'LH', 'attendeeName': 'Anna Schmidt', 'awayTeamAbbreviation': 'AWY', 'awayTeamLocation': 'Hamburg',
        'awayTeamName': 'Away Team', 'boardingGroup': '2', 'boardingSequenceNumber': '041', 'boardingZone': '3', 'carNumber': '12',
        'confirmationNumber': 'ABC123', 'departureAirportCode': 'FRA', 'departureAirportName': 'Frankfurt Airport',
        'departureCityName': 'Frankfurt', 'departureGate': 'A26', 'departureLocationDescription': 'Frankfurt, Terminal 1',
        'departureLocationTimeZone': 'Europe/Berlin', 'departurePlatform': '7', 'departureStationName': 'Frankfurt Hbf',
        'departureTerminal': '1', 'destinationAirportCode': 'JFK', 'destinationAirportName': 'John F. Kennedy International',
        'destinationCityName': 'New York', 'destinationGate': 'B22', 'destinationLocationDescription': 'New York, JFK',
        'destinationLocationTimeZone': 'America/New_York', 'destinationPlatform': '3', 'destinationStationName': 'Penn Station',
        'destinationTerminal': '1', 'entranceDescription': 'Use the north entrance', 'eventName': 'New Year Concert',
        'eventType': 'PKEventTypeLivePerformance', 'flightCode': 'LH400', 'genre': 'Classical', 'homeTeamAbbreviation': 'HOM',
        'homeTeamLocation': 'Berlin', 'homeTeamName': 'Home Team', 'internationalDocumentsVerifiedDeclarationName': 'DOCS OK',
        'leagueAbbreviation': 'BL', 'leagueName': 'Bundesliga', 'membershipProgramName': 'Miles', 'membershipProgramNumber': '992233',
        'membershipProgramStatus': 'Gold', 'priorityStatus': 'Gold', 'securityScreening': 'Priority', 'sportName': 'Football',
        'ticketFareClass': 'Economy', 'transitProvider': 'Example Air', 'transitStatus': 'On Time', 'transitStatusReason': 'Clear skies',
        'vehicleName': 'Berlin', 'vehicleNumber': 'D-AIMA', 'vehicleType': 'Airbus A380', 'venueEntrance': 'Gate A',
        'venueEntranceDoor': 'Door 3', 'venueEntranceGate': 'Gate A', 'venueEntrancePortal': 'Portal 2', 'venueName': 'Main Hall',
        'venuePhoneNumber': '+49 30 1234567', 'venueRegionName': 'Berlin', 'venueRoom': 'Hall A',
        'albumIDs': ['1440857781'], 'artistIDs': ['136975'], 'departureLocationSecurityPrograms': ['PKTransitSecurityProgramCLEAR'],
        'destinationLocationSecurityPrograms': ['PKTransitSecurityProgramTSAPreCheck'], 'loungePlaceIDs': ['I7C250D2CDCB364A'],
        'passengerAirlineSSRs': ['XYZ'], 'passengerCapabilities': ['PKPassengerCapabilityPreboarding'],
        'passengerEligibleSecurityPrograms': ['PKTransitSecurityProgramCLEAR'], 'passengerInformationSSRs': ['INFT'],
        'passengerServiceSSRs': ['WCHR'], 'performerNames': ['The Band'], 'playlistIDs': ['pl.u-1234'],
        'duration': 7200, 'flightNumber': 400, 'internationalDocumentsAreVerified': true, 'silenceRequested': true, 'tailgatingAllowed': false,
        'balance': {'amount': '5.00', 'currencyCode': 'EUR'}, 'totalPrice': {'amount': '89.50', 'currencyCode': 'EUR'},
        'departureLocation': {'latitude': 50.0379, 'longitude': 8.5622}, 'destinationLocation': {'latitude': 40.6413, 'longitude': -73.7781},
        'venueLocation': {'latitude': 52.5145, 'longitude': 13.4501},
        'passengerName': {'namePrefix': 'Dr', 'givenName': 'Anna', 'middleName': 'Maria', 'familyName': 'Schmidt', 'nameSuffix': 'Jr',
          'nickname': 'Annie', 'phoneticRepresentation': 'AH-nah SHMIT'},
        'eventStartDateInfo': {'date': '2026-12-31T20:00+01:00', 'ignoreTimeComponents': false, 'timeZone': 'Europe/Berlin',
          'unannounced': false, 'undetermined': false},
        'seats': [{'seatAisle': '4', 'seatDescription': 'Aisle seat', 'seatIdentifier': 'F12', 'seatLevel': 'Upper', 'seatNumber': '12',
          'seatRow': 'F', 'seatSection': '100', 'seatSectionColor': 'rgb(23, 187, 82)', 'seatType': 'Reserved seating'}],
        'wifiAccess': [{'ssid': 'Arena Guest', 'password': 'welcome', 'captiveToken': 't0k3n', 'captiveTokenAuthURL': 'https://wifi.example.com/auth'}],
        'eventStartDate': '2026-12-31T20:00+01:00', 'eventEndDate': '2027-01-01T01:00+01:00', 'venueOpenDate': '2026-12-31T18:00+01:00',
        'venueDoorsOpenDate': '2026-12-31T18:30+01:00', 'venueGatesOpenDate': '2026-12-31T18:00+01:00',
        'venueBoxOfficeOpenDate': '2026-12-31T12:00+01:00', 'venueFanZoneOpenDate': '2026-12-31T16:00+01:00',
        'venueParkingLotsOpenDate': '2026-12-31T15:00+01:00', 'venueCloseDate': '2027-01-01T02:00+01:00',
        'originalBoardingDate': '2026-12-20T09:30+01:00', 'currentBoardingDate': '2026-12-20T09:45+01:00',
        'originalDepartureDate': '2026-12-20T10:15+01:00', 'currentDepartureDate': '2026-12-20T10:30+01:00',
        'originalArrivalDate': '2026-12-20T13:05-05:00', 'currentArrivalDate': '2026-12-20T13:20-05:00'
        """;

    [Fact]
    public void Every_checked_tag_of_its_documented_type_gives_no_problem_and_each_one_of_another_type_a_warning()
    {
        Assert.Empty(ValidateSemantics(EveryCheckedTag));

        var tags = JsonNode.Parse(Q($"{{{EveryCheckedTag}}}"))!.AsObject();
        Assert.Equal(PassJsonValidator.SemanticTagTypes.Keys.Order(StringComparer.Ordinal), tags.Select(t => t.Key).Order(StringComparer.Ordinal));
        foreach (var (key, type) in PassJsonValidator.SemanticTagTypes)
        {
            if (ReferenceEquals(type, PassJsonValidator.SemanticDate))
                continue;
            var wrong = type.Json == PassJsonValidator.SemanticJson.String ? "42" : "'x'";
            AssertSemanticTypeWarning(ValidateSemantics($"'{key}': {wrong}"), $"$.semantics.{key}");
        }
    }

    [Fact]
    public void A_date_tag_is_held_to_the_W3C_date_check_alone_and_its_table_entries_are_the_checked_dates()
    {
        var problems = ValidateSemantics("'eventStartDate': 20261231, 'eventName': 42");
        problems.AssertError(PassRules.Date, path: "$.semantics.eventStartDate");
        Assert.DoesNotContain(problems, p => p.Rule == PassRules.SemanticType && p.Path == "$.semantics.eventStartDate");
        Assert.Contains(problems, p => p.Rule == PassRules.SemanticType && p.Path == "$.semantics.eventName");

        var dates = PassJsonValidator.SemanticTagTypes.Where(t => ReferenceEquals(t.Value, PassJsonValidator.SemanticDate)).Select(t => t.Key);
        var checkedDates = new[]
        {
            "eventStartDate", "eventEndDate", "venueOpenDate", "venueDoorsOpenDate", "venueGatesOpenDate", "venueBoxOfficeOpenDate",
            "venueFanZoneOpenDate", "venueParkingLotsOpenDate", "venueCloseDate", "originalBoardingDate", "currentBoardingDate",
            "originalDepartureDate", "currentDepartureDate", "originalArrivalDate", "currentArrivalDate",
        };
        Assert.Equal(checkedDates.Order(StringComparer.Ordinal), dates.Order(StringComparer.Ordinal));
        foreach (var date in checkedDates)
            ValidateSemantics($"'{date}': 'soon'").AssertError(PassRules.Date, path: $"$.semantics.{date}");
    }

    [Fact]
    public void Keys_Apple_does_not_document_are_not_flagged_whatever_their_value()
    {
        // Apple adds tags yearly; these are a pass builder's spellings, a third party's keys and an invented one.
        var problems = ValidateSemantics("""
            'departureAirportTimeZone': 5, 'destinationAirportSecurityPrograms': 'CLEAR', 'airlineLoungePlaceID': ['x'],
            'airplay': 'x', 'eventLiveMessage': 7, 'venuePlaceID': 42, 'someFutureTag': {'x': 1}, 'flightNumber': '400'
            """);
        var problem = Assert.Single(problems);
        Assert.Equal((PassRules.SemanticType, "$.semantics.flightNumber"), (problem.Rule, problem.Path));
    }

    [Fact]
    public void The_semantics_of_each_upcoming_event_are_held_to_the_same_types()
    {
        var problems = Validate("""
            {
              'preferredStyleSchemes': ['posterEventTicket', 'eventTicket'],
              'semantics': {'eventName': 'New Year Concert', 'venueName': 'Main Hall', 'venueRegionName': 'Berlin', 'venueRoom': 'Hall A'},
              'upcomingPassInformation': [
                {'identifier': 'night-1', 'name': 'First night', 'type': 'event',
                 'semantics': {'venueLocation': {'latitude': 52.5145, 'longitude': 13.4501}, 'seats': [{'seatNumber': '12'}]}},
                {'identifier': 'night-2', 'name': 'Second night', 'type': 'event',
                 'semantics': {'venueLocation': 'Main Hall', 'seats': [{'seatNumber': 12}], 'futureTag': 1}}
              ]
            }
            """);
        problems.AssertNoErrors();
        Assert.Equal(
            ["$.upcomingPassInformation[1].semantics.seats[0].seatNumber", "$.upcomingPassInformation[1].semantics.venueLocation"],
            problems.Where(p => p.Rule == PassRules.SemanticType).Select(p => p.Path).Order(StringComparer.Ordinal));
        Assert.Equal(2, problems.Count);
    }
}
