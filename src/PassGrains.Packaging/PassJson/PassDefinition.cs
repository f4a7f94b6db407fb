using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PassGrains.Packaging.PassJson;

/// <summary>
/// The typed form of pass.json. Every object keeps the keys it does not know
/// in <see cref="Extensions"/>, so a pass survives a round trip even when Apple adds keys.
/// </summary>
public sealed record PassDefinition
{
    // Standard keys
    public int? FormatVersion { get; init; }
    public string? PassTypeIdentifier { get; init; }
    public string? SerialNumber { get; init; }
    public string? TeamIdentifier { get; init; }
    public string? OrganizationName { get; init; }
    public string? Description { get; init; }

    // Styles: exactly one, plus posterGeneric beside a legacy style.
    public PassFields? BoardingPass { get; init; }
    public PassFields? Coupon { get; init; }
    public PassFields? EventTicket { get; init; }
    public PassFields? Generic { get; init; }
    public PassFields? StoreCard { get; init; }
    public PassFields? PosterGeneric { get; init; }
    public IReadOnlyList<string>? PreferredStyleSchemes { get; init; }

    // Associated app
    public IReadOnlyList<long>? AssociatedStoreIdentifiers { get; init; }
    public IReadOnlyList<long>? AuxiliaryStoreIdentifiers { get; init; }
    public string? AppLaunchURL { get; init; }
    public JsonNode? UserInfo { get; init; }

    // Expiration
    public string? ExpirationDate { get; init; }
    public bool? Voided { get; init; }

    // Relevance
    public IReadOnlyList<PassLocation>? Locations { get; init; }
    public IReadOnlyList<PassBeacon>? Beacons { get; init; }
    public double? MaxDistance { get; init; }
    public string? RelevantDate { get; init; }
    public IReadOnlyList<PassRelevantDate>? RelevantDates { get; init; }

    // Appearance
    public string? BackgroundColor { get; init; }
    public string? ForegroundColor { get; init; }
    public string? LabelColor { get; init; }
    public string? StripColor { get; init; }
    public string? FooterBackgroundColor { get; init; }
    public string? LogoText { get; init; }
    public string? EventLogoText { get; init; }
    public bool? SuppressStripShine { get; init; }
    public bool? SuppressHeaderDarkening { get; init; }
    public bool? UseAutomaticColors { get; init; }
    public string? GroupingIdentifier { get; init; }
    public PassBarcode? Barcode { get; init; }
    public IReadOnlyList<PassBarcode>? Barcodes { get; init; }

    // Web service
    public string? WebServiceURL { get; init; }
    public string? AuthenticationToken { get; init; }

    // Other
    public PassNfc? Nfc { get; init; }
    public bool? SharingProhibited { get; init; }
    public PassSemantics? Semantics { get; init; }

    // Event guide links of poster event tickets (iOS 18+)
    public string? AccessibilityURL { get; init; }
    public string? AddOnURL { get; init; }
    public string? BagPolicyURL { get; init; }
    public string? ContactVenueEmail { get; init; }
    public string? ContactVenuePhoneNumber { get; init; }
    public string? ContactVenueWebsite { get; init; }
    public string? DirectionsInformationURL { get; init; }
    public string? MerchandiseURL { get; init; }
    public string? OrderFoodURL { get; init; }
    public string? ParkingInformationURL { get; init; }
    public string? PurchaseParkingURL { get; init; }
    public string? SellURL { get; init; }
    public string? TransferURL { get; init; }
    public string? TransitInformationURL { get; init; }

    /// <summary>Keys this model does not know, kept verbatim.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }

    /// <summary>The style dictionary Wallet falls back to (the legacy one when posterGeneric is present).</summary>
    [JsonIgnore]
    public PassStyle? Style =>
        BoardingPass is not null ? PassStyle.BoardingPass
        : Coupon is not null ? PassStyle.Coupon
        : EventTicket is not null ? PassStyle.EventTicket
        : StoreCard is not null ? PassStyle.StoreCard
        : Generic is not null ? PassStyle.Generic
        : PosterGeneric is not null ? PassStyle.PosterGeneric
        : null;

    public static PassDefinition Parse(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, PassJsonContext.Default.PassDefinition)
        ?? throw new JsonException("pass.json is null");

    /// <summary>UTF-8 pass.json; non-ASCII text and '+' are written as they are, not as \u escapes.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, WriteContext.PassDefinition);

    private static readonly PassJsonContext WriteContext = new(new JsonSerializerOptions(PassJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

public enum PassStyle
{
    BoardingPass,
    Coupon,
    EventTicket,
    Generic,
    StoreCard,
    PosterGeneric,
}
