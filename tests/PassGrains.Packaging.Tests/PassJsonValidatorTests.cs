using System.Text;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.Validation;
using static PassGrains.Packaging.Tests.PassJson;

namespace PassGrains.Packaging.Tests;

/// <summary>
/// Each rule Wallet holds pass.json to, as PassJsonValidator applies it: a mistake is reported with its
/// rule and JSON path, and the corrected form passes. Cases patch a valid event ticket (RFC 7386,
/// JSON written with single quotes).
/// </summary>
public sealed class PassJsonValidatorTests
{
    private static IReadOnlyList<PassProblem> Validate(string patch, PassValidationOptions? options = null) =>
        PassJsonValidator.Validate(PatchedBytes(patch), options);

    [Theory]
    [InlineData("{\"formatVersion\":1,\"passTypeIdentifier\":\"pass.a\",\"passTypeIdentifier\":\"pass.b\"}", "$.passTypeIdentifier")]
    [InlineData("{\"formatVersion\":1,\"generic\":{\"headerFields\":[],\"headerFields\":[{\"key\":\"a\",\"value\":\"b\"}]}}", "$.generic.headerFields")]
    [InlineData("{\"formatVersion\":1,\"description\":\"\\ud800\"}", "$.description")]
    public void A_repeated_key_or_a_lone_surrogate_makes_pass_json_unacceptable(string passJson, string path)
    {
        // Either would let Wallet and this validator read different documents, or break the pass when it is composed.
        var problem = PassJsonValidator.Validate(Encoding.UTF8.GetBytes(passJson)).AssertError(PassRules.Json, path: path);
        Assert.Contains("not acceptable JSON", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_base_pass_is_valid_without_warnings()
    {
        var problems = PassJsonValidator.Validate(BaseBytes);
        Assert.Empty(problems);
    }

    [Theory]
    // exactly one style key
    [InlineData("{'eventTicket': null}", PassRules.StyleKey, "$")]
    [InlineData("{'coupon': {'primaryFields': [{'key': 'off', 'value': '10%'}]}}", PassRules.StyleKey, "$")]
    [InlineData("{'eventTicket': null, 'posterGeneric': {'primaryFields': [{'key': 'a', 'value': 'b'}]}}", PassRules.StyleKey, "$")]
    // boarding passes need a known transitType
    [InlineData("{'eventTicket': null, 'boardingPass': {'primaryFields': [{'key': 'from', 'value': 'FRA'}]}}", PassRules.TransitType, "$.boardingPass.transitType")]
    [InlineData("{'eventTicket': null, 'boardingPass': {'transitType': 'PKTransitTypePlane'}}", PassRules.TransitType, "$.boardingPass.transitType")]
    // field keys are unique within the pass, across lists
    [InlineData("{'eventTicket': {'backFields': [{'key': 'event', 'value': 'again'}]}}", PassRules.FieldKeyUnique, "$.eventTicket.backFields[0].key")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7'}, {'key': 'gate', 'value': '8'}]}}", PassRules.FieldKeyUnique, "$.eventTicket.auxiliaryFields[1].key")]
    // changeMessage needs %@
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'changeMessage': 'Gate changed'}]}}", PassRules.ChangeMessage, "$.eventTicket.auxiliaryFields[0].changeMessage")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'changeMessage': 'Gate changed to %d'}]}}", PassRules.ChangeMessage, "$.eventTicket.auxiliaryFields[0].changeMessage")]
    // textAlignment: known values, never on primary or back fields
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'textAlignment': 'center'}]}}", PassRules.TextAlignment, "$.eventTicket.auxiliaryFields[0].textAlignment")]
    [InlineData("{'eventTicket': {'primaryFields': [{'key': 'event', 'value': 'x', 'textAlignment': 'PKTextAlignmentCenter'}]}}", PassRules.TextAlignment, "$.eventTicket.primaryFields[0].textAlignment")]
    [InlineData("{'eventTicket': {'backFields': [{'key': 'terms', 'value': 'x', 'textAlignment': 'PKTextAlignmentLeft'}]}}", PassRules.TextAlignment, "$.eventTicket.backFields[0].textAlignment")]
    // dateStyle/timeStyle: known values, and the value must then be a W3C date
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '2026-12-31T20:00+01:00', 'dateStyle': 'short'}]}}", PassRules.DateStyle, "$.eventTicket.auxiliaryFields[0].dateStyle")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '2026-12-31T20:00+01:00', 'timeStyle': 'PKDateStyleTiny'}]}}", PassRules.DateStyle, "$.eventTicket.auxiliaryFields[0].timeStyle")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': 'tomorrow', 'dateStyle': 'PKDateStyleShort'}]}}", PassRules.Date, "$.eventTicket.auxiliaryFields[0].value")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '2026-12-31T20:00', 'dateStyle': 'PKDateStyleShort'}]}}", PassRules.Date, "$.eventTicket.auxiliaryFields[0].value")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '2026-12-31', 'timeStyle': 'PKDateStyleShort'}]}}", PassRules.Date, "$.eventTicket.auxiliaryFields[0].value")]
    // numberStyle and currencyCode
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': 0.2, 'numberStyle': 'percent'}]}}", PassRules.NumberStyle, "$.eventTicket.auxiliaryFields[0].numberStyle")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '20%', 'numberStyle': 'PKNumberStylePercent'}]}}", PassRules.NumberStyle, "$.eventTicket.auxiliaryFields[0].value")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': 25.5, 'currencyCode': 'euro'}]}}", PassRules.CurrencyCode, "$.eventTicket.auxiliaryFields[0].currencyCode")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '25.50', 'currencyCode': 'EUR'}]}}", PassRules.CurrencyCode, "$.eventTicket.auxiliaryFields[0].value")]
    // row: only on eventTicket auxiliaryFields, 0 or 1
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'row': 2}]}}", PassRules.Row, "$.eventTicket.auxiliaryFields[0].row")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'row': '1'}]}}", PassRules.Row, "$.eventTicket.auxiliaryFields[0].row")]
    [InlineData("{'eventTicket': {'secondaryFields': [{'key': 'loc', 'value': 'Hall', 'row': 1}]}}", PassRules.Row, "$.eventTicket.secondaryFields[0].row")]
    [InlineData("{'eventTicket': null, 'generic': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'row': 1}]}}", PassRules.Row, "$.generic.auxiliaryFields[0].row")]
    // colors are rgb(r, g, b) with 0-255
    [InlineData("{'backgroundColor': '#ff0000'}", PassRules.Color, "$.backgroundColor")]
    [InlineData("{'foregroundColor': 'white'}", PassRules.Color, "$.foregroundColor")]
    [InlineData("{'labelColor': 'rgb(256, 0, 0)'}", PassRules.Color, "$.labelColor")]
    [InlineData("{'backgroundColor': 'rgba(1, 2, 3, 0.5)'}", PassRules.Color, "$.backgroundColor")]
    [InlineData("{'stripColor': 'rgb(1, 2)'}", PassRules.Color, "$.stripColor")]
    // barcodes: four formats in barcodes, three in the legacy barcode key; messageEncoding required and known
    [InlineData("{'barcodes': [{'format': 'PKBarcodeFormatEAN8', 'message': 'x', 'messageEncoding': 'iso-8859-1'}]}", PassRules.BarcodeFormat, "$.barcodes[0].format")]
    [InlineData("{'barcodes': [{'format': 'QR', 'message': 'x', 'messageEncoding': 'iso-8859-1'}]}", PassRules.BarcodeFormat, "$.barcodes[0].format")]
    [InlineData("{'barcode': {'format': 'PKBarcodeFormatCode128', 'message': 'x', 'messageEncoding': 'iso-8859-1'}}", PassRules.BarcodeFormat, "$.barcode.format")]
    [InlineData("{'barcodes': [{'format': 'PKBarcodeFormatQR', 'message': 'x'}]}", PassRules.BarcodeEncoding, "$.barcodes[0].messageEncoding")]
    [InlineData("{'barcodes': [{'format': 'PKBarcodeFormatQR', 'message': 'x', 'messageEncoding': 'klingon-1'}]}", PassRules.BarcodeEncoding, "$.barcodes[0].messageEncoding")]
    [InlineData("{'barcode': {'format': 'PKBarcodeFormatQR', 'message': 'x'}}", PassRules.BarcodeEncoding, "$.barcode.messageEncoding")]
    [InlineData("{'barcodes': [{'format': 'PKBarcodeFormatQR', 'messageEncoding': 'iso-8859-1'}]}", PassRules.Required, "$.barcodes[0].message")]
    // web service: https, paired with a token of at least 16 characters
    [InlineData("{'webServiceURL': 'http://passes.example.com/', 'authenticationToken': '0123456789abcdef'}", PassRules.WebService, "$.webServiceURL")]
    [InlineData("{'webServiceURL': 'ftp://passes.example.com/', 'authenticationToken': '0123456789abcdef'}", PassRules.WebService, "$.webServiceURL")]
    [InlineData("{'webServiceURL': 'passes.example.com', 'authenticationToken': '0123456789abcdef'}", PassRules.WebService, "$.webServiceURL")]
    [InlineData("{'webServiceURL': 'https://passes.example.com/'}", PassRules.WebService, "$.authenticationToken")]
    [InlineData("{'authenticationToken': '0123456789abcdef'}", PassRules.WebService, "$.webServiceURL")]
    [InlineData("{'webServiceURL': 'https://passes.example.com/', 'authenticationToken': '0123456789abcde'}", PassRules.AuthenticationToken, "$.authenticationToken")]
    [InlineData("{'webServiceURL': 'https://passes.example.com/', 'authenticationToken': 1234567890123456789}", PassRules.AuthenticationToken, "$.authenticationToken")]
    // associated app
    [InlineData("{'appLaunchURL': 'exampleapp://open'}", PassRules.AppLaunch, "$.appLaunchURL")]
    [InlineData("{'associatedStoreIdentifiers': ['375380948']}", PassRules.StoreIdentifiers, "$.associatedStoreIdentifiers[0]")]
    [InlineData("{'associatedStoreIdentifiers': [375380948, -1]}", PassRules.StoreIdentifiers, "$.associatedStoreIdentifiers[1]")]
    [InlineData("{'associatedStoreIdentifiers': 375380948}", PassRules.StoreIdentifiers, "$.associatedStoreIdentifiers")]
    [InlineData("{'associatedStoreIdentifiers': []}", PassRules.StoreIdentifiers, "$.associatedStoreIdentifiers")]
    [InlineData("{'appLaunchURL': 'exampleapp://open', 'associatedStoreIdentifiers': ['375380948']}", PassRules.AppLaunch, "$.appLaunchURL")]
    // links Wallet opens (event guide, upgraded boarding passes)
    [InlineData("{'bagPolicyURL': 'see the website'}", PassRules.Link, "$.bagPolicyURL")]
    [InlineData("{'sellURL': 'javascript:alert(1)'}", PassRules.Link, "$.sellURL")]
    [InlineData("{'contactVenueWebsite': '/venue'}", PassRules.Link, "$.contactVenueWebsite")]
    [InlineData("{'changeSeatURL': 42}", PassRules.Link, "$.changeSeatURL")]
    [InlineData("{'transitProviderWebsiteURL': 'ftp://airline.example.com/'}", PassRules.Link, "$.transitProviderWebsiteURL")]
    // the same links written into semantics, and the url of a featured action (any scheme, but a scheme)
    [InlineData("{'semantics': {'changeSeatURL': 'change your seat in the app'}}", PassRules.Link, "$.semantics.changeSeatURL")]
    [InlineData("{'semantics': {'bagPolicyURL': 'javascript:alert(1)'}}", PassRules.Link, "$.semantics.bagPolicyURL")]
    [InlineData("{'featuredActions': [{'identifier': 'benefits', 'type': 'membershipBenefits', 'url': '/benefits'}]}", PassRules.Link, "$.featuredActions[0].url")]
    [InlineData("{'featuredActions': [{'identifier': 'shop', 'type': 'shop', 'url': 42}]}", PassRules.Link, "$.featuredActions[0].url")]
    [InlineData("{'featuredActions': {'identifier': 'shop', 'type': 'shop', 'url': 'https://shop.example.com/'}}", PassRules.Type, "$.featuredActions")]
    [InlineData("{'featuredActions': ['https://shop.example.com/']}", PassRules.Type, "$.featuredActions[0]")]
    [InlineData("{'appLaunchURL': '/open', 'associatedStoreIdentifiers': [375380948]}", PassRules.AppLaunch, "$.appLaunchURL")]
    // W3C dates with hours, minutes and a time zone
    [InlineData("{'relevantDate': '2026-12-31T20:00'}", PassRules.Date, "$.relevantDate")]
    [InlineData("{'relevantDate': '2026-12-31'}", PassRules.Date, "$.relevantDate")]
    [InlineData("{'relevantDate': '31.12.2026 20:00 +01:00'}", PassRules.Date, "$.relevantDate")]
    [InlineData("{'relevantDate': '2026-02-30T20:00Z'}", PassRules.Date, "$.relevantDate")]
    [InlineData("{'relevantDate': 1798743600}", PassRules.Date, "$.relevantDate")]
    [InlineData("{'expirationDate': '2026-12-31T20'}", PassRules.Date, "$.expirationDate")]
    [InlineData("{'relevantDates': [{'date': '2026-12-31 20:00'}]}", PassRules.Date, "$.relevantDates[0].date")]
    [InlineData("{'relevantDates': [{'startDate': '2026-12-31T20:00Z'}]}", PassRules.RelevantDates, "$.relevantDates[0].endDate")]
    [InlineData("{'relevantDates': [{'startDate': '2026-12-31T20:00Z', 'endDate': '2026-12-31'}]}", PassRules.Date, "$.relevantDates[0].endDate")]
    [InlineData("{'relevantDates': [{'startDate': '2026-12-31T20:00Z', 'endDate': '2026-12-31T18:00Z'}]}", PassRules.RelevantDates, "$.relevantDates[0].endDate")]
    [InlineData("{'relevantDates': [{'date': '2026-12-30T20:00Z'}, {}]}", PassRules.RelevantDates, "$.relevantDates[1]")]
    [InlineData("{'relevantDates': {'date': '2026-12-30T20:00Z'}}", PassRules.RelevantDates, "$.relevantDates")]
    [InlineData("{'semantics': {'eventStartDate': '2026-12-31'}}", PassRules.Date, "$.semantics.eventStartDate")]
    // locations
    [InlineData("{'locations': [{'longitude': 13.45}]}", PassRules.Location, "$.locations[0].latitude")]
    [InlineData("{'locations': [{'latitude': 52.5}]}", PassRules.Location, "$.locations[0].longitude")]
    [InlineData("{'locations': [{'latitude': 91, 'longitude': 13.45}]}", PassRules.Location, "$.locations[0].latitude")]
    [InlineData("{'locations': [{'latitude': 52.5, 'longitude': '13.45'}]}", PassRules.Location, "$.locations[0].longitude")]
    [InlineData("{'locations': [{'latitude': 52.5, 'longitude': -180.5}]}", PassRules.Location, "$.locations[0].longitude")]
    [InlineData("{'locations': [{'latitude': 52.5, 'longitude': 13.45, 'altitude': 'high'}]}", PassRules.Location, "$.locations[0].altitude")]
    [InlineData("{'locations': {'latitude': 52.5, 'longitude': 13.45}}", PassRules.Location, "$.locations")]
    // beacons
    [InlineData("{'beacons': [{'proximityUUID': 'not-a-uuid'}]}", PassRules.Beacon, "$.beacons[0].proximityUUID")]
    [InlineData("{'beacons': [{'major': 1}]}", PassRules.Beacon, "$.beacons[0].proximityUUID")]
    [InlineData("{'beacons': [{'proximityUUID': 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0', 'major': 70000}]}", PassRules.Beacon, "$.beacons[0].major")]
    [InlineData("{'beacons': [{'proximityUUID': 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0', 'minor': -1}]}", PassRules.Beacon, "$.beacons[0].minor")]
    // maxDistance is a positive number
    [InlineData("{'maxDistance': '100'}", PassRules.MaxDistance, "$.maxDistance")]
    [InlineData("{'maxDistance': -5}", PassRules.MaxDistance, "$.maxDistance")]
    // nfc
    [InlineData("{'nfc': {'message': 'hello'}}", PassRules.Nfc, "$.nfc.encryptionPublicKey")]
    [InlineData("{'nfc': {'encryptionPublicKey': 'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgAC'}}", PassRules.Nfc, "$.nfc.message")]
    [InlineData("{'nfc': {'message': 'hello', 'encryptionPublicKey': '-----BEGIN PUBLIC KEY-----'}}", PassRules.Nfc, "$.nfc.encryptionPublicKey")]
    [InlineData("{'nfc': {'message': '0123456789012345678901234567890123456789012345678901234567890123456789', 'encryptionPublicKey': 'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgAC'}}", PassRules.Nfc, "$.nfc.message")]
    [InlineData("{'nfc': 'on'}", PassRules.Nfc, "$.nfc")]
    // formatVersion and the standard keys
    [InlineData("{'formatVersion': 2}", PassRules.FormatVersion, "$.formatVersion")]
    [InlineData("{'formatVersion': '1'}", PassRules.FormatVersion, "$.formatVersion")]
    [InlineData("{'formatVersion': null}", PassRules.Required, "$.formatVersion")]
    [InlineData("{'passTypeIdentifier': null}", PassRules.Required, "$.passTypeIdentifier")]
    [InlineData("{'serialNumber': null}", PassRules.Required, "$.serialNumber")]
    [InlineData("{'teamIdentifier': null}", PassRules.Required, "$.teamIdentifier")]
    [InlineData("{'organizationName': null}", PassRules.Required, "$.organizationName")]
    [InlineData("{'description': null}", PassRules.Required, "$.description")]
    [InlineData("{'description': ''}", PassRules.Required, "$.description")]
    [InlineData("{'serialNumber': 42}", PassRules.Required, "$.serialNumber")]
    [InlineData("{'passTypeIdentifier': 'com.example.event'}", PassRules.PassTypeIdentifier, "$.passTypeIdentifier")]
    // fields need a key and a string or number value
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'value': '7'}]}}", PassRules.Required, "$.eventTicket.auxiliaryFields[0].key")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate'}]}}", PassRules.Required, "$.eventTicket.auxiliaryFields[0].value")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': true}]}}", PassRules.FieldValue, "$.eventTicket.auxiliaryFields[0].value")]
    [InlineData("{'eventTicket': {'backFields': [{'key': 'terms', 'value': 'x', 'dataDetectorTypes': ['PKDataDetectorTypeEmail']}]}}", PassRules.DataDetectors, "$.eventTicket.backFields[0].dataDetectorTypes[0]")]
    // booleans
    [InlineData("{'voided': 'false'}", PassRules.Type, "$.voided")]
    [InlineData("{'sharingProhibited': 1}", PassRules.Type, "$.sharingProhibited")]
    public void A_broken_rule_is_reported_with_its_rule_and_path(string patch, string rule, string path)
    {
        var problems = Validate(patch);
        var problem = problems.AssertError(rule, "pass.json", path);
        Assert.False(string.IsNullOrWhiteSpace(problem.Message));
    }

    [Theory]
    [InlineData("{'eventTicket': null, 'coupon': {'primaryFields': [{'key': 'off', 'value': '10%'}]}}")]
    [InlineData("{'eventTicket': null, 'generic': {'primaryFields': [{'key': 'member', 'value': 'Jane'}]}}")]
    [InlineData("{'eventTicket': null, 'storeCard': {'primaryFields': [{'key': 'balance', 'value': 25.5, 'currencyCode': 'EUR'}]}}")]
    [InlineData("{'eventTicket': null, 'generic': {'primaryFields': [{'key': 'a', 'value': 'b'}]}, 'posterGeneric': {'primaryFields': [{'key': 'a', 'value': 'b'}]}}")]
    [InlineData("{'eventTicket': null, 'boardingPass': {'transitType': 'PKTransitTypeAir', 'primaryFields': [{'key': 'from', 'value': 'FRA'}]}}")]
    [InlineData("{'eventTicket': null, 'boardingPass': {'transitType': 'PKTransitTypeBoat'}}")]
    [InlineData("{'eventTicket': null, 'boardingPass': {'transitType': 'PKTransitTypeBus'}}")]
    [InlineData("{'eventTicket': null, 'boardingPass': {'transitType': 'PKTransitTypeGeneric'}}")]
    [InlineData("{'eventTicket': null, 'boardingPass': {'transitType': 'PKTransitTypeTrain'}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'changeMessage': 'Gate changed to %@'}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'textAlignment': 'PKTextAlignmentRight'}]}}")]
    [InlineData("{'eventTicket': {'secondaryFields': [{'key': 'loc', 'value': 'Hall', 'textAlignment': 'PKTextAlignmentNatural'}]}}")]
    [InlineData("{'eventTicket': {'headerFields': [{'key': 'h', 'value': 'x', 'textAlignment': 'PKTextAlignmentCenter'}]}}")]
    [InlineData("{'eventTicket': {'headerFields': [{'key': 'h', 'value': 'x', 'textAlignment': 'PKTextAlignmentLeft'}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '2026-12-31T20:00+01:00', 'dateStyle': 'PKDateStyleShort'}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '2026-12-31T19:00:00Z', 'dateStyle': 'PKDateStyleFull', 'timeStyle': 'PKDateStyleNone'}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '2026-12-31T19:00:00.250-05:00', 'timeStyle': 'PKDateStyleMedium', 'isRelative': true, 'ignoresTimeZone': true}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '2026-12-31T20:00+01:00', 'dateStyle': 'PKDateStyleLong'}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': 0.2, 'numberStyle': 'PKNumberStylePercent'}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': 1200, 'numberStyle': 'PKNumberStyleDecimal'}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': 3, 'numberStyle': 'PKNumberStyleSpellOut'}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': 25.5, 'currencyCode': 'EUR'}]}}")]
    [InlineData("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'row': 0}, {'key': 'seat', 'value': 'A-12', 'row': 1}]}}")]
    [InlineData("{'backgroundColor': 'rgb(23, 187, 82)', 'foregroundColor': 'rgb(255,255,255)', 'labelColor': 'rgb(0, 0, 0)', 'stripColor': 'rgb( 1 , 2 , 3 )'}")]
    [InlineData("{'barcodes': [{'format': 'PKBarcodeFormatQR', 'message': 'x', 'messageEncoding': 'iso-8859-1'}]}")]
    [InlineData("{'barcodes': [{'format': 'PKBarcodeFormatPDF417', 'message': 'x', 'messageEncoding': 'iso-8859-1'}]}")]
    [InlineData("{'barcodes': [{'format': 'PKBarcodeFormatAztec', 'message': 'x', 'messageEncoding': 'utf-8', 'altText': 'x'}]}")]
    [InlineData("{'barcodes': [{'format': 'PKBarcodeFormatCode128', 'message': 'x', 'messageEncoding': 'iso-8859-1'}]}")]
    [InlineData("{'barcodes': [{'format': 'PKBarcodeFormatQR', 'message': 'Grüße €', 'messageEncoding': 'utf-8'}]}")]
    [InlineData("{'barcode': {'format': 'PKBarcodeFormatQR', 'message': 'x', 'messageEncoding': 'iso-8859-1'}}")]
    [InlineData("{'barcode': {'format': 'PKBarcodeFormatPDF417', 'message': 'x', 'messageEncoding': 'iso-8859-1'}}")]
    [InlineData("{'barcode': {'format': 'PKBarcodeFormatAztec', 'message': 'x', 'messageEncoding': 'iso-8859-1'}}")]
    [InlineData("{'webServiceURL': 'https://passes.example.com/', 'authenticationToken': '0123456789abcdef'}")]
    [InlineData("{'webServiceURL': 'https://passes.example.com:8443/wallet/', 'authenticationToken': 'vxwxd7J8AlNNFPS8k0a0FfUFtq0ewzFdc'}")]
    [InlineData("{'appLaunchURL': 'exampleapp://open', 'associatedStoreIdentifiers': [375380948]}")]
    [InlineData("{'associatedStoreIdentifiers': [375380948, 284882215]}")]
    [InlineData("{'relevantDate': '2026-12-31T20:00Z', 'expirationDate': '2027-01-01T06:00:00+01:00'}")]
    [InlineData("{'relevantDate': '2026-12-31T20:00:00.123+05:30'}")]
    [InlineData("{'relevantDates': [{'date': '2026-12-31T20:00+01:00'}, {'startDate': '2027-01-01T10:00Z', 'endDate': '2027-01-01T18:00Z'}]}")]
    [InlineData("{'semantics': {'eventStartDate': '2026-12-31T20:00+01:00', 'eventName': 'Concert'}}")]
    [InlineData("{'locations': [{'latitude': 52.5145, 'longitude': 13.4501, 'relevantText': 'Welcome'}, {'latitude': -90, 'longitude': 180, 'altitude': 34.5}]}")]
    [InlineData("{'beacons': [{'proximityUUID': 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0', 'major': 65535, 'minor': 0, 'relevantText': 'Entrance'}]}")]
    [InlineData("{'bagPolicyURL': 'https://arena.example.com/bags', 'orderFoodURL': 'https://arena.example.com/food?seat=12', 'upgradeURL': 'http://airline.example.com/upgrade'}")]
    [InlineData("{'semantics': {'changeSeatURL': 'https://airline.example.com/seat', 'trackBagsURL': 'http://airline.example.com/bags'}}")]
    [InlineData("{'featuredActions': [{'identifier': 'shop', 'type': 'shop', 'url': 'https://shop.example.com/'}, {'identifier': 'call', 'type': 'call', 'url': 'tel:+4930123456'}]}")]
    [InlineData("{'maxDistance': 500}")]
    [InlineData("{'maxDistance': 0.5}")]
    [InlineData("{'nfc': {'message': 'hello', 'encryptionPublicKey': 'MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgAC', 'requiresAuthentication': true}, 'sharingProhibited': true}")]
    [InlineData("{'eventTicket': {'backFields': [{'key': 'terms', 'value': 'x', 'dataDetectorTypes': ['PKDataDetectorTypePhoneNumber', 'PKDataDetectorTypeLink']}]}}")]
    [InlineData("{'voided': false, 'groupingIdentifier': 'concert-2026', 'logoText': 'Arena', 'userInfo': {'anything': [1, 'two']}}")]
    public void The_corrected_form_has_no_errors(string patch)
    {
        Validate(patch).AssertNoErrors();
    }

    private const string PosterSemantics = "'eventName': 'New Year Concert', 'venueName': 'Main Hall', 'venueRegionName': 'Berlin', 'venueRoom': 'Hall A'";

    [Fact]
    public void A_poster_event_ticket_with_its_semantic_tags_validates_without_a_warning()
    {
        var problems = Validate($"{{'preferredStyleSchemes': ['posterEventTicket', 'eventTicket'], 'semantics': {{{PosterSemantics}, 'eventType': 'PKEventTypeLivePerformance', 'performerNames': ['The Band']}}}}");
        problems.AssertNoErrors();
        Assert.DoesNotContain(problems, p => p.Rule == PassRules.PosterEventTicket);
    }

    [Theory]
    [InlineData("{'preferredStyleSchemes': ['posterEventTicket', 'eventTicket'], 'semantics': {'eventName': 'New Year Concert', 'venueName': 'Main Hall'}}",
        "venueRegionName, venueRoom")]
    [InlineData("{'preferredStyleSchemes': ['posterEventTicket', 'eventTicket']}", "eventName, venueName, venueRegionName, venueRoom")]
    [InlineData("{'preferredStyleSchemes': ['posterEventTicket', 'eventTicket'], 'semantics': {" + PosterSemantics + ", 'eventType': 'PKEventTypeSports', 'homeTeamAbbreviation': 'FCB'}}",
        "awayTeamAbbreviation")]
    [InlineData("{'preferredStyleSchemes': ['posterEventTicket', 'eventTicket'], 'semantics': {" + PosterSemantics + ", 'eventType': 'PKEventTypeLivePerformance'}}",
        "performerNames")]
    public void A_poster_event_ticket_without_its_semantic_tags_is_warned_naming_each_and_the_fallback(string patch, string missing)
    {
        var problems = Validate(patch);
        problems.AssertNoErrors();
        var warning = problems.AssertWarning(PassRules.PosterEventTicket);
        Assert.Equal("$.semantics", warning.Path);
        Assert.Contains($"semantics has no {missing};", warning.Message, StringComparison.Ordinal);
        Assert.Contains("classic event ticket", warning.Message, StringComparison.Ordinal);
    }

    // Upgraded boarding passes (iOS 26): an airline boarding pass that opts in and has every tag Apple lists as required.
    private const string Flight = "'eventTicket': null, 'boardingPass': {'transitType': 'PKTransitTypeAir', " +
        "'primaryFields': [{'key': 'origin', 'label': 'Frankfurt', 'value': 'FRA'}, {'key': 'destination', 'label': 'New York', 'value': 'JFK'}]}";

    private const string FlightTags = "'airlineCode': 'LH', 'flightNumber': 400, 'departureAirportCode': 'FRA', 'departureCityName': 'Frankfurt', " +
        "'departureLocationTimeZone': 'Europe/Berlin', 'destinationAirportCode': 'JFK', 'destinationCityName': 'New York', " +
        "'destinationLocationTimeZone': 'America/New_York', 'originalArrivalDate': '2026-12-20T13:05-05:00', " +
        "'originalBoardingDate': '2026-12-20T09:30+01:00', 'originalDepartureDate': '2026-12-20T10:15+01:00', " +
        "'passengerName': {'givenName': 'Jane', 'familyName': 'Doe'}";

    private const string Upgraded = Flight + ", 'preferredStyleSchemes': ['semanticBoardingPass', 'boardingPass']";

    private const string ReadyFlight = "{" + Upgraded + ", 'semantics': {" + FlightTags + "}}";

    /// <summary>The ready upgraded boarding pass, changed by <paramref name="patch"/> (null removes a tag).</summary>
    private static IReadOnlyList<PassProblem> ValidateFlight(string patch)
    {
        var pass = PassContentLayers.Apply(Patched(ReadyFlight), System.Text.Json.Nodes.JsonNode.Parse(Q(patch)))!;
        return PassJsonValidator.Validate(Encoding.UTF8.GetBytes(pass.ToJsonString()));
    }

    [Fact]
    public void A_ready_upgraded_boarding_pass_validates_without_a_warning()
    {
        Assert.Empty(ValidateFlight("{}"));
        // Optional tags and the airline's links change nothing about readiness.
        Assert.Empty(ValidateFlight("{'semantics': {'departureGate': 'B22', 'boardingGroup': '2', 'seats': [{'seatNumber': '23A'}], " +
            "'currentBoardingDate': '2026-12-20T09:45+01:00'}, 'changeSeatURL': 'https://airline.example.com/seat'}"));
        // Apple's own pass builder spells the time zones ...AirportTimeZone; which spelling Wallet reads is not known, so either will do.
        Assert.Empty(ValidateFlight("{'semantics': {'departureLocationTimeZone': null, 'departureAirportTimeZone': 'Europe/Berlin', " +
            "'destinationLocationTimeZone': null, 'destinationAirportTimeZone': 'America/New_York'}}"));
    }

    [Theory]
    [InlineData("{'semantics': null}", "airlineCode, flightNumber, departureAirportCode, departureCityName, departureLocationTimeZone (or departureAirportTimeZone), " +
        "destinationAirportCode, destinationCityName, destinationLocationTimeZone (or destinationAirportTimeZone), originalArrivalDate, " +
        "originalBoardingDate, originalDepartureDate, passengerName")]
    [InlineData("{'semantics': {'destinationLocationTimeZone': null, 'originalBoardingDate': null}}",
        "destinationLocationTimeZone (or destinationAirportTimeZone), originalBoardingDate")]
    // An empty value gives Wallet as little as none.
    [InlineData("{'semantics': {'airlineCode': '', 'departureCityName': ' ', 'passengerName': {'givenName': null, 'familyName': null}}}",
        "airlineCode, departureCityName, passengerName")]
    public void An_upgraded_boarding_pass_without_its_tags_is_warned_naming_each_and_the_fallback(string patch, string missing)
    {
        var problems = ValidateFlight(patch);
        problems.AssertNoErrors();
        var warning = Assert.Single(problems, p => p.Rule == PassRules.SemanticBoardingPass);
        Assert.False(warning.IsError);
        Assert.Equal("$.semantics", warning.Path);
        Assert.Contains($"semantics has no {missing};", warning.Message, StringComparison.Ordinal);
        Assert.Contains("classic boarding pass", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_classic_boarding_pass_that_does_not_opt_in_is_not_warned_about_the_upgraded_layout()
    {
        // The sample boarding pass has a few flight tags and no opt-in: Wallet shows it as it always has.
        Assert.Empty(ValidateFlight("{'preferredStyleSchemes': null, 'semantics': {'departureCityName': null, 'passengerName': null, 'originalArrivalDate': null}}"));
        Assert.Empty(ValidateFlight("{'preferredStyleSchemes': ['boardingPass'], 'semantics': null}"));
    }

    [Fact]
    public void The_upgraded_layout_asked_for_a_train_or_an_event_ticket_is_warned_that_Wallet_ignores_it()
    {
        var train = ValidateFlight("{'boardingPass': {'transitType': 'PKTransitTypeTrain'}}");
        train.AssertNoErrors();
        var warning = Assert.Single(train, p => p.Rule == PassRules.SemanticBoardingPass);
        Assert.Equal("$.boardingPass.transitType", warning.Path);
        Assert.Contains("PKTransitTypeTrain", warning.Message, StringComparison.Ordinal);
        Assert.Contains("classic boarding pass", warning.Message, StringComparison.Ordinal);

        var ticket = Validate("{'preferredStyleSchemes': ['semanticBoardingPass', 'eventTicket']}");
        ticket.AssertNoErrors();
        Assert.Equal("$.preferredStyleSchemes", Assert.Single(ticket, p => p.Rule == PassRules.SemanticBoardingPass).Path);
    }

    // upcomingPassInformation (iOS 26): further events of a poster event ticket. Cases put ENTRIES into a poster event ticket.
    private const string PosterPass = "'preferredStyleSchemes': ['posterEventTicket', 'eventTicket'], 'semantics': {" + PosterSemantics + "}";
    private const string Event = "'identifier': 'night-2', 'name': 'New Year Concert, second night', 'type': 'event'";
    private const string Sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static IReadOnlyList<PassProblem> ValidateUpcoming(string entries) =>
        Validate($"{{{PosterPass}, 'upcomingPassInformation': {entries}}}");

    private static string HeaderImage(string urlEntry) => $"[{{{Event}, 'images': {{'headerImage': {{'URLs': [{urlEntry}]}}}}}}]";

    [Fact]
    public void A_poster_event_ticket_with_two_upcoming_events_validates_without_errors_or_warnings()
    {
        var problems = Validate($$"""
            {
              'preferredStyleSchemes': ['posterEventTicket', 'eventTicket'],
              'relevantDates': [{'startDate': '2026-12-31T18:00+01:00', 'endDate': '2027-01-01T02:00+01:00'}],
              'semantics': {
                {{PosterSemantics}},
                'eventType': 'PKEventTypeLivePerformance',
                'performerNames': ['The Band'],
                'eventStartDate': '2026-12-31T20:00+01:00',
                'eventEndDate': '2027-01-01T01:00+01:00'
              },
              'bagPolicyURL': 'https://arena.example.com/bags',
              'upcomingPassInformation': [
                {
                  'identifier': 'night-1',
                  'name': 'New Year Concert, first night',
                  'type': 'event',
                  'isActive': true,
                  'dateInformation': {'date': '2026-12-31T20:00+01:00', 'timeZone': 'Europe/Berlin'},
                  'semantics': {
                    'eventName': 'New Year Concert', 'venueName': 'Main Hall', 'venueRoom': 'Hall A',
                    'venuePlaceID': 'I7C250D2CDCB364A', 'venueLocation': {'latitude': 52.5145, 'longitude': 13.4501},
                    'performerNames': ['The Band'], 'eventStartDate': '2026-12-31T20:00+01:00',
                    'seats': [{'seatSection': '100', 'seatRow': 'F', 'seatNumber': '12'}]
                  },
                  'additionalInfoFields': [{'key': 'doors', 'label': 'DOORS', 'value': '2026-12-31T18:30+01:00', 'timeStyle': 'PKDateStyleShort'}],
                  'backFields': [
                    {'key': 'terms', 'label': 'TERMS', 'value': 'Non-transferable.'},
                    {'key': 'hotline', 'label': 'HOTLINE', 'value': '+49 30 1234567', 'dataDetectorTypes': ['PKDataDetectorTypePhoneNumber']}
                  ],
                  'URLs': {
                    'bagPolicyURL': 'https://arena.example.com/bags', 'orderFoodURL': 'https://arena.example.com/food?night=1',
                    'transferURL': 'https://tickets.example.com/transfer/SERIAL-0001', 'contactVenueEmail': 'box-office@arena.example.com',
                    'contactVenuePhoneNumber': '+49 30 1234567'
                  },
                  'images': {
                    'headerImage': {'URLs': [
                      {'URL': 'https://cdn.example.com/night-1@2x.png', 'SHA256': '{{Sha256}}', 'scale': 2, 'size': 183211},
                      {'URL': 'https://cdn.example.com/night-1@3x.png', 'SHA256': '{{Sha256.ToUpperInvariant()}}', 'scale': 3, 'size': 2097152}
                    ]},
                    'venueMap': {'reuseExisting': true}
                  },
                  'auxiliaryStoreIdentifiers': [375380948]
                },
                {
                  'identifier': 'night-2',
                  'name': 'New Year Concert, second night',
                  'type': 'event',
                  'isActive': false,
                  'dateInformation': {'isUndetermined': true, 'ignoreTimeComponents': false, 'isAllDay': false, 'isUnannounced': false},
                  'backFields': [{'key': 'terms', 'label': 'TERMS', 'value': 'Non-transferable.'}]
                }
              ]
            }
            """);
        Assert.Empty(problems);
    }

    [Theory]
    // an array of objects, each with identifier, name and type "event"
    [InlineData("{" + Event + "}", PassRules.UpcomingPassInformation, "$.upcomingPassInformation")]
    [InlineData("['night-2']", PassRules.UpcomingPassInformation, "$.upcomingPassInformation[0]")]
    [InlineData("[{'name': 'Second night', 'type': 'event'}]", PassRules.Required, "$.upcomingPassInformation[0].identifier")]
    [InlineData("[{'identifier': 42, 'name': 'Second night', 'type': 'event'}]", PassRules.Required, "$.upcomingPassInformation[0].identifier")]
    [InlineData("[{'identifier': 'night-2', 'type': 'event'}]", PassRules.Required, "$.upcomingPassInformation[0].name")]
    [InlineData("[{'identifier': 'night-2', 'name': ' ', 'type': 'event'}]", PassRules.Required, "$.upcomingPassInformation[0].name")]
    [InlineData("[{'identifier': 'night-2', 'name': 'Second night'}]", PassRules.Required, "$.upcomingPassInformation[0].type")]
    [InlineData("[{'identifier': 'night-2', 'name': 'Second night', 'type': 'concert'}]", PassRules.UpcomingPassInformation, "$.upcomingPassInformation[0].type")]
    [InlineData("[{" + Event + "}, {" + Event + "}]", PassRules.UpcomingIdentifierUnique, "$.upcomingPassInformation[1].identifier")]
    [InlineData("[{" + Event + ", 'isActive': 'true'}]", PassRules.Type, "$.upcomingPassInformation[0].isActive")]
    // dateInformation: a W3C date, booleans, a time zone name
    [InlineData("[{" + Event + ", 'dateInformation': 'tomorrow'}]", PassRules.Type, "$.upcomingPassInformation[0].dateInformation")]
    [InlineData("[{" + Event + ", 'dateInformation': {'date': '2027-01-01'}}]", PassRules.Date, "$.upcomingPassInformation[0].dateInformation.date")]
    [InlineData("[{" + Event + ", 'dateInformation': {'date': '2027-01-01T20:00'}}]", PassRules.Date, "$.upcomingPassInformation[0].dateInformation.date")]
    [InlineData("[{" + Event + ", 'dateInformation': {'date': 1798743600}}]", PassRules.Date, "$.upcomingPassInformation[0].dateInformation.date")]
    [InlineData("[{" + Event + ", 'dateInformation': {'isAllDay': 'yes'}}]", PassRules.Type, "$.upcomingPassInformation[0].dateInformation.isAllDay")]
    [InlineData("[{" + Event + ", 'dateInformation': {'isUndetermined': 1}}]", PassRules.Type, "$.upcomingPassInformation[0].dateInformation.isUndetermined")]
    [InlineData("[{" + Event + ", 'dateInformation': {'timeZone': 1}}]", PassRules.Type, "$.upcomingPassInformation[0].dateInformation.timeZone")]
    // semantics like the pass's own
    [InlineData("[{" + Event + ", 'semantics': ['venueName']}]", PassRules.Type, "$.upcomingPassInformation[0].semantics")]
    [InlineData("[{" + Event + ", 'semantics': {'eventStartDate': '2027-01-01'}}]", PassRules.Date, "$.upcomingPassInformation[0].semantics.eventStartDate")]
    // fields like the pass's own, keys unique within the event
    [InlineData("[{" + Event + ", 'backFields': {'key': 'terms', 'value': 'x'}}]", PassRules.Type, "$.upcomingPassInformation[0].backFields")]
    [InlineData("[{" + Event + ", 'backFields': [{'key': 'terms'}]}]", PassRules.Required, "$.upcomingPassInformation[0].backFields[0].value")]
    [InlineData("[{" + Event + ", 'additionalInfoFields': [{'value': 'x'}]}]", PassRules.Required, "$.upcomingPassInformation[0].additionalInfoFields[0].key")]
    [InlineData("[{" + Event + ", 'additionalInfoFields': [{'key': 'doors', 'value': true}]}]", PassRules.FieldValue, "$.upcomingPassInformation[0].additionalInfoFields[0].value")]
    [InlineData("[{" + Event + ", 'backFields': [{'key': 'a', 'value': 'x'}], 'additionalInfoFields': [{'key': 'a', 'value': 'y'}]}]", PassRules.FieldKeyUnique, "$.upcomingPassInformation[0].additionalInfoFields[0].key")]
    [InlineData("[{" + Event + ", 'additionalInfoFields': [{'key': 'gate', 'value': '7', 'changeMessage': 'Gate changed'}]}]", PassRules.ChangeMessage, "$.upcomingPassInformation[0].additionalInfoFields[0].changeMessage")]
    [InlineData("[{" + Event + ", 'backFields': [{'key': 'terms', 'value': 'x', 'textAlignment': 'PKTextAlignmentLeft'}]}]", PassRules.TextAlignment, "$.upcomingPassInformation[0].backFields[0].textAlignment")]
    [InlineData("[{" + Event + ", 'additionalInfoFields': [{'key': 'doors', 'value': 'at six', 'dateStyle': 'PKDateStyleShort'}]}]", PassRules.Date, "$.upcomingPassInformation[0].additionalInfoFields[0].value")]
    [InlineData("[{" + Event + ", 'additionalInfoFields': [{'key': 'seat', 'value': '12', 'row': 1}]}]", PassRules.Row, "$.upcomingPassInformation[0].additionalInfoFields[0].row")]
    // URLs: links are absolute http(s) URLs, contacts are strings
    [InlineData("[{" + Event + ", 'URLs': 'https://arena.example.com/'}]", PassRules.Type, "$.upcomingPassInformation[0].URLs")]
    [InlineData("[{" + Event + ", 'URLs': {'bagPolicyURL': 'see the website'}}]", PassRules.Link, "$.upcomingPassInformation[0].URLs.bagPolicyURL")]
    [InlineData("[{" + Event + ", 'URLs': {'sellURL': 'javascript:alert(1)'}}]", PassRules.Link, "$.upcomingPassInformation[0].URLs.sellURL")]
    [InlineData("[{" + Event + ", 'URLs': {'contactVenueWebsite': 42}}]", PassRules.Link, "$.upcomingPassInformation[0].URLs.contactVenueWebsite")]
    [InlineData("[{" + Event + ", 'URLs': {'contactVenueEmail': 42}}]", PassRules.Type, "$.upcomingPassInformation[0].URLs.contactVenueEmail")]
    // images: headerImage and venueMap, each https URLs with a SHA-256 of 64 hex digits and at most 2 MiB
    [InlineData("[{" + Event + ", 'images': ['header.png']}]", PassRules.Type, "$.upcomingPassInformation[0].images")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': 'header.png'}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs")]
    [InlineData("[{" + Event + ", 'images': {'venueMap': {'URLs': []}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.venueMap.URLs")]
    [InlineData("[{" + Event + ", 'images': {'venueMap': {'URLs': {'URL': 'https://cdn.example.com/map.png'}}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.venueMap.URLs")]
    [InlineData("[{" + Event + ", 'images': {'venueMap': {'reuseExisting': 'yes'}}}]", PassRules.Type, "$.upcomingPassInformation[0].images.venueMap.reuseExisting")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': ['https://cdn.example.com/h.png']}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0]")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'SHA256': '" + Sha256 + "'}]}}}]", PassRules.Required, "$.upcomingPassInformation[0].images.headerImage.URLs[0].URL")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'http://cdn.example.com/h.png', 'SHA256': '" + Sha256 + "'}]}}}]", PassRules.Link, "$.upcomingPassInformation[0].images.headerImage.URLs[0].URL")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'h.png', 'SHA256': '" + Sha256 + "'}]}}}]", PassRules.Link, "$.upcomingPassInformation[0].images.headerImage.URLs[0].URL")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png'}]}}}]", PassRules.Required, "$.upcomingPassInformation[0].images.headerImage.URLs[0].SHA256")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png', 'SHA256': '9f86d081'}]}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0].SHA256")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png', 'SHA256': '" + Sha256 + "0'}]}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0].SHA256")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png', 'SHA256': 'zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'}]}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0].SHA256")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png', 'SHA256': '" + Sha256 + "', 'size': 2097153}]}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0].size")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png', 'SHA256': '" + Sha256 + "', 'size': 0}]}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0].size")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png', 'SHA256': '" + Sha256 + "', 'size': 1024.5}]}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0].size")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png', 'SHA256': '" + Sha256 + "', 'size': '1024'}]}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0].size")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png', 'SHA256': '" + Sha256 + "', 'scale': 0}]}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0].scale")]
    [InlineData("[{" + Event + ", 'images': {'headerImage': {'URLs': [{'URL': 'https://cdn.example.com/h.png', 'SHA256': '" + Sha256 + "', 'scale': '2x'}]}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.headerImage.URLs[0].scale")]
    // App Store ids as at the top level
    [InlineData("[{" + Event + ", 'auxiliaryStoreIdentifiers': ['375380948']}]", PassRules.StoreIdentifiers, "$.upcomingPassInformation[0].auxiliaryStoreIdentifiers[0]")]
    [InlineData("[{" + Event + ", 'auxiliaryStoreIdentifiers': []}]", PassRules.StoreIdentifiers, "$.upcomingPassInformation[0].auxiliaryStoreIdentifiers")]
    public void An_upcoming_event_breaking_a_rule_is_reported_with_its_rule_and_path(string entries, string rule, string path)
    {
        var problem = ValidateUpcoming(entries).AssertError(rule, "pass.json", path);
        Assert.False(string.IsNullOrWhiteSpace(problem.Message));
    }

    [Fact]
    public void A_repeated_upcoming_identifier_is_named_with_the_event_that_has_it_first()
    {
        var problem = ValidateUpcoming($"[{{{Event}}}, {{'identifier': 'night-3', 'name': 'Third night', 'type': 'event'}}, {{{Event}}}]")
            .AssertError(PassRules.UpcomingIdentifierUnique, path: "$.upcomingPassInformation[2].identifier");
        Assert.Contains("'night-2'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("$.upcomingPassInformation[0]", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_upcoming_event_may_repeat_field_keys_of_the_pass_and_of_other_events()
    {
        // Each event is shown on its own details view and inherits nothing from the pass.
        ValidateUpcoming($"[{{{Event}, 'backFields': [{{'key': 'terms', 'value': 'x'}}]}}, {{'identifier': 'night-3', 'name': 'Third night', 'type': 'event', 'backFields': [{{'key': 'terms', 'value': 'y'}}]}}]")
            .AssertNoErrors();
    }

    [Fact]
    public void A_wrong_upcoming_type_message_names_the_only_supported_type()
    {
        var problem = ValidateUpcoming("[{'identifier': 'night-2', 'name': 'Second night', 'type': 'concert'}]")
            .AssertError(PassRules.UpcomingPassInformation, path: "$.upcomingPassInformation[0].type");
        Assert.Contains("\"concert\"", problem.Message, StringComparison.Ordinal);
        Assert.Contains("\"event\"", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_upcoming_events_than_the_bound_are_refused()
    {
        string Events(int count) => "[" + string.Join(", ", Enumerable.Range(1, count).Select(n => $"{{'identifier': 'game-{n}', 'name': 'Game {n}', 'type': 'event'}}")) + "]";
        ValidateUpcoming(Events(PassJsonValidator.MaxUpcomingEntries)).AssertNoErrors();
        var problem = ValidateUpcoming(Events(PassJsonValidator.MaxUpcomingEntries + 1)).AssertError(PassRules.UpcomingPassInformation, path: "$.upcomingPassInformation");
        Assert.Contains($"{PassJsonValidator.MaxUpcomingEntries + 1} events", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_upcoming_image_with_more_urls_than_the_bound_is_refused()
    {
        string Urls(int count) => string.Join(", ", Enumerable.Range(1, count).Select(n => $"{{'URL': 'https://cdn.example.com/h{n}.png', 'SHA256': '{Sha256}'}}"));
        ValidateUpcoming(HeaderImage(Urls(PassJsonValidator.MaxUpcomingImageUrls))).AssertNoErrors();
        ValidateUpcoming(HeaderImage(Urls(PassJsonValidator.MaxUpcomingImageUrls + 1)))
            .AssertError(PassRules.UpcomingImage, path: "$.upcomingPassInformation[0].images.headerImage.URLs");
    }

    [Fact]
    public void An_upcoming_image_of_2_MiB_is_accepted_and_one_byte_more_is_refused_naming_the_limit()
    {
        ValidateUpcoming(HeaderImage($"{{'URL': 'https://cdn.example.com/h.png', 'SHA256': '{Sha256}', 'size': 2097152}}")).AssertNoErrors();
        var problem = ValidateUpcoming(HeaderImage($"{{'URL': 'https://cdn.example.com/h.png', 'SHA256': '{Sha256}', 'size': 2097153}}"))
            .AssertError(PassRules.UpcomingImage, path: "$.upcomingPassInformation[0].images.headerImage.URLs[0].size");
        Assert.Contains("2097152 bytes", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_upcoming_image_url_must_be_https_and_the_message_says_so()
    {
        var problem = ValidateUpcoming(HeaderImage($"{{'URL': 'http://cdn.example.com/h.png', 'SHA256': '{Sha256}'}}"))
            .AssertError(PassRules.Link, path: "$.upcomingPassInformation[0].images.headerImage.URLs[0].URL");
        Assert.Contains("https", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_base64_upcoming_image_hash_error_says_to_write_it_in_hex()
    {
        var base64 = Convert.ToBase64String(Convert.FromHexString(Sha256));
        var problem = ValidateUpcoming(HeaderImage($"{{'URL': 'https://cdn.example.com/h.png', 'SHA256': '{base64}'}}"))
            .AssertError(PassRules.UpcomingImage, path: "$.upcomingPassInformation[0].images.headerImage.URLs[0].SHA256");
        Assert.Contains("Base64", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_upcoming_image_may_reuse_the_pass_image_instead_of_urls()
    {
        ValidateUpcoming($"[{{{Event}, 'images': {{'headerImage': {{'reuseExisting': true}}, 'venueMap': {{'reuseExisting': true, 'URLs': []}}}}}}]").AssertNoErrors();
    }

    [Theory]
    [InlineData("[{" + Event + ", 'URLs': {'bagPolicyUrl': 'https://arena.example.com/bags'}}]", PassRules.UpcomingPassInformation, "$.upcomingPassInformation[0].URLs.bagPolicyUrl")]
    [InlineData("[{" + Event + ", 'images': {'posterImage': {'reuseExisting': true}}}]", PassRules.UpcomingImage, "$.upcomingPassInformation[0].images.posterImage")]
    public void A_key_Wallet_does_not_read_in_an_upcoming_event_is_warned(string entries, string rule, string path)
    {
        var problems = ValidateUpcoming(entries);
        problems.AssertNoErrors();
        var warning = problems.AssertWarning(rule);
        Assert.Equal(path, warning.Path);
    }

    [Theory]
    [InlineData("{'upcomingPassInformation': [{" + Event + "}]}")]
    [InlineData("{'eventTicket': null, 'generic': {'primaryFields': [{'key': 'a', 'value': 'b'}]}, 'preferredStyleSchemes': ['posterEventTicket'], 'upcomingPassInformation': [{" + Event + "}]}")]
    public void Upcoming_events_on_a_pass_that_is_no_poster_event_ticket_are_warned_as_ignored(string patch)
    {
        var problems = Validate(patch);
        problems.AssertNoErrors();
        var warning = problems.AssertWarning(PassRules.UpcomingPassInformation);
        Assert.Equal("$.upcomingPassInformation", warning.Path);
        Assert.Contains("Wallet ignores it", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_upcoming_list_is_accepted_on_any_pass()
    {
        // Removing the last event that is over leaves an empty list; that is no mistake.
        Assert.Empty(Validate("{'upcomingPassInformation': []}"));
    }

    [Fact]
    public void Http_web_service_is_accepted_only_when_allowed()
    {
        const string patch = "{'webServiceURL': 'http://192.168.1.10:5000/', 'authenticationToken': '0123456789abcdef'}";
        Validate(patch).AssertError(PassRules.WebService, path: "$.webServiceURL");
        Validate(patch, new PassValidationOptions { AllowHttpWebService = true }).AssertNoErrors();
    }

    [Fact]
    public void AllowHttpWebService_still_rejects_other_schemes()
    {
        Validate("{'webServiceURL': 'ftp://passes.example.com/', 'authenticationToken': '0123456789abcdef'}",
            new PassValidationOptions { AllowHttpWebService = true }).AssertError(PassRules.WebService, path: "$.webServiceURL");
    }

    [Fact]
    public void A_template_may_leave_out_the_serial_number_but_a_pass_may_not()
    {
        const string patch = "{'serialNumber': null}";
        Validate(patch, new PassValidationOptions { IsTemplate = true }).AssertNoErrors();
        Validate(patch).AssertError(PassRules.Required, path: "$.serialNumber");
    }

    [Theory]
    [InlineData("#17BB52", "rgb(23, 187, 82)")]
    [InlineData("#fff", "rgb(255, 255, 255)")]
    public void A_hex_color_error_suggests_the_rgb_form(string hex, string suggestion)
    {
        var problem = Validate($"{{'backgroundColor': '{hex}'}}").AssertError(PassRules.Color, path: "$.backgroundColor");
        Assert.Contains(suggestion, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quoted_store_identifier_error_says_to_remove_the_quotes()
    {
        var problem = Validate("{'associatedStoreIdentifiers': ['375380948']}").AssertError(PassRules.StoreIdentifiers, path: "$.associatedStoreIdentifiers[0]");
        Assert.Contains("375380948 without quotes", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_style_keys_are_named_in_the_message()
    {
        var problem = Validate("{'storeCard': {}}").AssertError(PassRules.StyleKey, path: "$");
        Assert.Contains("eventTicket", problem.Message, StringComparison.Ordinal);
        Assert.Contains("storeCard", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_field_key_names_where_it_was_first_used()
    {
        var problem = Validate("{'eventTicket': {'backFields': [{'key': 'gate', 'value': 'again'}]}}")
            .AssertError(PassRules.FieldKeyUnique, path: "$.eventTicket.backFields[0].key");
        Assert.Contains("$.eventTicket.auxiliaryFields[0]", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_barcode_with_only_new_formats_gets_a_fallback_warning()
    {
        var problems = Validate("{'barcodes': [{'format': 'PKBarcodeFormatEAN13', 'message': '4006381333931', 'messageEncoding': 'iso-8859-1'}]}");
        problems.AssertNoErrors();
        problems.AssertWarning(PassRules.BarcodeFormat);
        Validate("{'barcodes': [{'format': 'PKBarcodeFormatEAN13', 'message': '4006381333931', 'messageEncoding': 'iso-8859-1'}, {'format': 'PKBarcodeFormatQR', 'message': 'x', 'messageEncoding': 'iso-8859-1'}]}")
            .AssertNoWarning(PassRules.BarcodeFormat);
    }

    [Fact]
    public void A_non_latin1_message_with_iso_8859_1_encoding_is_an_error()
    {
        Validate("{'barcodes': [{'format': 'PKBarcodeFormatQR', 'message': 'Grüße €', 'messageEncoding': 'iso-8859-1'}]}")
            .AssertError(PassRules.BarcodeEncoding, path: "$.barcodes[0].message");
    }

    [Fact]
    public void Invalid_json_is_one_problem_with_its_line()
    {
        var problems = PassJsonValidator.Validate("{\n  \"formatVersion\": 1,\n  \"description\": oops\n}"u8);
        var problem = Assert.Single(problems);
        Assert.Equal(PassRules.Json, problem.Rule);
        Assert.Contains("line 3", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_array_is_not_a_pass()
    {
        PassJsonValidator.Validate("[]"u8).AssertError(PassRules.Type, path: "$");
    }

    [Fact]
    public void Every_problem_is_reported_at_once_each_with_its_path()
    {
        var json = Q("""
            {
              'formatVersion': 2,
              'passTypeIdentifier': 'pass.com.example.event',
              'teamIdentifier': 'ABCDE12345',
              'organizationName': 'Example Arena',
              'description': 'Concert ticket',
              'backgroundColor': '#3c414c',
              'webServiceURL': 'http://passes.example.com/',
              'authenticationToken': 'short',
              'associatedStoreIdentifiers': ['375380948'],
              'relevantDate': '2026-12-31',
              'maxDistance': '100',
              'locations': [{'latitude': 52.5}],
              'barcodes': [{'format': 'PKBarcodeFormatQR', 'message': 'x'}],
              'eventTicket': {
                'primaryFields': [{'key': 'event', 'value': 'Concert', 'textAlignment': 'PKTextAlignmentCenter'}],
                'auxiliaryFields': [
                  {'key': 'gate', 'value': '7', 'changeMessage': 'Gate changed'},
                  {'key': 'gate', 'value': '8', 'row': 3}
                ]
              }
            }
            """);
        var problems = PassJsonValidator.Validate(Encoding.UTF8.GetBytes(json));

        var expected = new (string Rule, string Path)[]
        {
            (PassRules.FormatVersion, "$.formatVersion"),
            (PassRules.Required, "$.serialNumber"),
            (PassRules.Color, "$.backgroundColor"),
            (PassRules.WebService, "$.webServiceURL"),
            (PassRules.AuthenticationToken, "$.authenticationToken"),
            (PassRules.StoreIdentifiers, "$.associatedStoreIdentifiers[0]"),
            (PassRules.Date, "$.relevantDate"),
            (PassRules.MaxDistance, "$.maxDistance"),
            (PassRules.Location, "$.locations[0].longitude"),
            (PassRules.BarcodeEncoding, "$.barcodes[0].messageEncoding"),
            (PassRules.TextAlignment, "$.eventTicket.primaryFields[0].textAlignment"),
            (PassRules.ChangeMessage, "$.eventTicket.auxiliaryFields[0].changeMessage"),
            (PassRules.FieldKeyUnique, "$.eventTicket.auxiliaryFields[1].key"),
            (PassRules.Row, "$.eventTicket.auxiliaryFields[1].row"),
        };
        foreach (var (rule, path) in expected)
            problems.AssertError(rule, "pass.json", path);
        Assert.Equal(expected.Length, problems.Errors().Count());
    }

    [Fact]
    public void Problem_ToString_is_one_readable_line()
    {
        var problem = Validate("{'eventTicket': {'auxiliaryFields': [{'key': 'gate', 'value': '7', 'changeMessage': 'Gate changed'}]}}")
            .AssertError(PassRules.ChangeMessage);
        Assert.StartsWith("error pass.json $.eventTicket.auxiliaryFields[0].changeMessage [change-message] ", problem.ToString(), StringComparison.Ordinal);
    }
}

internal static class ProblemListExtensions
{
    public static void AssertNoWarning(this IReadOnlyList<PassProblem> problems, string rule) =>
        Assert.True(!problems.Any(p => !p.IsError && p.Rule == rule), $"expected no [{rule}] warning; got:{Environment.NewLine}{problems.Describe()}");
}
