using System.Text.Json.Nodes;
using PassGrains.Packaging.Building;

namespace PassGrains.Packaging.Tests;

/// <summary>
/// <see cref="PassContentLayers.Merge"/> promises that applying the combined merge patch equals applying
/// the two patches in turn (RFC 7386), and that later field values win.
/// </summary>
public sealed class PassContentLayersTests
{
    /// <summary>RFC 7386 section 2, MergePatch(Target, Patch), written apart from <see cref="PassContentLayers.Apply"/> to check it.</summary>
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
        var merged = PassContentLayers.Merge((null, first), (null, second)).PatchJson;
        var inTurn = Apply(Apply(JsonNode.Parse(template), JsonNode.Parse(first)), JsonNode.Parse(second));
        // The stored patch is one merge patch or, where one cannot express both, a list applied in order.
        var combined = PassContentLayers.Layers((null, merged)).Select(l => l.Patch).OfType<JsonObject>()
            .Aggregate(JsonNode.Parse(template), (document, patch) => Apply(document, patch));
        Assert.True(JsonNode.DeepEquals(inTurn, combined), $"in turn: {inTurn!.ToJsonString()}, combined ({merged}): {combined!.ToJsonString()}");
    }

    [Fact]
    public void Later_field_values_win_and_earlier_ones_stay()
    {
        var merged = PassContentLayers.Merge(("""{"a":"1","b":"2"}""", null), ("""{"b":"3","c":"4"}""", null));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":"1","b":"3","c":"4"}"""), JsonNode.Parse(merged.FieldsJson!)));
        Assert.Null(merged.PatchJson);
    }

    [Fact]
    public void A_null_field_value_removes_the_value_set_before()
    {
        var merged = PassContentLayers.Merge(("""{"a":"1","b":"2"}""", null), ("""{"a":null,"c":null}""", null));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"b":"2"}"""), JsonNode.Parse(merged.FieldsJson!)));
        Assert.Equal(["b"], PassContentLayers.FieldKeys(merged.FieldsJson));
        Assert.Null(PassContentLayers.Merge((null, null), ("""{"a":null}""", null)).FieldsJson);
        Assert.Null(PassContentLayers.Merge(("""{"a":"1"}""", null), ("""{"a":null}""", null)).FieldsJson);
    }

    [Fact]
    public void Field_values_are_replaced_whole_not_merged()
    {
        var merged = PassContentLayers.Merge(("""{"a":{"x":1,"y":2}}""", null), ("""{"a":{"x":3}}""", null));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"x":3}}"""), JsonNode.Parse(merged.FieldsJson!)));
    }

    [Fact]
    public void Missing_sides_keep_the_other()
    {
        Assert.Equal(("""{"a":1}""", """{"b":2}"""), PassContentLayers.Merge((null, null), ("""{"a":1}""", """{"b":2}""")));
        Assert.Equal(("""{"a":1}""", """{"b":2}"""), PassContentLayers.Merge(("""{"a":1}""", """{"b":2}"""), (null, null)));
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

    [Fact]
    public void Stored_content_layers_as_field_values_then_each_patch_in_order()
    {
        var layers = PassContentLayers.Layers(("""{"gate":"7"}""", """[{"nfc":null},{"nfc":{"message":"n"}}]""")).ToList();

        Assert.Equal(2, layers.Count);
        Assert.Equal("7", (string?)layers[0].Fields!["gate"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"nfc":null}"""), layers[0].Patch));
        Assert.Null(layers[1].Fields);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"nfc":{"message":"n"}}"""), layers[1].Patch));
    }

    [Fact]
    public void Content_without_a_patch_is_one_layer_of_field_values()
    {
        var layer = Assert.Single(PassContentLayers.Layers(("""{"gate":"7"}""", null)));

        Assert.Equal("7", (string?)layer.Fields!["gate"]);
        Assert.Null(layer.Patch);
        Assert.Equal(new PassLayer(), Assert.Single(PassContentLayers.Layers((null, null))));
    }
}

/// <summary>RFC 7386 JSON merge patch, with the examples of its appendix A.</summary>
public sealed class JsonMergePatchTests
{
    [Theory]
    [InlineData("{'a':'b'}", "{'a':'c'}", "{'a':'c'}")]
    [InlineData("{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}")]
    [InlineData("{'a':'b'}", "{'a':null}", "{}")]
    [InlineData("{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}")]
    [InlineData("{'a':['b']}", "{'a':'c'}", "{'a':'c'}")]
    [InlineData("{'a':'c'}", "{'a':['b']}", "{'a':['b']}")]
    [InlineData("{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}")]
    [InlineData("{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}")]
    [InlineData("['a','b']", "['c','d']", "['c','d']")]
    [InlineData("{'a':'b'}", "['c']", "['c']")]
    [InlineData("{'a':'foo'}", "null", "null")]
    [InlineData("{'a':'foo'}", "'bar'", "'bar'")]
    [InlineData("{'e':null}", "{'a':1}", "{'e':null,'a':1}")]
    [InlineData("[1,2]", "{'a':'b','c':null}", "{'a':'b'}")]
    [InlineData("{}", "{'a':{'bb':{'ccc':null}}}", "{'a':{'bb':{}}}")]
    public void Rfc7386_examples(string target, string patch, string expected)
    {
        var result = PassContentLayers.Apply(JsonNode.Parse(PassJson.Q(target)), JsonNode.Parse(PassJson.Q(patch)));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(PassJson.Q(expected)), result), result?.ToJsonString() ?? "null");
    }

    [Fact]
    public void The_patch_is_not_shared_with_the_result()
    {
        var patch = JsonNode.Parse(PassJson.Q("{'barcodes':[{'message':'a'}]}"))!;
        var first = PassContentLayers.Apply(JsonNode.Parse("{}"), patch)!;
        var second = PassContentLayers.Apply(JsonNode.Parse("{}"), patch)!;
        first["barcodes"]![0]!["message"] = "changed";
        Assert.Equal("a", second["barcodes"]![0]!["message"]!.GetValue<string>());
        Assert.Equal("a", patch["barcodes"]![0]!["message"]!.GetValue<string>());
    }
}
