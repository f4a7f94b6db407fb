using System.ComponentModel.DataAnnotations;

namespace PassGrains.Grains;

/// <summary>The <c>PassGrains:Schedules</c> configuration section (README "Scheduled changes"). Checked at start-up.</summary>
public sealed class ScheduleOptions : IValidatableObject
{
    public const string Section = "PassGrains:Schedules";

    /// <summary>
    /// A schedule whose change could not be tried (storage or a silo away) is tried again each minute until this long
    /// past its time, then recorded as failed: nothing is owed for ever.
    /// </summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GiveUpAfter < TimeSpan.FromMinutes(1) || GiveUpAfter > TimeSpan.FromDays(7))
            yield return new ValidationResult($"{Section}:GiveUpAfter must be between 00:01:00 and 7.00:00:00", [nameof(GiveUpAfter)]);
    }
}
