using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PassGrains.Packaging.PassJson;

/// <summary>One field of a field list (<c>PassFieldContent</c>).</summary>
public sealed record PassField
{
    public string? Key { get; init; }

    /// <summary>A (localizable) string, a W3C date string, or a number.</summary>
    public JsonNode? Value { get; init; }

    public string? Label { get; init; }
    public JsonNode? AttributedValue { get; init; }

    /// <summary>Shown when the value changes on update; must contain <c>%@</c>.</summary>
    public string? ChangeMessage { get; init; }

    public IReadOnlyList<string>? DataDetectorTypes { get; init; }
    public string? TextAlignment { get; init; }
    public string? DateStyle { get; init; }
    public string? TimeStyle { get; init; }
    public bool? IsRelative { get; init; }
    public bool? IgnoresTimeZone { get; init; }
    public string? NumberStyle { get; init; }
    public string? CurrencyCode { get; init; }

    /// <summary>Event ticket auxiliary fields only: 0 or 1.</summary>
    public int? Row { get; init; }

    public PassSemantics? Semantics { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}
