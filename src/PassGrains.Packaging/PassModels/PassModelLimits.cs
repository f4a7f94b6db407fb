namespace PassGrains.Packaging.PassModels;

/// <summary>
/// Bounds for an untrusted pass model (an uploaded zip or folder). The defaults fit every real pass
/// comfortably (Apple advises small passes) and keep a hostile zip from exhausting memory.
/// </summary>
public sealed record PassModelLimits
{
    public int MaxEntries { get; init; } = 256;
    public long MaxFileBytes { get; init; } = 8 * 1024 * 1024;
    public long MaxTotalBytes { get; init; } = 32 * 1024 * 1024;
    public long MaxJsonBytes { get; init; } = 512 * 1024;
    public int MaxLocalizations { get; init; } = 64;

    public static readonly PassModelLimits Default = new();
}
