using System.Text.Json.Nodes;

namespace PassGrains.Cli.Issuing;

/// <summary>One pass to issue, from one CSV record that starts at <paramref name="Line"/> (the header is line 1).</summary>
public sealed record PassRow(long Line, string? SerialNumber, string? GroupId, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <summary>The body of POST /api/passes for this row.</summary>
    public JsonObject ToIssueBody(string templateId, string? defaultGroup)
    {
        var body = new JsonObject { ["templateId"] = templateId };
        if (SerialNumber is not null)
            body["serialNumber"] = SerialNumber;
        if ((GroupId ?? defaultGroup) is { } group)
            body["groupId"] = group;
        if (Fields.Count > 0)
        {
            var fields = new JsonObject();
            foreach (var (key, value) in Fields)
                fields[key] = value;
            body["fields"] = fields;
        }
        return body;
    }
}
