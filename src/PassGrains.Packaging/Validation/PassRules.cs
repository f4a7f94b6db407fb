namespace PassGrains.Packaging.Validation;

/// <summary>Rule identifiers used in <see cref="PassProblem.Rule"/>; stable, so tools can filter on them.</summary>
public static class PassRules
{
    public const string Json = "json";
    public const string Type = "type";
    public const string Required = "required";
    public const string FormatVersion = "format-version";
    public const string PassTypeIdentifier = "pass-type-identifier";
    public const string StyleKey = "style-key";
    public const string TransitType = "transit-type";
    public const string FieldKeyUnique = "field-key-unique";
    public const string FieldValue = "field-value";
    public const string ChangeMessage = "change-message";
    public const string TextAlignment = "text-alignment";
    public const string DateStyle = "date-style";
    public const string NumberStyle = "number-style";
    public const string CurrencyCode = "currency-code";
    public const string Row = "row";
    public const string DataDetectors = "data-detectors";
    public const string Color = "color";
    public const string BarcodeFormat = "barcode-format";
    public const string BarcodeEncoding = "barcode-encoding";
    public const string BarcodeMessage = "barcode-message";
    public const string WebService = "web-service";
    public const string AuthenticationToken = "authentication-token";
    public const string AppLaunch = "app-launch";
    public const string Link = "link";
    public const string PosterEventTicket = "poster-event-ticket";
    public const string SemanticBoardingPass = "semantic-boarding-pass";
    public const string SemanticType = "semantic-type";
    public const string UpcomingPassInformation = "upcoming-pass-information";
    public const string UpcomingIdentifierUnique = "upcoming-identifier-unique";
    public const string UpcomingImage = "upcoming-image";
    public const string StoreIdentifiers = "store-identifiers";
    public const string Date = "w3c-date";
    public const string RelevantDates = "relevant-dates";
    public const string Location = "location";
    public const string Beacon = "beacon";
    public const string MaxDistance = "max-distance";
    public const string GroupingIdentifier = "grouping-identifier";
    public const string Nfc = "nfc";
    public const string Personalization = "personalization";
    public const string Icon = "icon";
    public const string Image = "image";
    public const string ImageSize = "image-size";
    public const string Localization = "localization";
    public const string ModelEntry = "model-entry";
    public const string ModelLimit = "model-limit";
    public const string Zip = "zip";
    public const string Manifest = "manifest";
    public const string Signature = "signature";
    public const string Certificate = "certificate";
    public const string Wwdr = "wwdr";
}
