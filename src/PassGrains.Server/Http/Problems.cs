using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Packaging.Validation;

namespace PassGrains.Server.Http;

/// <summary>One problem of a request: the field (a JSON path or file), the rule, and what is wrong.</summary>
public sealed record FieldProblem(string Field, string Rule, string Message);

/// <summary>An outcome a feature reports as a problem when it failed (Issuing's IssueOutcome): Http knows no feature.</summary>
public interface IProblemOutcome
{
    int Status { get; }
    string Title { get; }
    IReadOnlyList<FieldProblem> Errors { get; }
    string Describe();
}

/// <summary>
/// RFC 9457 problem+json answers that name the offending field. Typed (<see cref="ProblemHttpResult"/>), so a handler can
/// declare them in its <c>Results&lt;...&gt;</c> union; a problem's status is not part of its type, so each endpoint declares
/// the ones it answers with <c>ProducesProblem</c>.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult Invalid(string field, string message) =>
        Create(StatusCodes.Status400BadRequest, "invalid request", message, [new FieldProblem(field, "invalid", message)]);

    public static List<FieldProblem> ToFieldProblems(IReadOnlyList<PassProblem> problems) => problems.Where(p => p.IsError)
        .Select(p => new FieldProblem(p.File is "pass.json" or "request" or "fields" ? p.Path : $"{p.File}{(p.Path.Length > 0 ? ":" + p.Path : "")}", p.Rule, p.Message))
        .ToList();

    public static ProblemHttpResult From(IProblemOutcome outcome) =>
        Create(outcome.Status, outcome.Title, outcome.Describe(), outcome.Errors.ToList());

    public static ProblemHttpResult FromPassProblems(string title, IReadOnlyList<PassProblem> problems)
    {
        var errors = ToFieldProblems(problems);
        return Create(StatusCodes.Status400BadRequest, title, string.Join("; ", errors.Take(3).Select(e => $"{e.Field}: {e.Message}")), errors,
            problems.Where(p => !p.IsError).Select(p => p.ToString()).ToList());
    }

    public static ProblemHttpResult NotFound(string message) => Create(StatusCodes.Status404NotFound, "not found", message, []);

    public static ProblemHttpResult Unauthorized(string message) => Create(StatusCodes.Status401Unauthorized, "unauthorized", message, []);

    /// <summary>The key is valid but outside its scope; <paramref name="message"/> names the scope it lacks.</summary>
    public static ProblemHttpResult Forbidden(string message) => Create(StatusCodes.Status403Forbidden, "forbidden", message, []);

    /// <summary>The request conflicts with what is stored; <paramref name="extensions"/> say with what, for a client to act on.</summary>
    public static ProblemHttpResult Conflict(string title, string detail, List<FieldProblem> errors, IReadOnlyDictionary<string, object?>? extensions = null) =>
        Create(StatusCodes.Status409Conflict, title, detail, errors, extra: extensions);

    /// <summary>Not now: the client should retry (the caller sets Retry-After; <c>HttpHosting</c> gives a default).</summary>
    public static ProblemHttpResult Unavailable(string message) => Create(StatusCodes.Status503ServiceUnavailable, "service unavailable", message, []);

    public static ProblemHttpResult TooLarge(string message) => Create(StatusCodes.Status413PayloadTooLarge, "request too large", message, []);

    public static ProblemHttpResult UnsupportedMediaType(string message) => Create(StatusCodes.Status415UnsupportedMediaType, "unsupported media type", message, []);

    private static ProblemHttpResult Create(int status, string title, string detail, List<FieldProblem> errors, List<string>? warnings = null,
        IReadOnlyDictionary<string, object?>? extra = null)
    {
        var extensions = extra is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(extra);
        if (errors.Count > 0)
            extensions["errors"] = errors;
        if (warnings is { Count: > 0 })
            extensions["warnings"] = warnings;
        return TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
    }
}
