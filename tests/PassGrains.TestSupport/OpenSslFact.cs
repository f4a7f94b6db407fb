namespace PassGrains.TestSupport;

/// <summary>
/// Whether the <c>openssl</c> command, the independent checker of our signatures, is on PATH. A machine with
/// only the .NET SDK may lack it: the tests that call it are skipped there, saying so, instead of failing.
/// </summary>
public static class OpenSslTool
{
    public static string? MissingReason { get; } = Find() is null
        ? "the openssl command is not on PATH: these tests check our signatures with it (apt-get install openssl)"
        : null;

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, OperatingSystem.IsWindows() ? "openssl.exe" : "openssl"))
            .FirstOrDefault(File.Exists);
}

/// <summary>A fact that needs the openssl command.</summary>
public sealed class OpenSslFactAttribute : FactAttribute
{
    public OpenSslFactAttribute()
    {
        if (OpenSslTool.MissingReason is { } reason)
            Skip = reason;
    }
}

/// <summary>A theory that needs the openssl command.</summary>
public sealed class OpenSslTheoryAttribute : TheoryAttribute
{
    public OpenSslTheoryAttribute()
    {
        if (OpenSslTool.MissingReason is { } reason)
            Skip = reason;
    }
}
