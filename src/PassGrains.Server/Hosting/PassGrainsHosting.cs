using PassGrains.Server.PassTypes;
using PassGrains.Server.DeviceLogs;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.Storage;
using PassGrains.Grains;
using PassGrains.Grains.Storage;
using PassGrains.Server.Apis;
using PassGrains.Server.Demo;
using PassGrains.Server.Issuing;
using PassGrains.Server.Pushes;
using PassGrains.Server.Webhooks;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;
using PassGrains.Server.Storage;
using PassGrains.Server.Telemetry;

namespace PassGrains.Server.Hosting;

public static class PassGrainsHosting
{
    /// <summary>Options, signing, storage and the co-hosted silo.</summary>
    public static WebApplicationBuilder AddPassGrains(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(PassGrainsOptions.Section);
        builder.Services.AddOptions<PassGrainsOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();

        // Read once here too: storage and signing must exist before the silo starts.
        var options = section.Get<PassGrainsOptions>() ?? new PassGrainsOptions();
        var problems = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), problems, validateAllProperties: true))
            throw new OptionsValidationException(PassGrainsOptions.Section, typeof(PassGrainsOptions), problems.Select(p => p.ErrorMessage ?? "invalid"));

        var (issuerKeys, keyProblems) = IssuerKeyConfiguration.Read(section.GetSection("IssuerApiKeys"));
        if (keyProblems.Count > 0)
            throw new OptionsValidationException(IssuerKeyConfiguration.Path, typeof(IssuerApiKeys), keyProblems);

        var dataDirectory = Path.GetFullPath(options.DataDirectory, Environment.CurrentDirectory);
        Directory.CreateDirectory(dataDirectory);
        var secret = SecretKeyFile.LoadOrCreate(options.SecretKey, options.SecretKeyFile, dataDirectory);
        var publicUrl = PublicUrl.Resolve(options.PublicUrl, builder.Environment);

        var passTypes = PassTypeRegistry.Create(options.PassTypes, builder.Environment.IsDevelopment(), dataDirectory);
        builder.Services.AddSingleton(passTypes);
        builder.Services.AddSingleton(publicUrl);
        builder.Services.AddSingleton(new PassTokens(secret.TokenKey));
        builder.Services.AddSingleton(new DownloadLinks(secret.LinkKey, publicUrl, options.DownloadLinkLifetime, TimeProvider.System));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PassRenderer>();
        builder.Services.AddSingleton<DeviceLogStore>();
        builder.Services.AddSingleton<NewPassWriter>();
        builder.Services.AddSingleton<PassIssuer>();
        builder.Services.AddSingleton<PassPersonalization>();
        builder.AddPassGrainsRateLimits();
        var apns = builder.Configuration.GetSection(ApnsSettings.Section).Get<ApnsSettings>() ?? new ApnsSettings();
        if (!Uri.TryCreate(apns.Endpoint, UriKind.Absolute, out var apnsEndpoint) || apnsEndpoint.Scheme != Uri.UriSchemeHttps)
            throw new OptionsValidationException(ApnsSettings.Section, typeof(ApnsSettings), [$"PassGrains:Apns:Endpoint '{apns.Endpoint}' must be an https URL"]);
        if (apns.MaxConnections is < 1 or > 64 || apns.RetryDeadline <= TimeSpan.Zero)
            throw new OptionsValidationException(ApnsSettings.Section, typeof(ApnsSettings), ["PassGrains:Apns:MaxConnections must be 1–64 and :RetryDeadline positive"]);
        if (apns.TrustedCaPath is { } caPath && !File.Exists(caPath))
            throw new OptionsValidationException(ApnsSettings.Section, typeof(ApnsSettings), [$"PassGrains:Apns:TrustedCaPath '{caPath}' does not exist"]);
        string?[] tokenParts = [apns.KeyId, apns.TeamId, apns.KeyPath];
        if (tokenParts.Any(p => p is not null) && tokenParts.Any(p => p is null))
            throw new OptionsValidationException(ApnsSettings.Section, typeof(ApnsSettings), ["PassGrains:Apns:KeyId, :TeamId and :KeyPath go together (token authentication with a .p8 key)"]);
        if (apns.KeyPath is { } p8 && !File.Exists(p8))
            throw new OptionsValidationException(ApnsSettings.Section, typeof(ApnsSettings), [$"PassGrains:Apns:KeyPath '{p8}' does not exist"]);
        builder.Services.AddSingleton(apns);
        builder.Services.AddSingleton<ApnsClients>();
        builder.Services.AddSingleton<PushAlarms>();
        builder.Services.AddSingleton<PushMetrics>();
        builder.Services.AddSingleton<Telemetry.PassGrainsMetrics>();
        builder.Services.AddSingleton<PushDispatcher>();
        builder.Services.AddSingleton<IPushDispatcher>(sp => sp.GetRequiredService<PushDispatcher>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PushDispatcher>());
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, PushDrainOnShutdown>();
        builder.Services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // The sender bounds every attempt itself (WebhookOptions.AttemptTimeout) and logs failures by webhook name; the
        // factory's request logs would print URLs, whose query may carry a receiver's token. The handler vets every address it connects to.
        builder.Services.AddHttpClient(nameof(WebhookSender), client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookAddresses.CreateHandler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value))
            .RemoveAllLoggers();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<IWebhookSender>(sp => sp.GetRequiredService<WebhookSender>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookSender>());
        builder.Services.AddSingleton<ILifecycleEvents, StreamLifecycleEvents>();
        builder.Services.AddSingleton<WebhookSubscriptions>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookSubscriptions>());
        builder.Services.AddSingleton(sp => new BatchJobs(sp.GetRequiredService<IGrainFactory>(), dataDirectory, sp.GetRequiredService<Telemetry.PassGrainsMetrics>(), sp.GetRequiredService<ILogger<BatchJobs>>()));
        builder.Services.AddSingleton<IBatchChunkIssuer, BatchChunkIssuer>();
        builder.Services.AddHostedService<BatchJobResumer>();
        builder.Services.AddSingleton(new IssuerApiKeys(issuerKeys));
        builder.Services.AddSingleton(new OperatorApiKeys(options.OperatorApiKeys));
        builder.AddPassGrainsTelemetry();
        builder.Services.AddHostedService<StartupReport>();
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();

        if (options.Storage.Provider == "Postgres")
            AddPostgresSilo(builder, options);
        else
            AddSqliteSilo(builder, options, dataDirectory);
        return builder;
    }

    /// <summary>
    /// Single node: localhost clustering, grain state and reminders in one SQLite file (WAL). The silo listens on
    /// loopback only (UseLocalhostClustering advertises and binds 127.0.0.1), opens no client gateway (port 0: the
    /// front end uses the in-silo client), and its port speaks TLS with a key that never leaves this process, so
    /// not even another process on this machine can talk to it.
    /// </summary>
    private static void AddSqliteSilo(WebApplicationBuilder builder, PassGrainsOptions options, string dataDirectory)
    {
        var connectionString = SqliteDatabase.ConnectionString(dataDirectory);
        SqliteDatabase.Migrate(connectionString);
        var tls = ClusterCertificate.ForThisProcessOnly();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(options.Cluster.SiloPort, gatewayPort: 0, serviceId: options.Cluster.ServiceId, clusterId: options.Cluster.ClusterId);
            tls.Apply(silo);
            silo.AddAdoNetGrainStorage(SqliteDatabase.StorageName, o =>
            {
                o.Invariant = SqliteDatabase.Invariant;
                o.ConnectionString = connectionString;
                o.GrainStorageSerializer = new JsonGrainStateSerializer();
            });
            silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>(StorageNames.Provider,
                (services, _) => new SingleWriterGrainStorage(services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(SqliteDatabase.StorageName)));
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = SqliteDatabase.Invariant;
                o.ConnectionString = connectionString;
            });
            AddSiloFeatures(silo, options);
        });
    }

    /// <summary>
    /// Cluster: membership, grain state and reminders in PostgreSQL through Orleans' ADO.NET providers and our
    /// schema (applied at start unless PassGrains:Storage:MigrateOnStart is false). The connection pool is
    /// bounded (PassGrains:Storage:MaxPoolSize) so that silos × pool stays under max_connections. Silos admit
    /// each other by mutual TLS with the cluster certificate (PassGrains:Cluster:Certificate), and open no client gateway.
    /// </summary>
    private static void AddPostgresSilo(WebApplicationBuilder builder, PassGrainsOptions options)
    {
        // Loaded now, so that a wrong file or password stops the start with the setting's name.
        var tls = options.Cluster.Certificate.Path is null ? null : ClusterCertificate.Load(options.Cluster.Certificate);
        builder.Services.AddSingleton(new ClusterSecurity(tls?.Description));
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(options.Storage.ConnectionString)
        {
            MaxPoolSize = options.Storage.MaxPoolSize,
            // Orleans' providers run a handful of fixed statements and never change session state: keep the
            // server-side prepared statements across pooled opens instead of DISCARD ALL before every use.
            NoResetOnClose = true,
            MaxAutoPrepare = 32,
            AutoPrepareMinUsages = 2,
        }.ConnectionString;
        if (options.Storage.MigrateOnStart)
            builder.Services.AddHostedService(_ => new PostgresMigration(connectionString)); // registered before the silo, so it runs first
        builder.UseOrleans(silo =>
        {
            silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = options.Cluster.ClusterId;
                o.ServiceId = options.Cluster.ServiceId;
            });
            // Without an advertised address Orleans advertises this host's non-loopback address (the container's IP).
            if (options.Cluster.AdvertisedAddress is { } address)
                silo.ConfigureEndpoints(System.Net.IPAddress.Parse(address), options.Cluster.SiloPort, gatewayPort: 0, listenOnAnyHostAddress: true);
            else
                silo.ConfigureEndpoints(options.Cluster.SiloPort, gatewayPort: 0, listenOnAnyHostAddress: true);
            // listenOnAnyHostAddress also sets a gateway listening endpoint (any address, port 0), which some Orleans
            // versions bind to an ephemeral port: clear it, so that no gateway listens at all.
            silo.Configure<Orleans.Configuration.EndpointOptions>(o => o.GatewayListeningEndpoint = null);
            tls?.Apply(silo);
            // Declare a dead silo within a few seconds (Orleans' defaults take 15+), so its grains move on quickly.
            silo.Configure<Orleans.Configuration.ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = options.Cluster.ProbeTimeout;
                o.NumMissedProbesLimit = 2;
            });
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = PassGrains.Storage.PostgresSchema.Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(StorageNames.Provider, o =>
            {
                o.Invariant = PassGrains.Storage.PostgresSchema.Invariant;
                o.ConnectionString = connectionString;
                o.GrainStorageSerializer = new JsonGrainStateSerializer();
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = PassGrains.Storage.PostgresSchema.Invariant;
                o.ConnectionString = connectionString;
            });
            AddSiloFeatures(silo, options);
        });
    }

    /// <summary>
    /// Lifecycle events for webhooks (memory streams, one implicit subscriber grain per pass type), and the dashboard's
    /// grains when an operator key can open it: its grain-call filter costs about a tenth of a device request's CPU.
    /// </summary>
    private static void AddSiloFeatures(ISiloBuilder silo, PassGrainsOptions options)
    {
        if (options.OperatorApiKeys.Count > 0)
            silo.AddDashboard();
        silo.AddMemoryStreams(Abstractions.LifecycleEvent.StreamProvider);
        silo.AddMemoryGrainStorage("PubSubStore");
    }

    public static WebApplication UsePassGrainsStartup(this WebApplication app)
    {
        // Wallet and issuer clients honour Retry-After; failover takes a few seconds (ClusterOptions.ProbeTimeout × 2).
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable && !context.Response.Headers.ContainsKey("Retry-After"))
                    context.Response.Headers.RetryAfter = "2";
                return Task.CompletedTask;
            });
            return next(context);
        });
        // A grain on a silo that just died answers once membership has moved it: tell clients to retry, not that we failed.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException
                ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
        });
        app.Use(ClientFaults.InvokeAsync);
        app.UseStatusCodePages();
        app.UsePassGrainsRateLimits();
        return app;
    }
}
