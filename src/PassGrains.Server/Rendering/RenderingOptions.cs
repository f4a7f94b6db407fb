using System.ComponentModel.DataAnnotations;

namespace PassGrains.Server.Rendering;

/// <summary>The <c>PassGrains:Rendering</c> configuration section, checked at start-up.</summary>
public sealed class RenderingOptions : IValidatableObject
{
    public const string Section = "PassGrains:Rendering";

    /// <summary>
    /// Memory for signed passes kept per silo (<see cref="RenderedPassCache"/>), in MiB; 0 signs every download afresh.
    /// A pass costs its own pass.json, manifest and signature (a few KB): its template's files are shared.
    /// </summary>
    public int CacheMegabytes { get; set; } = 256;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CacheMegabytes is < 0 or > 65_536)
            yield return new ValidationResult($"{Section}:CacheMegabytes must be between 0 and 65536", [nameof(CacheMegabytes)]);
    }
}
