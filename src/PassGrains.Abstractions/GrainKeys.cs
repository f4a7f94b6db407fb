namespace PassGrains.Abstractions;

/// <summary>
/// Grain keys. Orleans' ADO.NET storage parses hex-looking string keys as numbers or GUIDs, so
/// serial "020235" would share a row with "20235" and a 32-hex device id would be read as a GUID:
/// every key starts with a prefix holding a non-hex letter and a colon.
/// </summary>
public static class GrainKeys
{
    public static string Pass(string passTypeIdentifier, string serialNumber) => $"pass:{passTypeIdentifier}/{serialNumber}";

    public static (string PassTypeIdentifier, string SerialNumber) ParsePass(string key)
    {
        var body = key["pass:".Length..];
        var slash = body.IndexOf('/', StringComparison.Ordinal);
        return (body[..slash], body[(slash + 1)..]);
    }

    public static string Device(string deviceLibraryIdentifier) => $"device:{deviceLibraryIdentifier}";

    public static string ParseDevice(string key) => key["device:".Length..];

    public static string Group(string groupId) => $"group:{groupId}";

    public static string ParseGroup(string key) => key["group:".Length..];

    public static string GroupShard(string groupId, int shard) => $"groupshard:{shard}/{groupId}";

    public static (string GroupId, int Shard) ParseGroupShard(string key)
    {
        var body = key["groupshard:".Length..];
        var slash = body.IndexOf('/', StringComparison.Ordinal);
        return (body[(slash + 1)..], int.Parse(body.AsSpan(0, slash), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A shard of one pass's own device index (the registrations past what the pass keeps in its state); the same grain
    /// class as a group's shard, <see cref="IGroupShardGrain"/>, under its own prefix.
    /// </summary>
    public static string PassShard(string passTypeIdentifier, string serialNumber, int shard) => $"passshard:{shard}/{passTypeIdentifier}/{serialNumber}";

    public static bool IsPassShard(string key) => key.StartsWith("passshard:", StringComparison.Ordinal);

    public static (string PassTypeIdentifier, string SerialNumber, int Shard) ParsePassShard(string key)
    {
        var body = key["passshard:".Length..];
        var slash = body.IndexOf('/', StringComparison.Ordinal);
        var (passType, serial) = ParsePass("pass:" + body[(slash + 1)..]);
        return (passType, serial, int.Parse(body.AsSpan(0, slash), System.Globalization.CultureInfo.InvariantCulture));
    }

    public static string Template(string templateId) => $"template:{templateId}";

    public static string ParseTemplate(string key) => key["template:".Length..];

    /// <summary>The one grain holding every pass type's push alarm.</summary>
    public const string PushAlarms = "push-alarms";

    /// <summary>The field keys a template's passes and groups set (<see cref="ITemplateUsageGrain"/>).</summary>
    public static string TemplateUsage(string templateId) => $"templateusage:{templateId}";

    public static string ParseTemplateUsage(string key) => key["templateusage:".Length..];

    public static string Job(string jobId) => $"job:{jobId}";

    /// <summary>Chunk <paramref name="index"/> (0-based) of a batch job's upload: its stored lines.</summary>
    public static string BatchChunk(string jobId, int index) => $"job:{jobId}/chunk/{index}";

    /// <summary>The one registry of batch jobs.</summary>
    public const string JobRegistry = "jobs:registry";

    /// <summary>The one event feed of the cluster (<see cref="IEventFeedGrain"/>).</summary>
    public const string EventFeed = "events:feed";

    /// <summary>Full page <paramref name="page"/> (0-based) of the event feed.</summary>
    public static string EventPage(long page) => $"events:page/{page.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The delivery of webhook <paramref name="name"/>.</summary>
    public static string WebhookDelivery(string name) => $"webhook:{name}";

    public static string ParseWebhookDelivery(string key) => key["webhook:".Length..];

    /// <summary>The schedules of one target (<see cref="IScheduleBookGrain"/>): "passes/{passType}/{serial}" or "groups/{groupId}".</summary>
    public static string ScheduleBook(string target) => $"schedules:{target}";

    public static string ParseScheduleBook(string key) => key["schedules:".Length..];

    /// <summary>
    /// A template revision uploaded ahead of the schedule that makes it (<see cref="IStagedRevisionGrain"/>): the template and
    /// the upload's SHA-256 (hex), so the same zip staged twice is one staged revision.
    /// </summary>
    public static string StagedRevision(string templateId, string stagedId) => $"staged:{templateId}/{stagedId}";

    public static (string TemplateId, string StagedId) ParseStagedRevision(string key)
    {
        var body = key["staged:".Length..];
        var slash = body.LastIndexOf('/');
        return (body[..slash], body[(slash + 1)..]);
    }

    /// <summary>The stats of one scope (<see cref="IStatsGrain"/>): kind "passtype", "template" or "group", and its id.</summary>
    public static string Stats(string kind, string id) => $"stats:{kind}/{id}";

    public const string StatsPassType = "passtype";
    public const string StatsTemplate = "template";
    public const string StatsGroup = "group";

    /// <summary>The one reader of the event feed that keeps the stats (<see cref="IStatsProjectionGrain"/>).</summary>
    public const string StatsProjection = "statsprojection:feed";
}
