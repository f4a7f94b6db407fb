using PassGrains.Server.Http;
using System.Text;
using System.Text.RegularExpressions;
using PassGrains.Abstractions;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.Validation;
using PassGrains.Server.Preview;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;

// Beside the other Map*Api extensions, so that the app maps previews as it maps every API.
namespace PassGrains.Server.Preview;

/// <summary>
/// HTML previews for issuers under /preview/: a template with its own sample values, or an issued pass composed
/// exactly as its download, drawn as Wallet lays out the style, with every problem the validator finds.
/// </summary>
public static partial class PreviewApi
{
    /// <summary>The page runs no script and loads nothing: images are data: URIs, styles inline.</summary>
    public const string ContentSecurityPolicy = HtmlPage.ContentSecurityPolicy;

    [GeneratedRegex("^[a-z]{2}(-[A-Za-z]{2,4})?$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageShape();

    public static IEndpointRouteBuilder MapPreviewApi(this IEndpointRouteBuilder app)
    {
        var preview = app.MapGroup("/preview").WithTags("Preview").AddEndpointFilter(IssuerPageAccess.RequireIssuerKey);
        preview.MapGet("/templates/{templateId}", PreviewTemplate)
            .WithSummary("HTML preview of a template with its own sample values (?lang=de for a localization)").Produces(200, contentType: "text/html").RequireIssuerScope(Security.IssuerAccess.Read);
        preview.MapGet("/passes/{passTypeIdentifier}/{serialNumber}", PreviewPass)
            .WithSummary("HTML preview of an issued pass as its holder downloads it (?lang=de for a localization)").Produces(200, contentType: "text/html").RequireIssuerScope(Security.IssuerAccess.Read);
        return app;
    }

    private static async Task<IResult> PreviewTemplate(string templateId, string? lang, HttpContext http, PassRenderer renderer)
    {
        if (LanguageError(lang) is { } error)
            return error;
        var template = await renderer.GetTemplateAsync(templateId, null);
        if (template is null)
            return Problems.NotFound($"template {templateId} does not exist; upload it with PUT /api/templates/{templateId}");
        if (template.PassTypeIdentifier is { } passType && http.PassTypeProblem(passType) is { } forbidden)
            return forbidden;
        // A template's own serial number (often a placeholder) stands in for the one each pass gets.
        var sample = template.PassJson;
        var serial = sample["serialNumber"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : "TEMPLATE";
        var passJson = PassJsonComposer.ToUtf8(PassJsonComposer.Compose(sample, serial, []));
        var model = PassPreviewModel.Create(template.Model, passJson, lang, renderer.ValidationOptions);
        return new HtmlPage(PassPreviewPage.Render(model, "Template preview", templateId));
    }

    private static async Task<IResult> PreviewPass(string passTypeIdentifier, string serialNumber, string? lang, IGrainFactory grains, PassRenderer renderer)
    {
        if (LanguageError(lang) is { } error)
            return error;
        var source = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).GetRenderSourceForIssuer();
        if (source is null)
            return Problems.NotFound($"pass {passTypeIdentifier}/{serialNumber} does not exist");
        (CompiledPassTemplate Template, byte[] PassJson)? composed;
        try
        {
            composed = await renderer.ComposeAsync(source);
        }
        catch (PassValidationException e)
        {
            // Its download fails the same way; say why instead of drawing a pass nobody can get.
            return Results.Problem(detail: $"the pass cannot be composed from its template: {e.Message}", statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "the pass cannot be composed", extensions: new Dictionary<string, object?> { ["errors"] = Problems.ToFieldProblems(e.Problems) });
        }
        if (composed is not { } pass)
            return Problems.NotFound($"template {source.TemplateId} of pass {passTypeIdentifier}/{serialNumber} does not exist");
        var model = PassPreviewModel.Create(pass.Template.Model, pass.PassJson, lang, renderer.ValidationOptions);
        return new HtmlPage(PassPreviewPage.Render(model, "Pass preview", $"{passTypeIdentifier}/{serialNumber}"));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? LanguageError(string? lang) =>
        lang is null || LanguageShape().IsMatch(lang)
            ? null
            : Problems.Invalid("lang", "lang is a language code like 'de' or 'zh-Hans' (two lowercase letters, optionally '-' and 2–4 letters)");
}
