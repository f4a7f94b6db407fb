using System.Text.Json.Nodes;

namespace PassGrains.Packaging.Building;

/// <summary>
/// How a pass's content is layered over its template and patched, in one place: combining successive changes
/// into stored content (the grains) and applying stored content (rendering and the issuer's checks). One file
/// keeps the promise that links them: applying the combined content equals applying the changes in turn.
/// Content is two JSON texts, as grains store it and <c>PassContent</c> carries it: field values by field key,
/// and an RFC 7386 merge patch on pass.json (or, where one patch cannot say it, a list applied in order).
/// </summary>
public static class PassContentLayers
{
    /// <summary>
    /// Field values: later values win per key, and a null removes the value set before (the group's or the template's
    /// shows again), as in a merge patch. Merge patches: combined so that applying the result
    /// equals applying both in turn. Nulls are kept (they delete keys of the template). Where one
    /// patch cannot say it (an object after a null or a non-object for the same key: merge patch has no
    /// "replace this object"), the stored patch becomes a list applied in order, see <see cref="Layers"/>.
    /// </summary>
    public static (string? FieldsJson, string? PatchJson) Merge((string? FieldsJson, string? PatchJson) current, (string? FieldsJson, string? PatchJson) change) =>
        (MergeFields(current.FieldsJson, change.FieldsJson), MergePatches(current.PatchJson, change.PatchJson));

    /// <summary>Stored content as the layers <see cref="PassJsonComposer"/> applies: field values first, then the merge patches in order.</summary>
    public static IEnumerable<PassLayer> Layers((string? FieldsJson, string? PatchJson) content)
    {
        var fields = content.FieldsJson is null ? null : (JsonNode.Parse(content.FieldsJson) as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.DeepClone());
        var patches = Patches(content.PatchJson);
        if (patches.Count == 0)
        {
            yield return new PassLayer(fields);
            yield break;
        }
        yield return new PassLayer(fields, patches[0]);
        foreach (var patch in patches.Skip(1))
            yield return new PassLayer(Patch: patch);
    }

    /// <summary>
    /// The field keys stored content sets a value for: what its template must keep (a revision refused otherwise
    /// counts them, see Grains/TemplateUsageGrain.cs).
    /// </summary>
    public static IReadOnlySet<string> FieldKeys(string? fieldsJson) =>
        fieldsJson is null || JsonNode.Parse(fieldsJson) is not JsonObject fields
            ? new HashSet<string>(StringComparer.Ordinal)
            : fields.Where(p => p.Value is not null).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>RFC 7386: objects merge key by key, null removes, anything else replaces. The target object is changed in place and returned.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
            return patch?.DeepClone();
        if (target is not JsonObject targetObject)
            targetObject = [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                targetObject.Remove(key);
            }
            else
            {
                var current = targetObject.TryGetPropertyValue(key, out var existing) ? existing : null;
                var merged = Apply(current, value);
                if (!ReferenceEquals(merged, current))
                    targetObject[key] = merged;
            }
        }
        return targetObject;
    }

    /// <summary>The merge patches of stored content, in the order to apply them.</summary>
    private static List<JsonObject> Patches(string? patchJson) => JsonNode.Parse(patchJson ?? "null") switch
    {
        JsonObject single => [single],
        JsonArray list => list.OfType<JsonObject>().ToList(),
        _ => [],
    };

    private static string? MergeFields(string? current, string? change)
    {
        if (change is null)
            return current;
        var next = JsonNode.Parse(change) as JsonObject ?? [];
        if (current is null && next.All(p => p.Value is not null))
            return change;
        var target = current is null ? [] : JsonNode.Parse(current) as JsonObject ?? [];
        foreach (var (key, value) in next.ToList())
        {
            if (value is null)
                target.Remove(key);
            else
                target[key] = value.DeepClone();
        }
        return target.Count == 0 ? null : target.ToJsonString();
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
