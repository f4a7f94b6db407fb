using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>Which counts each lifecycle event adds, and to which scopes: the one rule the stats follow.</summary>
public static class StatsOfEvents
{
    /// <summary>The counts one event adds to each of its scopes (default: none).</summary>
    public static StatsCounts CountsOf(LifecycleEvent e) => e.Type switch
    {
        LifecycleEventTypes.PassIssued => new StatsCounts(Issued: 1, 0, 0, 0, 0, 0, 0),
        LifecycleEventTypes.PassVoided => new StatsCounts(0, Voided: 1, 0, 0, 0, 0, 0),
        LifecycleEventTypes.RegistrationAdded => new StatsCounts(0, 0, Installs: 1, 0, 0, 0, 0),
        LifecycleEventTypes.RegistrationRemoved => new StatsCounts(0, 0, 0, Uninstalls: 1, 0, 0, 0),
        LifecycleEventTypes.PushFailed => new StatsCounts(0, 0, 0, 0, 0, 0, PushesFailed: 1),
        _ => default,
    };

    public static long HourOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 3600 * 3600;

    /// <summary>The scopes of an event: its pass type, and the template and group of its pass when it has them.</summary>
    public static IEnumerable<string> ScopesOf(LifecycleEvent e)
    {
        yield return GrainKeys.Stats(GrainKeys.StatsPassType, e.PassTypeIdentifier);
        if (e.TemplateId is { Length: > 0 } template)
            yield return GrainKeys.Stats(GrainKeys.StatsTemplate, template);
        if (e.GroupId is { Length: > 0 } group)
            yield return GrainKeys.Stats(GrainKeys.StatsGroup, group);
    }

    /// <summary>
    /// The entries of a page for each scope, and the active installs of pass types and templates after it (from
    /// <paramref name="active"/>, which is not changed).
    /// </summary>
    public static (Dictionary<string, List<StatsEntry>> Entries, Dictionary<string, long> Active) Count(
        IReadOnlyList<LifecycleEvent> events, IReadOnlyDictionary<string, long> active)
    {
        var entries = new Dictionary<string, List<StatsEntry>>(StringComparer.Ordinal);
        var after = new Dictionary<string, long>(active, StringComparer.Ordinal);
        foreach (var e in events)
        {
            var counts = CountsOf(e);
            if (counts.IsEmpty)
                continue;
            var entry = new StatsEntry(e.Cursor, HourOf(e.At), counts);
            foreach (var scope in ScopesOf(e))
            {
                if (!entries.TryGetValue(scope, out var list))
                    entries[scope] = list = [];
                list.Add(entry);
                if (counts.NetInstalls != 0 && !scope.StartsWith(GrainKeys.Stats(GrainKeys.StatsGroup, ""), StringComparison.Ordinal))
                    after[scope] = after.GetValueOrDefault(scope) + counts.NetInstalls;
            }
        }
        return (entries, after);
    }
}
