using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// A batch job outlives the silo that runs it: two server processes on one PostgreSQL database, the upload stored there,
/// and the silo whose job grain drives the run killed (SIGKILL) mid-way. Runs only where PostgreSQL is given.
/// </summary>
public sealed class BatchFailoverTests : IDisposable
{
    private const string PassType = TestEnvironment.PassType;
    private readonly TempDirectory _root = new("pg-batch");

    /// <summary>Lines of the batch: PASSGRAINS_TEST_BATCH_LINES, else 100,000 (the whole test took 2 min 22 s on two shared cores).</summary>
    private static int Lines => int.TryParse(Environment.GetEnvironmentVariable("PASSGRAINS_TEST_BATCH_LINES"), CultureInfo.InvariantCulture, out var n) ? n : 100_000;

    public void Dispose() => _root.Dispose();

    private static async Task<long> StoredPassesAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'pass' AND PayloadBinary IS NOT NULL", connection);
        return Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<JsonElement> StatusAsync(PassGrainsClient client, string job)
    {
        using var poll = await client.SendAsync(HttpMethod.Get, $"api/jobs/{job}");
        return poll.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement.Clone() : default;
    }

    [PostgresFact]
    public async Task A_job_whose_silo_is_killed_mid_way_completes_on_another_silo_issuing_each_line_once()
    {
        var database = await PostgresClusterTests.NewDatabaseAsync();
        var chain = SigningChain.Create(_root.Combine("chain"));
        var secret = ServerSettings.NewSecretKey();
        var certificate = TestClusterCertificates.WriteSelfSigned(_root.Combine("cluster", "cluster.p12"));
        var runnerSettings = ServerSettings.ClusterSilo(_root.Combine("silo1"), chain, secret, database, certificate);
        var survivorSettings = ServerSettings.ClusterSilo(_root.Combine("silo2"), chain, secret, database, certificate);
        await using var runner = await ServerProcess.StartAsync(runnerSettings);
        await using var survivor = await ServerProcess.StartAsync(survivorSettings);
        using var viaRunner = new PassGrainsClient(new Uri(runnerSettings.BaseUrl));
        using var viaSurvivor = new PassGrainsClient(new Uri(survivorSettings.BaseUrl));
        using (var upload = await viaRunner.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
            await Expect.Status(upload, HttpStatusCode.Created);

        // Every tenth line names no serial: its serial is derived from the job and line, the same on every run.
        var prefix = TestEnvironment.UniqueId("fail");
        var body = new StringBuilder();
        for (var n = 1; n <= Lines; n++)
            body.Append(n % 10 == 0 ? """{"templateId":"boarding"}""" : $$$"""{"templateId":"boarding","serialNumber":"{{{prefix}}}-{{{n}}}","fields":{"seat":"{{{n}}}"}}""").Append('\n');
        string job;
        using (var content = new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson"))
        using (var response = await viaRunner.SendAsync(HttpMethod.Post, "api/passes/batch", content))
            job = (await Expect.Json(response, HttpStatusCode.Accepted)).GetProperty("jobId").GetString()!;

        // The job's grain lives where the upload was taken (it prefers the local silo): kill that silo mid-way.
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var status = await StatusAsync(viaRunner, job);
            var done = status.ValueKind == JsonValueKind.Object ? status.GetProperty("done").GetInt32() : 0;
            if (done >= Lines / 5)
            {
                Assert.True(done < Lines * 4 / 5, $"the job ran too fast to be killed mid-way: {status}");
                break;
            }
            Assert.True(DateTime.UtcNow < until, $"the job did not get going: {status}");
            await Task.Delay(50);
        }
        await runner.KillAsync();

        // Nobody asks the job meanwhile: its reminder activates it on the surviving silo, and passes are stored again.
        var atKill = await StoredPassesAsync(database);
        until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (await StoredPassesAsync(database) < Math.Min(Lines, atKill + 500))
        {
            Assert.True(DateTime.UtcNow < until, $"the job did not resume on its own ({await StoredPassesAsync(database)} passes stored, {atKill} at the kill)");
            await Task.Delay(200);
        }

        JsonElement final;
        while (true)
        {
            final = await StatusAsync(viaSurvivor, job);
            if (final.ValueKind == JsonValueKind.Object && final.GetProperty("state").GetString() == "completed")
                break;
            Assert.True(DateTime.UtcNow < until, $"the job did not complete on the surviving silo: {final}");
            await Task.Delay(200);
        }
        Assert.True(final.GetProperty("failed").GetInt32() == 0, $"no line failed: {final}");
        Assert.Equal(Lines, final.GetProperty("total").GetInt32());
        Assert.Equal(Lines, final.GetProperty("done").GetInt32());
        // Each line made one pass, and no pass twice: one row a serial, every one at its first version.
        Assert.Equal(Lines + 0L, await StoredPassesAsync(database));
        foreach (var n in new[] { 1, 2, Lines / 3 + 1, Lines / 2 + 1, Lines - 1 })
        {
            using var info = await viaSurvivor.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{prefix}-{n}");
            var pass = await Expect.Json(info, HttpStatusCode.OK);
            Assert.Equal(1, pass.GetProperty("version").GetInt64());
        }
        using (var listed = await viaSurvivor.SendAsync(HttpMethod.Get, "api/jobs"))
        {
            var jobs = (await Expect.Json(listed, HttpStatusCode.OK)).GetProperty("jobs").EnumerateArray().ToList();
            Assert.Contains(jobs, j => j.GetProperty("jobId").GetString() == job && j.GetProperty("state").GetString() == "completed");
        }
    }
}
