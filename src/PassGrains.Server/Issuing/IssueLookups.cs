using System.Collections.Concurrent;
using PassGrains.Abstractions;
using PassGrains.Packaging.Building;
using PassGrains.Server.Rendering;

namespace PassGrains.Server.Issuing;

/// <summary>
/// Templates and groups looked up once for many issues: a batch chunk of thousands of passes of one
/// template and group asks their grains once, not once (or twice) per pass. A chunk runs for seconds,
/// so a template or group changed meanwhile is seen by the next chunk, as if it changed a moment later.
/// The field keys its passes set are counted with the template's usage in leases (<see cref="UsageLeases"/>),
/// and what a lease holds beyond the passes stored is given back when the lookups are disposed.
/// </summary>
public sealed class IssueLookups(IGrainFactory grains, PassRenderer renderer) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<CompiledPassTemplate?>>> _templates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<GroupSnapshot?>>> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _joined = new(StringComparer.Ordinal);
    private readonly UsageLeases _usage = new(grains);

    public Task<CompiledPassTemplate?> TemplateAsync(string templateId) =>
        Once(_templates, templateId, id => renderer.GetTemplateAsync(id, null).AsTask());

    public Task<GroupSnapshot?> GroupAsync(string groupId) =>
        Once(_groups, groupId, id => grains.GetGrain<IGroupGrain>(GrainKeys.Group(id)).GetSnapshot());

    /// <summary>Tells a group that passes of another template join it (<see cref="IGroupGrain.AddTemplate"/>), once.</summary>
    public Task JoinGroupAsync(string groupId, string templateId) =>
        Once(_joined, $"{groupId}\n{templateId}", async _ =>
        {
            await grains.GetGrain<IGroupGrain>(GrainKeys.Group(groupId)).AddTemplate(templateId);
            return true;
        });

    /// <summary>Counts one more pass of <paramref name="templateId"/> setting <paramref name="keys"/>; the keys its revision lacks, when it does.</summary>
    public Task<IReadOnlyList<string>> CountAsync(string templateId, IReadOnlySet<string> keys, bool fromBatch) =>
        _usage.TakeAsync(templateId, keys, fromBatch ? UsageLeases.BatchGrant : 1);

    /// <summary>The pass counted was not stored (it existed already): its count goes back.</summary>
    public Task UncountAsync(string templateId, IReadOnlySet<string> keys) => _usage.ReturnAsync(templateId, keys);

    public async ValueTask DisposeAsync()
    {
        await _usage.SettleAsync();
        _usage.Dispose();
    }

    /// <summary>One lookup per key; a failed one (a silo just died) is forgotten, so the chunk's next line asks again.</summary>
    private static async Task<T> Once<T>(ConcurrentDictionary<string, Lazy<Task<T>>> cache, string key, Func<string, Task<T>> lookup)
    {
        var entry = cache.GetOrAdd(key, id => new(() => lookup(id)));
        try
        {
            return await entry.Value;
        }
        catch
        {
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, entry));
            throw;
        }
    }
}

/// <summary>
/// Counts of passes setting field keys, taken from a template's usage (<see cref="ITemplateUsageGrain"/>) before the
/// passes are stored: one call for a lease of several passes, doubling as the chunk goes (a chunk of 200 lines asks
/// a few times, not 200), the rest given back at the end. A lease lost with its silo counts passes that were never
/// stored: too many, which only makes a revision more cautious, never too few.
/// </summary>
internal sealed class UsageLeases(IGrainFactory grains) : IDisposable
{
    /// <summary>A batch chunk's first lease: its lines in flight at once (<see cref="BatchChunkIssuer.Concurrency"/>).</summary>
    public const int BatchGrant = BatchChunkIssuer.Concurrency;

    private const long MaxGrant = 1024;

    private sealed class Lease
    {
        public long Reserved;
        public long Used;
    }

    private readonly Dictionary<(string Template, string Key), Lease> _leases = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IReadOnlyList<string>> TakeAsync(string templateId, IReadOnlySet<string> keys, long firstGrant)
    {
        if (keys.Count == 0)
            return [];
        await _gate.WaitAsync();
        try
        {
            var leases = keys.ToDictionary(k => k, k => LeaseOf(templateId, k), StringComparer.Ordinal);
            var grant = leases.Where(l => l.Value.Used >= l.Value.Reserved)
                .ToDictionary(l => l.Key, l => Math.Clamp(l.Value.Reserved, firstGrant, MaxGrant), StringComparer.Ordinal);
            if (grant.Count > 0)
            {
                var missing = await grains.GetGrain<ITemplateUsageGrain>(GrainKeys.TemplateUsage(templateId)).AddPasses(grant);
                if (missing.Count > 0)
                    return missing;
                foreach (var (key, count) in grant)
                    leases[key].Reserved += count;
            }
            foreach (var lease in leases.Values)
                lease.Used++;
            return [];
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ReturnAsync(string templateId, IReadOnlySet<string> keys)
    {
        if (keys.Count == 0)
            return;
        await _gate.WaitAsync();
        try
        {
            foreach (var key in keys)
                LeaseOf(templateId, key).Used--;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask SettleAsync()
    {
        var unused = _leases.Where(l => l.Value.Reserved > l.Value.Used).GroupBy(l => l.Key.Template, StringComparer.Ordinal);
        foreach (var template in unused)
        {
            try
            {
                await grains.GetGrain<ITemplateUsageGrain>(GrainKeys.TemplateUsage(template.Key))
                    .RemovePasses(template.ToDictionary(l => l.Key.Key, l => l.Value.Reserved - l.Value.Used, StringComparer.Ordinal));
            }
            catch (Exception e) when (Http.HttpHosting.IsTransient(e))
            {
                // The lease stays counted: too many passes, which only makes the template's revisions more cautious.
            }
        }
        _leases.Clear();
    }

    public void Dispose() => _gate.Dispose();

    private Lease LeaseOf(string templateId, string key)
    {
        if (!_leases.TryGetValue((templateId, key), out var lease))
            _leases[(templateId, key)] = lease = new Lease();
        return lease;
    }
}
