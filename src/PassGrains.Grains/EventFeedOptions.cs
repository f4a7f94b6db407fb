using System.ComponentModel.DataAnnotations;

namespace PassGrains.Grains;

/// <summary>The <c>PassGrains:Events</c> configuration section: how long the event feed keeps events. Checked at start-up.</summary>
public sealed class EventFeedOptions : IValidatableObject
{
    public const string Section = "PassGrains:Events";

    /// <summary>Full pages whose newest event is older than this are deleted; a subscriber further behind skips them.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>A reservation this old belongs to a source that may have died between its write and its append.</summary>
    public TimeSpan OrphanedAfter { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Retention < TimeSpan.FromHours(1) || Retention > TimeSpan.FromDays(366))
            yield return new ValidationResult($"{Section}:Retention must be between 01:00:00 and 366.00:00:00", [nameof(Retention)]);
        if (OrphanedAfter < TimeSpan.FromSeconds(1) || OrphanedAfter > TimeSpan.FromHours(1))
            yield return new ValidationResult($"{Section}:OrphanedAfter must be between 00:00:01 and 01:00:00", [nameof(OrphanedAfter)]);
    }
}
