using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// What a schedule's change came to: <see cref="Version"/> of the target it made (the change was stored), or
/// <see cref="Refusal"/>, why it was refused (the target is gone, the change would make an invalid pass, ...), which
/// no retry mends. <see cref="PassTypeIdentifier"/> is the target's pass type where the runner learnt it.
/// </summary>
public sealed record ScheduledChangeOutcome(long? Version, string? Refusal, string? PassTypeIdentifier)
{
    public static ScheduledChangeOutcome Made(long version, string? passType) => new(version, null, passType);

    public static ScheduledChangeOutcome Refused(string refusal, string? passType) => new(null, refusal, passType);
}

/// <summary>
/// Makes a schedule's change with the rules of the issuer API (implemented by the host, where those rules live). Throws
/// when the change could not be tried (storage or a silo unavailable): the book tries again on its reminder's next tick.
/// </summary>
public interface IScheduledChangeRunner
{
    Task<ScheduledChangeOutcome> RunAsync(Schedule schedule);
}
