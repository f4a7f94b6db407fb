using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orleans.Runtime;
using Orleans.TestingHost;
using PassGrains.Abstractions;
using PassGrains.Grains.Storage;
using PassGrains.Storage;

namespace PassGrains.Grains.Tests.Postgres;

/// <summary>
/// What one test shares with the silos of its cluster. TestCluster builds silos from configurator types
/// (it instantiates them itself), so the test registers its run here and passes the key in configuration.
/// </summary>
public sealed class PostgresRun
{
    public const string ConfigurationKey = "PassGrainsTests:PostgresRun";

    private static readonly ConcurrentDictionary<string, PostgresRun> Runs = new(StringComparer.Ordinal);

    private PostgresRun(string id, string connectionString, PassTokens tokens)
    {
        Id = id;
        ConnectionString = connectionString;
        Tokens = tokens;
    }

    public string Id { get; }

    public string ConnectionString { get; }

    public PassTokens Tokens { get; }

    public PushLedger Pushes { get; } = new();

    /// <summary>Every run of a schedule's change, on whichever silo of the run's cluster.</summary>
    public ScheduleRunLedger Schedules { get; } = new();

    /// <summary>The gateways the run's client is connected to.</summary>
    public ClientGateways Gateways { get; } = new();

    /// <summary>The certificate the run's silos and client authenticate each other with (mutual TLS), as production silos do.</summary>
    public X509Certificate2 ClusterCertificate { get; } = CreateClusterCertificate();

    /// <summary>Mutual TLS that admits only peers presenting <see cref="ClusterCertificate"/> itself.</summary>
    public void RequireClusterCertificate(TlsOptions tls)
    {
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.RemoteCertificateValidation = (peer, _, _) => peer.RawDataMemory.Span.SequenceEqual(ClusterCertificate.RawDataMemory.Span);
    }

    private static X509Certificate2 CreateClusterCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=PassGrains test cluster", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }

    public static PostgresRun Register(string connectionString, PassTokens tokens)
    {
        var run = new PostgresRun(Guid.NewGuid().ToString("N"), connectionString, tokens);
        Runs[run.Id] = run;
        return run;
    }

    public static void Unregister(PostgresRun run) => Runs.TryRemove(run.Id, out _);

    public static PostgresRun From(IConfiguration configuration) =>
        configuration[ConfigurationKey] is { } id && Runs.TryGetValue(id, out var run)
            ? run
            : throw new InvalidOperationException($"no PostgreSQL test run registered under {ConfigurationKey}");
}

/// <summary>
/// A silo as AddPostgresSilo configures it (mutual TLS with a cluster certificate; clustering, storage, reminders on
/// PostgreSQL), with the test's push ledger for APNs. Unlike production it keeps TestCluster's gateway, which the test's client needs.
/// </summary>
public sealed class PostgresSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        var run = PostgresRun.From(siloBuilder.Configuration);
        siloBuilder.UseTls(run.ClusterCertificate, run.RequireClusterCertificate);
        // The production values (PassGrains:Cluster:ProbeTimeout defaults to 2 s): a killed silo is declared dead within seconds.
        siloBuilder.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
        });
        siloBuilder.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresSchema.Invariant;
            o.ConnectionString = run.ConnectionString;
        });
        siloBuilder.AddAdoNetGrainStorage(StorageNames.Provider, o =>
        {
            o.Invariant = PostgresSchema.Invariant;
            o.ConnectionString = run.ConnectionString;
            o.GrainStorageSerializer = new JsonGrainStateSerializer();
        });
        siloBuilder.UseAdoNetReminderService(o =>
        {
            o.Invariant = PostgresSchema.Invariant;
            o.ConnectionString = run.ConnectionString;
        });
        siloBuilder.Services.AddSingleton(run.Tokens);
        siloBuilder.Services.AddSingleton(TimeProvider.System);
        // One dispatcher per silo, as in production, so the ledger knows which silo sent what.
        siloBuilder.Services.AddSingleton<IPushDispatcher>(services => new LedgerPushDispatcher(
            run.Pushes, services.GetRequiredService<ILocalSiloDetails>().SiloAddress, services.GetRequiredService<IGrainFactory>()));
        // One runner per silo too, recording where each schedule's change ran.
        siloBuilder.Services.AddSingleton<IScheduledChangeRunner>(services => new LedgerScheduledChangeRunner(
            run.Schedules, services.GetRequiredService<ILocalSiloDetails>().SiloAddress));
    }
}

/// <summary>The test's client finds the silos' gateways in the PostgreSQL membership table.</summary>
public sealed class PostgresClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
    {
        var run = PostgresRun.From(configuration);
        // The gateways speak the silos' mutual TLS, so the client presents the cluster certificate too.
        clientBuilder.UseTls(run.ClusterCertificate, run.RequireClusterCertificate);
        clientBuilder.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresSchema.Invariant;
            o.ConnectionString = run.ConnectionString;
        });
        // A silo that TestCluster kills stays in the process with its connections open (nothing resets them as the operating
        // system does a dead process's sockets), so the client drops its gateway only when the gateway list it reads from
        // PostgreSQL no longer has it. Read every second rather than every minute (the default), that follows membership
        // declaring the silo dead within a second. Production has no such client: the API runs inside each silo.
        clientBuilder.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        clientBuilder.AddGatewayCountChangedHandler((_, e) => run.Gateways.Changed(e.NumberOfConnectedGateways));
    }
}

/// <summary>How many gateways the test's client is connected to, and a wait for that number to come down.</summary>
public sealed class ClientGateways
{
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiting = [];
    private int _connected;

    public void Changed(int connected)
    {
        lock (_lock)
        {
            _connected = connected;
            foreach (var waiter in _waiting.Where(w => _connected <= w.Count).ToList())
            {
                waiter.Reached.SetResult();
                _waiting.Remove(waiter);
            }
        }
    }

    /// <summary>Completes once the client is connected to at most <paramref name="count"/> gateways (at once if it is).</summary>
    public Task AtMost(int count)
    {
        lock (_lock)
        {
            if (_connected <= count)
                return Task.CompletedTask;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((count, waiter));
            return waiter.Task;
        }
    }
}

/// <summary>The silo that was sending when its fan-out was held, and is then killed: it never gets to send anything more.</summary>
public sealed class SiloKilledException(SiloAddress silo) : Exception($"silo {silo} was killed");

/// <summary>
/// Stands in for APNs across the whole cluster: records every push token sent, per silo, and can hold a
/// fan-out part way (after <see cref="HoldAfter"/> distinct tokens) so that a test kills the sending silo
/// at a known point instead of racing it. Sends from a silo marked dead fail and are not recorded: a
/// killed process delivers nothing.
/// </summary>
public sealed class PushLedger
{
    private readonly ConcurrentDictionary<string, int> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SiloAddress, int> _bySilo = new();
    private readonly ConcurrentDictionary<SiloAddress, bool> _dead = new();
    private readonly ConcurrentDictionary<string, bool> _passTypes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<SiloAddress> _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _holdAfter = int.MaxValue;
    private long _sends;

    /// <summary>Sends are held once this many distinct tokens were pushed, until <see cref="ReleaseAfterKill"/>.</summary>
    public int HoldAfter
    {
        get => Volatile.Read(ref _holdAfter);
        set => Volatile.Write(ref _holdAfter, value);
    }

    /// <summary>Completes with the silo of the first send that was held.</summary>
    public Task<SiloAddress> Held => _held.Task;

    public int DistinctTokens => _tokens.Count;

    public long Sends => Interlocked.Read(ref _sends);

    public IReadOnlyCollection<string> PassTypes => _passTypes.Keys.ToList();

    public bool WasPushed(string token) => _tokens.ContainsKey(token);

    public int TimesPushed(string token) => _tokens.GetValueOrDefault(token);

    public IReadOnlyDictionary<SiloAddress, int> BySilo => new Dictionary<SiloAddress, int>(_bySilo);

    /// <summary>Marks the killed silo, stops holding, and lets held sends go on (those of the killed silo fail).</summary>
    public void ReleaseAfterKill(SiloAddress killed)
    {
        _dead[killed] = true;
        HoldAfter = int.MaxValue;
        _release.TrySetResult();
    }

    public async Task SendAsync(SiloAddress silo, string passTypeIdentifier, IReadOnlyList<PushTarget> targets)
    {
        if (_dead.ContainsKey(silo))
            throw new SiloKilledException(silo);
        if (_tokens.Count >= HoldAfter)
        {
            _held.TrySetResult(silo);
            await _release.Task.ConfigureAwait(false);
            if (_dead.ContainsKey(silo))
                throw new SiloKilledException(silo);
        }
        Interlocked.Increment(ref _sends);
        _passTypes.TryAdd(passTypeIdentifier, true);
        foreach (var target in targets)
            _tokens.AddOrUpdate(target.PushToken, 1, (_, count) => count + 1);
        _bySilo.AddOrUpdate(silo, targets.Count, (_, count) => count + targets.Count);
    }
}

/// <summary>
/// The silo's push dispatcher for the test: delivers through the ledger and answers like the real
/// PushDispatcher: <see cref="SendAsync"/> returns every target's outcome to the caller (the group
/// fan-out), and <see cref="Enqueue"/> reports to the pass grain, whose pushes stay owed when that fails.
/// </summary>
public sealed class LedgerPushDispatcher(PushLedger ledger, SiloAddress silo, IGrainFactory grains) : IPushDispatcher
{
    public async Task<IReadOnlyList<PushReport>> SendAsync(string passTypeIdentifier, IReadOnlyList<PushTarget> targets)
    {
        await ledger.SendAsync(silo, passTypeIdentifier, targets).ConfigureAwait(false);
        return targets.Select(t => new PushReport(t.DeviceLibraryIdentifier, t.PushToken, PushOutcome.Delivered)).ToList();
    }

    public void Enqueue(string passTypeIdentifier, string serialNumber, IReadOnlyList<PushTarget> targets) =>
        _ = ReportToPass(passTypeIdentifier, serialNumber, targets);

    private async Task ReportToPass(string passTypeIdentifier, string serialNumber, IReadOnlyList<PushTarget> targets)
    {
        try
        {
            var reports = await SendAsync(passTypeIdentifier, targets).ConfigureAwait(false);
            await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).ReportPushes(reports).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException or SiloKilledException)
        {
            // As in production: the pushes stay owed in the pass's state and its reminder sends them again.
        }
    }
}
