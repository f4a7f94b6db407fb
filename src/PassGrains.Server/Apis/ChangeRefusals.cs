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
        _ => throw new InvalidOperationException($"{outcome.GetType().Name} is no refusal"),
    };
}
