namespace PassGrains.Cli.Tests.Infrastructure;

/// <summary>Assertions on CLI results that print the whole command output when they fail.</summary>
public static class Expect
{
    public static void Exit(ProcessResult result, int expected) =>
        Assert.True(result.ExitCode == expected, $"expected exit code {expected}{Environment.NewLine}{result}");

    /// <summary>An error line for <paramref name="file"/> with rule <paramref name="rule"/> (and the JSON path and text, when given).</summary>
    public static ProblemLine Error(ProcessResult result, string file, string rule, string? jsonPath = null, string? messageContains = null)
    {
        var match = result.Errors.FirstOrDefault(p => p.File == file && p.Rule == rule
            && (jsonPath is null || p.JsonPath == jsonPath)
            && (messageContains is null || p.Message.Contains(messageContains, StringComparison.Ordinal)));
        Assert.True(match is not null,
            $"expected a line 'error {file}{(jsonPath is null ? "" : " " + jsonPath)} [{rule}] ...{messageContains}...' on stderr{Environment.NewLine}{result}");
        return match!;
    }

    public static void NoError(ProcessResult result, string rule) =>
        Assert.True(result.Errors.All(p => p.Rule != rule), $"expected no [{rule}] error{Environment.NewLine}{result}");

    /// <summary>One problem per line: every stderr line is <c>severity file [$.path] [rule] message</c>.</summary>
    public static void OnlyProblemLines(ProcessResult result)
    {
        var others = result.StderrLines.Where(l => ProblemLine.TryParse(l) is null).ToList();
        Assert.True(others.Count == 0, $"stderr lines that are not problem lines: {string.Join(" | ", others)}{Environment.NewLine}{result}");
    }

    /// <summary><c>pass verify</c> accepted the pass: exit 0, stdout exactly OK, no error lines.</summary>
    public static void VerifiedOk(ProcessResult result)
    {
        Exit(result, 0);
        Assert.Equal(["OK"], result.StdoutLines);
        Assert.True(result.StderrLines.All(l => !l.StartsWith("error", StringComparison.Ordinal)), result.ToString());
        OnlyProblemLines(result);
    }
}
