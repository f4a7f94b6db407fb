namespace PassGrains.Grains;

/// <summary>
/// The grain storage provider and one state name per grain class: Orleans' ADO.NET storage keys rows
/// by state name and grain key only, so two classes sharing a name would share rows.
/// </summary>
public static class StorageNames
{
    public const string Provider = "passgrains";
    public const string Pass = "pass";
    public const string Device = "device";
    public const string Group = "group";
    public const string GroupShard = "groupshard";
    public const string Template = "template";
    public const string TemplateUsage = "templateusage";
    public const string Job = "job";
    public const string BatchChunk = "batchchunk";
    public const string JobRegistry = "jobregistry";
    public const string Webhooks = "webhooks";
    public const string PushAlarms = "push-alarms";
    public const string EventFeed = "eventfeed";
    public const string EventPage = "eventpage";
    public const string WebhookDelivery = "webhookdelivery";
    public const string ScheduleBook = "schedulebook";
    public const string Stats = "stats";
    public const string StatsProjection = "statsprojection";
    public const string StagedRevision = "stagedrevision";
}
