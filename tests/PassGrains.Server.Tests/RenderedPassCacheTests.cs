using System.Net;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// A version is signed once per silo: downloading it again (a Watch, a retry, a link clicked twice) returns the very bytes
/// signed before, and no change of the pass, its group or its template can be answered with the pass signed before it.
/// </summary>
public sealed class RenderedPassCacheTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private const string Template = InProcessServerFixture.BoardingTemplate;

    private PassGrainsClient Client => server.Client;

    /// <summary>
    /// Waits for the next wall-clock second: a pass signed in it carries another CMS signing time, so bytes equal to an
    /// earlier download's can only be that download's pass, kept.
    /// </summary>
    internal static async Task NextSecondAsync()
    {
        var second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        while (DateTimeOffset.UtcNow.ToUnixTimeSeconds() == second)
            await Task.Delay(20);
    }

    private async Task<byte[]> DownloadAsync(string url)
    {
        using var response = await Client.Http.GetAsync(new Uri(url));
        await Expect.Status(response, HttpStatusCode.OK);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task The_same_version_downloaded_again_is_the_pass_signed_before_and_every_change_signs_anew()
    {
        var groupId = TestEnvironment.UniqueId("cached-group");
        using (var group = await Client.PutGroupAsync(groupId, new { templateId = Template, fields = new { gate = "A1" } }))
            await Expect.Status(group, HttpStatusCode.Created);
        var serial = TestEnvironment.UniqueId("cached");
        var issued = await Client.IssueAsync(new { templateId = Template, serialNumber = serial, groupId, fields = new { seat = "1A" } });

        var first = await DownloadAsync(issued.DownloadUrl);
        await NextSecondAsync();
        Assert.Equal(first, await DownloadAsync(issued.DownloadUrl));

        // The pass's own change.
        Assert.Equal(2, await Client.ChangeAsync(PassType, serial, new { fields = new { seat = "2B" } }));
        var changed = await DownloadAsync(issued.DownloadUrl);
        Assert.Equal("2B", PassPackage.Read(changed).FieldValue("seat"));

        // Its group's change.
        using (var group = await Client.PutGroupAsync(groupId, new { fields = new { gate = "B2" } }))
            await Expect.Status(group, HttpStatusCode.OK);
        var regrouped = await DownloadAsync(issued.DownloadUrl);
        Assert.Equal("B2", PassPackage.Read(regrouped).FieldValue("gate"));
        Assert.Equal("2B", PassPackage.Read(regrouped).FieldValue("seat"));

        // Its template's revision, even one with the same files: the revision is an input of the render.
        await NextSecondAsync();
        Assert.Equal(regrouped, await DownloadAsync(issued.DownloadUrl));
        using (var upload = await Client.UploadTemplateAsync(Template, ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
            await Expect.Status(upload, HttpStatusCode.OK);
        await NextSecondAsync();
        var revised = await DownloadAsync(issued.DownloadUrl);
        Assert.NotEqual(regrouped, revised);
        Assert.Equal("B2", PassPackage.Read(revised).FieldValue("gate"));

        // Voiding it.
        using (var voiding = await Client.SendAsync(HttpMethod.Post, $"api/passes/{PassType}/{serial}/void"))
            await Expect.Status(voiding, HttpStatusCode.OK);
        Assert.Equal(true, (bool?)PassPackage.Read(await DownloadAsync(issued.DownloadUrl)).PassJson["voided"]);
    }
}
