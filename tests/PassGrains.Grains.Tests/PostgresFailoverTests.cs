using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Orleans.Runtime;
using Orleans.TestingHost;
using PassGrains.Abstractions;
using PassGrains.Grains.Tests.Postgres;
using static PassGrains.Grains.Tests.Postgres.SiloLossRetry;
using Xunit.Abstractions;

namespace PassGrains.Grains.Tests;

/// <summary>
/// The failover test keeps a small machine busy for minutes; run alongside, the other tests' silo-death
/// timing (seconds) would stretch past their deadlines. This collection runs on its own, after the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresFailoverGroup
{
    public const string Name = "postgres-failover";
}

/// <summary>
/// Three silos on PostgreSQL (ADO.NET clustering, grain storage and reminders, the production schema) and a
/// group change of 10,000 passes with a registered device each. The silo running the fan-out is killed part
/// way: every pass still ends at the new version, every device is pushed, no registration is lost, and the
/// killed silo rejoins.
/// </summary>
[Collection(PostgresFailoverGroup.Name)]
public sealed class PostgresFailoverTests(ITestOutputHelper output)
{
    private const int PassCount = 10_000;
    private const int Parallelism = 64;
    private const string PassType = "pass.com.example.failover";
    private const string TemplateId = "failover";

    /// <summary>
    /// A fan-out whose silo died starts again on another silo at the group's next watchdog nudge (every 5 s)
    /// once membership has declared the silo dead (seconds); the group's reminder, first firing a minute after
    /// the change, is only the durable fallback. Under 45 s leaves room for a slow machine, and proves the
    /// fan-out did not wait for the reminder.
    /// </summary>
    private static readonly TimeSpan FailoverDeadline = TimeSpan.FromSeconds(45);

    private static string Serial(int i) => string.Create(CultureInfo.InvariantCulture, $"seat-{i:D5}");

    private static string DeviceId(int i) => string.Create(CultureInfo.InvariantCulture, $"phone-{i:D5}");

    private static string PushToken(int i) => string.Create(CultureInfo.InvariantCulture, $"apns-token-{i:D5}");

    private static IPassGrain Pass(IClusterClient client, int i) => client.GetGrain<IPassGrain>(GrainKeys.Pass(PassType, Serial(i)));

    private static IDeviceGrain Device(IClusterClient client, int i) => client.GetGrain<IDeviceGrain>(GrainKeys.Device(DeviceId(i)));

    [PostgresFact]
    public async Task A_silo_killed_during_a_group_change_of_10000_passes_loses_no_push_and_no_registration_and_rejoins()
    {
        var total = Stopwatch.StartNew();
        await using var database = await PostgresTestDatabase.CreateAsync(maxPoolSize: 40);
        var run = PostgresRun.Register(database.ConnectionString, new PassTokens(RandomNumberGenerator.GetBytes(32)));
        try
        {
            var builder = new TestClusterBuilder(3);
            // The test membership would replace ADO.NET clustering; the silos and the client read PostgreSQL instead.
            builder.Options.UseTestClusterMembership = false;
            builder.Options.ConfigureFileLogging = false;
            builder.Properties[PostgresRun.ConfigurationKey] = run.Id;
            builder.AddSiloBuilderConfigurator<PostgresSiloConfigurator>();
            builder.AddClientBuilderConfigurator<PostgresClientConfigurator>();
            await using var cluster = builder.Build();
            await cluster.DeployAsync();
            await GroupChangeSurvivesAKilledSilo(cluster, database, run);
        }
        finally
        {
            PostgresRun.Unregister(run);
            output.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s");
        }
    }

    private async Task GroupChangeSurvivesAKilledSilo(TestCluster cluster, PostgresTestDatabase database, PostgresRun run)
    {
        var pushes = run.Pushes;
        var client = cluster.Client;
        var management = client.GetGrain<IManagementGrain>(0);
        Assert.Equal(3, (await management.GetHosts(onlyActive: true)).Count);
        // Without the test membership TestCluster names no Primary (every silo joins through PostgreSQL); the first
        // silo, which would be the Primary, is kept alive anyway, and another one is killed.
        var silos = cluster.Silos.OrderBy(s => s.InstanceNumber).ToList();
        Assert.Equal(3, silos.Count);
        var primary = cluster.Primary ?? silos[0];
        var victim = silos.First(s => s != primary);

        var groupId = $"final-{Guid.NewGuid():N}";
        var group = client.GetGrain<IGroupGrain>(GrainKeys.Group(groupId));
        await client.GetGrain<ITemplateGrain>(GrainKeys.Template(TemplateId)).Put([0x50, 0x4b], PassType);
        Assert.True((await group.Put(new GroupPut(TemplateId, new PassContent("""{"gate":"7","event":"Final"}""", null)))).Created);

        // 10,000 passes of the group, each with its own device, through the grains as the API issues and Wallet registers.
        var issuedTags = new long[PassCount];
        var setup = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, PassCount), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            var pass = Pass(client, i);
            var seat = string.Create(CultureInfo.InvariantCulture, $$"""{"seat":"{{i}}"}""");
            Assert.Equal(PassIssueStatus.Created, (await pass.Issue(new PassIssue(TemplateId, groupId, new PassContent(seat, null)))).Status);
            var source = await pass.GetRenderSourceForIssuer() ?? throw new InvalidOperationException($"{Serial(i)} has no render source after issue");
            issuedTags[i] = source.Stamp.Tag;
            Assert.Equal(RegistrationStatus.Created, await pass.Register(DeviceId(i), PushToken(i), source.AuthenticationToken));
        });
        output.WriteLine($"issued and registered {PassCount} passes in {setup.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, pushes.DistinctTokens); // registering pushes nothing, so every push below is the group change's
        var before = await group.GetSnapshot() ?? throw new InvalidOperationException("the group is gone");

        // Placement is the cluster's choice; pin the fan-out to the silo that will die and the group to one that
        // survives, so every run kills the fan-out mid-way and recovery has to come from the group itself.
        var fanOut = client.GetGrain<IGroupPushGrain>(GrainKeys.Group(groupId));
        await ClusterPlacement.PinAsync(cluster, group, primary.SiloAddress);
        await ClusterPlacement.PinAsync(cluster, fanOut, victim.SiloAddress);

        // Hold the fan-out once a quarter of the devices were pushed: the kill lands mid fan-out, not before or after it.
        pushes.HoldAfter = PassCount / 4;
        var changed = await group.Put(new GroupPut(null, new PassContent("""{"gate":"9"}""", null)));
        Assert.False(changed.Created);
        Assert.Equal(before.Version + 1, changed.Version);
        var heldOn = await pushes.Held.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(victim.SiloAddress, heldOn);
        var pushedBeforeKill = pushes.DistinctTokens;
        Assert.InRange(pushedBeforeKill, 1, PassCount - 1);
        // What owes the rest of the fan-out after the crash: the group's re-drive reminder, in PostgreSQL.
        Assert.Equal(1, await database.CountRemindersAsync(GroupGrain.PushesReminder));

        await cluster.KillSiloAsync(victim);
        pushes.ReleaseAfterKill(victim.SiloAddress);
        var failover = Stopwatch.StartNew();
        output.WriteLine($"killed {victim.SiloAddress} after {pushedBeforeKill} of {PassCount} devices were pushed");

        var deadline = DateTime.UtcNow + FailoverDeadline;
        while (pushes.DistinctTokens < PassCount && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        var unpushed = Enumerable.Range(0, PassCount).Where(i => !pushes.WasPushed(PushToken(i))).ToList();
        var twice = Enumerable.Range(0, PassCount).Count(i => pushes.TimesPushed(PushToken(i)) > 1);
        output.WriteLine($"{PassCount - unpushed.Count} devices pushed {failover.Elapsed.TotalSeconds:F1} s after the kill; " +
            $"{twice} of them more than once; sent per silo: {string.Join(", ", pushes.BySilo.Select(s => $"{s.Key}={s.Value}"))}");
        Assert.True(unpushed.Count == 0,
            $"{unpushed.Count} devices were never pushed within {FailoverDeadline} of the kill, e.g. {string.Join(", ", unpushed.Take(10).Select(DeviceId))}");
        Assert.Equal([PassType], pushes.PassTypes);

        // The recovered fan-out told the group it reached every device, so the change is no longer owed.
        var settled = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await database.CountRemindersAsync(GroupGrain.PushesReminder) > 0 && DateTime.UtcNow < settled)
            await Task.Delay(250);
        Assert.Equal(0, await database.CountRemindersAsync(GroupGrain.PushesReminder));

        // Everything above was the silos' doing; from here the test's client reads. It must have left the killed silo's
        // gateway first: a call routed through it is never answered (the killed silo keeps its connections open in this
        // process) and times out after 30 s, and the client leaves that gateway only once PostgreSQL has the silo dead.
        await run.Gateways.AtMost(2).WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"the client left the killed silo's gateway by {failover.Elapsed.TotalSeconds:F1} s after the kill");

        await EveryPassIsAtTheNewVersionWithItsDevice(client, group, before, changed, issuedTags);
        await TheGroupIndexStillHoldsEveryDevice(client, group, groupId);
        await TheKilledSiloRejoinsAndServes(cluster, management, victim);
    }

    private async Task EveryPassIsAtTheNewVersionWithItsDevice(IClusterClient client, IGroupGrain group, GroupSnapshot before, GroupPutResult changed, long[] issuedTags)
    {
        var snapshot = await Retry(group.GetSnapshot) ?? throw new InvalidOperationException("the group is gone");
        Assert.Equal(changed.Version, snapshot.Version);
        Assert.True(snapshot.Stamp.Tag > before.Stamp.Tag, "the group change did not advance the group's stamp");
        Assert.Equal("9", Field(snapshot.Content.FieldsJson, "gate"));
        Assert.Equal("Final", Field(snapshot.Content.FieldsJson, "event"));

        var problems = new ConcurrentQueue<string>();
        var check = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, PassCount), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
        {
            var pass = Pass(client, i);
            var summary = await Retry(pass.GetSummary);
            if (summary is null)
            {
                problems.Enqueue($"{Serial(i)}: pass not found");
                return;
            }
            if (summary.Devices != 1)
                problems.Enqueue($"{Serial(i)}: {summary.Devices} registered devices, expected 1");
            // The group change is the newest change along the pass's chain, so the pass carries exactly its stamp.
            if (summary.Stamp.Tag != snapshot.Stamp.Tag)
                problems.Enqueue($"{Serial(i)}: stamp {summary.Stamp.Tag}, the group change is {snapshot.Stamp.Tag}");
            var source = await Retry(pass.GetRenderSourceForIssuer);
            if (Field(source?.Group?.FieldsJson, "gate") != "9")
                problems.Enqueue($"{Serial(i)}: renders group content {source?.Group?.FieldsJson ?? "(none)"}");
            if (Field(source?.Pass.FieldsJson, "seat") != i.ToString(CultureInfo.InvariantCulture))
                problems.Enqueue($"{Serial(i)}: lost its own content {source?.Pass.FieldsJson ?? "(none)"}");

            var device = Device(client, i);
            var registered = await Retry(() => device.GetChangedSerials(PassType, null));
            if (registered?.SerialNumbers is not [var only] || only != Serial(i))
                problems.Enqueue($"{DeviceId(i)}: lists [{string.Join(", ", registered?.SerialNumbers ?? [])}], expected [{Serial(i)}]");
            // What Wallet asks after the push: the pass changed since the tag the device held before the change.
            var changedSince = await Retry(() => device.GetChangedSerials(PassType, issuedTags[i]));
            if (changedSince?.SerialNumbers.Contains(Serial(i)) != true)
                problems.Enqueue($"{DeviceId(i)}: does not list {Serial(i)} as changed since {issuedTags[i]}");
            if (await Retry(() => device.GetPushToken(PassType, Serial(i))) != PushToken(i))
                problems.Enqueue($"{DeviceId(i)}: lost its push token");
        });
        output.WriteLine($"checked {PassCount} passes and devices in {check.Elapsed.TotalSeconds:F1} s");
        Assert.True(problems.IsEmpty, $"{problems.Count} problems, e.g.:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(20))}");
    }

    /// <summary>The next group change must reach every device too: the sharded index lost nobody.</summary>
    private static async Task TheGroupIndexStillHoldsEveryDevice(IClusterClient client, IGroupGrain group, string groupId)
    {
        var expectedShards = Enumerable.Range(0, PassCount).Select(i => IGroupShardGrain.ShardOf(DeviceId(i))).Distinct().Order().ToList();
        Assert.Equal(expectedShards, (await Retry(group.GetOccupiedShards)).Order().ToList());
        var indexed = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(expectedShards, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (shard, _) =>
        {
            var devices = await Retry(client.GetGrain<IGroupShardGrain>(GrainKeys.GroupShard(groupId, shard)).GetDevices);
            foreach (var device in devices)
                indexed[device.DeviceLibraryIdentifier] = device.PushToken;
        });
        var missing = Enumerable.Range(0, PassCount).Where(i => indexed.GetValueOrDefault(DeviceId(i)) != PushToken(i)).Select(DeviceId).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} devices missing from the group's index, e.g. {string.Join(", ", missing.Take(10))}");
        Assert.Equal(PassCount, indexed.Count);
    }

    private async Task TheKilledSiloRejoinsAndServes(TestCluster cluster, IManagementGrain management, SiloHandle victim)
    {
        // Membership in PostgreSQL records the killed generation as dead before a new one joins.
        var hosts = await Retry(() => management.GetHosts(onlyActive: false));
        Assert.Equal(SiloStatus.Dead, hosts.GetValueOrDefault(victim.SiloAddress, SiloStatus.None));

        var restarted = await cluster.RestartSiloAsync(victim) ?? throw new InvalidOperationException("the silo did not restart");
        Assert.Equal(victim.SiloAddress.Endpoint, restarted.SiloAddress.Endpoint); // same host and port, a new generation
        Assert.NotEqual(victim.SiloAddress, restarted.SiloAddress);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        Dictionary<SiloAddress, SiloStatus> active;
        while (true)
        {
            active = await Retry(() => management.GetHosts(onlyActive: true));
            if ((active.Count == 3 && active.ContainsKey(restarted.SiloAddress)) || DateTime.UtcNow >= deadline)
                break;
            await Task.Delay(250);
        }
        Assert.Equal(3, active.Count);
        Assert.Equal(SiloStatus.Active, active.GetValueOrDefault(restarted.SiloAddress, SiloStatus.None));
        Assert.DoesNotContain(victim.SiloAddress, active.Keys);

        // It serves calls: passes moved onto it answer with their state, registrations included.
        foreach (var i in new[] { 0, PassCount / 3, PassCount / 2, PassCount - 1 })
        {
            var pass = Pass(cluster.Client, i);
            await ClusterPlacement.PinAsync(cluster, pass, restarted.SiloAddress);
            var summary = await pass.GetSummary();
            Assert.NotNull(summary);
            Assert.Equal(1, summary.Devices);
            Assert.True(cluster.TryGetGrainContext(pass.GetGrainId(), out var context));
            Assert.Equal(restarted.SiloAddress, context?.Address.SiloAddress);
        }
        output.WriteLine($"{restarted.SiloAddress} rejoined and serves");
    }

    private static string? Field(string? json, string name)
    {
        if (json is null)
            return null;
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty(name, out var value) ? value.GetString() : null;
    }
}
