using Microsoft.Extensions.Options;
using PassGrains.Grains;
using PassGrains.Server.Configuration;

namespace PassGrains.Server.Security;

public static class SecurityHosting
{
    /// <summary>The secret, operator keys and issuer keys, checked now: a mistyped scope must never widen a key, so any problem stops the build.</summary>
    public static SecurityOptions AddSecurityOptions(this WebApplicationBuilder builder)
    {
        var options = builder.AddSettingsNow<SecurityOptions>(SecurityOptions.Section);
        var (issuerKeys, problems) = IssuerKeyConfiguration.Read(builder.Configuration.GetSection(IssuerKeyConfiguration.Path));
        if (problems.Count > 0)
            throw new OptionsValidationException(IssuerKeyConfiguration.Path, typeof(IssuerApiKeys), problems);
        builder.Services.AddSingleton(new IssuerApiKeys(issuerKeys));
        builder.Services.AddSingleton(new OperatorApiKeys(options.OperatorApiKeys));
        return options;
    }

    /// <summary>Who may do what: the server secret (generated into the data directory on a single node), pass tokens, download links, operator access, rate limits.</summary>
    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder, SecurityOptions options, ServerLocation location)
    {
        var secret = SecretKeyFile.LoadOrCreate(options.SecretKey, options.SecretKeyFile, location.DataDirectory);
        builder.Services.AddSingleton(new PassTokens(secret.TokenKey));
        builder.Services.AddSingleton(new DownloadLinks(secret.LinkKey, location.PublicUrl, options.DownloadLinkLifetime, TimeProvider.System));
        builder.Services.AddSingleton<OperatorAccess>();
        builder.AddPassGrainsRateLimits();
        return builder;
    }

    /// <summary>Rate limits, then the operator surfaces' keys (before Telemetry's /metrics and /dashboard).</summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UsePassGrainsRateLimits();
        app.Use(app.Services.GetRequiredService<OperatorAccess>().InvokeAsync);
        return app;
    }
}
