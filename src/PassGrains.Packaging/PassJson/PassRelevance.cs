using System.Text.Json;
using System.Text.Json.Serialization;

namespace PassGrains.Packaging.PassJson;

public sealed record PassLocation
{
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    public double? Altitude { get; init; }
    public string? RelevantText { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

public sealed record PassBeacon
{
    public string? ProximityUUID { get; init; }
    public int? Major { get; init; }
    public int? Minor { get; init; }
    public string? RelevantText { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

/// <summary>An entry of <c>relevantDates</c> (iOS 18+): a <c>date</c>, or <c>startDate</c> with <c>endDate</c>.</summary>
public sealed record PassRelevantDate
{
    public string? Date { get; init; }
    public string? StartDate { get; init; }
    public string? EndDate { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

public sealed record PassNfc
{
    /// <summary>Up to 64 bytes; longer messages are truncated by the device.</summary>
    public string? Message { get; init; }

    /// <summary>Base64 X.509 SubjectPublicKeyInfo of an ECDH P-256 key.</summary>
    public string? EncryptionPublicKey { get; init; }

    public bool? RequiresAuthentication { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}
