using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Packaging.Json;

namespace PassGrains.Server.Http;

/// <summary>
/// The members a JSON request body may have and the JSON kind of each. Checked before a handler reads the body,
/// so a misspelt member or a number where a string belongs is a 400 naming it, never silently ignored
/// (an unread <c>"serialNumber": 5</c> would otherwise issue a pass under a random serial).
/// A member that is <c>null</c> counts as absent. Bodies Apple's devices send keep unknown members
/// (<see cref="Open"/>): a later iOS may add one, and refusing it would stop every registration.
/// </summary>
public sealed class BodyShape(params (string Name, JsonValueKind Kind)[] members)
{
    /// <summary>A shape whose unknown members are ignored rather than refused.</summary>
    public static BodyShape Open(params (string Name, JsonValueKind Kind)[] members) => new(members) { AllowsOthers = true };

    private bool AllowsOthers { get; init; }

    private readonly Dictionary<string, JsonValueKind> _members = members.ToDictionary(m => m.Name, m => m.Kind, StringComparer.Ordinal);

    /// <summary>The first member that is unknown, of the wrong kind, or an empty string; null when the body fits.</summary>
    public JsonProblem? Check(JsonObject body)
    {
        foreach (var (name, value) in body)
        {
            if (!_members.TryGetValue(name, out var kind))
            {
                if (AllowsOthers)
                    continue;
                return new JsonProblem(StrictJson.Shorten(name), $"unknown member; this body takes {string.Join(", ", _members.Keys)}");
            }
            if (value is null)
                continue;
            var actual = value.GetValueKind();
            if (actual != kind)
                return new JsonProblem(name, $"{name} must be {Describe(kind)}, not {Describe(actual)}");
            if (kind == JsonValueKind.String && value.GetValue<string>().Length == 0)
                return new JsonProblem(name, $"{name} must not be empty (leave it out instead)");
        }
        return null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
