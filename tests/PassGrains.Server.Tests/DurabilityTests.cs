using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// What was acknowledged survives a SIGKILL: the server runs as its own process on a data directory,
/// is killed without warning, and is started again on the same directory.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private const string PassType = TestEnvironment.PassType;
    private static readonly TimeSpan SettleDeadline = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _root = new("durability");

    public void Dispose() => _root.Dispose();

    /// <summary>What the issuer and the devices hold before the kill, to compare with after the restart.</summary>
    private sealed record Recorded(long Version, int Devices, string LastUpdated, DateTimeOffset LastModified);

    [Fact]
    public async Task Templates_groups_passes_and_registrations_survive_a_sigkill()
    {
        var chain = SigningChain.Create(_root.Combine("chain"));
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        var settings = ServerSettings.Create(data, chain);

        const string templateId = "durable-boarding";
        var groupId = TestEnvironment.UniqueId("flight");
        var grouped = TestEnvironment.UniqueId("grouped");
        var single = TestEnvironment.UniqueId("single");
        IssuedPass groupedPass, singlePass;
        PassPackage groupedPackage, singlePackage;
        WalletDevice phone, watch;
        string phoneTag, watchTag;
        var recorded = new Dictionary<string, Recorded>();

        await using (var first = await ServerProcess.StartAsync(settings))
        {
            using var issuer = new PassGrainsClient(new Uri(settings.BaseUrl));
            using (var upload = await issuer.UploadTemplateAsync(templateId, ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
                await Expect.Json(upload, HttpStatusCode.Created);
            using (var group = await issuer.PutGroupAsync(groupId, new { templateId, fields = new { gate = "C7" } }))
                await Expect.Json(group, HttpStatusCode.Created);

            groupedPass = await issuer.IssueAsync(new { templateId, serialNumber = grouped, groupId, fields = new { seat = "11A" } });
            singlePass = await issuer.IssueAsync(new { templateId, serialNumber = single, fields = new { seat = "12B" } });
            groupedPackage = await issuer.DownloadAsync(groupedPass.DownloadUrl, grouped);
            singlePackage = await issuer.DownloadAsync(singlePass.DownloadUrl, single);

            phone = new WalletDevice(issuer.Http, groupedPackage.WebServiceUrl);
            watch = new WalletDevice(issuer.Http, groupedPackage.WebServiceUrl);
            Assert.Equal(HttpStatusCode.Created, await phone.RegisterAsync(PassType, grouped, groupedPackage.AuthenticationToken));
            Assert.Equal(HttpStatusCode.Created, await phone.RegisterAsync(PassType, single, singlePackage.AuthenticationToken));
            Assert.Equal(HttpStatusCode.Created, await watch.RegisterAsync(PassType, grouped, groupedPackage.AuthenticationToken));

            Assert.Equal(2, await issuer.ChangeAsync(PassType, single, new { fields = new { seat = "14C" } }));

            // The devices catch up until the server has nothing newer for them; those tags are what they hold.
            phoneTag = await SettleAsync(phone, [grouped, single]);
            watchTag = await SettleAsync(watch, [grouped]);

            foreach (var (serial, package) in new[] { (grouped, groupedPackage), (single, singlePackage) })
            {
                var info = await issuer.GetPassInfoAsync(PassType, serial);
                var (_, lastModified) = await phone.FetchPassAsync(PassType, serial, package.AuthenticationToken);
                recorded[serial] = new Recorded(info.GetProperty("version").GetInt64(), info.GetProperty("devices").GetInt32(),
                    info.GetProperty("lastUpdated").GetString()!, lastModified);
            }
            Assert.Equal(new Recorded(1, 2, recorded[grouped].LastUpdated, recorded[grouped].LastModified), recorded[grouped]);
            Assert.Equal(2, recorded[single].Version);
            Assert.Equal(1, recorded[single].Devices);

            await first.KillAsync();
        }

        await using var second = await ServerProcess.StartAsync(settings with { SiloPort = TestEnvironment.FreePort() });
        using var client = new PassGrainsClient(new Uri(settings.BaseUrl));
        phone = new WalletDevice(client.Http, groupedPackage.WebServiceUrl, phone.DeviceLibraryIdentifier);
        watch = new WalletDevice(client.Http, groupedPackage.WebServiceUrl, watch.DeviceLibraryIdentifier);

        // Passes: same versions, update tags and device counts as the issuer saw before the kill.
        foreach (var serial in new[] { grouped, single })
        {
            var info = await client.GetPassInfoAsync(PassType, serial);
            Assert.Equal(recorded[serial].Version, info.GetProperty("version").GetInt64());
            Assert.Equal(recorded[serial].Devices, info.GetProperty("devices").GetInt32());
            Assert.Equal(recorded[serial].LastUpdated, info.GetProperty("lastUpdated").GetString());
        }

        // Registrations: the devices' lists answer the same serials, and nothing is new since their tags.
        var phoneList = await phone.ListAsync(PassType);
        Assert.Equal(HttpStatusCode.OK, phoneList.Status);
        Assert.Equal(new[] { grouped, single }.Order(StringComparer.Ordinal), phoneList.SerialNumbers.Order(StringComparer.Ordinal));
        var watchList = await watch.ListAsync(PassType);
        Assert.Equal(HttpStatusCode.OK, watchList.Status);
        Assert.Equal([grouped], watchList.SerialNumbers);
        Assert.Equal(HttpStatusCode.NoContent, (await phone.ListAsync(PassType, phoneTag)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await watch.ListAsync(PassType, watchTag)).Status);
        Assert.Equal(HttpStatusCode.OK, await phone.RegisterAsync(PassType, grouped, groupedPackage.AuthenticationToken));
        Assert.Equal(HttpStatusCode.OK, await watch.RegisterAsync(PassType, grouped, groupedPackage.AuthenticationToken));

        // Tokens and versions: the device's copy is still current (304), and a refresh gives the same content.
        foreach (var (serial, package) in new[] { (grouped, groupedPackage), (single, singlePackage) })
        {
            using var notModified = await phone.GetPassAsync(PassType, serial, package.AuthenticationToken, recorded[serial].LastModified);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }
        var (latestGrouped, _) = await phone.FetchPassAsync(PassType, grouped, groupedPackage.AuthenticationToken);
        Assert.Equal("C7", latestGrouped.FieldValue("gate"));
        Assert.Equal("11A", latestGrouped.FieldValue("seat"));

        // Download links issued before the kill still work and serve valid, unchanged passes.
        var downloadedGrouped = await client.DownloadAsync(groupedPass.DownloadUrl, grouped);
        var downloadedSingle = await client.DownloadAsync(singlePass.DownloadUrl, single);
        downloadedGrouped.AssertVerifies(chain.Wwdr);
        downloadedSingle.AssertVerifies(chain.Wwdr);
        Assert.Equal("C7", downloadedGrouped.FieldValue("gate"));
        Assert.Equal("14C", downloadedSingle.FieldValue("seat"));
        Assert.Equal(groupedPackage.AuthenticationToken, downloadedGrouped.AuthenticationToken);
        Assert.Equal(singlePackage.AuthenticationToken, downloadedSingle.AuthenticationToken);

        // Template and group: still there, so a new pass can join the group, and their next changes are new revisions.
        var late = await client.IssueAsync(new { templateId, serialNumber = TestEnvironment.UniqueId("late"), groupId });
        Assert.Equal("C7", (await client.DownloadAsync(late.DownloadUrl, late.SerialNumber)).FieldValue("gate"));
        using (var duplicate = await client.PostPassAsync(new { templateId, serialNumber = grouped }))
            await Expect.Problem(duplicate, HttpStatusCode.Conflict, "serialNumber");
        using (var upload = await client.UploadTemplateAsync(templateId, ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
            Assert.Equal(2, (await Expect.Json(upload, HttpStatusCode.OK)).GetProperty("revision").GetInt32());
        using (var group = await client.PutGroupAsync(groupId, new { fields = new { gate = "D9" } }))
            Assert.Equal(2, (await Expect.Json(group, HttpStatusCode.OK)).GetProperty("version").GetInt64());

        // ... and the registrations still work: the group change reaches both devices' lists.
        var phoneAfter = await phone.ListAsync(PassType, phoneTag);
        Assert.Equal(HttpStatusCode.OK, phoneAfter.Status);
        Assert.Contains(grouped, phoneAfter.SerialNumbers);
        Assert.Equal([grouped], (await watch.ListAsync(PassType, watchTag)).SerialNumbers);
        var (regrouped, _) = await watch.FetchPassAsync(PassType, grouped, groupedPackage.AuthenticationToken, recorded[grouped].LastModified);
        Assert.Equal("D9", regrouped.FieldValue("gate"));
    }

    /// <summary>Lists as a device does, following each tag, until the server answers 204; returns the tag then held.</summary>
    private static async Task<string> SettleAsync(WalletDevice device, string[] expectedSerials)
    {
        var list = await device.ListAsync(PassType);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(expectedSerials.Order(StringComparer.Ordinal), list.SerialNumbers.Order(StringComparer.Ordinal));
        var tag = list.LastUpdated!;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var next = await device.ListAsync(PassType, tag);
            if (next.Status == HttpStatusCode.NoContent)
                return tag;
            Assert.Equal(HttpStatusCode.OK, next.Status);
            Assert.True(deadline.Elapsed < SettleDeadline, $"the list never settled: still {JsonSerializer.Serialize(next)} after {deadline.Elapsed}");
            tag = next.LastUpdated!;
            await Task.Delay(200);
        }
    }
}
