using System.Text.Json.Nodes;
using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>
/// <see cref="JsonContent.Merge"/> promises that applying the combined merge patch equals applying
/// the two patches in turn (RFC 7386), and that later field values win.
/// </summary>
public sealed class JsonContentTests
{
    /// <summary>RFC 7386 section 2, MergePatch(Target, Patch).</summary>
    private static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
            return patch?.DeepClone();
        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
                result.Remove(name);
            else
                result[name] = Apply(result[name], value);
        }
        return result;
    }

    private static void AssertComposes(string template, string first, string second)
    {
        var merged = JsonContent.Merge(new PassContent(null, first), new PassContent(null, second)).PatchJson;
        var inTurn = Apply(Apply(JsonNode.Parse(template), JsonNode.Parse(first)), JsonNode.Parse(second));
        // The stored patch is one merge patch or, where one cannot express both, a list applied in order.
        var combined = JsonContent.Patches(merged).Aggregate(JsonNode.Parse(template), (document, patch) => Apply(document, patch));
        Assert.True(JsonNode.DeepEquals(inTurn, combined), $"in turn: {inTurn!.ToJsonString()}, combined ({merged}): {combined!.ToJsonString()}");
    }

    [Fact]
    public void Later_field_values_win_and_earlier_ones_stay()
    {
        var merged = JsonContent.Merge(new PassContent("""{"a":"1","b":"2"}""", null), new PassContent("""{"b":"3","c":null}""", null));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":"1","b":"3","c":null}"""), JsonNode.Parse(merged.FieldsJson!)));
        Assert.Null(merged.PatchJson);
    }

    [Fact]
    public void Field_values_are_replaced_whole_not_merged()
    {
        var merged = JsonContent.Merge(new PassContent("""{"a":{"x":1,"y":2}}""", null), new PassContent("""{"a":{"x":3}}""", null));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"x":3}}"""), JsonNode.Parse(merged.FieldsJson!)));
    }

    [Fact]
    public void Missing_sides_keep_the_other()
    {
        Assert.Equal(new PassContent("""{"a":1}""", """{"b":2}"""), JsonContent.Merge(null, new PassContent("""{"a":1}""", """{"b":2}""")));
        Assert.Equal(new PassContent("""{"a":1}""", """{"b":2}"""), JsonContent.Merge(new PassContent("""{"a":1}""", """{"b":2}"""), new PassContent(null, null)));
    }

    [Theory]
    [InlineData("""{"logoText":"Arena","backgroundColor":"rgb(0,0,0)"}""", """{"logoText":null}""", """{"backgroundColor":"rgb(1,1,1)"}""")]
    [InlineData("""{"logoText":"Arena"}""", """{"logoText":"Hall"}""", """{"logoText":null}""")]
    [InlineData("""{"nfc":{"message":"m","encryptionPublicKey":"K"}}""", """{"nfc":{"message":"n"}}""", """{"nfc":{"encryptionPublicKey":null}}""")]
    [InlineData("""{"barcodes":[{"message":"1"}]}""", """{"barcodes":[{"message":"2"}]}""", """{"barcodes":[{"message":"3"},{"message":"4"}]}""")]
    [InlineData("""{"semantics":{"a":{"b":1,"c":2}}}""", """{"semantics":{"a":{"b":null}}}""", """{"semantics":{"a":{"d":3}}}""")]
    public void Merged_patches_apply_like_the_patches_in_turn(string template, string first, string second) =>
        AssertComposes(template, first, second);

    [Theory]
    // Delete an object, then set one key of it: the template's other keys must stay deleted.
    [InlineData("""{"nfc":{"message":"m","encryptionPublicKey":"K"}}""", """{"nfc":null}""", """{"nfc":{"message":"n"}}""")]
    // Replace an object by a string, then patch it as an object again.
    [InlineData("""{"semantics":{"a":1,"b":2}}""", """{"semantics":"none"}""", """{"semantics":{"a":null}}""")]
    public void Merged_patches_apply_like_the_patches_in_turn_after_an_object_was_removed(string template, string first, string second) =>
        AssertComposes(template, first, second);
}
