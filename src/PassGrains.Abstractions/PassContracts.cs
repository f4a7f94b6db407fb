namespace PassGrains.Abstractions;

/// <summary>
/// A pass's own content over its template and group: field values by field key (a JSON object) and
/// an RFC 7386 merge patch on pass.json (a JSON object). Both are JSON text, checked by the API.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PassContent(
    [property: Id(0)] string? FieldsJson,
    [property: Id(1)] string? PatchJson)
{
    // The layering rules (Packaging/Building/PassContentLayers.cs) work on the two texts and know no grain
    // contracts; no content (null) is neither fields nor patch.
    public static implicit operator (string? FieldsJson, string? PatchJson)(PassContent? content) =>
        content is null ? (null, null) : (content.FieldsJson, content.PatchJson);

    public static implicit operator PassContent((string? FieldsJson, string? PatchJson) content) =>
        new(content.FieldsJson, content.PatchJson);
}

/// <summary>
/// What issued a pass: a batch job's line. A resumed job finds its own passes by it, so it issues each line once and
/// still tells a serial taken before the job (a conflict) from one it made itself.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PassOrigin([property: Id(0)] string JobId, [property: Id(1)] int Line);

[GenerateSerializer, Immutable]
public sealed record PassIssue(
    [property: Id(0)] string TemplateId,
    [property: Id(1)] string? GroupId,
    [property: Id(2)] PassContent Content,
    [property: Id(3)] PassOrigin? Origin = null);

/// <summary>The numbers are the wire format between silos of different builds: never renumber.</summary>
public enum PassIssueStatus
{
    Created = 0,
    AlreadyExists = 1,

    /// <summary>The pass exists and was issued by the same origin (a batch line run again): it was issued, once.</summary>
    IssuedBefore = 2,
}

[GenerateSerializer, Immutable]
public sealed record PassIssueResult([property: Id(0)] PassIssueStatus Status, [property: Id(1)] long Version);

/// <param name="AddedKeys">Field keys the pass sets now and did not before the change.</param>
/// <param name="RemovedKeys">Field keys the pass set before the change and no longer does.</param>
[GenerateSerializer, Immutable]
public sealed record PassChangeResult(
    [property: Id(0)] bool Found,
    [property: Id(1)] long Version,
    [property: Id(2)] IReadOnlyList<string>? AddedKeys = null,
    [property: Id(3)] IReadOnlyList<string>? RemovedKeys = null);

/// <summary>What the issuer API shows of a pass.</summary>
[GenerateSerializer, Immutable]
public sealed record PassSummary(
    [property: Id(0)] string PassTypeIdentifier,
    [property: Id(1)] string SerialNumber,
    [property: Id(2)] string TemplateId,
    [property: Id(3)] string? GroupId,
    [property: Id(4)] long Version,
    [property: Id(5)] EffectiveStamp Stamp,
    [property: Id(6)] bool Voided,
    [property: Id(7)] int Devices);

/// <summary>Everything needed to render a pass outside the grain.</summary>
[GenerateSerializer, Immutable]
public sealed record PassRenderSource(
    [property: Id(0)] string PassTypeIdentifier,
    [property: Id(1)] string SerialNumber,
    [property: Id(2)] string TemplateId,
    [property: Id(3)] PassContent? Group,
    [property: Id(4)] PassContent Pass,
    [property: Id(5)] bool Voided,
    [property: Id(6)] string AuthenticationToken,
    [property: Id(7)] EffectiveStamp Stamp,
    [property: Id(8)] long TemplateTag,
    [property: Id(9)] bool Personalized = false,
    [property: Id(10)] string? GroupId = null);

/// <summary>The numbers are the wire format between silos of different builds: never renumber (2 was a status no grain answered).</summary>
public enum RegistrationStatus
{
    Unauthorized = 0,
    Created = 2,
    AlreadyRegistered = 3,
    Removed = 4,
}
