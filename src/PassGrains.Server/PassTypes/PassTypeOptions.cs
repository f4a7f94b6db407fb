using System.ComponentModel.DataAnnotations;

namespace PassGrains.Server.PassTypes;

/// <summary><c>PassGrains:PassTypes</c>: the pass types this server signs for, each with its certificate.</summary>
public sealed class PassTypesOptions : IValidatableObject
{
    /// <summary>Bound to the whole <c>PassGrains</c> section, of which it reads only <see cref="PassTypes"/>.</summary>
    public const string Section = "PassGrains";

    public List<PassTypeOptions> PassTypes { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < PassTypes.Count; i++)
        {
            var type = PassTypes[i];
            if (string.IsNullOrWhiteSpace(type.Identifier) || !type.Identifier.StartsWith("pass.", StringComparison.Ordinal))
                yield return new ValidationResult($"PassGrains:PassTypes:{i}:Identifier must start with 'pass.'", [$"PassTypes[{i}].Identifier"]);
            if (string.IsNullOrWhiteSpace(type.CertificatePath))
                yield return new ValidationResult($"PassGrains:PassTypes:{i}:CertificatePath is required", [$"PassTypes[{i}].CertificatePath"]);
        }
    }
}

public sealed class PassTypeOptions
{
    public string Identifier { get; set; } = "";
    public string? TeamIdentifier { get; set; }
    public string CertificatePath { get; set; } = "";
    public string? CertificatePassword { get; set; }
    public string? KeyPath { get; set; }
    public string? WwdrPath { get; set; }
}
