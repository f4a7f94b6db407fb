using Orleans.Storage;
using PassGrains.Grains;
using PassGrains.Grains.Storage;
using PassGrains.Server.Configuration;

namespace PassGrains.Server.Storage;

public static class StorageHosting
{
    /// <summary>Which silo this is (storage and clustering), checked now: the silo is built from it.</summary>
    public static SiloOptions AddSiloOptions(this WebApplicationBuilder builder) =>
        builder.AddSettingsNow<SiloOptions>(SiloOptions.Section);

    /// <summary>
    /// The co-hosted silo with its storage and clustering: a single node on SQLite, or a PostgreSQL cluster member.
    /// <paramref name="features"/> adds what other folders need of the silo (streams, the dashboard). Registered last,
    /// so that the silo starts after every other hosted service and stops before them.
    /// </summary>
    public static WebApplicationBuilder AddSilo(this WebApplicationBuilder builder, SiloOptions options, ServerLocation location, Action<ISiloBuilder> features)
    {
        // A grain whose state cannot be read (the database is down) fails its activation with Npgsql's exception inside;
        // Orleans serializes exceptions only of the namespaces it is told of, and any other makes the failure itself fail
        // to cross to the calling silo (CodecNotFoundException, a 500) instead of arriving as the storage failure it is (503).
        builder.Services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
        if (options.IsCluster)
            AddClusterSilo(builder, options, features);
        else
            AddSingleNodeSilo(builder, options, location.DataDirectory, features);
        return builder;
    }

    /// <summary>
    /// Single node: localhost clustering, grain state and reminders in one SQLite file (WAL). The silo listens on
    /// loopback only (UseLocalhostClustering advertises and binds 127.0.0.1), opens no client gateway (port 0: the
    /// front end uses the in-silo client), and its port speaks TLS with a key that never leaves this process, so
    /// not even another process on this machine can talk to it.
    /// </summary>
    private static void AddSingleNodeSilo(WebApplicationBuilder builder, SiloOptions options, string dataDirectory, Action<ISiloBuilder> features)
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
            // One writer at a time for the whole file (Storage/SqliteWriteGate.cs): grain state and reminders alike.
            silo.Services.AddSingleton<SqliteWriteGate>();
            silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>(StorageNames.Provider,
                (services, _) => new SingleWriterGrainStorage(services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(SqliteDatabase.StorageName),
                    services.GetRequiredService<SqliteWriteGate>()));
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = SqliteDatabase.Invariant;
                o.ConnectionString = connectionString;
            });
            SingleWriterReminderTable.Decorate(silo.Services);
            features(silo);
        });
    }

    /// <summary>
    /// Cluster: membership, grain state and reminders in PostgreSQL through Orleans' ADO.NET providers and our
    /// schema (applied at start unless PassGrains:Storage:MigrateOnStart is false). The connection pool is
    /// bounded (PassGrains:Storage:MaxPoolSize) so that silos × pool stays under max_connections. Silos admit
    /// each other by mutual TLS with the cluster certificate (PassGrains:Cluster:Certificate), and open no client gateway.
    /// </summary>
    private static void AddClusterSilo(WebApplicationBuilder builder, SiloOptions options, Action<ISiloBuilder> features)
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
            features(silo);
        });
    }
}
