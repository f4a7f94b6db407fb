using PassGrains.Server.Apis;
using PassGrains.Server.IssuerConsole;
using PassGrains.Server.Hosting;
using PassGrains.Server.Preview;

namespace PassGrains.Server;

/// <summary>Builds the web host with its co-hosted silo; tests start it the same way Program does.</summary>
public static class PassGrainsApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings*.json ship beside the assembly; the data directory stays relative to where it runs.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        builder.AddPassGrains();
        var app = builder.Build();
        app.UsePassGrains();
        app.MapOpenApi();
        app.MapWalletWebServiceApi();
        app.MapIssuerApi();
        app.MapDownloadApi();
        app.MapHealthApi();
        app.MapPreviewApi();
        app.MapConsoleApi();
        return app;
    }
}
