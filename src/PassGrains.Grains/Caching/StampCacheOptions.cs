using System.ComponentModel.DataAnnotations;

namespace PassGrains.Grains.Caching;

/// <summary>The <c>PassGrains:StampCache</c> configuration section, checked at start-up.</summary>
public sealed class StampCacheOptions : IValidatableObject
{
    public const string Section = "PassGrains:StampCache";

    /// <summary>
    /// Entries kept per silo (<see cref="StampCache"/>): one per pass, group, template and device pass type that devices
    /// asked about, a few hundred bytes each. 0 asks the grains on every device request.
    /// </summary>
    public int MaxEntries { get; set; } = 1_000_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxEntries is < 0 or > 100_000_000)
            yield return new ValidationResult($"{Section}:MaxEntries must be between 0 and 100000000", [nameof(MaxEntries)]);
    }
}
