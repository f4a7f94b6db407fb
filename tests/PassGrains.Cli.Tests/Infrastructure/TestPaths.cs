namespace PassGrains.Cli.Tests.Infrastructure;

/// <summary>The repository (the folder holding PassGrains.sln) and its pass models.</summary>
public static class TestPaths
{
    public static string RepoRoot => RepositoryPaths.Root;

    /// <summary>The six models: four samples (boarding pass, coupon, generic, store card) and two event tickets.</summary>
    public static readonly string[] ModelNames = RepositoryPaths.ModelNames;

    public static TheoryData<string> AllModels => new(ModelNames);

    /// <summary>samples/models/NAME.pass.</summary>
    public static string Model(string name)
    {
        var path = Path.Combine(RepoRoot, "samples", "models", name + ".pass");
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"pass model '{name}' not found at {path}");
        return path;
    }

    /// <summary>Every file of a model folder as package paths ('/' separated), sorted.</summary>
    public static List<string> ModelFiles(string modelDirectory) =>
        Directory.EnumerateFiles(modelDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(modelDirectory, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

/// <summary>A fresh temporary folder, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string purpose = "test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"passgrains-cli-tests-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
