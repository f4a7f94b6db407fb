using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PassGrains.Abstractions;
using PassGrains.Packaging.Building;

namespace PassGrains.Server.Rendering;

/// <summary>
/// The signed passes this silo rendered, keyed by everything a render reads (<see cref="RenderKey"/>): the same inputs
/// give the same pass, so a second device, a Watch, a retry or a link clicked twice costs no second signature, and
/// concurrent requests for one version share one signature. No entry can outlive the change that moves a pass: a
/// change of the pass, its group or its template changes the inputs the grains hand out, and with them the key, on
/// every silo at once; nothing has to be invalidated, and old versions age out of the bounded memory.
/// </summary>
public sealed class RenderedPassCache(IOptions<RenderingOptions> options) : IDisposable
{
    /// <summary>Everything <see cref="PassRenderer.RenderAsync"/> reads from a render source, compared exactly.</summary>
    private sealed record RenderKey(string PassType, string Serial, string TemplateId, long TemplateTag, string? GroupFields, string? GroupPatch,
        string? PassFields, string? PassPatch, bool Voided, string Token, bool Personalized)
    {
        public static RenderKey Of(PassRenderSource s) => new(s.PassTypeIdentifier, s.SerialNumber, s.TemplateId, s.TemplateTag,
            s.Group?.FieldsJson, s.Group?.PatchJson, s.Pass.FieldsJson, s.Pass.PatchJson, s.Voided, s.AuthenticationToken, s.Personalized);

        public long Bytes => 2L * (PassType.Length + Serial.Length + TemplateId.Length + (GroupFields?.Length ?? 0) + (GroupPatch?.Length ?? 0)
            + (PassFields?.Length ?? 0) + (PassPatch?.Length ?? 0) + Token.Length);
    }

    private readonly MemoryCache? _signed = options.Value.CacheMegabytes > 0
        ? new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.CacheMegabytes * 1024L * 1024 })
        : null;

    private readonly ConcurrentDictionary<RenderKey, Lazy<Task<SignedPass>>> _signing = new();

    /// <summary>The signed pass for <paramref name="source"/>: kept, being signed for another request, or signed now by <paramref name="render"/>.</summary>
    /// <param name="hit">Told when no signature was needed.</param>
    public async ValueTask<SignedPass> GetOrRenderAsync(PassRenderSource source, Func<Task<SignedPass>> render, Action hit)
    {
        if (_signed is null)
            return await render();
        var key = RenderKey.Of(source);
        if (_signed.TryGetValue(key, out SignedPass? kept) && kept is not null)
        {
            hit();
            return kept;
        }
        var signing = _signing.GetOrAdd(key, k => new Lazy<Task<SignedPass>>(() => SignAndKeep(k, render)));
        try
        {
            return await signing.Value;
        }
        finally
        {
            _signing.TryRemove(KeyValuePair.Create(key, signing));
        }
    }

    private async Task<SignedPass> SignAndKeep(RenderKey key, Func<Task<SignedPass>> render)
    {
        var signed = await render();
        // What this entry holds of its own: the template's files are shared by every pass of the revision.
        var size = signed.PassJson.Length * 2L + signed.Manifest.Length + signed.Signature.Length + key.Bytes + 2048;
        _signed!.Set(key, signed, new MemoryCacheEntryOptions { Size = size });
        return signed;
    }

    public void Dispose() => _signed?.Dispose();
}
