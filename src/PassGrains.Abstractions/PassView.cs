namespace PassGrains.Abstractions;

/// <summary>
/// What a device request needs of an issued pass, without its content: enough to check the ApplePass token and to tell
/// whether the device's version is current (with its group's and template's stamps, <see cref="Effective"/>).
/// A silo keeps it while the pass tells that silo of every change (<see cref="IPassGrain.WatchView"/>), under a key made of
/// its own <see cref="PassTypeIdentifier"/> and <see cref="SerialNumber"/>: on the pass's silo, the pass state's strings.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PassView(
    [property: Id(0)] string TokenHash,
    [property: Id(1)] UpdateStamp Stamp,
    [property: Id(2)] long IssuedTag,
    [property: Id(3)] UpdateStamp Settled,
    [property: Id(4)] string TemplateId,
    [property: Id(5)] string? GroupId,
    [property: Id(6)] string PassTypeIdentifier,
    [property: Id(7)] string SerialNumber)
{
    /// <summary>The pass's effective stamp: the one rule, used by the pass grain and by every silo's cache alike.</summary>
    public EffectiveStamp Effective(UpdateStamp group, UpdateStamp template) =>
        EffectiveStamp.Combine(Stamp, IssuedTag, group, template).SettledBy(Settled);
}
