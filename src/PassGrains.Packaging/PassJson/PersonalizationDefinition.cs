using System.Text.Json;
using System.Text.Json.Serialization;

namespace PassGrains.Packaging.PassJson;

/// <summary>personalization.json of a rewards-enrollment pass.</summary>
public sealed record PersonalizationDefinition
{
    public IReadOnlyList<string>? RequiredPersonalizationFields { get; init; }
    public string? Description { get; init; }
    public string? TermsAndConditions { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }

    public static readonly IReadOnlyList<string> Fields =
    [
        "PKPassPersonalizationFieldName", "PKPassPersonalizationFieldPostalCode",
        "PKPassPersonalizationFieldEmailAddress", "PKPassPersonalizationFieldPhoneNumber",
    ];

    public static PersonalizationDefinition Parse(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, PassJsonContext.Default.PersonalizationDefinition)
        ?? throw new JsonException("personalization.json is null");
}
