using System.Text.Json.Nodes;

namespace PassGrains.Packaging.Building;

/// <summary>
/// One layer of a pass's content over its template (a group's shared values, then the pass's own):
/// field values by field key, then an RFC 7386 merge patch on pass.json. Stored content becomes
/// layers through <see cref="PassContentLayers.Layers"/>.
/// </summary>
public sealed record PassLayer(IReadOnlyDictionary<string, JsonNode?>? Fields = null, JsonObject? Patch = null);
