namespace PassGrains.Abstractions;

[GenerateSerializer, Immutable]
public sealed record TemplateRevision(
    [property: Id(0)] string TemplateId,
    [property: Id(1)] int Revision,
    [property: Id(2)] byte[] ModelZip,
    [property: Id(3)] string PassTypeIdentifier,
    [property: Id(4)] UpdateStamp Stamp);

[GenerateSerializer, Immutable]
public sealed record TemplatePutResult([property: Id(0)] bool Created, [property: Id(1)] int Revision);

/// <summary>A pass template (key <see cref="GrainKeys.Template"/>): the current model zip, checked before it is stored.</summary>
public interface ITemplateGrain : IGrainWithStringKey
{
    /// <summary>Stores a new revision; the caller has validated the zip.</summary>
    Task<TemplatePutResult> Put(byte[] modelZip, string passTypeIdentifier);

    Task<TemplateRevision?> GetCurrent();

    Task<UpdateStamp?> GetStamp();

    /// <summary>The template's stamp for the cache of <paramref name="watcher"/>, told of every revision from now on; null when there is no such template.</summary>
    Task<UpdateStamp?> WatchStamp(SiloAddress watcher);
}
