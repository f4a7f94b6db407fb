namespace PassGrains.Packaging.PassModels;

/// <summary>A file of a pass model, by its package path (<c>icon@2x.png</c>, <c>de.lproj/pass.strings</c>).</summary>
public sealed record PassModelFile(string Path, ReadOnlyMemory<byte> Content)
{
    /// <summary>The localization folder name without <c>.lproj</c> (<c>de</c>, <c>zh-Hans</c>), or null at top level.</summary>
    public string? Language => Path.IndexOf('/') is var slash and > 0 ? Path[..(slash - ".lproj".Length)] : null;

    public string FileName => Path[(Path.LastIndexOf('/') + 1)..];

    public bool IsImage => Path.EndsWith(".png", StringComparison.Ordinal);
}
