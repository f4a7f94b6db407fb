using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>Merges successive changes into one <see cref="PassContent"/>.</summary>
public static class JsonContent
{
    /// <summary>
    /// Field values: later values win per key. Merge patches: combined so that applying the result
    /// equals applying both in turn (nulls are kept, because they delete keys of the template).
    /// </summary>
    public static PassContent Merge(PassContent? current, PassContent change) => new(
        MergeObjects(current?.FieldsJson, change.FieldsJson, recursive: false),
        MergeObjects(current?.PatchJson, change.PatchJson, recursive: true));

    private static string? MergeObjects(string? current, string? change, bool recursive)
    {
        if (change is null)
            return current;
        if (current is null)
            return change;
        var target = JsonNode.Parse(current) as JsonObject ?? [];
        var patch = JsonNode.Parse(change) as JsonObject ?? [];
        Combine(target, patch, recursive);
        return target.ToJsonString();
    }

    private static void Combine(JsonObject target, JsonObject patch, bool recursive)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (recursive && value is JsonObject inner && target[key] is JsonObject existing)
                Combine(existing, inner, recursive);
            else
                target[key] = value?.DeepClone();
        }
    }

    public static bool IsObjectOrNull(string? json)
    {
        if (json is null)
            return true;
        try
        {
            return JsonNode.Parse(json) is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
