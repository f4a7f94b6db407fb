using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;

namespace PassGrains.Server.Apis;

/// <summary>A change <see cref="PassIssuer"/> refused, as the answer the issuer API always gave it.</summary>
public static class ChangeRefusals
{
    public static ProblemHttpResult ToProblem(this ChangeOutcome outcome) => outcome switch
    {
        ChangeOutcome.NotFound notFound => Problems.NotFound(notFound.Message),
        ChangeOutcome.Invalid invalid => Problems.Invalid(invalid.Field, invalid.Message),
        ChangeOutcome.Forbidden forbidden => Problems.Forbidden(forbidden.Message),
        ChangeOutcome.WouldBeInvalid wouldBe => Problems.FromPassProblems(wouldBe.Title, wouldBe.Problems),
        ChangeOutcome.WouldBreak wouldBreak => Problems.Conflict("the change would break stored passes", wouldBreak.Message,
            wouldBreak.Field is { } field
                ? [new FieldProblem(field, "conflict", wouldBreak.Message)]
                : wouldBreak.Fields.Select(u => new FieldProblem(FieldUses.Field(u), "in-use", $"{FieldUses.Who(u)}, and the change takes it away")).ToList(),
            new Dictionary<string, object?>
            {
                ["fieldsInUse"] = wouldBreak.Fields.Select(u => new FieldInUse(FieldUses.Field(u), u.Key, u.Passes, u.Groups)).ToList(),
            }),
        _ => throw new InvalidOperationException($"{outcome.GetType().Name} is no refusal"),
    };
}

/// <summary>A field key stored passes or groups set: in a 409's <c>fieldsInUse</c>, and what a revision accepted with dropUnknownFields dropped.</summary>
public sealed record FieldInUse(string Field, string Key, long Passes, IReadOnlyList<string> Groups);
