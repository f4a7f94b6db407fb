namespace PassGrains.TestSupport;

/// <summary>The repository under test (the folder holding PassGrains.sln, above the test's output) and its sample models.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PassGrains.sln")))
                return directory.FullName;
        }
        throw new DirectoryNotFoundException($"no PassGrains.sln above {AppContext.BaseDirectory}");
    });

    public static string Root => LazyRoot.Value;

    /// <summary>The six sample models (samples/models/NAME.pass): four styles and two event tickets.</summary>
    public static readonly string[] ModelNames = ["boarding", "coupon", "generic", "storecard", "event", "small"];

    /// <summary>samples/models/NAME.pass.</summary>
    public static string Model(string name) => Path.Combine(Root, "samples", "models", name + ".pass");
}
