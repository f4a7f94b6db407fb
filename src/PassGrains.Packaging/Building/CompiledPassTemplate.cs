using System.Text;
using System.Text.Json.Nodes;
using PassGrains.Packaging.PassModels;

namespace PassGrains.Packaging.Building;

/// <summary>
/// A pass model prepared once for many passes: every file's SHA-1 for the manifest, and the zip
/// records of every file (local headers, data, central directory) laid out as two byte blocks that
/// each signed pass references without copying. Per pass only pass.json, the manifest and the
/// signature are new. Immutable and thread-safe.
/// </summary>
public sealed class CompiledPassTemplate
{
    private readonly JsonObject _passJson;

    private CompiledPassTemplate(PassModel model, JsonObject passJson, byte[] sharedLocal, byte[] sharedCentral, int sharedEntries, byte[] manifestTail, DateTime modified)
    {
        Model = model;
        _passJson = passJson;
        SharedLocalRecords = sharedLocal;
        SharedCentralRecords = sharedCentral;
        SharedEntryCount = sharedEntries;
        ManifestTail = manifestTail;
        Modified = modified;
        PassTypeIdentifier = passJson["passTypeIdentifier"]?.GetValue<string>();
        TeamIdentifier = passJson["teamIdentifier"]?.GetValue<string>();
    }

    public PassModel Model { get; }

    public string? PassTypeIdentifier { get; }

    public string? TeamIdentifier { get; }

    internal byte[] SharedLocalRecords { get; }

    internal byte[] SharedCentralRecords { get; }

    internal int SharedEntryCount { get; }

    /// <summary>The manifest after the pass.json entry: <c>"icon.png":"…",…}</c>.</summary>
    internal byte[] ManifestTail { get; }

    internal DateTime Modified { get; }

    /// <summary>A copy of the template's pass.json, to compose a pass from.</summary>
    public JsonObject PassJson => (JsonObject)_passJson.DeepClone();

    internal JsonObject PassJsonTemplate => _passJson;

    public static CompiledPassTemplate Compile(PassModel model, DateTime? modified = null)
    {
        var time = modified ?? DateTime.UtcNow;
        var passJson = JsonNode.Parse(model.PassJson.Span) as JsonObject
            ?? throw new ArgumentException("pass.json of the model is not an object", nameof(model));

        var entries = model.Files
            .Select(f => PassZip.CreateEntry(f.Path, f.Content.Span, deflate: !f.IsImage, time))
            .ToList();

        var local = new byte[entries.Sum(e => (long)e.LocalRecord.Length)];
        var central = new byte[entries.Sum(e => e.CentralRecordLength)];
        long offset = 0;
        var centralOffset = 0;
        foreach (var entry in entries)
        {
            entry.LocalRecord.CopyTo(local, offset);
            centralOffset += PassZip.WriteCentralRecord(central.AsSpan(centralOffset), entry, offset);
            offset += entry.LocalRecord.Length;
        }

        var manifest = new StringBuilder();
        foreach (var file in model.Files)
            manifest.Append(",\"").Append(file.Path).Append("\":\"").Append(ManifestHash.ComputeHex(file.Content.Span)).Append('"');
        manifest.Append('}');

        return new CompiledPassTemplate(model, passJson, local, central, entries.Count, Encoding.UTF8.GetBytes(manifest.ToString()), time);
    }
}
