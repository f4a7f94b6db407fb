using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// Apple's pass web service as a Wallet device meets it: the device knows only what
/// the downloaded pass.json tells it (webServiceURL, authenticationToken) and its own identifiers.
/// </summary>
public sealed class WalletWebServiceTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private const string PassType = TestEnvironment.PassType;

    /// <summary>
    /// The server never hands out a list tag newer than one second before the listing (DeviceGrain's
    /// ListingMargin), so a pass changed within that second is listed once more. Tests that assert a
    /// 204 for "nothing changed since" let that second pass first, as a device listing after a push would.
    /// </summary>
    private static readonly TimeSpan ListingMargin = TimeSpan.FromMilliseconds(1200);

    private PassGrainsClient Issuer => server.Client;

    private HttpClient Http => server.Client.Http;

    /// <summary>Issues a pass from the boarding template and installs it as Wallet would: download, verify, read pass.json.</summary>
    private async Task<(IssuedPass Issued, PassPackage Pass)> InstallAsync(object? fields = null, string? groupId = null)
    {
        var serial = TestEnvironment.UniqueId("ws");
        var issued = await Issuer.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = serial, groupId, fields });
        Assert.Equal(PassType, issued.PassTypeIdentifier);
        Assert.Equal(serial, issued.SerialNumber);
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, serial);
        return (issued, pass);
    }

    private WalletDevice NewDevice(PassPackage pass) => new(Http, pass.WebServiceUrl);

    [Fact]
    public async Task Issued_pass_downloads_as_a_signed_pkpass_that_names_this_web_service()
    {
        var serial = TestEnvironment.UniqueId("dl");
        var issued = await Issuer.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = serial, fields = new { seat = "12C" } });
        Assert.Equal(1, issued.Version);
        Assert.StartsWith(server.Settings.BaseUrl, issued.DownloadUrl, StringComparison.Ordinal);

        // The link needs no API key (DownloadAsync sends none) and serves a file with a .pkpass name.
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, serial);
        pass.AssertVerifies(server.Chain.Wwdr);
        Assert.Equal(server.Settings.BaseUrl, pass.WebServiceUrl);
        Assert.Equal(PassType, (string?)pass.PassJson["passTypeIdentifier"]);
        Assert.Equal(TestEnvironment.Team, (string?)pass.PassJson["teamIdentifier"]);
        Assert.True(pass.AuthenticationToken.Length >= 16, $"authenticationToken must be at least 16 characters: '{pass.AuthenticationToken}'");
        Assert.NotEqual("sample-token-0123456789abcdefghij", pass.AuthenticationToken);
        Assert.Equal("12C", pass.FieldValue("seat"));

        // Every pass gets its own token.
        var (_, other) = await InstallAsync();
        Assert.NotEqual(pass.AuthenticationToken, other.AuthenticationToken);
    }

    [Fact]
    public async Task Register_creates_then_confirms_and_refuses_bad_tokens_and_bodies()
    {
        var (issued, pass) = await InstallAsync();
        var device = NewDevice(pass);
        var serial = issued.SerialNumber;

        Assert.Equal(HttpStatusCode.Unauthorized, await device.RegisterAsync(PassType, serial, "not-the-token-of-this-pass"));
        Assert.Equal(HttpStatusCode.Unauthorized, await device.RegisterAsync(PassType, serial, token: null));
        Assert.Equal(HttpStatusCode.Unauthorized, await device.RegisterAsync(PassType, TestEnvironment.UniqueId("nosuch"), pass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.BadRequest, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken, rawBody: "{\"pushToken\": "));
        Assert.Equal(HttpStatusCode.BadRequest, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken, rawBody: "not json at all"));

        // A refused body says which member is wrong, so an integrator sees why (the 401s above say nothing).
        foreach (var (body, field) in new[] { ("{\"pushToken\":\"not-hex\"}", "pushToken"), ("{}", "pushToken"), ("[1]", "$"), ("{\"pushToken\": ", "$"),
            ("{\"pushToken\": 5}", "pushToken"), ($"{{\"pushToken\":\"{new string('a', 64)}\",\"pushToken\":\"{new string('b', 64)}\"}}", "pushToken") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(pass.WebServiceUrl.TrimEnd('/') + "/"),
                $"v1/devices/{device.DeviceLibraryIdentifier}/registrations/{PassType}/{serial}"))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            WalletDevice.Authorize(request, pass.AuthenticationToken);
            using var response = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(field, problem.RootElement.GetProperty("errors")[0].GetProperty("field").GetString());
        }

        // None of the refused attempts registered anything.
        Assert.Equal(0, (await Issuer.GetPassInfoAsync(PassType, serial)).GetProperty("devices").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await device.ListAsync(PassType)).Status);

        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.OK, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        Assert.Equal(1, (await Issuer.GetPassInfoAsync(PassType, serial)).GetProperty("devices").GetInt32());

        // Another device registering the same pass is a new registration.
        var second = NewDevice(pass);
        Assert.Equal(HttpStatusCode.Created, await second.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        Assert.Equal(2, (await Issuer.GetPassInfoAsync(PassType, serial)).GetProperty("devices").GetInt32());
    }

    [Fact]
    public async Task List_answers_registered_serials_with_a_string_tag_and_204_when_nothing_changed_since()
    {
        var (first, firstPass) = await InstallAsync();
        var (second, secondPass) = await InstallAsync();
        var device = NewDevice(firstPass);
        Assert.Equal(HttpStatusCode.NoContent, (await device.ListAsync(PassType)).Status);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, first.SerialNumber, firstPass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, second.SerialNumber, secondPass.AuthenticationToken));
        await Task.Delay(ListingMargin);

        var all = await device.ListAsync(PassType);
        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.Equal(new[] { first.SerialNumber, second.SerialNumber }.Order(StringComparer.Ordinal), all.SerialNumbers.Order(StringComparer.Ordinal));
        Assert.False(string.IsNullOrEmpty(all.LastUpdated));

        var since = await device.ListAsync(PassType, all.LastUpdated);
        Assert.Equal(HttpStatusCode.NoContent, since.Status);

        // Another device, and another pass type, see nothing of this device's registrations.
        Assert.Equal(HttpStatusCode.NoContent, (await NewDevice(firstPass).ListAsync(PassType)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await device.ListAsync("pass.com.example.other")).Status);
    }

    [Fact]
    public async Task Pass_changed_directly_appears_in_the_next_list_and_in_the_latest_pass()
    {
        var (changed, changedPass) = await InstallAsync(new { seat = "1A" });
        var (unchanged, unchangedPass) = await InstallAsync();
        var device = NewDevice(changedPass);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, changed.SerialNumber, changedPass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, unchanged.SerialNumber, unchangedPass.AuthenticationToken));
        await Task.Delay(ListingMargin);
        var before = await device.ListAsync(PassType);
        Assert.Equal(HttpStatusCode.OK, before.Status);

        var version = await Issuer.ChangeAsync(PassType, changed.SerialNumber, new { fields = new { seat = "31F" } });
        Assert.Equal(2, version);

        var after = await device.ListAsync(PassType, before.LastUpdated);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal([changed.SerialNumber], after.SerialNumbers);
        Assert.True(long.Parse(after.LastUpdated!, System.Globalization.CultureInfo.InvariantCulture) >= long.Parse(before.LastUpdated!, System.Globalization.CultureInfo.InvariantCulture),
            $"tags must not go backwards: {before.LastUpdated} then {after.LastUpdated}");

        var (latest, _) = await device.FetchPassAsync(PassType, changed.SerialNumber, changedPass.AuthenticationToken);
        latest.AssertVerifies(server.Chain.Wwdr);
        Assert.Equal("31F", latest.FieldValue("seat"));
        Assert.Equal(changedPass.AuthenticationToken, latest.AuthenticationToken);
        Assert.Equal(changed.SerialNumber, latest.SerialNumber);
        Assert.Equal(2, (await Issuer.GetPassInfoAsync(PassType, changed.SerialNumber)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_change_that_changes_nothing_is_no_new_version_and_lists_nothing()
    {
        var groupId = TestEnvironment.UniqueId("same");
        using (var created = await Issuer.PutGroupAsync(groupId, new { templateId = InProcessServerFixture.BoardingTemplate, fields = new { gate = "A1" } }))
            await Expect.Json(created, HttpStatusCode.Created);
        var (issued, pass) = await InstallAsync(new { seat = "1A" }, groupId);
        var device = NewDevice(pass);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, issued.SerialNumber, pass.AuthenticationToken));
        await Task.Delay(ListingMargin);
        var before = await device.ListAsync(PassType);
        var (_, lastModified) = await device.FetchPassAsync(PassType, issued.SerialNumber, pass.AuthenticationToken);

        // An empty PATCH, a value set again, the group's content put again: none is a version devices must fetch.
        Assert.Equal(1, await Issuer.ChangeAsync(PassType, issued.SerialNumber, new { }));
        Assert.Equal(1, await Issuer.ChangeAsync(PassType, issued.SerialNumber, new { fields = new { seat = "1A" } }));
        using (var again = await Issuer.PutGroupAsync(groupId, new { fields = new { gate = "A1" } }))
            Assert.Equal(1, (await Expect.Json(again, HttpStatusCode.OK)).GetProperty("version").GetInt64());

        Assert.Equal(HttpStatusCode.NoContent, (await device.ListAsync(PassType, before.LastUpdated)).Status);
        using (var notModified = await device.GetPassAsync(PassType, issued.SerialNumber, pass.AuthenticationToken, lastModified))
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        // A real change still is one.
        Assert.Equal(2, await Issuer.ChangeAsync(PassType, issued.SerialNumber, new { fields = new { seat = "2B" } }));
        Assert.Equal([issued.SerialNumber], (await device.ListAsync(PassType, before.LastUpdated)).SerialNumbers);
    }

    [Fact]
    public async Task Pass_changed_through_its_group_appears_in_the_next_list_and_shows_the_group_value()
    {
        var groupId = TestEnvironment.UniqueId("flight");
        using (var created = await Issuer.PutGroupAsync(groupId, new { templateId = InProcessServerFixture.BoardingTemplate, fields = new { gate = "A1" } }))
        {
            var json = await Expect.Json(created, HttpStatusCode.Created);
            Assert.Equal(groupId, json.GetProperty("groupId").GetString());
        }
        var (member, memberPass) = await InstallAsync(groupId: groupId);
        Assert.Equal("A1", memberPass.FieldValue("gate"));
        var (outsider, outsiderPass) = await InstallAsync();
        var device = NewDevice(memberPass);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, member.SerialNumber, memberPass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, outsider.SerialNumber, outsiderPass.AuthenticationToken));
        var (_, lastModified) = await device.FetchPassAsync(PassType, member.SerialNumber, memberPass.AuthenticationToken);
        var infoBefore = await Issuer.GetPassInfoAsync(PassType, member.SerialNumber);
        await Task.Delay(ListingMargin);
        var before = await device.ListAsync(PassType);
        Assert.Equal(HttpStatusCode.OK, before.Status);

        using (var changed = await Issuer.PutGroupAsync(groupId, new { fields = new { gate = "B7" } }))
        {
            var json = await Expect.Json(changed, HttpStatusCode.OK);
            Assert.Equal(2, json.GetProperty("version").GetInt64());
        }

        var after = await device.ListAsync(PassType, before.LastUpdated);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal([member.SerialNumber], after.SerialNumbers);

        // A device holding the old version gets the new one, with the group's value.
        var (latest, newLastModified) = await device.FetchPassAsync(PassType, member.SerialNumber, memberPass.AuthenticationToken, ifModifiedSince: lastModified);
        latest.AssertVerifies(server.Chain.Wwdr);
        Assert.Equal("B7", latest.FieldValue("gate"));
        Assert.True(newLastModified > lastModified, $"Last-Modified must advance with the group change: {lastModified:R} then {newLastModified:R}");

        // So does the download link, and the issuer sees the pass's update tag move.
        var downloaded = await Issuer.DownloadAsync(member.DownloadUrl, member.SerialNumber);
        Assert.Equal("B7", downloaded.FieldValue("gate"));
        var infoAfter = await Issuer.GetPassInfoAsync(PassType, member.SerialNumber);
        Assert.False(string.Equals(infoBefore.GetProperty("lastUpdated").GetString(), infoAfter.GetProperty("lastUpdated").GetString(), StringComparison.Ordinal),
            $"GET /api/passes lastUpdated must change with the group: {infoBefore} then {infoAfter}");

        // The pass outside the group is untouched.
        var outsiderNow = await Issuer.DownloadAsync(outsider.DownloadUrl, outsider.SerialNumber);
        Assert.Equal("B22", outsiderNow.FieldValue("gate"));
    }

    [Fact]
    public async Task Latest_pass_answers_304_when_unchanged_and_401_without_the_right_token()
    {
        var (issued, pass) = await InstallAsync();
        var device = NewDevice(pass);
        var serial = issued.SerialNumber;

        var (latest, lastModified) = await device.FetchPassAsync(PassType, serial, pass.AuthenticationToken);
        latest.AssertVerifies(server.Chain.Wwdr);

        using (var notModified = await device.GetPassAsync(PassType, serial, pass.AuthenticationToken, ifModifiedSince: lastModified))
        {
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        }
        using (var later = await device.GetPassAsync(PassType, serial, pass.AuthenticationToken, ifModifiedSince: lastModified.AddHours(1)))
            Assert.Equal(HttpStatusCode.NotModified, later.StatusCode);

        using (var wrongToken = await device.GetPassAsync(PassType, serial, "wrong-token-wrong-token-wrong"))
            Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        using (var noToken = await device.GetPassAsync(PassType, serial, token: null))
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        // The version the device holds is in the silo's cache now: a wrong token with its date gets no 304 from it.
        using (var wrongTokenHeld = await device.GetPassAsync(PassType, serial, "wrong-token-wrong-token-wrong", ifModifiedSince: lastModified))
            Assert.Equal(HttpStatusCode.Unauthorized, wrongTokenHeld.StatusCode);
        using (var noTokenHeld = await device.GetPassAsync(PassType, serial, token: null, ifModifiedSince: lastModified))
            Assert.Equal(HttpStatusCode.Unauthorized, noTokenHeld.StatusCode);
        using (var unknown = await device.GetPassAsync(PassType, TestEnvironment.UniqueId("nosuch"), pass.AuthenticationToken))
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);

        // Another pass's token does not open this one.
        var (_, otherPass) = await InstallAsync();
        using (var otherToken = await device.GetPassAsync(PassType, serial, otherPass.AuthenticationToken))
            Assert.Equal(HttpStatusCode.Unauthorized, otherToken.StatusCode);
        using (var otherTokenHeld = await device.GetPassAsync(PassType, serial, otherPass.AuthenticationToken, ifModifiedSince: lastModified))
            Assert.Equal(HttpStatusCode.Unauthorized, otherTokenHeld.StatusCode);
    }

    [Fact]
    public async Task Changed_pass_is_sent_in_full_to_a_device_holding_an_older_version_even_within_one_second()
    {
        var (issued, pass) = await InstallAsync(new { seat = "1A" });
        var device = NewDevice(pass);
        var serial = issued.SerialNumber;
        var token = pass.AuthenticationToken;
        var (_, original) = await device.FetchPassAsync(PassType, serial, token);

        await Issuer.ChangeAsync(PassType, serial, new { fields = new { seat = "2B" } });
        var (afterFirst, firstModified) = await device.FetchPassAsync(PassType, serial, token, ifModifiedSince: original);
        Assert.Equal("2B", afterFirst.FieldValue("seat"));
        Assert.True(firstModified > original, $"Last-Modified must advance: {original:R} then {firstModified:R}");

        // Two changes within one second: a device holding the first must never be told 304.
        var clock = Stopwatch.StartNew();
        await Issuer.ChangeAsync(PassType, serial, new { fields = new { seat = "3C" } });
        var (held, heldModified) = await device.FetchPassAsync(PassType, serial, token);
        Assert.Equal("3C", held.FieldValue("seat"));
        await Issuer.ChangeAsync(PassType, serial, new { fields = new { seat = "4D" } });
        var elapsed = clock.Elapsed;
        var (newest, newestModified) = await device.FetchPassAsync(PassType, serial, token, ifModifiedSince: heldModified);
        Assert.Equal("4D", newest.FieldValue("seat"));
        Assert.True(newestModified > heldModified, $"two changes {elapsed.TotalMilliseconds:F0} ms apart got Last-Modified {heldModified:R} and {newestModified:R}");

        // Holding the newest version, the device is told 304.
        using var current = await device.GetPassAsync(PassType, serial, token, ifModifiedSince: newestModified);
        Assert.Equal(HttpStatusCode.NotModified, current.StatusCode);
        Assert.Equal(4, (await Issuer.GetPassInfoAsync(PassType, serial)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Pass_changed_right_after_rapid_group_changes_is_never_answered_304()
    {
        // Each owner (pass, group, template) moves its Last-Modified second forward by at least one per
        // change, so a burst of group changes puts the group's second ahead of the clock. A pass change
        // made right after must still give the pass a Last-Modified later than what the device holds.
        var groupId = TestEnvironment.UniqueId("burst");
        using (var created = await Issuer.PutGroupAsync(groupId, new { templateId = InProcessServerFixture.BoardingTemplate, fields = new { gate = "A1" } }))
            await Expect.Json(created, HttpStatusCode.Created);
        var (issued, pass) = await InstallAsync(new { seat = "1A" }, groupId);
        var device = NewDevice(pass);
        var serial = issued.SerialNumber;
        var token = pass.AuthenticationToken;

        for (var i = 2; i <= 6; i++)
        {
            using var changed = await Issuer.PutGroupAsync(groupId, new { fields = new { gate = $"A{i}" } });
            await Expect.Json(changed, HttpStatusCode.OK);
        }
        var (held, heldModified) = await device.FetchPassAsync(PassType, serial, token);
        Assert.Equal("A6", held.FieldValue("gate"));

        await Issuer.ChangeAsync(PassType, serial, new { fields = new { seat = "9Z" } });

        using var response = await device.GetPassAsync(PassType, serial, token, ifModifiedSince: heldModified);
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"the pass changed (seat 1A -> 9Z) after the device fetched it with Last-Modified {heldModified:R}, " +
            $"but If-Modified-Since {heldModified:R} was answered {(int)response.StatusCode} (Last-Modified now {response.Content.Headers.LastModified:R})");
        Assert.Equal("9Z", PassPackage.Read(await response.Content.ReadAsByteArrayAsync()).FieldValue("seat"));
    }

    [Fact]
    public async Task Group_changed_right_after_rapid_pass_changes_is_never_answered_304()
    {
        var groupId = TestEnvironment.UniqueId("burst");
        using (var created = await Issuer.PutGroupAsync(groupId, new { templateId = InProcessServerFixture.BoardingTemplate, fields = new { gate = "A1" } }))
            await Expect.Json(created, HttpStatusCode.Created);
        var (issued, pass) = await InstallAsync(new { seat = "1A" }, groupId);
        var device = NewDevice(pass);
        var serial = issued.SerialNumber;
        var token = pass.AuthenticationToken;

        for (var i = 2; i <= 6; i++)
            await Issuer.ChangeAsync(PassType, serial, new { fields = new { seat = $"{i}A" } });
        var (held, heldModified) = await device.FetchPassAsync(PassType, serial, token);
        Assert.Equal("6A", held.FieldValue("seat"));

        using (var changed = await Issuer.PutGroupAsync(groupId, new { fields = new { gate = "Z9" } }))
            await Expect.Json(changed, HttpStatusCode.OK);

        using var response = await device.GetPassAsync(PassType, serial, token, ifModifiedSince: heldModified);
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"the group changed (gate A1 -> Z9) after the device fetched the pass with Last-Modified {heldModified:R}, " +
            $"but If-Modified-Since {heldModified:R} was answered {(int)response.StatusCode} (Last-Modified now {response.Content.Headers.LastModified:R})");
        Assert.Equal("Z9", PassPackage.Read(await response.Content.ReadAsByteArrayAsync()).FieldValue("gate"));
    }

    [Fact]
    public async Task Pass_and_group_changed_within_one_second_are_both_sent()
    {
        var groupId = TestEnvironment.UniqueId("same-second");
        using (var created = await Issuer.PutGroupAsync(groupId, new { templateId = InProcessServerFixture.BoardingTemplate, fields = new { gate = "A1" } }))
            await Expect.Json(created, HttpStatusCode.Created);
        var (issued, pass) = await InstallAsync(new { seat = "1A" }, groupId);
        var device = NewDevice(pass);
        var serial = issued.SerialNumber;
        var token = pass.AuthenticationToken;
        await Task.Delay(ListingMargin);

        using (var changed = await Issuer.PutGroupAsync(groupId, new { fields = new { gate = "B2" } }))
            await Expect.Json(changed, HttpStatusCode.OK);
        var (afterGroup, groupModified) = await device.FetchPassAsync(PassType, serial, token);
        Assert.Equal("B2", afterGroup.FieldValue("gate"));
        await Issuer.ChangeAsync(PassType, serial, new { fields = new { seat = "2B" } });
        var (afterPass, _) = await device.FetchPassAsync(PassType, serial, token, ifModifiedSince: groupModified);
        Assert.Equal("2B", afterPass.FieldValue("seat"));
        Assert.Equal("B2", afterPass.FieldValue("gate"));
    }

    [Fact]
    public async Task A_pass_and_its_group_changed_in_one_second_answer_304_again_once_that_second_has_passed()
    {
        var groupId = TestEnvironment.UniqueId("settle");
        using (var created = await Issuer.PutGroupAsync(groupId, new { templateId = InProcessServerFixture.BoardingTemplate, fields = new { gate = "A1" } }))
            await Expect.Json(created, HttpStatusCode.Created);
        var (issued, pass) = await InstallAsync(new { seat = "1A" }, groupId);
        var device = NewDevice(pass);
        var serial = issued.SerialNumber;
        var token = pass.AuthenticationToken;

        // Both changes in one second: the device's Last-Modified then names two versions, and asking with it gets the
        // pass again rather than a 304. When the clock ticks over between the changes, there is no ambiguity: try again.
        DateTimeOffset lastModified = default;
        var ambiguous = false;
        for (var attempt = 0; attempt < 10 && !ambiguous; attempt++)
        {
            await Issuer.ChangeAsync(PassType, serial, new { fields = new { seat = $"S{attempt}" } });
            using (var changed = await Issuer.PutGroupAsync(groupId, new { fields = new { gate = $"G{attempt}" } }))
                await Expect.Json(changed, HttpStatusCode.OK);
            (_, lastModified) = await device.FetchPassAsync(PassType, serial, token);
            using var again = await device.GetPassAsync(PassType, serial, token, lastModified);
            ambiguous = again.StatusCode == HttpStatusCode.OK;
        }
        Assert.True(ambiguous);

        // Once that second has passed, one more download gives the pass a second of its own, and then it is 304
        // (before, every request was answered in full for ever).
        var ambiguousSecond = lastModified;
        var status = HttpStatusCode.OK;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (status != HttpStatusCode.NotModified && DateTimeOffset.UtcNow < deadline)
        {
            using var response = await device.GetPassAsync(PassType, serial, token, lastModified);
            status = response.StatusCode;
            if (status == HttpStatusCode.OK)
            {
                lastModified = response.Content.Headers.LastModified!.Value;
                Assert.True(lastModified <= DateTimeOffset.UtcNow.AddSeconds(1), "Last-Modified ran ahead of the clock");
                await Task.Delay(100);
            }
        }
        Assert.Equal(HttpStatusCode.NotModified, status);
        Assert.True(lastModified > ambiguousSecond);
        using (var latest = await device.GetPassAsync(PassType, serial, token, lastModified))
            Assert.Equal(HttpStatusCode.NotModified, latest.StatusCode);
    }

    [Fact]
    public async Task Template_revision_reaches_devices_holding_its_passes()
    {
        var templateId = TestEnvironment.UniqueId("tpl");
        var boarding = TestEnvironment.Model("boarding");
        using (var upload = await Issuer.UploadTemplateAsync(templateId, ModelZip.FromFolder(boarding)))
            await Expect.Json(upload, HttpStatusCode.Created);
        var serial = TestEnvironment.UniqueId("rev");
        var issued = await Issuer.IssueAsync(new { templateId, serialNumber = serial });
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, serial);
        var device = NewDevice(pass);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        var (_, lastModified) = await device.FetchPassAsync(PassType, serial, pass.AuthenticationToken);
        await Task.Delay(ListingMargin);
        var before = await device.ListAsync(PassType);
        Assert.Equal(HttpStatusCode.OK, before.Status);

        var revised = (await File.ReadAllTextAsync(Path.Combine(boarding, "pass.json"))).Replace("Boarding pass LH 400", "Boarding pass LH 401", StringComparison.Ordinal);
        var zip = ModelZip.FromFolder(boarding, exclude: name => name == "pass.json", extra: new Dictionary<string, byte[]> { ["pass.json"] = Encoding.UTF8.GetBytes(revised) });
        using (var upload = await Issuer.UploadTemplateAsync(templateId, zip))
            Assert.Equal(2, (await Expect.Json(upload, HttpStatusCode.OK)).GetProperty("revision").GetInt32());

        var after = await device.ListAsync(PassType, before.LastUpdated);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal([serial], after.SerialNumbers);
        var (latest, _) = await device.FetchPassAsync(PassType, serial, pass.AuthenticationToken, ifModifiedSince: lastModified);
        latest.AssertVerifies(server.Chain.Wwdr);
        Assert.Equal("Boarding pass LH 401", (string?)latest.PassJson["description"]);
        Assert.Equal(pass.AuthenticationToken, latest.AuthenticationToken);
    }

    [Fact]
    public async Task Numeric_looking_serials_and_hex_device_ids_stay_distinct()
    {
        // Orleans' ADO.NET storage reads hex-looking keys as numbers or GUIDs; "020235" and "20235" must stay two passes.
        var number = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var padded = "0" + number;
        var plain = await Issuer.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = number, fields = new { seat = "1A" } });
        var zero = await Issuer.IssueAsync(new { templateId = InProcessServerFixture.BoardingTemplate, serialNumber = padded, fields = new { seat = "2B" } });
        var plainPass = await Issuer.DownloadAsync(plain.DownloadUrl, number);
        var zeroPass = await Issuer.DownloadAsync(zero.DownloadUrl, padded);
        Assert.Equal("1A", plainPass.FieldValue("seat"));
        Assert.Equal("2B", zeroPass.FieldValue("seat"));
        Assert.NotEqual(plainPass.AuthenticationToken, zeroPass.AuthenticationToken);

        // Two devices whose ids differ only in case of hex digits... are different devices (ids are opaque).
        var hex = Guid.NewGuid().ToString("N");
        var lower = new WalletDevice(Http, plainPass.WebServiceUrl, hex);
        var upper = new WalletDevice(Http, plainPass.WebServiceUrl, hex.ToUpperInvariant());
        Assert.Equal(HttpStatusCode.Created, await lower.RegisterAsync(PassType, number, plainPass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.Created, await upper.RegisterAsync(PassType, padded, zeroPass.AuthenticationToken));
        Assert.Equal([number], (await lower.ListAsync(PassType)).SerialNumbers);
        Assert.Equal([padded], (await upper.ListAsync(PassType)).SerialNumbers);
        Assert.Equal(1, (await Issuer.GetPassInfoAsync(PassType, number)).GetProperty("devices").GetInt32());
        Assert.Equal(1, (await Issuer.GetPassInfoAsync(PassType, padded)).GetProperty("devices").GetInt32());
    }

    [Fact]
    public async Task Voided_pass_is_listed_and_served_voided()
    {
        var (issued, pass) = await InstallAsync();
        var device = NewDevice(pass);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, issued.SerialNumber, pass.AuthenticationToken));
        var (_, lastModified) = await device.FetchPassAsync(PassType, issued.SerialNumber, pass.AuthenticationToken);
        await Task.Delay(ListingMargin);
        var before = await device.ListAsync(PassType);

        using (var voided = await Issuer.SendAsync(HttpMethod.Post, $"api/passes/{PassType}/{issued.SerialNumber}/void"))
            Assert.Equal(2, (await Expect.Json(voided, HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.True((await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber)).GetProperty("voided").GetBoolean());

        Assert.Equal([issued.SerialNumber], (await device.ListAsync(PassType, before.LastUpdated)).SerialNumbers);
        var (latest, _) = await device.FetchPassAsync(PassType, issued.SerialNumber, pass.AuthenticationToken, ifModifiedSince: lastModified);
        latest.AssertVerifies(server.Chain.Wwdr);
        Assert.Equal(true, (bool?)latest.PassJson["voided"]);
    }

    [Fact]
    public async Task Unregister_removes_the_pass_from_the_device_list()
    {
        var (issued, pass) = await InstallAsync();
        var device = NewDevice(pass);
        var serial = issued.SerialNumber;
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.OK, (await device.ListAsync(PassType)).Status);

        Assert.Equal(HttpStatusCode.Unauthorized, await device.UnregisterAsync(PassType, serial, "wrong-token-wrong-token-wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, await device.UnregisterAsync(PassType, serial, token: null));
        Assert.Equal(HttpStatusCode.OK, (await device.ListAsync(PassType)).Status);

        Assert.Equal(HttpStatusCode.OK, await device.UnregisterAsync(PassType, serial, pass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.NoContent, (await device.ListAsync(PassType)).Status);
        Assert.Equal(0, (await Issuer.GetPassInfoAsync(PassType, serial)).GetProperty("devices").GetInt32());

        // Registering again after unregistering is a new registration.
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));
        Assert.Equal(HttpStatusCode.OK, (await device.ListAsync(PassType)).Status);
    }

    [Fact]
    public async Task Log_messages_are_accepted_and_shown_to_the_issuer()
    {
        var message = $"Web service error for {PassType}: test message {Guid.NewGuid():N}";
        using (var response = await WalletDevice.PostLogAsync(Http, server.Settings.BaseUrl, JsonSerializer.Serialize(new { logs = new[] { message } })))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Anyone may post here: a body that is not a list of strings is refused, naming what is wrong, and kept nowhere.
        using (var malformed = await WalletDevice.PostLogAsync(Http, server.Settings.BaseUrl, "{\"logs\": 12"))
            await Expect.Problem(malformed, HttpStatusCode.BadRequest);
        using (var wrongType = await WalletDevice.PostLogAsync(Http, server.Settings.BaseUrl, "{\"logs\": 12}"))
            await Expect.Problem(wrongType, HttpStatusCode.BadRequest, "logs");
        using (var repeated = await WalletDevice.PostLogAsync(Http, server.Settings.BaseUrl, "{\"logs\": [\"a\"], \"logs\": [\"b\"]}"))
            await Expect.Problem(repeated, HttpStatusCode.BadRequest, "logs");

        using var logs = await Issuer.SendAsync(HttpMethod.Get, "api/device-logs");
        var json = await Expect.Json(logs, HttpStatusCode.OK);
        var messages = json.EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Contains(message, messages);

        using var anonymous = await Issuer.SendAsync(HttpMethod.Get, "api/device-logs", apiKey: null);
        await Expect.Problem(anonymous, HttpStatusCode.Unauthorized);
    }

    private async Task<HttpResponseMessage> PersonalizeAsync(string webServiceUrl, string passType, string serial, string personalizationToken, object? info = null)
    {
        var url = new Uri(new Uri(webServiceUrl), $"v1/passes/{passType}/{serial}/personalize");
        using var content = new StringContent(JsonSerializer.Serialize(new { personalizationToken, requiredPersonalizationInfo = info ?? new { fullName = "Jane Doe" } }),
            Encoding.UTF8, "application/json");
        return await Http.PostAsync(url, content);
    }

    /// <summary>Runs <c>openssl cms -verify</c> of a detached signature over <paramref name="content"/>; the exit code and output.</summary>
    private async Task<(int ExitCode, string Output)> CmsVerifyAsync(byte[] signature, byte[] content)
    {
        using var work = new TempDirectory("cms");
        await File.WriteAllBytesAsync(work.Combine("sig"), signature);
        await File.WriteAllBytesAsync(work.Combine("content"), content);
        var result = await OpenSsl.RunAsync("cms", "-verify", "-binary", "-inform", "DER", "-in", work.Combine("sig"), "-content", work.Combine("content"),
            "-CAfile", server.Chain.Wwdr, "-purpose", "any", "-out", work.Combine("out"));
        return (result.ExitCode, result.Output);
    }

    [OpenSslFact]
    public async Task Personalize_signs_no_forged_manifest_and_answers_an_unknown_serial_like_a_refused_one()
    {
        // The attack: a stranger holding one issued pass asks the unauthenticated endpoint to sign a manifest.json
        // of their own, which would make any pass they build look like the issuer's to Wallet.
        var (issued, pass) = await InstallAsync();
        var manifest = JsonSerializer.Serialize(new Dictionary<string, string> { ["pass.json"] = new string('a', 40), ["icon.png"] = new string('b', 40) });
        using (var forged = await PersonalizeAsync(pass.WebServiceUrl, PassType, issued.SerialNumber, manifest))
        {
            await Expect.Problem(forged, HttpStatusCode.BadRequest, "personalizationToken");
            Assert.NotEqual("application/octet-stream", forged.Content.Headers.ContentType?.MediaType);
            // Nothing in the answer is a signature openssl could check over the forged manifest.
            var verified = await CmsVerifyAsync(await forged.Content.ReadAsByteArrayAsync(), Encoding.UTF8.GetBytes(manifest));
            Assert.NotEqual(0, verified.ExitCode);
        }
        foreach (var notAToken in new[] { "abc", "1234567890123456789", "1e100000000000000", new string('A', 513), "abc{}def0123456789", "null" })
        {
            using var refused = await PersonalizeAsync(pass.WebServiceUrl, PassType, issued.SerialNumber, notAToken);
            await Expect.Problem(refused, HttpStatusCode.BadRequest, "personalizationToken");
        }

        // A token of Wallet's shape for a pass whose template asks for no enrollment (a boarding pass): no signature,
        // and the same answer as for a serial that was never issued, so serials cannot be probed here.
        const string token = "dGhpcyBpcyBhIHdhbGxldCBub25jZQ==";
        using var notPersonalizable = await PersonalizeAsync(pass.WebServiceUrl, PassType, issued.SerialNumber, token);
        using var unknown = await PersonalizeAsync(pass.WebServiceUrl, PassType, TestEnvironment.UniqueId("never-issued"), token);
        using var unknownType = await PersonalizeAsync(pass.WebServiceUrl, "pass.com.example.unknown", issued.SerialNumber, token);
        var bodies = new List<string>();
        foreach (var response in new[] { notPersonalizable, unknown, unknownType })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            bodies.Add($"{body.GetProperty("title").GetString()}|{body.GetProperty("detail").GetString()}");
        }
        Assert.Single(bodies.Distinct());
        Assert.Equal(1, (await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber)).GetProperty("version").GetInt32());
    }

    [OpenSslFact]
    public async Task A_rewards_card_is_personalized_once_and_the_device_then_fetches_the_personalized_pass()
    {
        var serial = TestEnvironment.UniqueId("rw");
        var issued = await Issuer.IssueAsync(new { templateId = InProcessServerFixture.RewardsTemplate, serialNumber = serial });
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, serial);
        Assert.True(pass.Contains("personalization.json"), "the personalizable pass carries personalization.json");
        var device = NewDevice(pass);
        Assert.Equal(HttpStatusCode.Created, await device.RegisterAsync(PassType, serial, pass.AuthenticationToken));

        // Wallet's signup sheet posts the holder's answers and its token; the answer is a detached CMS signature
        // of exactly that token, made with the pass type's certificate.
        var token = Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + Convert.ToHexString(Guid.NewGuid().ToByteArray());
        using var response = await PersonalizeAsync(pass.WebServiceUrl, PassType, serial, token, new { fullName = "Jane Doe", emailAddress = "jane@example.com" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        var signature = await response.Content.ReadAsByteArrayAsync();
        var verified = await CmsVerifyAsync(signature, Encoding.UTF8.GetBytes(token));
        Assert.True(verified.ExitCode == 0, $"openssl cms -verify failed:{Environment.NewLine}{verified.Output}");
        Assert.NotEqual(0, (await CmsVerifyAsync(signature, Encoding.UTF8.GetBytes(token + "x"))).ExitCode);

        // Then Wallet fetches the pass: a new version, without personalization.json.
        var (personalized, _) = await device.FetchPassAsync(PassType, serial, pass.AuthenticationToken);
        personalized.AssertVerifies(server.Chain.Wwdr);
        Assert.False(personalized.Contains("personalization.json"), "the personalized pass must not carry personalization.json");
        Assert.Equal(2, (await Issuer.GetPassInfoAsync(PassType, serial)).GetProperty("version").GetInt32());

        // Enrollment happens once: a second request (anyone's) earns no signature and changes nothing.
        using var again = await PersonalizeAsync(pass.WebServiceUrl, PassType, serial, token, new { fullName = "Mallory" });
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(2, (await Issuer.GetPassInfoAsync(PassType, serial)).GetProperty("version").GetInt32());
    }
}
