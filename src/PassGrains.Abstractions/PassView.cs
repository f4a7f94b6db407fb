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
    /// <summary>The pass's effective stamp, as every silo's cache tells it (<see cref="Of"/>).</summary>
    public EffectiveStamp Effective(UpdateStamp group, UpdateStamp template) => Of(Stamp, IssuedTag, Settled, group, template);

    /// <summary>
    /// A pass's effective stamp from its own stamps and its group's and template's: the one rule, used by the pass grain
    /// (on its state) and by every silo's cache (on its view) alike, so a cached answer cannot drift from the grain's.
    /// </summary>
    public static EffectiveStamp Of(UpdateStamp pass, long issuedTag, UpdateStamp settled, UpdateStamp group, UpdateStamp template) =>
        EffectiveStamp.Combine(pass, issuedTag, group, template).SettledBy(settled);
}
