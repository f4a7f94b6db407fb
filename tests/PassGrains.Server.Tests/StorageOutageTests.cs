using System.Diagnostics;
using System.Net;
using System.Text;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// The database fails under the server: another process holds SQLite's write lock past the busy timeout while
/// devices register and the issuer changes passes. Every answer is a 2xx or a 503 with Retry-After; after the lock
/// and a SIGKILL and restart, exactly the 2xx answers are reflected (a 503'd write never lands later), and
/// retrying the 503s stores them.
/// </summary>
public sealed class StorageOutageTests : IDisposable
{
    private const string PassType = TestEnvironment.PassType;
    private const int Passes = 6;

    private readonly TempDirectory _root = new("outage");

    public void Dispose() => _root.Dispose();

    /// <summary>A second process that takes SQLite's write lock and holds it until it is told to let go.</summary>
    private sealed class SqliteLock : IAsyncDisposable
    {
        private readonly Process _process;

        private SqliteLock(Process process) => _process = process;

        public static async Task<SqliteLock> TakeAsync(string database)
        {
            const string script = "import sqlite3, sys\n"
                + "c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
                + "c.execute('BEGIN IMMEDIATE')\n"
                + "print('locked', flush=True)\n"
                + "sys.stdin.readline()\n"
                + "c.execute('ROLLBACK')\n";
            var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(database);
            var process = Process.Start(start)!;
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("locked", line);
            return new SqliteLock(process);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync();
                await _process.StandardInput.FlushAsync();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            _process.Dispose();
        }
    }

    [Fact]
    public async Task A_database_locked_by_another_process_answers_503s_that_leave_nothing_behind_and_heal_on_retry()
    {
        var chain = SigningChain.Create(_root.Combine("chain"));
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        var settings = ServerSettings.Create(data, chain);
        const string templateId = "outage-boarding";
        var serials = Enumerable.Range(0, Passes).Select(_ => TestEnvironment.UniqueId("outage")).ToList();
        var probe = TestEnvironment.UniqueId("probe");
        var packages = new Dictionary<string, PassPackage>();
        var devices = new Dictionary<string, string>();
        var registered = new Dictionary<string, HttpStatusCode>();
        var patched = new Dictionary<string, HttpStatusCode>();
        string webServiceUrl;

        await using (var first = await ServerProcess.StartAsync(settings))
        {
            using var issuer = new PassGrainsClient(new Uri(settings.BaseUrl));
            using (var upload = await issuer.UploadTemplateAsync(templateId, ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
                await Expect.Json(upload, HttpStatusCode.Created);
            foreach (var serial in serials)
            {
                var issued = await issuer.IssueAsync(new { templateId, serialNumber = serial, fields = new { seat = "1A" } });
                packages[serial] = await issuer.DownloadAsync(issued.DownloadUrl, serial);
                devices[serial] = Guid.NewGuid().ToString("N");
            }
            webServiceUrl = packages[serials[0]].WebServiceUrl;
            var probeIssued = await issuer.IssueAsync(new { templateId, serialNumber = probe });
            var probePackage = await issuer.DownloadAsync(probeIssued.DownloadUrl, probe);

            await using (await SqliteLock.TakeAsync(Path.Combine(data, "passgrains.db")))
            {
                var answers = await Task.WhenAll(serials.SelectMany(serial => new[]
                {
                    Answer(serial, "register", new WalletDevice(issuer.Http, webServiceUrl, devices[serial]).RegisterRawAsync(PassType, serial, packages[serial].AuthenticationToken)),
                    Answer(serial, "patch", issuer.PatchAsync(PassType, serial, new { fields = new { seat = "2B" } })),
                }));
                foreach (var (serial, kind, status, retryAfter) in answers)
                {
                    Assert.True(status is HttpStatusCode.ServiceUnavailable || (int)status is >= 200 and < 300, $"{kind} {serial}: {(int)status}");
                    if (status == HttpStatusCode.ServiceUnavailable)
                        Assert.True(retryAfter, $"{kind} {serial}: a 503 without Retry-After");
                    (kind == "register" ? registered : patched)[serial] = status;
                }
                // The lock must have bitten, or this test proves nothing.
                Assert.Contains(HttpStatusCode.ServiceUnavailable, registered.Values);
                Assert.Contains(HttpStatusCode.ServiceUnavailable, patched.Values);
            }
            // Writes are stored one at a time in order: once a write made after the lock is stored, any write still waiting
            // from before would have landed too. None may: each was answered 503.
            Assert.Equal(HttpStatusCode.Created, await new WalletDevice(issuer.Http, webServiceUrl).RegisterAsync(PassType, probe, probePackage.AuthenticationToken));
            foreach (var serial in serials)
                await AssertReflectedAsync(issuer, webServiceUrl, serial, devices[serial], registered[serial] != HttpStatusCode.ServiceUnavailable, patched[serial] != HttpStatusCode.ServiceUnavailable);
            await first.KillAsync();
        }

        await using var second = await ServerProcess.StartAsync(settings with { SiloPort = TestEnvironment.FreePort() });
        using var client = new PassGrainsClient(new Uri(settings.BaseUrl));
        // Exactly what was answered 2xx is there.
        foreach (var serial in serials)
            await AssertReflectedAsync(client, webServiceUrl, serial, devices[serial], registered[serial] != HttpStatusCode.ServiceUnavailable, patched[serial] != HttpStatusCode.ServiceUnavailable);

        // Each 503 retried now stores what it asked for.
        foreach (var serial in serials)
        {
            var device = new WalletDevice(client.Http, webServiceUrl, devices[serial]);
            if (registered[serial] == HttpStatusCode.ServiceUnavailable)
                Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, packages[serial].AuthenticationToken));
            if (patched[serial] == HttpStatusCode.ServiceUnavailable)
                Assert.Equal(2, await client.ChangeAsync(PassType, serial, new { fields = new { seat = "2B" } }));
            await AssertReflectedAsync(client, webServiceUrl, serial, devices[serial], registered: true, changed: true);
        }
    }

    private static async Task<(string Serial, string Kind, HttpStatusCode Status, bool RetryAfter)> Answer(string serial, string kind, Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return (serial, kind, response.StatusCode, response.Headers.RetryAfter is not null);
    }

    private static async Task AssertReflectedAsync(PassGrainsClient client, string webServiceUrl, string serial, string deviceId, bool registered, bool changed)
    {
        var info = await client.GetPassInfoAsync(PassType, serial);
        Assert.Equal(changed ? 2 : 1, info.GetProperty("version").GetInt64());
        Assert.Equal(registered ? 1 : 0, info.GetProperty("devices").GetInt32());
        var list = await new WalletDevice(client.Http, webServiceUrl, deviceId).ListAsync(PassType);
        Assert.Equal(registered ? HttpStatusCode.OK : HttpStatusCode.NoContent, list.Status);
        var downloaded = await client.DownloadAsync(info.GetProperty("downloadUrl").GetString()!, serial);
        Assert.Equal(changed ? "2B" : "1A", downloaded.FieldValue("seat"));
    }
}
