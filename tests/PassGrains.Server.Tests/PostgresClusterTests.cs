using System.Net;
using System.Text.Json;
using Npgsql;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>Runs only where a PostgreSQL server is given (.ci/run starts one from the installed binaries).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public const string Variable = "PASSGRAINS_TEST_POSTGRES";

    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
            Skip = $"no PostgreSQL: set {Variable} to a connection string of a server where databases may be created";
    }
}

/// <summary>
/// Two silos (two server processes) sharing one PostgreSQL database through Orleans' ADO.NET clustering,
/// persistence and reminders: any silo serves any request, and killing one loses nothing.
/// </summary>
public sealed class PostgresClusterTests : IDisposable
{
    private const string PassType = TestEnvironment.PassType;
    private readonly TempDirectory _root = new("pg-cluster");

    public void Dispose() => _root.Dispose();

    /// <summary>A database of its own on the test server (PASSGRAINS_TEST_POSTGRES), for one test's cluster.</summary>
    internal static async Task<string> NewDatabaseAsync()
    {
        var admin = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!;
        var name = $"passgrains_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 10 }.ConnectionString;
    }

    /// <summary>
    /// Two silos' settings on a database of their own. Silos authenticate each other with one cluster certificate
    /// (mutual TLS), as in production.
    /// </summary>
    private async Task<(string Database, ServerSettings First, ServerSettings Second)> TwoSilosAsync()
    {
        var database = await NewDatabaseAsync();
        var chain = SigningChain.Create(_root.Combine("chain"));
        var secret = ServerSettings.NewSecretKey();
        var certificate = TestClusterCertificates.WriteSelfSigned(_root.Combine("cluster", "cluster.p12"));
        return (database, ServerSettings.ClusterSilo(_root.Combine("silo1"), chain, secret, database, certificate),
            ServerSettings.ClusterSilo(_root.Combine("silo2"), chain, secret, database, certificate));
    }

    /// <summary>
    /// The boarding template uploaded through silo one, and a group (gate A1) with one pass (seat 1A) made through silo
    /// two: a pass whose pass, group and template grains are reached from both silos.
    /// </summary>
    private static async Task<(string GroupId, string Serial, IssuedPass Issued)> GroupedPassAsync(PassGrainsClient viaOne, PassGrainsClient viaTwo, string prefix)
    {
        using (var upload = await viaOne.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
            await Expect.Status(upload, HttpStatusCode.Created);
        var groupId = TestEnvironment.UniqueId($"{prefix}-group");
        using (var group = await viaTwo.PutGroupAsync(groupId, new { templateId = "boarding", fields = new { gate = "A1" } }))
            await Expect.Status(group, HttpStatusCode.Created);
        var serial = TestEnvironment.UniqueId(prefix);
        return (groupId, serial, await viaTwo.IssueAsync(new { templateId = "boarding", serialNumber = serial, groupId, fields = new { seat = "1A" } }));
    }

    /// <summary>Sends until the answer is something other than 503 (failover in progress), then expects 200.</summary>
    private static async Task<HttpResponseMessage> UntilServedAsync(Func<Task<HttpResponseMessage>> send, DateTime until)
    {
        while (true)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow >= until)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return response;
            }
            Assert.True(response.Headers.RetryAfter is not null, "a 503 during failover tells the client when to retry");
            response.Dispose();
            await Task.Delay(200);
        }
    }

    [PostgresFact]
    public async Task A_pass_kept_signed_on_one_silo_is_never_sent_after_a_change_made_through_another()
    {
        var (_, first, second) = await TwoSilosAsync();
        await using var one = await ServerProcess.StartAsync(first);
        await using var two = await ServerProcess.StartAsync(second);
        using var viaOne = new PassGrainsClient(new Uri(first.BaseUrl));
        using var viaTwo = new PassGrainsClient(new Uri(second.BaseUrl));
        var (groupId, serial, issued) = await GroupedPassAsync(viaOne, viaTwo, "kept");
        var link = new Uri(issued.DownloadUrl).PathAndQuery;
        async Task<byte[]> FromOneAsync()
        {
            using var response = await viaOne.Http.GetAsync(link);
            await Expect.Status(response, HttpStatusCode.OK);
            return await response.Content.ReadAsByteArrayAsync();
        }

        var signed = await FromOneAsync();
        await RenderedPassCacheTests.NextSecondAsync();
        Assert.Equal(signed, await FromOneAsync()); // kept on silo one: signed in another second it would differ

        Assert.Equal(2, await viaTwo.ChangeAsync(PassType, serial, new { fields = new { seat = "2B" } }));
        Assert.Equal("2B", PassPackage.Read(await FromOneAsync()).FieldValue("seat"));
        using (var group = await viaTwo.PutGroupAsync(groupId, new { fields = new { gate = "B2" } }))
            await Expect.Status(group, HttpStatusCode.OK);
        var regrouped = await FromOneAsync();
        Assert.Equal("B2", PassPackage.Read(regrouped).FieldValue("gate"));
        using (var upload = await viaTwo.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
            await Expect.Status(upload, HttpStatusCode.OK);
        await RenderedPassCacheTests.NextSecondAsync();
        Assert.NotEqual(regrouped, await FromOneAsync());
    }

    [PostgresFact]
    public async Task A_device_answered_from_one_silos_cache_sees_every_change_made_through_another_at_once()
    {
        var (_, first, second) = await TwoSilosAsync();
        await using var one = await ServerProcess.StartAsync(first);
        await using var two = await ServerProcess.StartAsync(second);
        using var viaOne = new PassGrainsClient(new Uri(first.BaseUrl));
        using var viaTwo = new PassGrainsClient(new Uri(second.BaseUrl));
        var (groupId, serial, issued) = await GroupedPassAsync(viaOne, viaTwo, "cached");
        var token = (await viaOne.DownloadAsync(issued.DownloadUrl, serial)).AuthenticationToken;
        var onOne = new WalletDevice(viaOne.Http, first.BaseUrl);
        var onTwo = new WalletDevice(viaTwo.Http, second.BaseUrl, onOne.DeviceLibraryIdentifier, onOne.PushToken);
        Assert.Equal(HttpStatusCode.Created, await onOne.RegisterAsync(PassType, serial, token));

        // What a current device holds, asked of silo one until it answers "nothing new" both ways (a list tag is never
        // newer than a second before the list, and a version made within a second of another settles once it passed).
        // Silo one then answers these from its cache.
        async Task<(string Tag, DateTimeOffset Modified)> CurrentOnOneAsync()
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                var tag = (await onOne.ListAsync(PassType)).LastUpdated!;
                var (_, modified) = await onOne.FetchPassAsync(PassType, serial, token);
                using var again = await onOne.GetPassAsync(PassType, serial, token, modified);
                if ((await onOne.ListAsync(PassType, tag)).Status == HttpStatusCode.NoContent && again.StatusCode == HttpStatusCode.NotModified)
                    return (tag, modified);
                Assert.True(DateTime.UtcNow < until, "silo one never answered a current device with 204 and 304");
                await Task.Delay(100);
            }
        }
        // Right after a change made through silo two, silo one lists the pass and sends the new version, not a 304.
        async Task<PassPackage> ChangedOnOneAsync((string Tag, DateTimeOffset Modified) held)
        {
            Assert.Equal([serial], (await onOne.ListAsync(PassType, held.Tag)).SerialNumbers);
            return (await onOne.FetchPassAsync(PassType, serial, token, held.Modified)).Pass;
        }

        var held = await CurrentOnOneAsync();
        Assert.Equal(2, await viaTwo.ChangeAsync(PassType, serial, new { fields = new { seat = "2B" } }));
        Assert.Equal("2B", (await ChangedOnOneAsync(held)).FieldValue("seat"));

        held = await CurrentOnOneAsync();
        using (var group = await viaTwo.PutGroupAsync(groupId, new { fields = new { gate = "B2" } }))
            await Expect.Status(group, HttpStatusCode.OK);
        Assert.Equal("B2", (await ChangedOnOneAsync(held)).FieldValue("gate"));

        held = await CurrentOnOneAsync();
        using (var upload = await viaTwo.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
            await Expect.Status(upload, HttpStatusCode.OK);
        Assert.Equal("B2", (await ChangedOnOneAsync(held)).FieldValue("gate"));

        // The device's registrations, kept by silo one for its lists, follow registrations made through silo two.
        held = await CurrentOnOneAsync();
        var other = TestEnvironment.UniqueId("cached-other");
        var otherToken = (await viaTwo.DownloadAsync((await viaTwo.IssueAsync(new { templateId = "boarding", serialNumber = other })).DownloadUrl, other)).AuthenticationToken;
        Assert.Equal(HttpStatusCode.Created, await onTwo.RegisterAsync(PassType, other, otherToken));
        Assert.Equal([other], (await onOne.ListAsync(PassType, held.Tag)).SerialNumbers);
        Assert.Equal(HttpStatusCode.OK, await onTwo.UnregisterAsync(PassType, other, otherToken));
        Assert.Equal([serial], (await onOne.ListAsync(PassType)).SerialNumbers);

        // A pass voided through silo two is a new version on silo one at once.
        held = await CurrentOnOneAsync();
        using (var voided = await viaTwo.SendAsync(HttpMethod.Post, $"api/passes/{PassType}/{serial}/void"))
            Assert.True(voided.IsSuccessStatusCode, $"void answered {(int)voided.StatusCode}");
        await ChangedOnOneAsync(held);
    }

    [PostgresFact]
    public async Task Any_silo_serves_any_request_and_a_killed_silo_loses_nothing_and_rejoins()
    {
        var (database, first, second) = await TwoSilosAsync();

        await using var one = await ServerProcess.StartAsync(first);
        await using var two = await ServerProcess.StartAsync(second);
        using var viaOne = new PassGrainsClient(new Uri(first.BaseUrl));
        using var viaTwo = new PassGrainsClient(new Uri(second.BaseUrl));

        using (var upload = await viaOne.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
            await Expect.Status(upload, HttpStatusCode.Created);
        var serial = TestEnvironment.UniqueId("pg");
        var issued = await viaTwo.IssueAsync(new { templateId = "boarding", serialNumber = serial });
        var pass = await viaOne.DownloadAsync(issued.DownloadUrl, serial);
        var device = new WalletDevice(viaTwo.Http, second.BaseUrl);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        Assert.Equal(2, await viaOne.ChangeAsync(PassType, serial, new { fields = new { gate = "P1" } }));
        Assert.Contains(serial, (await device.ListAsync(PassType)).SerialNumbers);

        await one.KillAsync();

        // The surviving silo serves everything, including grains that lived on the killed one (the pass's
        // template among them) once membership has declared the killed silo dead; until then it answers 503.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement info = default;
        using (var response = await UntilServedAsync(() => viaTwo.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}"), until))
            info = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.Equal(2, info.GetProperty("version").GetInt64());
        Assert.Equal(1, info.GetProperty("devices").GetInt32());
        // A 503 here comes from the template check before the change is applied, so a retry never applies it twice.
        using (var response = await UntilServedAsync(() => viaTwo.SendAsync(HttpMethod.Patch, $"api/passes/{PassType}/{serial}",
                   PassGrainsClient.JsonBody(new { fields = new { gate = "P2" } })), until))
            Assert.Equal(3, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetInt64());

        // The killed silo starts again on the same database and serves the same state.
        await using var again = await ServerProcess.StartAsync(first);
        using var viaAgain = new PassGrainsClient(new Uri(first.BaseUrl));
        Assert.Equal(3, (await viaAgain.GetPassInfoAsync(PassType, serial)).GetProperty("version").GetInt64());
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            // The restarted silo joined the membership as a new, active generation on its old port.
            await using var active = new NpgsqlCommand("SELECT count(*) FROM OrleansMembershipTable WHERE Status = 3 AND Port = @port", connection);
            active.Parameters.AddWithValue("port", first.SiloPort);
            Assert.True(Convert.ToInt64(await active.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        }
    }
}
