using System.Collections.Concurrent;
using PassGrains.Abstractions;
using PassGrains.Packaging.Building;
using PassGrains.Server.Rendering;

namespace PassGrains.Server.Issuing;

/// <summary>
/// Templates and groups looked up once for many issues: a batch chunk of thousands of passes of one
/// template and group asks their grains once, not once (or twice) per pass. A chunk runs for seconds,
/// so a template or group changed meanwhile is seen by the next chunk, as if it changed a moment later.
/// </summary>
public sealed class IssueLookups(IGrainFactory grains, PassRenderer renderer)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<CompiledPassTemplate?>>> _templates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<GroupSnapshot?>>> _groups = new(StringComparer.Ordinal);

    public Task<CompiledPassTemplate?> TemplateAsync(string templateId) =>
        Once(_templates, templateId, id => renderer.GetTemplateAsync(id, null).AsTask());

    public Task<GroupSnapshot?> GroupAsync(string groupId) =>
        Once(_groups, groupId, id => grains.GetGrain<IGroupGrain>(GrainKeys.Group(id)).GetSnapshot());

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
