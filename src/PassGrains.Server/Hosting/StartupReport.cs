using Microsoft.Extensions.Options;
using PassGrains.Server.Configuration;
using PassGrains.Server.PassTypes;
using PassGrains.Server.Security;
using PassGrains.Server.Storage;

namespace PassGrains.Server.Hosting;

/// <summary>Says at start-up what an operator must know: refusing issuer API, http URL, expiring certificates, insecure silo connections.</summary>
internal sealed partial class StartupReport(
    IOptions<PassGrainsOptions> options,
    PublicUrl publicUrl,
    PassTypeRegistry passTypes,
    IssuerApiKeys apiKeys,
    IServiceProvider services,
    ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!apiKeys.Any)
            LogNoApiKeys(logger);
        if (publicUrl.IsHttp)
            LogHttpPublicUrl(logger, publicUrl.Value);
        foreach (var type in passTypes.All)
        {
            foreach (var warning in type.Signer.Warnings)
                LogCertificateWarning(logger, type.Identifier, warning);
        }
        if (services.GetService<ClusterSecurity>() is { } cluster)
        {
            if (cluster.Tls is { } tls)
                LogClusterTls(logger, tls);
            else
                LogClusterInsecure(logger);
        }
        _ = options.Value; // validated at start
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No PassGrains:IssuerApiKeys are configured: the issuer API (/api/) refuses every request until one is set")]
    private static partial void LogNoApiKeys(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PassGrains:PublicUrl {Url} uses http: only development devices with 'Allow HTTP Services' on will talk to it")]
    private static partial void LogHttpPublicUrl(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo connections use mutual TLS: {Admission}")]
    private static partial void LogClusterTls(ILogger logger, string admission);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PassGrains:Cluster:AllowInsecure=true: silo connections are neither encrypted nor authenticated, and anyone who reaches the silo port can join this cluster")]
    private static partial void LogClusterInsecure(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pass type {PassType}: {Warning}")]
    private static partial void LogCertificateWarning(ILogger logger, string passType, string warning);
}
