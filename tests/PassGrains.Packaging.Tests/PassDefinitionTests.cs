using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Packaging.PassJson;

namespace PassGrains.Packaging.Tests;

/// <summary>The typed pass.json model keeps every key, known or not, so a pass survives a round trip.</summary>
public sealed class PassDefinitionTests
{
    private const string FullPass = """
        {
          "formatVersion": 1,
          "passTypeIdentifier": "pass.com.example.event",
          "serialNumber": "SERIAL-0001",
          "teamIdentifier": "ABCDE12345",
          "organizationName": "Example Arena",
          "description": "Concert ticket",
          "futureTopLevelKey": { "nested": [1, "two", { "three": 3.5 }], "flag": true },
          "anotherFutureKey": "value",
          "associatedStoreIdentifiers": [375380948, 284882215],
          "appLaunchURL": "exampleapp://ticket/1",
          "userInfo": { "customer": 42, "tags": ["vip"] },
          "expirationDate": "2027-01-01T06:00+01:00",
          "voided": false,
          "maxDistance": 250.5,
          "relevantDate": "2026-12-31T20:00+01:00",
          "relevantDates": [{ "startDate": "2026-12-31T18:00+01:00", "endDate": "2027-01-01T02:00+01:00", "futureDateKey": 1 }],
          "locations": [{ "latitude": 52.5145, "longitude": 13.4501, "altitude": 34.25, "relevantText": "Welcome", "distance": 100 }],
          "beacons": [{ "proximityUUID": "E2C56DB5-DFFB-48D2-B060-D0F5A71096E0", "major": 1, "minor": 2, "futureBeaconKey": "x" }],
          "backgroundColor": "rgb(60, 65, 76)",
          "logoText": "Example Arena",
          "barcode": { "format": "PKBarcodeFormatQR", "message": "SERIAL-0001", "messageEncoding": "iso-8859-1" },
          "barcodes": [
            { "format": "PKBarcodeFormatQR", "message": "SERIAL-0001", "messageEncoding": "iso-8859-1", "altText": "0001", "futureBarcodeKey": { "size": 2 } }
          ],
          "webServiceURL": "https://passes.example.com/",
          "authenticationToken": "vxwxd7J8AlNNFPS8k0a0FfUFtq0ewzFdc",
          "nfc": { "message": "hello", "encryptionPublicKey": "MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgAC", "requiresAuthentication": true, "futureNfcKey": [1, 2] },
          "sharingProhibited": true,
          "preferredStyleSchemes": ["posterEventTicket", "eventTicket"],
          "semantics": {
            "eventName": "New Year Concert",
            "eventType": "PKEventTypeLivePerformance",
            "venueLocation": { "latitude": 52.5, "longitude": 13.4, "futureLocationKey": "x" },
            "performerNames": ["The Band"],
            "seats": [{ "seatNumber": "12", "seatRow": "A", "futureSeatKey": true }],
            "totalPrice": { "amount": "49.90", "currencyCode": "EUR" },
            "venueFanZoneOpenDate": "2026-12-31T17:00+01:00",
            "futureSemanticTag": { "anything": ["goes"] },
            "flightNumber": 400,
            "wifiAccess": [{ "ssid": "Arena", "password": "secret" }]
          },
          "eventTicket": {
            "primaryFields": [{ "key": "event", "label": "EVENT", "value": "New Year Concert", "futureFieldKey": { "a": 1 } }],
            "secondaryFields": [{ "key": "date", "label": "DATE", "value": "2026-12-31T20:00+01:00", "dateStyle": "PKDateStyleMedium", "timeStyle": "PKDateStyleShort", "isRelative": true }],
            "auxiliaryFields": [
              { "key": "gate", "label": "GATE", "value": "7", "changeMessage": "Gate changed to %@", "row": 0, "textAlignment": "PKTextAlignmentLeft" },
              { "key": "price", "label": "PRICE", "value": 49.9, "currencyCode": "EUR", "row": 1, "semantics": { "futureFieldSemantic": 1 } }
            ],
            "backFields": [{ "key": "terms", "label": "TERMS", "value": "Call (800) 555-0199", "dataDetectorTypes": ["PKDataDetectorTypePhoneNumber"], "attributedValue": "<a href='https://example.com'>Terms</a>" }],
            "additionalInfoFields": [{ "key": "info", "value": "Doors open at 19:00" }],
            "futureListKey": [{ "key": "later", "value": "x" }]
          },
          "futureArray": [null, 0, -1.5e10, "s"]
        }
        """;

    [Fact]
    public void A_pass_with_unknown_keys_at_every_level_survives_a_round_trip()
    {
        var original = JsonNode.Parse(FullPass);
        var definition = PassDefinition.Parse(Encoding.UTF8.GetBytes(FullPass));
        var written = JsonNode.Parse(definition.ToUtf8Json());

        Assert.True(JsonNode.DeepEquals(original, written), $"round trip changed the pass:{Environment.NewLine}{written!.ToJsonString()}");
    }

    [Fact]
    public void Unknown_keys_land_in_the_extensions_of_their_own_object()
    {
        var definition = PassDefinition.Parse(Encoding.UTF8.GetBytes(FullPass));

        Assert.True(definition.Extensions!.ContainsKey("futureTopLevelKey"));
        Assert.True(definition.EventTicket!.PrimaryFields![0].Extensions!.ContainsKey("futureFieldKey"));
        Assert.True(definition.EventTicket.Extensions!.ContainsKey("futureListKey"));
        Assert.True(definition.Barcodes![0].Extensions!.ContainsKey("futureBarcodeKey"));
        Assert.True(definition.Semantics!.Extensions!.ContainsKey("futureSemanticTag"));
        Assert.True(definition.Semantics.Seats![0].Extensions!.ContainsKey("futureSeatKey"));
        Assert.True(definition.Nfc!.Extensions!.ContainsKey("futureNfcKey"));
        Assert.True(definition.Locations![0].Extensions!.ContainsKey("distance"));
        Assert.True(definition.Beacons![0].Extensions!.ContainsKey("futureBeaconKey"));
        Assert.True(definition.RelevantDates![0].Extensions!.ContainsKey("futureDateKey"));
    }

    [Fact]
    public void Known_keys_are_typed()
    {
        var definition = PassDefinition.Parse(Encoding.UTF8.GetBytes(FullPass));

        Assert.Equal(1, definition.FormatVersion);
        Assert.Equal(PassStyle.EventTicket, definition.Style);
        Assert.Equal([375380948L, 284882215L], definition.AssociatedStoreIdentifiers);
        Assert.Equal(250.5, definition.MaxDistance);
        Assert.Equal("Gate changed to %@", definition.EventTicket!.AuxiliaryFields![0].ChangeMessage);
        Assert.Equal(1, definition.EventTicket.AuxiliaryFields[1].Row);
        Assert.Equal(49.9, definition.EventTicket.AuxiliaryFields[1].Value!.GetValue<double>());
        Assert.Equal(400, definition.Semantics!.FlightNumber);
        Assert.Equal("EUR", definition.Semantics.TotalPrice!.CurrencyCode);
        Assert.True(definition.Nfc!.RequiresAuthentication);
    }

    [Fact]
    public void Store_identifiers_are_written_as_numbers()
    {
        var definition = new PassDefinition
        {
            FormatVersion = 1,
            AssociatedStoreIdentifiers = [375380948],
            Generic = new PassFields { PrimaryFields = [new PassField { Key = "member", Value = "Jane" }] },
        };
        var json = JsonNode.Parse(definition.ToUtf8Json())!.AsObject();

        var ids = json["associatedStoreIdentifiers"]!.AsArray();
        Assert.Equal(JsonValueKind.Number, ids[0]!.GetValueKind());
        Assert.Equal(375380948L, ids[0]!.GetValue<long>());
        Assert.Equal(JsonValueKind.Number, json["formatVersion"]!.GetValueKind());
    }

    [Fact]
    public void The_typed_model_writes_camel_case_keys_and_omits_unset_ones()
    {
        var definition = new PassDefinition
        {
            FormatVersion = 1,
            PassTypeIdentifier = "pass.com.example.event",
            WebServiceURL = "https://passes.example.com/",
            AppLaunchURL = "app://x",
            Nfc = new PassNfc { Message = "m", EncryptionPublicKey = "k" },
            Beacons = [new PassBeacon { ProximityUUID = "E2C56DB5-DFFB-48D2-B060-D0F5A71096E0" }],
        };
        var json = JsonNode.Parse(definition.ToUtf8Json())!.AsObject();

        Assert.Equal(
            ["formatVersion", "passTypeIdentifier", "appLaunchURL", "beacons", "webServiceURL", "nfc"],
            json.Select(p => p.Key));
        Assert.Equal(["proximityUUID"], json["beacons"]![0]!.AsObject().Select(p => p.Key));
        Assert.Equal(["message", "encryptionPublicKey"], json["nfc"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Quoted_store_identifiers_do_not_parse_into_the_typed_model()
    {
        Assert.Throws<JsonException>(() => PassDefinition.Parse("{\"associatedStoreIdentifiers\": [\"375380948\"]}"u8));
    }

    [Fact]
    public void Each_sample_pass_json_survives_a_round_trip()
    {
        foreach (var name in TestPaths.ModelNames)
        {
            var bytes = File.ReadAllBytes(Path.Combine(TestPaths.Model(name), "pass.json"));
            var written = PassDefinition.Parse(bytes).ToUtf8Json();
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(bytes), JsonNode.Parse(written)), $"{name}: {Encoding.UTF8.GetString(written)}");
        }
    }

    [Fact]
    public void Personalization_definition_parses()
    {
        var definition = PersonalizationDefinition.Parse(
            "{\"requiredPersonalizationFields\": [\"PKPassPersonalizationFieldName\"], \"description\": \"Join\", \"future\": 1}"u8);
        Assert.Equal(["PKPassPersonalizationFieldName"], definition.RequiredPersonalizationFields);
        Assert.Equal("Join", definition.Description);
        Assert.True(definition.Extensions!.ContainsKey("future"));
    }
}
