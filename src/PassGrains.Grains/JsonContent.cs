using System.Text.Json.Nodes;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>Merges successive changes into one <see cref="PassContent"/>.</summary>
public static class JsonContent
{
    /// <summary>
    /// Field values: later values win per key. Merge patches: combined so that applying the result
    /// equals applying both in turn. Nulls are kept (they delete keys of the template). Where one
    /// patch cannot say it (an object after a null or a non-object for the same key: merge patch has no
    /// "replace this object"), the stored patch becomes a list applied in order, see <see cref="Patches"/>.
    /// </summary>
    public static PassContent Merge(PassContent? current, PassContent change) => new(
        MergeFields(current?.FieldsJson, change.FieldsJson),
        MergePatches(current?.PatchJson, change.PatchJson));

    /// <summary>The merge patches of stored content, in the order to apply them.</summary>
    public static IReadOnlyList<JsonObject> Patches(string? patchJson) => JsonNode.Parse(patchJson ?? "null") switch
    {
        JsonObject single => [single],
        JsonArray list => list.OfType<JsonObject>().ToList(),
        _ => [],
    };

    private static string? MergeFields(string? current, string? change)
    {
        if (change is null || current is null)
            return change ?? current;
        var target = JsonNode.Parse(current) as JsonObject ?? [];
        foreach (var (key, value) in (JsonNode.Parse(change) as JsonObject ?? []).ToList())
            target[key] = value?.DeepClone();
        return target.ToJsonString();
    }

    private static string? MergePatches(string? current, string? change)
    {
        if (change is null || current is null)
            return change ?? current;
        var patches = Patches(current).Select(p => (JsonObject)p.DeepClone()).ToList();
        var next = JsonNode.Parse(change) as JsonObject ?? [];
        if (CanCombine(patches[^1], next))
            Combine(patches[^1], next);
        else
            patches.Add(next);
        return patches.Count == 1 ? patches[0].ToJsonString() : new JsonArray(patches.ToArray<JsonNode?>()).ToJsonString();
    }

    /// <summary>False where <paramref name="next"/> merges an object into a key that <paramref name="previous"/> removed or set to a non-object.</summary>
    private static bool CanCombine(JsonObject previous, JsonObject next)
    {
        foreach (var (key, value) in next)
        {
            if (value is not JsonObject inner || !previous.TryGetPropertyValue(key, out var earlier))
                continue;
            if (earlier is not JsonObject earlierObject || !CanCombine(earlierObject, inner))
                return false;
        }
        return true;
    }

    private static void Combine(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is JsonObject inner && target[key] is JsonObject existing)
                Combine(existing, inner);
            else
                target[key] = value?.DeepClone();
        }
    }
}
