using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>
/// A template's usage (Grains/TemplateUsageGrain.cs): counts taken by many callers at once are all stored (they share
/// writes), a revision without a key in use is refused and stores nothing, and once a revision dropped a key a pass
/// setting it is refused, so a revision and an issue racing cannot both win.
/// </summary>
[Collection(ClusterGroup.Name)]
public sealed class TemplateUsageTests(ClusterFixture fixture) : ClusterTests(fixture)
{
    private static Dictionary<string, long> Keys(params string[] keys) => keys.ToDictionary(k => k, _ => 1L, StringComparer.Ordinal);

    [Fact]
    public async Task Concurrent_counts_are_all_stored_and_gate_the_revision()
    {
        var passType = NewPassType();
        var templateId = Unique("tpl");
        var usage = Client.GetGrain<ITemplateUsageGrain>(GrainKeys.TemplateUsage(templateId));
        var first = await usage.Revise(new TemplateRevise([1, 2], passType, ["seat", "gate"], null, null, false));
        Assert.Equal(new TemplatePutResult(true, 1), first.Stored);

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => usage.AddPasses(Keys("seat"))));
        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => usage.RemovePasses(Keys("seat"))));
        await usage.SetGroup("g1", ["gate"]);
        await Fixture.ReactivateAsync(usage, () => usage.GetUsage());

        var stored = await usage.GetUsage();
        Assert.Equal([new FieldUse("gate", 0, ["g1"]), new FieldUse("seat", 70, [])], stored, new FieldUseComparer());

        var refused = await usage.Revise(new TemplateRevise([3], passType, ["gate"], passType, ["seat", "gate"], false));
        Assert.Null(refused.Stored);
        Assert.Equal(70, Assert.Single(refused.Gone).Passes);
        Assert.Equal(1, (await Client.GetGrain<ITemplateGrain>(GrainKeys.Template(templateId)).GetCurrent())!.Revision);

        var otherType = await usage.Revise(new TemplateRevise([4], NewPassType(), ["seat", "gate"], passType, ["seat", "gate"], true));
        Assert.Equal(passType, otherType.KeptPassTypeIdentifier);
        Assert.Null(otherType.Stored);

        var dropped = await usage.Revise(new TemplateRevise([5], passType, ["gate"], passType, ["seat", "gate"], true));
        Assert.Equal(new TemplatePutResult(false, 2), dropped.Stored);
        Assert.Equal(["seat"], await usage.AddPasses(Keys("seat", "gate")));
        Assert.Empty(await usage.AddPasses(Keys("gate")));
    }

    private sealed class FieldUseComparer : IEqualityComparer<FieldUse>
    {
        public bool Equals(FieldUse? x, FieldUse? y) =>
            x is not null && y is not null && x.Key == y.Key && x.Passes == y.Passes && x.Groups.SequenceEqual(y.Groups);

        public int GetHashCode(FieldUse obj) => obj.Key.GetHashCode(StringComparison.Ordinal);
    }
}
