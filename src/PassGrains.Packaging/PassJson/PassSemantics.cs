using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PassGrains.Packaging.PassJson;

/// <summary>
/// Semantic tags (iOS 12+). The common event, transit and seat keys are typed; the many others
/// Apple lists (and adds each year) stay in <see cref="Extensions"/> unchanged.
/// </summary>
public sealed record PassSemantics
{
    public string? EventName { get; init; }
    public string? EventType { get; init; }
    public string? EventStartDate { get; init; }
    public string? EventEndDate { get; init; }
    public string? VenueName { get; init; }
    public string? VenueRegionName { get; init; }
    public string? VenueRoom { get; init; }
    public SemanticLocation? VenueLocation { get; init; }
    public string? VenueEntrance { get; init; }
    public IReadOnlyList<string>? PerformerNames { get; init; }
    public string? HomeTeamName { get; init; }
    public string? HomeTeamAbbreviation { get; init; }
    public string? AwayTeamName { get; init; }
    public string? AwayTeamAbbreviation { get; init; }
    public string? LeagueName { get; init; }
    public string? SportName { get; init; }
    public string? AttendeeName { get; init; }
    public IReadOnlyList<SemanticSeat>? Seats { get; init; }
    public double? Duration { get; init; }
    public bool? SilenceRequested { get; init; }
    public SemanticCurrencyAmount? TotalPrice { get; init; }
    public SemanticCurrencyAmount? Balance { get; init; }

    public string? TransitProvider { get; init; }
    public string? TransitStatus { get; init; }
    public string? TransitStatusReason { get; init; }
    public string? VehicleName { get; init; }
    public string? VehicleNumber { get; init; }
    public string? VehicleType { get; init; }
    public string? ConfirmationNumber { get; init; }
    public string? BoardingGroup { get; init; }
    public string? BoardingSequenceNumber { get; init; }
    public string? OriginalBoardingDate { get; init; }
    public string? CurrentBoardingDate { get; init; }
    public string? OriginalDepartureDate { get; init; }
    public string? CurrentDepartureDate { get; init; }
    public string? OriginalArrivalDate { get; init; }
    public string? CurrentArrivalDate { get; init; }
    public SemanticLocation? DepartureLocation { get; init; }
    public SemanticLocation? DestinationLocation { get; init; }
    public string? AirlineCode { get; init; }
    public string? FlightCode { get; init; }
    public long? FlightNumber { get; init; }
    public string? DepartureAirportCode { get; init; }
    public string? DepartureGate { get; init; }
    public string? DepartureTerminal { get; init; }
    public string? DestinationAirportCode { get; init; }
    public string? DestinationGate { get; init; }
    public string? DestinationTerminal { get; init; }
    public SemanticPersonName? PassengerName { get; init; }
    public JsonNode? WifiAccess { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

public sealed record SemanticLocation
{
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

public sealed record SemanticSeat
{
    public string? SeatAisle { get; init; }
    public string? SeatDescription { get; init; }
    public string? SeatIdentifier { get; init; }
    public string? SeatLevel { get; init; }
    public string? SeatNumber { get; init; }
    public string? SeatRow { get; init; }
    public string? SeatSection { get; init; }
    public string? SeatSectionColor { get; init; }
    public string? SeatType { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

public sealed record SemanticCurrencyAmount
{
    /// <summary>A decimal amount as a string, e.g. "12.50".</summary>
    public string? Amount { get; init; }
    public string? CurrencyCode { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

public sealed record SemanticPersonName
{
    public string? NamePrefix { get; init; }
    public string? GivenName { get; init; }
    public string? MiddleName { get; init; }
    public string? FamilyName { get; init; }
    public string? NameSuffix { get; init; }
    public string? Nickname { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}
