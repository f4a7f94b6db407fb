using System.Collections.Concurrent;
using PassGrains.Abstractions;
using PassGrains.Packaging.Packaging;
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
        _templates.GetOrAdd(templateId, id => new(() => renderer.GetTemplateAsync(id, null).AsTask())).Value;

    public Task<GroupSnapshot?> GroupAsync(string groupId) =>
        _groups.GetOrAdd(groupId, id => new(() => grains.GetGrain<IGroupGrain>(GrainKeys.Group(id)).GetSnapshot())).Value;
}
