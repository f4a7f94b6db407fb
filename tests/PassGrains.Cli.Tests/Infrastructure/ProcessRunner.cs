using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PassGrains.Cli.Tests.Infrastructure;

/// <summary>What a finished process left behind: its exit code and everything it wrote.</summary>
public sealed partial record ProcessResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    public IReadOnlyList<string> StdoutLines => SplitLines(Stdout);

    public IReadOnlyList<string> StderrLines => SplitLines(Stderr);

    /// <summary>Every stderr line parsed as a problem line; null entries are lines that are not problem lines.</summary>
    public IReadOnlyList<ProblemLine?> Problems => StderrLines.Select(ProblemLine.TryParse).ToList();

    public IReadOnlyList<ProblemLine> Errors => Problems.OfType<ProblemLine>().Where(p => p.Severity == "error").ToList();

    public override string ToString() =>
        $"$ {CommandLine}{Environment.NewLine}exit code {ExitCode}{Environment.NewLine}--- stdout ---{Environment.NewLine}{Stdout}--- stderr ---{Environment.NewLine}{Stderr}";

    private static List<string> SplitLines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
}

/// <summary>
/// One problem line as the CLI prints it: <c>severity file [$.path] [rule] message</c>,
/// e.g. <c>error pass.json $.passTypeIdentifier [certificate] ...</c>.
/// </summary>
public sealed partial record ProblemLine(string Severity, string File, string? JsonPath, string Rule, string Message)
{
    [GeneratedRegex(@"^(?<severity>error|warning) (?<file>\S+)(?: (?<path>\$\S*))? \[(?<rule>[a-z0-9-]+)\] (?<message>\S.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static ProblemLine? TryParse(string line)
    {
        var match = Pattern().Match(line);
        if (!match.Success)
            return null;
        var path = match.Groups["path"];
        return new ProblemLine(match.Groups["severity"].Value, match.Groups["file"].Value, path.Success ? path.Value : null,
            match.Groups["rule"].Value, match.Groups["message"].Value);
    }
}

public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <param name="environment">Variables to set for the process; a null value removes the variable.</param>
    public static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        var commandLine = $"{fileName} {string.Join(' ', arguments.Select(Quote))}";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {commandLine}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? DefaultTimeout;
        using var cancellation = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{commandLine} did not finish within {limit.TotalSeconds} s");
        }
        return new ProcessResult(commandLine, process.ExitCode, await stdout, await stderr);
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && !argument.Any(char.IsWhiteSpace) ? argument : $"\"{argument}\"";
}

/// <summary>Runs the built <c>passgrains</c> CLI (copied next to the test assembly) as its own process.</summary>
public static class CliProcess
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "passgrains.dll");

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The server verbs read these when --server and --api-key are absent; the developer's own must not leak into a test.</summary>
    private static readonly Dictionary<string, string?> NoServerVariables = new() { ["PASSGRAINS_SERVER"] = null, ["PASSGRAINS_API_KEY"] = null };

    public static Task<ProcessResult> RunAsync(params string[] arguments) => RunInAsync(null, arguments);

    public static Task<ProcessResult> RunInAsync(string? workingDirectory, params string[] arguments) =>
        RunAsync(workingDirectory, null, null, arguments);

    /// <param name="environment">Variables for the CLI on top of the test's own environment (null removes one).</param>
    public static Task<ProcessResult> RunAsync(string? workingDirectory, IReadOnlyDictionary<string, string?>? environment, TimeSpan? timeout, params string[] arguments)
    {
        if (!File.Exists(Dll))
            throw new FileNotFoundException($"the CLI was not built next to the tests: {Dll}");
        var variables = new Dictionary<string, string?>(NoServerVariables);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            variables[name] = value;
        return ProcessRunner.RunAsync(DotnetHost, [Dll, .. arguments], workingDirectory, timeout, variables);
    }
}

public static class OpenSsl
{
    public static Task<ProcessResult> RunAsync(string workingDirectory, params string[] arguments) =>
        ProcessRunner.RunAsync("openssl", arguments, workingDirectory);
}
