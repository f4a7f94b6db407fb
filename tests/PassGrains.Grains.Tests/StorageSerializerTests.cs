using PassGrains.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>Every grain state round-trips through the server's System.Text.Json state serializer.</summary>
public sealed class StorageSerializerTests
{
    private static T RoundTrip<T>(T state)
    {
        var serializer = new PassGrains.Grains.Storage.JsonGrainStateSerializer();
        var copy = serializer.Deserialize<T>(serializer.Serialize(state));
        Assert.NotNull(copy);
        return copy;
    }

    [Fact]
    public void Pass_states_read_from_storage_share_their_pass_type_template_and_event_type_strings()
    {
        // Separate reads (a million active passes) hold one instance of each, not a copy each (docs/benchmarks.md, "Memory per grain").
        var stored = new PassState();
        stored.Issue("pass.com.example.shared", "S-1", new PassIssue("shared-template", null, new PassContent("""{"seat":"A-1"}""", null)), "nonce", new string('a', 64), DateTimeOffset.UnixEpoch);

        var first = RoundTrip(stored);
        var second = RoundTrip(stored);

        Assert.Equal("pass.com.example.shared", first.PassTypeIdentifier);
        Assert.Same(first.PassTypeIdentifier, second.PassTypeIdentifier);
        Assert.Same(first.TemplateId, second.TemplateId);
        var (a, b) = (Assert.Single(first.Outbox), Assert.Single(second.Outbox));
        Assert.Equal(stored.Outbox[0], a);
        Assert.Same(a.Type, b.Type);
        Assert.Same(a.PassTypeIdentifier, b.PassTypeIdentifier);
        Assert.NotSame(first.SerialNumber, second.SerialNumber);
    }

    [Fact]
    public void A_pass_state_stored_by_an_earlier_build_reads_its_devices_and_owed_pushes_and_one_without_them_stores_none()
    {
        // Earlier builds stored both dictionaries always, empty or not; the same names are read now.
        var serializer = new PassGrains.Grains.Storage.JsonGrainStateSerializer();
        var earlier = serializer.Deserialize<PassState>(BinaryData.FromString(
            """{"issued":true,"serialNumber":"1","registrations":{"dev":"push"},"owedPushes":{}}"""));
        Assert.Equal(new Dictionary<string, string> { ["dev"] = "push" }, earlier.RegisteredDevices);
        Assert.Equal(0, earlier.OwedPushCount);

        var none = serializer.Serialize(new PassState { Issued = true, SerialNumber = "2" }).ToString();
        Assert.DoesNotContain("registrations", none, StringComparison.Ordinal);
        Assert.DoesNotContain("owedPushes", none, StringComparison.Ordinal);
        Assert.Empty(RoundTrip(new PassState { Issued = true, SerialNumber = "2" }).RegisteredDevices);
    }

    [Fact]
    public void Pass_state_round_trips()
    {
        var state = new PassState
        {
            Issued = true,
            PassTypeIdentifier = "pass.com.example",
            SerialNumber = "1",
            TemplateId = "tpl",
            GroupId = "g",
            FieldsJson = """{"a":1}""",
            PatchJson = """{"b":null}""",
            Voided = true,
            Version = 3,
            Stamp = new UpdateStamp(1_700_000_000_000_001, 1_700_000_001),
            IssuedTag = 1_700_000_000_000_000,
            TokenNonce = "nonce",
            TokenHash = new string('a', 64),
            IssuedAt = DateTimeOffset.UnixEpoch.AddDays(20_000),
        };
        state.Registrations["dev"] = "push";
        state.OwedPushes["dev"] = "push";
        state.Index = new PassDeviceIndexState { PushedVersion = 2, Devices = 40_000 };
        state.Index.OccupiedShards[7] = 0b1000_0001;

        var copy = RoundTrip(state);

        Assert.Equal(state.Stamp, copy.Stamp);
        Assert.Equal(state.IssuedTag, copy.IssuedTag);
        Assert.Equal(state.Registrations, copy.Registrations);
        Assert.Equal(state.OwedPushes, copy.OwedPushes);
        Assert.Equal(state.PatchJson, copy.PatchJson);
        Assert.Equal(state.Index.OccupiedShards, copy.Index!.OccupiedShards);
        Assert.Equal((2, 40_000), (copy.Index.PushedVersion, copy.Index.Devices));
    }

    [Fact]
    public void Device_state_round_trips_with_a_push_token_per_registration()
    {
        var state = new DeviceState();
        state.PassTypes["pass.com.example"] = new DevicePassTypeState { Registrations = new(StringComparer.Ordinal) { ["b"] = "push-b", ["a"] = "push-a" } };

        var copy = RoundTrip(state);

        Assert.Equal(["a", "b"], copy.PassTypes["pass.com.example"].Registrations.Keys);
        Assert.Equal("push-b", copy.PassTypes["pass.com.example"].Registrations["b"]);
    }

    [Fact]
    public void Device_state_of_the_earlier_shape_keeps_its_registrations()
    {
        // Stored before each registration carried its own token: one token for every serial of the type.
        var stored = new BinaryData("""{"passTypes":{"pass.com.example":{"pushToken":"push","serials":["b","a"]}}}"""u8.ToArray());

        var state = new PassGrains.Grains.Storage.JsonGrainStateSerializer().Deserialize<DeviceState>(stored);
        var moved = state.PassTypes["pass.com.example"].MigrateEarlierShape();

        Assert.True(moved);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "push", ["b"] = "push" }, state.PassTypes["pass.com.example"].Registrations);
        Assert.DoesNotContain("serials", System.Text.Encoding.UTF8.GetString(new PassGrains.Grains.Storage.JsonGrainStateSerializer().Serialize(state)), StringComparison.Ordinal);
    }

    [Fact]
    public void Group_and_template_states_round_trip()
    {
        var group = RoundTrip(new GroupState { Exists = true, TemplateId = "t", FieldsJson = "{}", Version = 2, Stamp = new UpdateStamp(5, 6) });
        var template = RoundTrip(new TemplateState { Revision = 1, ModelZip = [1, 2, 3], PassTypeIdentifier = "p", Stamp = new UpdateStamp(7, 8) });
        var shard = new GroupShardState();
        shard.Members["d|p|s"] = "push";

        Assert.Equal(new UpdateStamp(5, 6), group.Stamp);
        Assert.Equal(new UpdateStamp(7, 8), template.Stamp);
        Assert.Equal([1, 2, 3], template.ModelZip);
        Assert.Equal(shard.Members, RoundTrip(shard).Members);
    }
}
