namespace PassGrains.Abstractions;

/// <summary>
/// When something that shapes a pass last changed. <see cref="Tag"/> (microseconds) orders changes
/// for "passes updated since"; <see cref="Second"/> is the HTTP Last-Modified second. Each owner
/// (pass, group, template) advances both strictly, so two changes of one owner within one second
/// still get distinct Last-Modified values.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct UpdateStamp([property: Id(0)] long Tag, [property: Id(1)] long Second)
{
    public static readonly UpdateStamp None = new(0, 0);

    public UpdateStamp Next(DateTimeOffset now)
    {
        var micros = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        return new UpdateStamp(Math.Max(micros, Tag + 1), Math.Max(now.ToUnixTimeSeconds(), Second + 1));
    }
}

/// <summary>
/// The combined stamp of a pass: the newest of its own, its group's and its template's.
/// <see cref="Ambiguous"/> is set when two of them share the newest second: a device holding that
/// second may hold either version, so the server answers 200 rather than risk a wrong 304.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct EffectiveStamp([property: Id(0)] long Tag, [property: Id(1)] long Second, [property: Id(2)] bool Ambiguous)
{
    /// <summary>
    /// Combines a pass's own stamp with those of its group and template. A device's If-Modified-Since
    /// only proves it holds the current version when the newest change is alone in the newest second:
    /// <list type="bullet">
    /// <item>two changes made after the pass was issued share the newest second (changes of one owner
    /// never do, but a group and a pass can); or</item>
    /// <item>the newest change (largest tag) carries an earlier second than another owner's, whose
    /// second ran ahead of the clock after a burst of changes, so the combined second did not move</item>
    /// </list>
    /// make the stamp <see cref="Ambiguous"/>, and the server answers 200. Changes to a group or template
    /// before the pass was issued (<paramref name="issuedTag"/>) are not versions of the pass.
    /// </summary>
    public static EffectiveStamp Combine(UpdateStamp pass, long issuedTag, params ReadOnlySpan<UpdateStamp> others)
    {
        long tag = pass.Tag, second = pass.Second, newestChangeSecond = pass.Second;
        foreach (var stamp in others)
        {
            if (stamp.Tag > tag)
            {
                tag = stamp.Tag;
                newestChangeSecond = stamp.Second;
            }
            second = Math.Max(second, stamp.Second);
        }
        var versionsInSecond = pass.Second == second ? 1 : 0;
        foreach (var stamp in others)
        {
            if (stamp.Second == second && stamp.Tag >= issuedTag)
                versionsInSecond++;
        }
        return new EffectiveStamp(tag, second, versionsInSecond > 1 || newestChangeSecond < second);
    }

    /// <summary>
    /// This stamp after the pass settled an ambiguity: <paramref name="settled"/> holds the effective tag of the version
    /// it settled and the second it gave that version, a second that had passed when it was given, so no other
    /// version ever carried it. That version is then unambiguous at that second; a newer version whose second does not
    /// pass it is ambiguous (a device holding the settled version sends that second).
    /// </summary>
    public EffectiveStamp SettledBy(UpdateStamp settled)
    {
        if (settled.Tag == 0)
            return this;
        if (Tag == settled.Tag)
            return new EffectiveStamp(Tag, settled.Second, false);
        return Tag > settled.Tag && Second <= settled.Second ? new EffectiveStamp(Tag, settled.Second, true) : this;
    }

    /// <summary>
    /// The settlement of an ambiguous stamp once its second has passed (null before, or when there is nothing to settle):
    /// the current version gets the current second, which no earlier version can have had, and then answers 304 again.
    /// </summary>
    public UpdateStamp? Settlement(DateTimeOffset now) =>
        Ambiguous && now.ToUnixTimeSeconds() > Second ? new UpdateStamp(Tag, now.ToUnixTimeSeconds()) : null;

    public DateTimeOffset LastModified => DateTimeOffset.FromUnixTimeSeconds(Second);

    /// <summary>True only when a device that sent <paramref name="ifModifiedSince"/> provably holds this version.</summary>
    public bool IsNotModifiedSince(DateTimeOffset ifModifiedSince) => !Ambiguous && ifModifiedSince.ToUnixTimeSeconds() >= Second;
}
