using System.Collections.Concurrent;
using System.Net;
using Npgsql;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// The cluster's database vanishes for ten seconds under a stream of pass changes and registrations through three
/// silos: it refuses every connection and drops the ones it had, as a database that went down does. Every answer is a
/// 2xx or a 503 with Retry-After; no version is served that was not stored (a 503'd change is served only if the
/// database committed it as the connection dropped, and then its retry finds it); every 503 retried succeeds once the
/// database is back; and afterwards each pass's version, content and devices are exactly what was acknowledged.
/// </summary>
public sealed class PostgresOutageTests : IDisposable
{
    private const string PassType = TestEnvironment.PassType;
    private const int Passes = 6;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _root = new("pg-outage");

    public void Dispose() => _root.Dispose();

    private static async Task SetConnectionsAllowedAsync(string database, bool allowed)
    {
        var name = new NpgsqlConnectionStringBuilder(database).Database!;
        await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!);
        await connection.OpenAsync();
        await using (var alter = new NpgsqlCommand($"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {(allowed ? "true" : "false")}", connection))
            await alter.ExecuteNonQueryAsync();
        if (allowed)
            return;
        await using var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", connection);
        terminate.Parameters.AddWithValue("name", name);
        await terminate.ExecuteScalarAsync();
    }

    /// <summary>Sends until the answer is not a 503 (each 503 must carry Retry-After); the number of 503s on the way.</summary>
    private static async Task<(HttpResponseMessage Response, int Refusals)> UntilAnsweredAsync(Func<Task<HttpResponseMessage>> send, Func<Task>? afterRefusal = null)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        for (var refusals = 0; ; refusals++)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                return (response, refusals);
            Assert.True(response.Headers.RetryAfter is not null, "a 503 without Retry-After");
            response.Dispose();
            Assert.True(DateTimeOffset.UtcNow < deadline, "still 503 90 s on: the cluster did not heal");
            if (afterRefusal is not null)
                await afterRefusal();
            await Task.Delay(200);
        }
    }

    [PostgresFact]
    public async Task A_database_gone_for_ten_seconds_under_changes_and_registrations_loses_nothing_and_serves_no_phantom()
    {
        var database = await PostgresClusterTests.NewDatabaseAsync();
        var chain = SigningChain.Create(_root.Combine("chain"));
        var secret = ServerSettings.NewSecretKey();
        var certificate = TestClusterCertificates.WriteSelfSigned(_root.Combine("cluster", "cluster.p12"));
        var silos = Enumerable.Range(1, 3).Select(i => ServerSettings.ClusterSilo(_root.Combine($"silo{i}"), chain, secret, database, certificate)).ToList();
        var processes = new List<ServerProcess>();
        try
        {
            foreach (var silo in silos)
                processes.Add(await ServerProcess.StartAsync(silo));
            var clients = silos.Select(s => new PassGrainsClient(new Uri(s.BaseUrl))).ToList();
            using (var upload = await clients[0].UploadTemplateAsync("outage", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
                await Expect.Status(upload, HttpStatusCode.Created);
            var serials = Enumerable.Range(0, Passes).Select(_ => TestEnvironment.UniqueId("pgout")).ToList();
            var packages = new Dictionary<string, PassPackage>();
            foreach (var serial in serials)
            {
                var issued = await clients[0].IssueAsync(new { templateId = "outage", serialNumber = serial, fields = new { seat = "0" } });
                packages[serial] = await clients[1].DownloadAsync(issued.DownloadUrl, serial);
            }
            var webServiceUrl = packages[serials[0]].WebServiceUrl;

            var acknowledged = new ConcurrentDictionary<string, (int Changes, string Seat, List<string> Devices)>();
            var refusals = 0;
            using var stop = new CancellationTokenSource();
            var round = 0;
            // One worker a pass, so its changes are in order: change the seat, register a new device, check what is served.
            var workers = serials.Select((serial, index) => Task.Run(async () =>
            {
                var (changes, seat, devices) = (0, "0", new List<string>());
                var token = packages[serial].AuthenticationToken;
                while (!stop.IsCancellationRequested)
                {
                    var client = clients[Interlocked.Increment(ref round) % clients.Count];
                    var next = $"{index}-{changes + 1}";
                    var phone = new WalletDevice(client.Http, webServiceUrl);
                    // After a refusal a device is served what is stored: the last acknowledged seat, or the refused one when the
                    // database committed it but the answer was lost with the dropped connection (the retry then finds it
                    // stored, and a change to the same seat keeps the version). Never anything else.
                    async Task NotServed()
                    {
                        using var served = await phone.GetPassAsync(PassType, serial, token);
                        if (served.StatusCode == HttpStatusCode.OK)
                            Assert.Contains(PassPackage.Read(await served.Content.ReadAsByteArrayAsync()).FieldValue("seat"), new[] { seat, next });
                        else
                            Assert.Equal(HttpStatusCode.ServiceUnavailable, served.StatusCode);
                    }
                    var (changed, changeRefusals) = await UntilAnsweredAsync(() => client.PatchAsync(PassType, serial, new { fields = new { seat = next } }), NotServed);
                    using (changed)
                        Assert.Equal(changes + 2, (await Expect.Json(changed, HttpStatusCode.OK)).GetProperty("version").GetInt64());
                    (changes, seat) = (changes + 1, next);
                    var (registered, registerRefusals) = await UntilAnsweredAsync(() => phone.RegisterRawAsync(PassType, serial, token));
                    using (registered)
                    {
                        // A registration refused after the pass stored it is repaired by the retry, which finds it known: 200.
                        if (registerRefusals == 0)
                            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
                        else
                            Assert.True(registered.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"register after 503: {(int)registered.StatusCode}");
                    }
                    devices.Add(phone.DeviceLibraryIdentifier);
                    acknowledged[serial] = (changes, seat, devices.ToList());
                    Interlocked.Add(ref refusals, changeRefusals + registerRefusals);
                }
            })).ToList();

            // Changes flow, then the database goes for ten seconds, then they flow on.
            await Task.Delay(TimeSpan.FromSeconds(3));
            await SetConnectionsAllowedAsync(database, allowed: false);
            await Task.Delay(Outage);
            await SetConnectionsAllowedAsync(database, allowed: true);
            await Task.Delay(TimeSpan.FromSeconds(3));
            await stop.CancelAsync();
            await Task.WhenAll(workers);
            Assert.True(refusals > 0, "the outage never refused a request: this test proved nothing");

            // Exactly what was acknowledged, from every silo.
            foreach (var serial in serials)
            {
                var (changes, seat, devices) = acknowledged[serial];
                foreach (var client in clients)
                {
                    var (infoResponse, _) = await UntilAnsweredAsync(() => client.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}"));
                    using (infoResponse)
                    {
                        var info = await Expect.Json(infoResponse, HttpStatusCode.OK);
                        Assert.Equal(1 + changes, info.GetProperty("version").GetInt64());
                        Assert.Equal(devices.Count, info.GetProperty("devices").GetInt32());
                    }
                }
                var (fetched, _) = await UntilAnsweredAsync(() => new WalletDevice(clients[2].Http, webServiceUrl).GetPassAsync(PassType, serial, packages[serial].AuthenticationToken));
                using (fetched)
                    Assert.Equal(seat, PassPackage.Read(await fetched.Content.ReadAsByteArrayAsync()).FieldValue("seat"));
                foreach (var device in devices)
                    Assert.Equal([serial], (await new WalletDevice(clients[0].Http, webServiceUrl, device).ListAsync(PassType)).SerialNumbers);
            }
            foreach (var client in clients)
                client.Dispose();
        }
        finally
        {
            await SetConnectionsAllowedAsync(database, allowed: true);
            foreach (var process in processes)
                await process.DisposeAsync();
        }
    }
}
