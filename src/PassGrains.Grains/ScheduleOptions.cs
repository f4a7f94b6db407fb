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

    /// <summary>
    /// How many schedules one silo runs at once; the others due wait for a turn. Thousands due in the same second would
    /// otherwise all reserve with the event feed and queue at the database together, and time out there.
    /// </summary>
    public int MaxConcurrentRuns { get; set; } = 64;

    /// <summary>
    /// How long a template revision staged for a schedule (POST /api/templates/{templateId}/staged) is kept for a schedule
    /// to claim it; a claimed one is kept until its schedule ends, and forgotten within a day after.
    /// </summary>
    public TimeSpan StagedRevisionsKeptFor { get; set; } = TimeSpan.FromDays(7);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GiveUpAfter < TimeSpan.FromMinutes(1) || GiveUpAfter > TimeSpan.FromDays(7))
            yield return new ValidationResult($"{Section}:GiveUpAfter must be between 00:01:00 and 7.00:00:00", [nameof(GiveUpAfter)]);
        if (StagedRevisionsKeptFor < TimeSpan.FromMinutes(1) || StagedRevisionsKeptFor > TimeSpan.FromDays(31))
            yield return new ValidationResult($"{Section}:StagedRevisionsKeptFor must be between 00:01:00 and 31.00:00:00", [nameof(StagedRevisionsKeptFor)]);
        if (MaxConcurrentRuns is < 1 or > 4096)
            yield return new ValidationResult($"{Section}:MaxConcurrentRuns must be between 1 and 4096", [nameof(MaxConcurrentRuns)]);
    }
}
