using System.Text.Json.Serialization;

namespace PassGrains.Packaging.PassJson;

/// <summary>Source-generated serialization: camelCase keys, nulls omitted, as Apple writes pass.json.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(PassDefinition))]
[JsonSerializable(typeof(PersonalizationDefinition))]
public sealed partial class PassJsonContext : JsonSerializerContext;
