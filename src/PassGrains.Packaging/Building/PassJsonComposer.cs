using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Packaging.PassJson;
using PassGrains.Packaging.Validation;

namespace PassGrains.Packaging.Building;

/// <summary>Composes a pass's pass.json: template, then each layer's field values and merge patch, then the serial.</summary>
public static class PassJsonComposer
{
    private static readonly string[] StyleKeys = ["boardingPass", "coupon", "eventTicket", "generic", "storeCard", "posterGeneric"];

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="problems">Where unknown field keys are reported; when null they throw <see cref="PassValidationException"/>.</param>
    /// <param name="refuseUnknown">
    /// Which field keys the template lacks are an error; the others are skipped. Null refuses every one (a typo in a
    /// request). Stored content is rendered with <c>_ =&gt; false</c>: a value a template revision dropped (accepted with
    /// dropUnknownFields, or stored by a build that counted no usage) must not make its pass unrenderable.
    /// </param>
    public static JsonObject Compose(JsonObject template, string serialNumber, IEnumerable<PassLayer> layers, List<PassProblem>? problems = null,
        Func<string, bool>? refuseUnknown = null)
    {
        var pass = (JsonObject)template.DeepClone();
        foreach (var layer in layers)
        {
            if (layer.Fields is { Count: > 0 } fields)
                SetFieldValues(pass, fields, problems, refuseUnknown);
            if (layer.Patch is { } patch)
                PassContentLayers.Apply(pass, patch);
        }
        pass["serialNumber"] = serialNumber;
        return pass;
    }

    public static byte[] ToUtf8(JsonObject pass)
    {
        using var buffer = new MemoryStream(4096);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            pass.WriteTo(writer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Sets the <c>value</c> of every field whose <c>key</c> matches, in every field list of every style
    /// dictionary. A key no field has is an error (a typo must not silently leave a pass unchanged) unless
    /// <paramref name="refuseUnknown"/> says it is not.
    /// </summary>
    public static void SetFieldValues(JsonObject pass, IReadOnlyDictionary<string, JsonNode?> values, List<PassProblem>? problems = null,
        Func<string, bool>? refuseUnknown = null)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var style in StyleKeys)
        {
            if (pass[style] is not JsonObject fields)
                continue;
            foreach (var list in PassFields.ListNames)
            {
                if (fields[list] is not JsonArray array)
                    continue;
                foreach (var field in array.OfType<JsonObject>())
                {
                    if (field["key"] is JsonValue key && key.TryGetValue<string>(out var name) && values.TryGetValue(name, out var value))
                    {
                        field["value"] = value?.DeepClone();
                        found.Add(name);
                    }
                }
            }
        }
        var missing = values.Keys.Where(k => !found.Contains(k) && (refuseUnknown is null || refuseUnknown(k)))
            .Select(k => PassProblem.Error("pass.json", $"$..[?(@.key=='{k}')]", PassRules.FieldValue,
                $"the template has no field with key '{k}'; known keys: {string.Join(", ", FieldKeys(pass))}"))
            .ToList();
        if (missing.Count == 0)
            return;
        if (problems is null)
            throw new PassValidationException(missing);
        problems.AddRange(missing);
    }

    public static IEnumerable<string> FieldKeys(JsonObject pass) =>
        StyleKeys.Select(s => pass[s]).OfType<JsonObject>()
            .SelectMany(f => PassFields.ListNames.Select(l => f[l]).OfType<JsonArray>())
            .SelectMany(a => a.OfType<JsonObject>())
            .Select(f => f["key"] is JsonValue v && v.TryGetValue<string>(out var k) ? k : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
}
