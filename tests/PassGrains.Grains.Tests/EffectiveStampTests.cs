using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

public sealed class EffectiveStampTests
{
    private const long S = 1_700_000_000;

    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(S).AddMilliseconds(250);

    /// <summary>A stamp at <paramref name="micros"/> microseconds into second <paramref name="second"/>.</summary>
    private static UpdateStamp At(long second, long micros) => new(second * 1_000_000 + micros, second);

    [Fact]
    public void Next_gives_two_changes_in_one_second_different_seconds_and_tags()
    {
        var first = UpdateStamp.None.Next(Now);
        var second = first.Next(Now);
        var third = second.Next(Now.AddMilliseconds(10));

        Assert.Equal(new UpdateStamp(S * 1_000_000 + 250_000, S), first);
        Assert.Equal(S + 1, second.Second);
        Assert.Equal(S + 2, third.Second);
        Assert.True(second.Tag > first.Tag);
        Assert.Equal(S * 1_000_000 + 260_000, third.Tag);
    }

    [Fact]
    public void Next_never_goes_back_when_the_clock_does()
    {
        var first = UpdateStamp.None.Next(Now);
        var earlier = first.Next(Now.AddMinutes(-5));
        var later = earlier.Next(Now.AddSeconds(10));

        Assert.Equal(first.Tag + 1, earlier.Tag);
        Assert.Equal(first.Second + 1, earlier.Second);
        Assert.Equal(new UpdateStamp((S + 10) * 1_000_000 + 250_000, S + 10), later);
    }

    [Fact]
    public void A_pass_alone_is_not_ambiguous()
    {
        var pass = At(S, 500);

        Assert.Equal(new EffectiveStamp(pass.Tag, S, false), EffectiveStamp.Combine(pass, pass.Tag, UpdateStamp.None, UpdateStamp.None));
    }

    [Fact]
    public void A_template_uploaded_in_the_issue_second_before_the_issue_is_not_ambiguous()
    {
        var template = At(S, 100);
        var pass = At(S, 500);

        var stamp = EffectiveStamp.Combine(pass, pass.Tag, UpdateStamp.None, template);

        Assert.Equal(new EffectiveStamp(pass.Tag, S, false), stamp);
    }

    [Fact]
    public void A_group_change_in_the_pass_second_after_the_issue_is_ambiguous()
    {
        var pass = At(S, 100);
        var group = At(S, 900);

        var stamp = EffectiveStamp.Combine(pass, pass.Tag, group, UpdateStamp.None);

        Assert.Equal(new EffectiveStamp(group.Tag, S, true), stamp);
    }

    [Fact]
    public void Two_others_changed_in_the_newest_second_after_the_issue_are_ambiguous()
    {
        var issued = At(S, 100);

        var stamp = EffectiveStamp.Combine(issued, issued.Tag, At(S + 3, 200), At(S + 3, 700));

        Assert.Equal(new EffectiveStamp(At(S + 3, 700).Tag, S + 3, true), stamp);
    }

    [Fact]
    public void Only_one_source_in_the_newest_second_is_not_ambiguous()
    {
        var issued = At(S, 100);

        Assert.Equal(new EffectiveStamp(At(S + 3, 200).Tag, S + 3, false), EffectiveStamp.Combine(issued, issued.Tag, At(S + 3, 200), At(S + 1, 5)));
        Assert.Equal(new EffectiveStamp(At(S + 5, 1).Tag, S + 5, false), EffectiveStamp.Combine(At(S + 5, 1), issued.Tag, At(S + 3, 200), At(S + 1, 5)));
        Assert.False(EffectiveStamp.Combine(At(S + 2, 0), issued.Tag, At(S + 1, 900), At(S + 1, 950)).Ambiguous);
    }

    [Fact]
    public void Tag_and_second_are_the_newest_of_all_sources()
    {
        var stamp = EffectiveStamp.Combine(At(S, 1), At(S, 1).Tag, At(S + 7, 3), At(S + 2, 999_999));

        Assert.Equal(At(S + 7, 3).Tag, stamp.Tag);
        Assert.Equal(S + 7, stamp.Second);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(S + 7), stamp.LastModified);
    }

    [Fact]
    public void Not_modified_only_when_unambiguous_and_the_device_holds_the_second()
    {
        var stamp = new EffectiveStamp(At(S, 500).Tag, S, false);
        var ambiguous = stamp with { Ambiguous = true };
        var lastModified = DateTimeOffset.FromUnixTimeSeconds(S);

        Assert.True(stamp.IsNotModifiedSince(lastModified));
        Assert.True(stamp.IsNotModifiedSince(lastModified.AddMilliseconds(999)));
        Assert.True(stamp.IsNotModifiedSince(lastModified.AddHours(1)));
        Assert.False(stamp.IsNotModifiedSince(lastModified.AddSeconds(-1)));
        Assert.False(stamp.IsNotModifiedSince(lastModified.AddMilliseconds(-1)));
        Assert.False(ambiguous.IsNotModifiedSince(lastModified));
        Assert.False(ambiguous.IsNotModifiedSince(lastModified.AddHours(1)));
    }
    [Fact]
    public void An_ambiguous_stamp_settles_only_after_its_second_and_then_answers_304_at_the_settled_second()
    {
        var ambiguous = EffectiveStamp.Combine(At(S, 100), At(S, 100).Tag - 1, At(S, 900), UpdateStamp.None);
        Assert.True(ambiguous.Ambiguous);

        Assert.Null(ambiguous.Settlement(DateTimeOffset.FromUnixTimeSeconds(S).AddMilliseconds(999)));
        var settlement = ambiguous.Settlement(DateTimeOffset.FromUnixTimeSeconds(S + 4).AddMilliseconds(10));
        Assert.Equal(new UpdateStamp(At(S, 900).Tag, S + 4), settlement);

        var settled = ambiguous.SettledBy(settlement!.Value);
        Assert.Equal(new EffectiveStamp(At(S, 900).Tag, S + 4, false), settled);
        Assert.True(settled.IsNotModifiedSince(DateTimeOffset.FromUnixTimeSeconds(S + 4)));
        // A device holding either version of second S still gets the pass.
        Assert.False(settled.IsNotModifiedSince(DateTimeOffset.FromUnixTimeSeconds(S)));
        Assert.Null(settled.Settlement(DateTimeOffset.FromUnixTimeSeconds(S + 10)));
    }

    [Fact]
    public void A_newer_version_whose_second_does_not_pass_the_settled_one_is_ambiguous()
    {
        var settlement = new UpdateStamp(At(S, 900).Tag, S + 4);
        // The group changes again within the settled second: its own second is S + 1, behind the settled S + 4.
        var newer = EffectiveStamp.Combine(At(S, 100), At(S, 100).Tag - 1, At(S + 1, 0), UpdateStamp.None).SettledBy(settlement);

        Assert.Equal(new EffectiveStamp(At(S + 1, 0).Tag, S + 4, true), newer);
        Assert.False(newer.IsNotModifiedSince(DateTimeOffset.FromUnixTimeSeconds(S + 4)));
        // A version with a later second of its own is untouched by the settlement.
        var later = EffectiveStamp.Combine(At(S, 100), At(S, 100).Tag - 1, At(S + 9, 0), UpdateStamp.None);
        Assert.Equal(later, later.SettledBy(settlement));
        Assert.Equal(later, later.SettledBy(UpdateStamp.None));
    }
}
