using System.Text.Json.Nodes;

namespace PassGrains.Packaging.Json;

/// <summary>RFC 7386 JSON merge patch: objects merge key by key, null removes, anything else replaces.</summary>
public static class JsonMergePatch
{
    /// <summary>Applies <paramref name="patch"/> to <paramref name="target"/> and returns the result (the target object is changed in place).</summary>
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
}
