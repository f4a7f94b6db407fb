namespace PassGrains.Packaging.Validation;

public enum ProblemSeverity
{
    Warning,
    Error,
}

/// <summary>
/// One thing wrong with a pass or pass model: where (<paramref name="File"/> and a JSON path
/// such as <c>$.eventTicket.auxiliaryFields[0].changeMessage</c>), which rule, and what to do.
/// </summary>
public sealed record PassProblem(ProblemSeverity Severity, string File, string Path, string Rule, string Message)
{
    public bool IsError => Severity == ProblemSeverity.Error;

    public static PassProblem Error(string file, string path, string rule, string message) =>
        new(ProblemSeverity.Error, file, path, rule, message);

    public static PassProblem Warning(string file, string path, string rule, string message) =>
        new(ProblemSeverity.Warning, file, path, rule, message);

    /// <summary>One line: <c>error pass.json $.path [rule] message</c>.</summary>
    public override string ToString() =>
        $"{(IsError ? "error" : "warning")} {File}{(string.IsNullOrEmpty(Path) ? "" : " " + Path)} [{Rule}] {Message}";
}

/// <summary>Thrown when input cannot be used at all; carries every problem found.</summary>
public sealed class PassValidationException(IReadOnlyList<PassProblem> problems)
    : Exception(problems.Count == 1 ? problems[0].ToString() : $"{problems.Count(p => p.IsError)} problems:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}")
{
    public IReadOnlyList<PassProblem> Problems { get; } = problems;
}
