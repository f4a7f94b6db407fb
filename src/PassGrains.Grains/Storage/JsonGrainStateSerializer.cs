using System.Text.Json;
using Orleans.Storage;

namespace PassGrains.Grains.Storage;

/// <summary>
/// Grain state as plain System.Text.Json: no type names in the stored JSON (renaming a class
/// never breaks reading), and rows stay readable with SQL's JSON functions.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options)!;
}
