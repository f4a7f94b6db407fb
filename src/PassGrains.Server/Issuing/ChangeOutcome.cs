using PassGrains.Abstractions;
using PassGrains.Packaging.Validation;

namespace PassGrains.Server.Issuing;

/// <summary>
/// What became of a change <see cref="PassIssuer"/> was asked to make to a template, a group or a pass: stored, or
/// the one reason it was not. The issuer API maps each to its answer (<c>Apis/ChangeRefusals.cs</c>).
/// </summary>
public abstract record ChangeOutcome
{
    private ChangeOutcome()
    {
    }

    /// <summary>Stored as <paramref name="Version"/>; <paramref name="Created"/> when it did not exist before; <paramref name="Dropped"/>: what its passes render without now.</summary>
    public sealed record Stored(long Version, bool Created, IReadOnlyList<FieldUse>? Dropped = null) : ChangeOutcome;

    /// <summary>A template stored as <paramref name="Revision"/>, with the warnings its model left and the keys in use it dropped (accepted with dropUnknownFields).</summary>
    public sealed record TemplateStored(int Revision, bool Created, string PassTypeIdentifier, IReadOnlyList<PassProblem> Problems, IReadOnlyList<FieldUse> Dropped) : ChangeOutcome;

    public sealed record NotFound(string Message) : ChangeOutcome;

    public sealed record Invalid(string Field, string Message) : ChangeOutcome;

    /// <summary>The key may not touch a pass type the change involves; <paramref name="Message"/> names it.</summary>
    public sealed record Forbidden(string Message) : ChangeOutcome;

    /// <summary>
    /// Nothing was stored: it would take away field keys stored passes or groups set (<paramref name="Fields"/>, with how
    /// many), or (<paramref name="Field"/> names what else) conflict with what is stored in a way no option allows.
    /// </summary>
    public sealed record WouldBreak(string Message, IReadOnlyList<FieldUse> Fields, string? Field = null) : ChangeOutcome;

    /// <summary>Nothing was stored: the result would break a rule of pass.json or of the model; warnings are kept beside the errors.</summary>
    public sealed record WouldBeInvalid(string Title, IReadOnlyList<PassProblem> Problems) : ChangeOutcome;
}
