using System.Net;
using System.Text.Json;
using PassGrains.Packaging.Signing;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// A silo stopped with SIGTERM while APNs is still answering a push: it waits for the answer and reports it to
/// the pass before it leaves, so the push is neither lost nor owed (and sent again) by whoever runs next.
/// </summary>
public sealed class GracefulShutdownTests : IDisposable
{
    private const string PassType = TestEnvironment.PassType;
    private readonly TempDirectory _root = new("graceful");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task A_stopping_silo_delivers_and_reports_the_pushes_in_flight()
    {
        var chainDirectory = _root.Combine("chain");
        var chain = DevelopmentChain.Create(PassType, TestEnvironment.Team);
        chain.WriteTo(chainDirectory, TestEnvironment.CertificatePassword);
        await using var apns = await ApnsDouble.StartAsync(chain);
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        var settings = ServerSettings.Create(data, new SigningChain(chainDirectory), ServerSettings.NewSecretKey()) with
        {
            Extra = new Dictionary<string, string?>
            {
                ["PassGrains:Apns:Endpoint"] = apns.Endpoint.ToString(),
                ["PassGrains:Apns:TrustedCaPath"] = apns.CaPath,
            },
        };
        using var http = new HttpClient();
        var serial = TestEnvironment.UniqueId("graceful");
        WalletDevice device;
        await using (var server = await ServerProcess.StartAsync(settings))
        {
            using var client = new PassGrainsClient(new Uri(settings.BaseUrl));
            using (var upload = await client.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
                await Expect.Status(upload, HttpStatusCode.Created);
            var issued = await client.IssueAsync(new { templateId = "boarding", serialNumber = serial });
            var pass = await client.DownloadAsync(issued.DownloadUrl, serial);
            device = new WalletDevice(http, pass.WebServiceUrl);
            Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));

            // APNs takes its time with this push; the stop arrives while it is in flight.
            apns.Script(device.PushToken, new ApnsReply(ApnsReplyKind.Answer, Delay: TimeSpan.FromSeconds(2)));
            Assert.Equal(2, await client.ChangeAsync(PassType, serial, new { fields = new { gate = "C3" } }));
            await apns.WaitUntilAsync(a => a.RequestsFor(device.PushToken).Count == 1);
            Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(60)));
        }
        Assert.Single(apns.RequestsFor(device.PushToken));

        // The next run of the same data finds nothing owed: the answer reached the pass before the silo left.
        await using (var again = await ServerProcess.StartAsync(settings))
        {
            using var client = new PassGrainsClient(new Uri(settings.BaseUrl));
            using var response = await client.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}");
            var info = JsonDocument.Parse(await Expect.Status(response, HttpStatusCode.OK)).RootElement;
            Assert.Equal(2, info.GetProperty("version").GetInt64());
            Assert.Equal(0, info.GetProperty("owedPushes").GetInt32());
            Assert.Equal(1, info.GetProperty("devices").GetInt32());
        }
        Assert.Single(apns.RequestsFor(device.PushToken));
    }
}
