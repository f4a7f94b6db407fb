using PassGrains.Server.PassTypes;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json.Nodes;
using PassGrains.Abstractions;
using PassGrains.Server.Configuration;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;

namespace PassGrains.Server.Demo;

/// <summary>
/// Development only, with no pass type configured: a demo template and pass signed by the development
/// chain, and the commands to get a first pass, so a newcomer sees one working with one command.
/// </summary>
internal static partial class DemoSetup
{
    public const string TemplateId = "demo";
    public const string SerialNumber = "DEMO-0001";

    public static async Task RunAsync(IServiceProvider services, ILogger logger)
    {
        try
        {
            var grains = services.GetRequiredService<IGrainFactory>();
            var links = services.GetRequiredService<DownloadLinks>();
            var publicUrl = services.GetRequiredService<PublicUrl>();
            var template = grains.GetGrain<ITemplateGrain>(GrainKeys.Template(TemplateId));
            if (await template.GetCurrent() is null)
                await template.Put(DemoModelZip(), PassTypeRegistry.DevelopmentPassType);
            var pass = grains.GetGrain<IPassGrain>(GrainKeys.Pass(PassTypeRegistry.DevelopmentPassType, SerialNumber));
            await pass.Issue(new PassIssue(TemplateId, null, new PassContent("""{"member":"Demo Holder"}""", null)));
            LogDemo(logger, PassTypeRegistry.DevelopmentPassType, TemplateId, links.ForPass(PassTypeRegistry.DevelopmentPassType, SerialNumber), publicUrl.Value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogDemoFailed(logger, e);
        }
    }

    /// <summary>The generic sample model, with the development pass type and team.</summary>
    internal static byte[] DemoModelZip()
    {
        var assembly = Assembly.GetExecutingAssembly();
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("demo/", StringComparison.Ordinal)))
            {
                using var stream = assembly.GetManifestResourceStream(resource)!;
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                var bytes = buffer.ToArray();
                var name = resource["demo/".Length..];
                if (name == "pass.json")
                {
                    var json = JsonNode.Parse(bytes)!.AsObject();
                    json["passTypeIdentifier"] = PassTypeRegistry.DevelopmentPassType;
                    json["teamIdentifier"] = PassTypeRegistry.DevelopmentTeam;
                    json["organizationName"] = "PassGrains Demo";
                    bytes = System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
                }
                var entry = zip.CreateEntry(name);
                using var target = entry.Open();
                target.Write(bytes);
            }
        }
        return output.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = """
        Development mode: no pass type is configured, so PassGrains made a development signing chain for {PassType}
        (data directory, dev-certs/) and a demo template '{TemplateId}'. Devices do not trust this chain.
          Download the demo pass:  curl -o demo.pkpass '{DownloadUrl}'
          Verify it:               dotnet run --project src/PassGrains.Cli -- pass verify demo.pkpass --wwdr data/dev-certs/wwdr.pem --allow-http
          Issue one (API key from appsettings.Development.json):
            curl -X POST {PublicUrl}api/passes -H 'Authorization: Bearer dev-issuer-key-change-me' -H 'Content-Type: application/json' -d '{{"templateId":"demo","fields":{{"member":"Jane Doe"}}}}'
        """)]
    private static partial void LogDemo(ILogger logger, string passType, string templateId, string downloadUrl, Uri publicUrl);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not set up the demo pass")]
    private static partial void LogDemoFailed(ILogger logger, Exception exception);
}
