using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.PassTypes;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;

namespace PassGrains.Server.Stats;

/// <summary>A stats request as it arrived: one scope, the interval and the range, each as text (null: not given).</summary>
public sealed record StatsQuery(string? PassType, string? Template, string? Group, string? Interval, string? From, string? To);

/// <summary>
/// A scope's numbers: <see cref="Buckets"/> from <see cref="From"/> to <see cref="To"/>, every event up to feed cursor
/// <see cref="CountedThrough"/> counted. <see cref="CountsPushes"/>: pushes are counted by pass type only.
/// </summary>
public sealed record StatsReport(string ScopeKind, string ScopeId, StatsInterval Interval, DateTimeOffset From, DateTimeOffset To,
    IReadOnlyList<StatsBucket> Buckets, long CountedThrough, bool CountsPushes);

/// <summary>
/// The rules of a stats read, for the API and the console page alike: which scope (a pass type this server signs for, a
/// template or a group that exists, and one the key may see), which interval, and which buckets.
/// </summary>
public sealed class IssuerStats(IGrainFactory grains, PassIssuer issuer, PassRenderer renderer, PassTypeRegistry passTypes, TimeProvider time)
{
    public const int MaxHours = 31 * 24;
    public const int MaxDays = 366;

    /// <summary>Without <c>from</c>: the last day by hours, the last 30 days by days.</summary>
    public static readonly TimeSpan DefaultHourRange = TimeSpan.FromDays(1);
    public static readonly TimeSpan DefaultDayRange = TimeSpan.FromDays(30);

    public async Task<(StatsReport? Report, ChangeOutcome? Refusal)> ReadAsync(StatsQuery query, PassTypeScope scope)
    {
        var (kind, id, scopeRefusal) = await ScopeOfAsync(query, scope);
        if (scopeRefusal is not null)
            return (null, scopeRefusal);
        var (interval, from, count, rangeRefusal) = RangeOf(query);
        if (rangeRefusal is not null)
            return (null, rangeRefusal);
        // The cursor first: every event up to it is in the numbers read after.
        var countedThrough = await grains.GetGrain<IStatsProjectionGrain>(GrainKeys.StatsProjection).CountedThrough();
        var series = await grains.GetGrain<IStatsGrain>(GrainKeys.Stats(kind!, id!)).Read(interval, from, count);
        if (series.HourlyNotKept)
            return (null, new ChangeOutcome.Invalid("from", $"hours are kept for {IStatsGrain.HourlyDays} days; ask for older numbers with interval=day"));
        var step = interval == StatsInterval.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        return (new StatsReport(kind!, id!, interval, from, from + step * count, series.Buckets, countedThrough, kind == GrainKeys.StatsPassType), null);
    }

    private async Task<(string? Kind, string? Id, ChangeOutcome? Refusal)> ScopeOfAsync(StatsQuery query, PassTypeScope scope)
    {
        var named = new[] { query.PassType, query.Template, query.Group }.Count(s => s is not null);
        if (named != 1)
            return (null, null, new ChangeOutcome.Invalid("passType", "name exactly one scope: passType, template or group"));
        if (query.PassType is { } passType)
        {
            if (passTypes.Find(passType) is null)
                return (null, null, new ChangeOutcome.NotFound($"this server signs for no pass type '{passType}'"));
            return scope.Allows(passType)
                ? (GrainKeys.StatsPassType, passType, null)
                : (null, null, new ChangeOutcome.Forbidden(PassTypeScope.Refusal(passType)));
        }
        if (query.Template is { } templateId)
        {
            if (!PassIssuer.IsValidId(templateId) || await renderer.GetTemplateAsync(templateId, null) is not { } template)
                return (null, null, new ChangeOutcome.NotFound($"template '{templateId}' does not exist"));
            return template.PassTypeIdentifier is { } templatePassType && !scope.Allows(templatePassType)
                ? (null, null, new ChangeOutcome.Forbidden(PassTypeScope.Refusal(templatePassType)))
                : (GrainKeys.StatsTemplate, templateId, null);
        }
        var groupId = query.Group!;
        if (!PassIssuer.IsValidId(groupId) || await grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)).GetSnapshot() is not { } group)
            return (null, null, new ChangeOutcome.NotFound($"group '{groupId}' does not exist"));
        // A group's passes may be of several templates: a scoped key sees its numbers when it may see every one of them.
        foreach (var template in (group.Templates ?? []).Append(group.TemplateId).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await issuer.TemplateRefusalAsync(template, scope) is { } refusal)
                return (null, null, new ChangeOutcome.Forbidden(refusal));
        }
        return (GrainKeys.StatsGroup, groupId, null);
    }

    private (StatsInterval Interval, DateTimeOffset From, int Count, ChangeOutcome? Refusal) RangeOf(StatsQuery query)
    {
        StatsInterval interval;
        switch (query.Interval)
        {
            case null or "day":
                interval = StatsInterval.Day;
                break;
            case "hour":
                interval = StatsInterval.Hour;
                break;
            default:
                return (default, default, 0, new ChangeOutcome.Invalid("interval", "interval is 'hour' or 'day'"));
        }
        var step = interval == StatsInterval.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var max = interval == StatsInterval.Hour ? MaxHours : MaxDays;
        DateTimeOffset to = time.GetUtcNow();
        if (query.To is { } toText && !Rfc3339.TryRead(toText, out to))
            return (default, default, 0, new ChangeOutcome.Invalid("to", "to must be an RFC 3339 date and time with its offset, such as 2026-12-24T00:00:00Z"));
        DateTimeOffset from = to - (interval == StatsInterval.Hour ? DefaultHourRange : DefaultDayRange);
        if (query.From is { } fromText && !Rfc3339.TryRead(fromText, out from))
            return (default, default, 0, new ChangeOutcome.Invalid("from", "from must be an RFC 3339 date and time with its offset, such as 2026-12-01T00:00:00Z"));
        if (from >= to)
            return (default, default, 0, new ChangeOutcome.Invalid("from", "from must be before to"));
        // Whole buckets in UTC: from down to its bucket's start, to up to the end of the bucket it falls in.
        var first = Floor(from.ToUniversalTime(), step);
        var count = (long)Math.Ceiling((to.ToUniversalTime() - first) / step);
        if (first.Year < 2000 || count > max)
            return (default, default, 0, new ChangeOutcome.Invalid("from", $"at most {max} {(interval == StatsInterval.Hour ? "hours" : "days")} in one read, from 2000 on"));
        // Far enough from DateTimeOffset's end that the last bucket's end is a time too.
        if (to.Year >= 9000)
            return (default, default, 0, new ChangeOutcome.Invalid("to", "to must be before the year 9000"));
        return (interval, first, (int)count, null);
    }

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan step) => new(at.UtcTicks - at.UtcTicks % step.Ticks, TimeSpan.Zero);
}
