using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PassGrains.Abstractions;
using PassGrains.Packaging.Json;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;

namespace PassGrains.Server.Scheduling;

/// <summary>What a schedule may do: the issuer API's changes of one pass or one group.</summary>
public enum ScheduledChangeKind
{
    /// <summary>PATCH /api/passes/{passTypeIdentifier}/{serialNumber}</summary>
    ChangePass,

    /// <summary>POST /api/passes/{passTypeIdentifier}/{serialNumber}/void</summary>
    VoidPass,

    /// <summary>PUT /api/groups/{groupId}</summary>
    PutGroup,

    /// <summary>PUT /api/templates/{templateId} with a staged revision (POST /api/templates/{templateId}/staged) for the zip</summary>
    ReviseTemplate,
}

/// <summary>
/// A scheduled request read: which change, of which target ("passes/{passType}/{serial}", "groups/{groupId}" or
/// "templates/{templateId}"), with what body; a template revision names its zip by <see cref="StagedId"/>. Made from the request when the schedule is created (a 400 names what does not fit) and again when it
/// runs, so what runs is exactly what was checked.
/// </summary>
public sealed partial record ScheduledChange(ScheduledChangeKind Kind, string Target, string? PassTypeIdentifier, string? SerialNumber, string? GroupId,
    JsonObject? Body, bool DropUnknownFields, string? TemplateId = null, string? StagedId = null)
{
    public const string PassesPrefix = "passes/";
    public const string GroupsPrefix = "groups/";
    public const string TemplatesPrefix = "templates/";

    /// <summary>The body of a scheduled template revision: the staged revision it makes.</summary>
    public static readonly BodyShape RevisionBody = new(("staged", JsonValueKind.String));

    /// <summary>The members of a POST /api/schedules body.</summary>
    public static readonly BodyShape ScheduleBody = new(("at", JsonValueKind.String), ("method", JsonValueKind.String), ("path", JsonValueKind.String),
        ("body", JsonValueKind.Object), ("key", JsonValueKind.String));

    private static readonly string Forms = "PATCH /api/passes/{passTypeIdentifier}/{serialNumber}, POST /api/passes/{passTypeIdentifier}/{serialNumber}/void "
        + "PUT /api/groups/{groupId}[?dropUnknownFields=true] or PUT /api/templates/{templateId}[?dropUnknownFields=true] with {\"staged\": id}";

    /// <summary>The change <paramref name="method"/> <paramref name="path"/> with <paramref name="body"/> makes, or the member and why it cannot be scheduled.</summary>
    public static (ScheduledChange? Change, (string Field, string Message)? Error) Read(string method, string path, JsonObject? body)
    {
        var query = "";
        var mark = path.IndexOf('?', StringComparison.Ordinal);
        if (mark >= 0)
            (path, query) = (path[..mark], path[(mark + 1)..]);
        var segments = path.Split('/');
        if (segments is not ["", "api", ..])
            return (null, ("path", $"path must be an issuer API path: {Forms}"));
        var change = (method.ToUpperInvariant(), segments[2..]) switch
        {
            ("PATCH", ["passes", var passType, var serial]) => Pass(ScheduledChangeKind.ChangePass, passType, serial, body),
            ("POST", ["passes", var passType, var serial, "void"]) => Pass(ScheduledChangeKind.VoidPass, passType, serial, body),
            ("PUT", ["groups", var groupId]) => Group(groupId, body),
            ("PUT", ["templates", var templateId]) => Template(templateId, body),
            _ => (null, ("path", $"{Shorten(method)} {Shorten(path)} cannot be scheduled; a schedule makes one of {Forms}")),
        };
        if (change.Item1 is not { } read)
            return change;
        return QueryOf(read, query);
    }

    /// <summary>The target <c>GET /api/schedules?target=</c> names, read as a target ("passes/{passType}/{serial}", "groups/{groupId}", "templates/{templateId}").</summary>
    public static (string? PassTypeIdentifier, string? SerialNumber)? ReadTarget(string target) => target.Split('/') switch
    {
        ["passes", var passType, var serial] when IsPassType(passType) && PassIssuer.IsValidSerial(serial) => (passType, serial),
        ["groups", var groupId] when PassIssuer.IsValidId(groupId) => (null, null),
        ["templates", var templateId] when PassIssuer.IsValidId(templateId) => (null, null),
        _ => null,
    };

    /// <summary>A staged revision's id: the SHA-256 of its zip, 64 lowercase hex digits.</summary>
    public static bool IsStagedId(string id) => id.Length == 64 && id.All(char.IsAsciiHexDigitLower);

    /// <summary>The content a change or group body sets (its fields and pass patch).</summary>
    public (PassContent? Content, (string Field, string Message)? Error) Content()
    {
        if (Body is null)
            return (new PassContent(null, null), null);
        var (content, error) = RequestContent.ContentOf(Body);
        return error is { } e ? (null, ($"body.{e.Field}", e.Message)) : (content, null);
    }

    private static (ScheduledChange?, (string, string)?) Pass(ScheduledChangeKind kind, string passType, string serial, JsonObject? body)
    {
        if (!IsPassType(passType))
            return (null, ("path", "the path's passTypeIdentifier is not one (a reverse-DNS name such as pass.com.example.event)"));
        if (!PassIssuer.IsValidSerial(serial))
            return (null, ("path", "the path's serialNumber is not one (1–100 letters, digits, '.', '_', '~' or '-')"));
        if (kind == ScheduledChangeKind.VoidPass && body is { Count: > 0 })
            return (null, ("body", "a void takes no body"));
        if (kind == ScheduledChangeKind.ChangePass && CheckBody(body, RequestContent.ChangeBody) is { } misfit)
            return (null, misfit);
        var change = new ScheduledChange(kind, $"{PassesPrefix}{passType}/{serial}", passType, serial, null, kind == ScheduledChangeKind.VoidPass ? null : body ?? [], false);
        return change.Content() is { Error: { } error } ? (null, error) : (change, null);
    }

    private static (ScheduledChange?, (string, string)?) Group(string groupId, JsonObject? body)
    {
        if (!PassIssuer.IsValidId(groupId))
            return (null, ("path", "the path's groupId is not one (1–100 letters, digits, '.', '_' or '-')"));
        if (CheckBody(body, RequestContent.GroupBody) is { } misfit)
            return (null, misfit);
        // The runner makes a group's content change, not its end (whose void is a schedule itself, GroupEnds.cs): an end
        // here would be dropped unread and the schedule end "succeeded" without it.
        if (body is not null && body.ContainsKey("end"))
            return (null, ("body.end", "a schedule cannot give a group its end; send the end with PUT /api/groups/{groupId} now: its void is scheduled for the end's time"));
        var change = new ScheduledChange(ScheduledChangeKind.PutGroup, $"{GroupsPrefix}{groupId}", null, null, groupId, body ?? [], false);
        return change.Content() is { Error: { } error } ? (null, error) : (change, null);
    }

    private static (ScheduledChange?, (string, string)?) Template(string templateId, JsonObject? body)
    {
        if (!PassIssuer.IsValidId(templateId))
            return (null, ("path", "the path's templateId is not one (1–100 letters, digits, '.', '_' or '-')"));
        if (body is null)
            return (null, ("body", "a template revision's body names its zip: {\"staged\": id}, the id POST /api/templates/{templateId}/staged answered"));
        if (CheckBody(body, RevisionBody) is { } misfit)
            return (null, misfit);
        if (RequestContent.OptionalString(body, "staged") is not { } staged || !IsStagedId(staged))
            return (null, ("body.staged", "staged must be the id POST /api/templates/{templateId}/staged answered: 64 lowercase hex digits"));
        return (new ScheduledChange(ScheduledChangeKind.ReviseTemplate, $"{TemplatesPrefix}{templateId}", null, null, null, body, false, templateId, staged), null);
    }

    private static (ScheduledChange?, (string, string)?) QueryOf(ScheduledChange change, string query)
    {
        if (query.Length == 0)
            return (change, null);
        if (change.Kind is ScheduledChangeKind.PutGroup or ScheduledChangeKind.ReviseTemplate && query is "dropUnknownFields=true" or "dropUnknownFields=false")
            return (change with { DropUnknownFields = query.EndsWith("true", StringComparison.Ordinal) }, null);
        return (null, ("path", $"the path's query '{Shorten(query)}' is not one a schedule takes (only a PUT of a group or template takes dropUnknownFields=true)"));
    }

    private static (string, string)? CheckBody(JsonObject? body, BodyShape shape) =>
        body is not null && shape.Check(body) is { } misfit ? ($"body.{misfit.Member}", misfit.Message) : null;

    // A pass type identifier is a reverse-DNS name (pass.com.example.event): labels of letters, digits, '-' and '_' between dots.
    [GeneratedRegex(@"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$", RegexOptions.CultureInvariant)]
    private static partial Regex PassTypeShape();

    private static bool IsPassType(string passType) => passType.Length <= 255 && PassTypeShape().IsMatch(passType);

    private static string Shorten(string text) => StrictJson.Shorten(text);
}
