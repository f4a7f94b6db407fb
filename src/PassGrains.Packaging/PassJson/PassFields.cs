using System.Text.Json;
using System.Text.Json.Serialization;

namespace PassGrains.Packaging.PassJson;

/// <summary>The value of a style key: the field lists of one pass style.</summary>
public sealed record PassFields
{
    public IReadOnlyList<PassField>? HeaderFields { get; init; }
    public IReadOnlyList<PassField>? PrimaryFields { get; init; }
    public IReadOnlyList<PassField>? SecondaryFields { get; init; }
    public IReadOnlyList<PassField>? AuxiliaryFields { get; init; }
    public IReadOnlyList<PassField>? BackFields { get; init; }
    public IReadOnlyList<PassField>? AdditionalInfoFields { get; init; }
    public IReadOnlyList<PassField>? FooterFields { get; init; }

    /// <summary>Boarding passes only: <c>PKTransitTypeAir</c>, <c>…Boat</c>, <c>…Bus</c>, <c>…Generic</c>, <c>…Train</c>.</summary>
    public string? TransitType { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }

    /// <summary>Names of the field lists a style dictionary may hold, in display order.</summary>
    public static readonly IReadOnlyList<string> ListNames =
    [
        "headerFields", "primaryFields", "secondaryFields", "auxiliaryFields", "backFields", "additionalInfoFields", "footerFields",
    ];
}
