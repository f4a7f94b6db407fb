using System.Net;
using PassGrains.Packaging.Signing;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// A push owed by a change survives the silo: the server is SIGKILLed after the change was stored
/// and while APNs has not answered yet; started again, it sends the push it still owes.
/// </summary>
public sealed class PushDurabilityTests : IDisposable
{
    private const string PassType = TestEnvironment.PassType;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _root = new("push-durability");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task A_silo_killed_before_apns_answered_still_delivers_the_push_after_restart()
    {
        var chainDirectory = _root.Combine("chain");
        var chain = DevelopmentChain.Create(TestEnvironment.PassType, TestEnvironment.Team);
        chain.WriteTo(chainDirectory, TestEnvironment.CertificatePassword);
        await using var apns = await ApnsDouble.StartAsync(chain);
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        var settings = ServerSettings.Create(data, new SigningChain(chainDirectory)) with
        {
            Extra = new Dictionary<string, string?>
            {
                ["PassGrains:Apns:Endpoint"] = apns.Endpoint.ToString(),
                ["PassGrains:Apns:TrustedCaPath"] = apns.CaPath,
            },
        };
        const string templateId = "boarding";
        var serial = TestEnvironment.UniqueId("owed");
        WalletDevice device;

        await using (var first = await ServerProcess.StartAsync(settings))
        {
            using var issuer = new PassGrainsClient(new Uri(settings.BaseUrl));
            using (var upload = await issuer.UploadTemplateAsync(templateId, ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
                await Expect.Status(upload, HttpStatusCode.Created);
            var issued = await issuer.IssueAsync(new { templateId, serialNumber = serial });
            var pass = await issuer.DownloadAsync(issued.DownloadUrl, serial);
            device = new WalletDevice(issuer.Http, pass.WebServiceUrl);
            Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));

            // APNs takes its time with the first attempt; the silo dies before the answer.
            apns.Script(device.PushToken, ApnsReply.Slow(TimeSpan.FromMinutes(5)), ApnsReply.Ok());
            await issuer.ChangeAsync(PassType, serial, new { fields = new { gate = "K9" } });
            await apns.WaitUntilAsync(a => a.RequestsFor(device.PushToken).Count == 1, Deadline);
            Assert.Equal(1, (await issuer.GetPassInfoAsync(PassType, serial)).GetProperty("owedPushes").GetInt32());
            await first.KillAsync();
        }

        await using var second = await ServerProcess.StartAsync(settings);
        using var client = new PassGrainsClient(new Uri(settings.BaseUrl));
        // Anything that wakes the pass (a device asking, the issuer looking, or its reminder within a
        // minute) makes it send what it owes.
        Assert.Equal(2, (await client.GetPassInfoAsync(PassType, serial)).GetProperty("version").GetInt64()); // the change survived
        await apns.WaitUntilAsync(a => a.RequestsFor(device.PushToken).Count >= 2, Deadline);
        var until = DateTime.UtcNow + Deadline;
        while ((await client.GetPassInfoAsync(PassType, serial)).GetProperty("owedPushes").GetInt32() != 0 && DateTime.UtcNow < until)
            await Task.Delay(100);
        Assert.Equal(0, (await client.GetPassInfoAsync(PassType, serial)).GetProperty("owedPushes").GetInt32());
        Assert.All(apns.RequestsFor(device.PushToken), r => Assert.Equal(PassType, r.Topic));
    }
}
