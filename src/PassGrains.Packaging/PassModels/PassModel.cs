using PassGrains.Packaging.Validation;

namespace PassGrains.Packaging.PassModels;

/// <summary>
/// A pass model (template): pass.json, images and localizations, checked and ready to compile.
/// Load one with <see cref="PassModelReader"/>; it never holds <c>manifest.json</c> or <c>signature</c>.
/// </summary>
public sealed class PassModel
{
    internal PassModel(ReadOnlyMemory<byte> passJson, IReadOnlyList<PassModelFile> files, IReadOnlyList<PassProblem> warnings)
    {
        PassJson = passJson;
        Files = files;
        Warnings = warnings;
    }

    public ReadOnlyMemory<byte> PassJson { get; }

    /// <summary>Every file except pass.json, in package path order.</summary>
    public IReadOnlyList<PassModelFile> Files { get; }

    /// <summary>Problems that do not stop Wallet from opening the pass (image sizes, missing @2x, ...).</summary>
    public IReadOnlyList<PassProblem> Warnings { get; }

    public IEnumerable<string> Languages => Files.Select(f => f.Language).OfType<string>().Distinct(StringComparer.Ordinal);

    public PassModelFile? Find(string path) => Files.FirstOrDefault(f => f.Path == path);

    /// <summary>The same model without one file (the personalized pass drops personalization.json).</summary>
    public PassModel Without(string path) => new(PassJson, Files.Where(f => f.Path != path).ToList(), Warnings);

    /// <summary>Loads a folder or a zip file, or throws <see cref="PassValidationException"/> with every problem.</summary>
    public static PassModel Load(string path, PassModelLimits? limits = null, PassValidationOptions? options = null) =>
        PassModelReader.Read(path, limits, options).GetModelOrThrow();

    public static PassModel FromZip(Stream zip, PassModelLimits? limits = null, PassValidationOptions? options = null) =>
        PassModelReader.ReadZip(zip, limits, options).GetModelOrThrow();
}

/// <summary>The outcome of reading a pass model: the model when it has no errors, and every problem found.</summary>
public sealed record PassModelReadResult(PassModel? Model, IReadOnlyList<PassProblem> Problems)
{
    public bool Succeeded => Model is not null;

    public PassModel GetModelOrThrow() => Model ?? throw new PassValidationException(Problems.Where(p => p.IsError).ToList());
}
