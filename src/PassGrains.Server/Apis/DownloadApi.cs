using PassGrains.Server.Http;
using PassGrains.Abstractions;
using PassGrains.Packaging.Building;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;
using PassGrains.Server.Stats;

namespace PassGrains.Server.Apis;

/// <summary>Signed, expiring download links (no API key): one .pkpass, or a .pkpasses bundle of up to 10 passes.</summary>
public static class DownloadApi
{
    public static IEndpointRouteBuilder MapDownloadApi(this IEndpointRouteBuilder app)
    {
        var downloads = app.MapGroup("/download").WithTags("Downloads").ExcludeFromDescription();
        downloads.MapGet("/{passTypeIdentifier}/{serialNumber}", DownloadPass);
        downloads.MapGet("/{passTypeIdentifier}", DownloadBundle);
        return app;
    }

    private static async Task<IResult> DownloadPass(string passTypeIdentifier, string serialNumber, string? expires, string? sig,
        DownloadLinks links, IGrainFactory grains, PassRenderer renderer, StatsTally tally, HttpResponse response)
    {
        if (!links.IsValid($"{passTypeIdentifier}/{serialNumber}", expires, sig))
            return Problems.NotFound("this download link is invalid or has expired; ask the issuer for a new one");
        var source = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).GetRenderSourceForIssuer();
        if (source is null)
            return Problems.NotFound("this pass does not exist");
        SignedPass pass;
        try
        {
            pass = await renderer.RenderAsync(source);
        }
        catch (PassRenderException)
        {
            return RenderFailed(response);
        }
        tally.Downloaded(source);
        return new PassFileResult(pass, source.Stamp.LastModified, PassBundle.FileName(serialNumber));
    }

    private static async Task<IResult> DownloadBundle(string passTypeIdentifier, string? serials, string? expires, string? sig,
        DownloadLinks links, IGrainFactory grains, PassRenderer renderer, StatsTally tally, HttpResponse response)
    {
        var list = (serials ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (list.Length is 0 or > PassBundle.MaxPasses || !links.IsValid($"{passTypeIdentifier}/{string.Join(',', list)}", expires, sig))
            return Problems.NotFound("this download link is invalid or has expired; ask the issuer for a new one");
        var passes = new List<SignedPass>();
        var sources = new List<PassRenderSource>();
        foreach (var serial in list)
        {
            var source = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serial)).GetRenderSourceForIssuer();
            if (source is null)
                return Problems.NotFound($"pass {serial} does not exist");
            sources.Add(source);
            try
            {
                passes.Add(await renderer.RenderAsync(source));
            }
            catch (PassRenderException)
            {
                return RenderFailed(response);
            }
        }
        foreach (var source in sources)
            tally.Downloaded(source);
        return Results.File(PassBundle.Create(passes), PassBundle.MediaType, $"{passTypeIdentifier}.pkpasses");
    }

    /// <summary>Logged and counted by the renderer; the holder is told to come back, not that the server broke.</summary>
    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult RenderFailed(HttpResponse response)
    {
        response.Headers.RetryAfter = PassRenderException.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Unavailable("the pass cannot be rendered right now; try again later");
    }
}
