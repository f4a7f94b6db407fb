using PassGrains.Server.Http;
using PassGrains.Server.PassTypes;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using PassGrains.Abstractions;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.Validation;
using PassGrains.Server.Configuration;

namespace PassGrains.Server.Rendering;

/// <summary>
/// Renders and signs passes outside the grains (CPU work never blocks a grain). Each template
/// revision is compiled once per silo and kept until a newer revision is seen.
/// </summary>
public sealed partial class PassRenderer(IGrainFactory grains, PassTypeRegistry passTypes, PublicUrl publicUrl, Telemetry.PassGrainsMetrics metrics,
    RenderedPassCache signedPasses, TimeProvider time, ILogger<PassRenderer> logger)
{
    private sealed record CachedTemplate(long Tag, CompiledPassTemplate Template)
    {
        /// <summary>The personalized pass Wallet fetches after enrollment must not hold personalization.json.</summary>
        public Lazy<CompiledPassTemplate> WithoutPersonalization { get; } = new(() => Template.Model.Find("personalization.json") is null
            ? Template
            : CompiledPassTemplate.Compile(Template.Model.Without("personalization.json")));
    }

    private readonly ConcurrentDictionary<string, CachedTemplate> _templates = new(StringComparer.Ordinal);

    public PassValidationOptions ValidationOptions { get; } = new() { AllowHttpWebService = publicUrl.IsHttp };

    /// <summary>A token-shaped placeholder for checks before a pass exists.</summary>
    private const string PlaceholderToken = "0000000000000000000000000000000000000000000";

    /// <summary>Stored content renders whatever revision its template is at: a value whose field a revision dropped is left out.</summary>
    private static readonly Func<string, bool> StoredContent = _ => false;

    /// <summary>
    /// Signs a stored pass. Content the server accepted always renders (a value without its field is left out); should
    /// it not (a template that no longer reads, a certificate gone), the failure is logged at Error and counted
    /// (<c>passgrains.render.failures</c>) and <see cref="PassRenderException"/> tells the caller to answer 503, not 500.
    /// </summary>
    /// <exception cref="PassRenderException">The pass cannot be rendered; the operator has been alarmed.</exception>
    /// <remarks>A version signed before on this silo is served as it was signed (<see cref="RenderedPassCache"/>).</remarks>
    public ValueTask<SignedPass> RenderAsync(PassRenderSource source) =>
        signedPasses.GetOrRenderAsync(source, () => SignAsync(source), () => metrics.RenderCached(source.PassTypeIdentifier));

    private async Task<SignedPass> SignAsync(PassRenderSource source)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var type = passTypes.Find(source.PassTypeIdentifier)
                ?? throw new InvalidOperationException($"no signing certificate is configured for {source.PassTypeIdentifier}");
            var cached = await GetCachedTemplateAsync(source.TemplateId, source.TemplateTag)
                ?? throw new InvalidOperationException($"template {source.TemplateId} does not exist");
            var template = source.Personalized ? cached.WithoutPersonalization.Value : cached.Template;
            var packager = new PassPackager(type.Signer);
            var passJson = packager.Compose(template, source.SerialNumber, Layers(source.Group, source.Pass, source.Voided, source.AuthenticationToken), validate: false,
                refuseUnknown: StoredContent);
            // The signing time is the version's Last-Modified second or later: never older than the content.
            var signed = packager.Package(template, source.SerialNumber, passJson, time.GetUtcNow());
            metrics.Rendered(source.PassTypeIdentifier, Telemetry.PassGrainsMetrics.Since(started));
            return signed;
        }
        catch (Exception e) when (e is not OperationCanceledException && !Http.HttpHosting.IsTransient(e))
        {
            metrics.RenderFailed(source.PassTypeIdentifier);
            LogRenderFailed(logger, e, source.PassTypeIdentifier, source.SerialNumber, source.TemplateId, source.TemplateTag);
            throw new PassRenderException($"pass {source.PassTypeIdentifier}/{source.SerialNumber} of template {source.TemplateId} could not be rendered", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Pass {PassType}/{SerialNumber} of template {TemplateId} (tag {TemplateTag}) cannot be rendered; its downloads and devices are answered 503 until it can")]
    private static partial void LogRenderFailed(ILogger logger, Exception exception, string passType, string serialNumber, string templateId, long templateTag);

    /// <summary>
    /// The pass.json <see cref="RenderAsync"/> would sign for <paramref name="source"/>, composed the same way but
    /// neither checked nor signed (previews show what a holder downloads); null when the template no longer exists.
    /// </summary>
    public async ValueTask<(CompiledPassTemplate Template, byte[] PassJson)?> ComposeAsync(PassRenderSource source)
    {
        var cached = await GetCachedTemplateAsync(source.TemplateId, source.TemplateTag);
        if (cached is null)
            return null;
        var template = source.Personalized ? cached.WithoutPersonalization.Value : cached.Template;
        var layers = Layers(source.Group, source.Pass, source.Voided, source.AuthenticationToken);
        return (template, PassJsonComposer.ToUtf8(PassJsonComposer.Compose(template.PassJson, source.SerialNumber, layers, refuseUnknown: StoredContent)));
    }

    /// <summary>Every problem the pass would have, composed from these parts; empty when it can be issued.</summary>
    /// <param name="refuseUnknown">Which field keys the template lacks are problems (those the request sets); null: every one.</param>
    public async ValueTask<IReadOnlyList<PassProblem>> CheckAsync(string templateId, string serialNumber, PassContent? group, PassContent pass,
        Func<string, bool>? refuseUnknown = null)
    {
        var template = await GetTemplateAsync(templateId, null);
        if (template is null)
            return [PassProblem.Error("request", "$.templateId", PassRules.Required, $"template '{templateId}' does not exist; upload it with PUT /api/templates/{templateId}")];
        return Check(template, serialNumber, group, pass, refuseUnknown);
    }

    /// <summary>As <see cref="CheckAsync"/>, for a template already at hand (a batch looks it up once).</summary>
    public IReadOnlyList<PassProblem> Check(CompiledPassTemplate template, string serialNumber, PassContent? group, PassContent pass,
        Func<string, bool>? refuseUnknown = null)
    {
        var type = passTypes.Find(template.PassTypeIdentifier ?? "");
        if (type is null)
            return [PassProblem.Error("pass.json", "$.passTypeIdentifier", PassRules.Certificate, $"no signing certificate is configured for pass type '{template.PassTypeIdentifier}'")];
        try
        {
            new PassPackager(type.Signer).Compose(template, serialNumber, Layers(group, pass, false, PlaceholderToken), validate: true, ValidationOptions, refuseUnknown);
            return [];
        }
        catch (PassValidationException e)
        {
            return e.Problems;
        }
    }

    public async ValueTask<CompiledPassTemplate?> GetTemplateAsync(string templateId, long? tag) =>
        (await GetCachedTemplateAsync(templateId, tag))?.Template;

    private async ValueTask<CachedTemplate?> GetCachedTemplateAsync(string templateId, long? tag)
    {
        // Without a known tag, ask the template for its small stamp first; the model zip crosses only on a new revision.
        tag ??= (await grains.GetGrain<ITemplateGrain>(GrainKeys.Template(templateId)).GetStamp())?.Tag;
        if (tag is null)
            return null;
        if (_templates.TryGetValue(templateId, out var cached) && cached.Tag == tag)
            return cached;
        var revision = await grains.GetGrain<ITemplateGrain>(GrainKeys.Template(templateId)).GetCurrent();
        if (revision is null)
            return null;
        if (_templates.TryGetValue(templateId, out cached) && cached.Tag == revision.Stamp.Tag)
            return cached;
        using var zip = new MemoryStream(revision.ModelZip);
        var model = PassModel.FromZip(zip, options: ValidationOptions with { IsTemplate = true });
        var entry = new CachedTemplate(revision.Stamp.Tag, CompiledPassTemplate.Compile(model));
        _templates[templateId] = entry;
        return entry;
    }

    private IEnumerable<PassLayer> Layers(PassContent? group, PassContent pass, bool voided, string token)
    {
        if (group is not null)
        {
            foreach (var layer in PassContentLayers.Layers(group))
                yield return layer;
        }
        foreach (var layer in PassContentLayers.Layers(pass))
            yield return layer;
        var service = new JsonObject { ["webServiceURL"] = publicUrl.Value.ToString(), ["authenticationToken"] = token };
        if (voided)
            service["voided"] = true;
        yield return new PassLayer(Patch: service);
    }
}

/// <summary>A stored pass could not be rendered; logged and counted already. Its callers answer 503 with Retry-After.</summary>
public sealed class PassRenderException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>Long enough that a device retrying does not render the same failure many times a minute.</summary>
    public const int RetryAfterSeconds = 60;
}
