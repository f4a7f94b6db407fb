using System.ComponentModel.DataAnnotations;

namespace PassGrains.Server.Issuing;

/// <summary>The <c>PassGrains:Batch</c> configuration section, checked at start-up.</summary>
public sealed class BatchOptions : IValidatableObject
{
    public const string Section = "PassGrains:Batch";

    /// <summary>
    /// How long a completed job's upload (its lines, in the database) is kept; the job's counts and errors stay. Held by
    /// each job as it was when the job was submitted. At most 30 days: the deletion is an Orleans reminder's due time.
    /// </summary>
    public TimeSpan UploadRetention { get; set; } = TimeSpan.FromDays(7);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UploadRetention < TimeSpan.Zero || UploadRetention > TimeSpan.FromDays(30))
            yield return new ValidationResult($"{Section}:UploadRetention must be between 0 and 30.00:00:00", [nameof(UploadRetention)]);
    }
}
