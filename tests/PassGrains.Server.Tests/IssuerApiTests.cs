using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// The issuer API as an issuer's integration meets it: every refusal is application/problem+json with
/// the offending field named, and a refused request changes nothing.
/// </summary>
public sealed class IssuerApiTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private const string Template = InProcessServerFixture.BoardingTemplate;

    private PassGrainsClient Issuer => server.Client;

    private static string Serial() => TestEnvironment.UniqueId("api");

    [Fact]
    public async Task The_dashboard_stays_closed_and_says_how_to_open_it_without_operator_keys()
    {
        // This server has issuer keys only: no key of any kind opens the dashboard.
        using var response = await Issuer.SendAsync(HttpMethod.Get, "dashboard/");
        var problem = await Expect.Problem(response, HttpStatusCode.Unauthorized);
        Assert.Contains("PassGrains:OperatorApiKeys", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Requests_without_a_valid_api_key_are_401_problems()
    {
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = Serial() });
        var attempts = new (HttpMethod Method, string Path, Func<HttpContent?> Body)[]
        {
            (HttpMethod.Post, "api/passes", () => PassGrainsClient.JsonBody(new { templateId = Template })),
            (HttpMethod.Get, $"api/passes/{PassType}/{issued.SerialNumber}", () => null),
            (HttpMethod.Patch, $"api/passes/{PassType}/{issued.SerialNumber}", () => PassGrainsClient.JsonBody(new { fields = new { seat = "9Z" } })),
            (HttpMethod.Put, "api/groups/unauthorized-group", () => PassGrainsClient.JsonBody(new { templateId = Template })),
            (HttpMethod.Put, "api/templates/unauthorized-template", () => new ByteArrayContent(ModelZip.FromFolder(TestEnvironment.Model("generic")))),
            (HttpMethod.Get, "api/device-logs", () => null),
        };
        foreach (var (method, path, body) in attempts)
        {
            foreach (var key in new[] { null, "wrong-issuer-key-0123456789", TestEnvironment.ApiKey + "x" })
            {
                using var response = await Issuer.SendAsync(method, path, body(), apiKey: key);
                await Expect.Problem(response, HttpStatusCode.Unauthorized);
            }
        }

        // Another scheme carrying the right key is not accepted either.
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"api/passes/{PassType}/{issued.SerialNumber}"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("ApplePass", TestEnvironment.ApiKey);
            using var response = await Issuer.Http.SendAsync(request);
            await Expect.Problem(response, HttpStatusCode.Unauthorized);
        }

        // Nothing was changed or created by the refused requests.
        var info = await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber);
        Assert.Equal(1, info.GetProperty("version").GetInt64());
        using var group = await Issuer.PutGroupAsync("unauthorized-group", new { fields = new { gate = "C3" } });
        await Expect.Problem(group, HttpStatusCode.BadRequest, "templateId");
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem()
    {
        foreach (var text in new[] { "{\"templateId\": ", "not json", "[1, 2]", "\"a string\"" })
        {
            using var response = await Issuer.SendAsync(HttpMethod.Post, "api/passes", PassGrainsClient.RawJson(text));
            var problem = await Expect.Problem(response, HttpStatusCode.BadRequest, "$");
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        }
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = Serial() });
        using (var patch = await Issuer.SendAsync(HttpMethod.Patch, $"api/passes/{PassType}/{issued.SerialNumber}", PassGrainsClient.RawJson("{\"fields\": {")))
            await Expect.Problem(patch, HttpStatusCode.BadRequest, "$");
        using (var group = await Issuer.SendAsync(HttpMethod.Put, "api/groups/malformed", PassGrainsClient.RawJson("{")))
            await Expect.Problem(group, HttpStatusCode.BadRequest, "$");
        using (var wrongType = await Issuer.SendAsync(HttpMethod.Post, "api/passes", new StringContent("templateId=boarding", Encoding.UTF8, "text/plain")))
            await Expect.Problem(wrongType, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Unknown_template_is_a_400_naming_templateId()
    {
        var serial = Serial();
        using (var response = await Issuer.PostPassAsync(new { templateId = "no-such-template", serialNumber = serial }))
        {
            var problem = await Expect.Problem(response, HttpStatusCode.BadRequest, "templateId");
            Assert.Contains("no-such-template", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using (var missing = await Issuer.PostPassAsync(new { serialNumber = serial }))
            await Expect.Problem(missing, HttpStatusCode.BadRequest, "templateId");
        using (var group = await Issuer.PutGroupAsync(TestEnvironment.UniqueId("grp"), new { templateId = "no-such-template" }))
            Assert.Equal(HttpStatusCode.BadRequest, group.StatusCode);

        // The refused pass was not created.
        using var get = await Issuer.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}");
        await Expect.Problem(get, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_group_and_bad_field_values_are_400_naming_the_field()
    {
        using (var group = await Issuer.PostPassAsync(new { templateId = Template, serialNumber = Serial(), groupId = "no-such-group" }))
            await Expect.Problem(group, HttpStatusCode.BadRequest, "groupId");
        using (var objectValue = await Issuer.PostPassAsync(new { templateId = Template, serialNumber = Serial(), fields = new { seat = new { nested = 1 } } }))
            await Expect.Problem(objectValue, HttpStatusCode.BadRequest, "fields.seat");
        using (var badSerial = await Issuer.PostPassAsync(new { templateId = Template, serialNumber = "../etc/passwd" }))
            await Expect.Problem(badSerial, HttpStatusCode.BadRequest, "serialNumber");
    }

    [Fact]
    public async Task Unknown_field_key_is_a_400_and_changes_nothing()
    {
        var serial = Serial();
        using (var response = await Issuer.PostPassAsync(new { templateId = Template, serialNumber = serial, fields = new { gaet = "7" } }))
        {
            var problem = await Expect.Problem(response, HttpStatusCode.BadRequest);
            Assert.Contains(Expect.Errors(problem), e => e.Message.Contains("gaet", StringComparison.Ordinal));
        }
        using (var get = await Issuer.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}"))
            await Expect.Problem(get, HttpStatusCode.NotFound);

        // The same typo in a change is refused and leaves the pass as it was.
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = Serial() });
        using (var patch = await Issuer.PatchAsync(PassType, issued.SerialNumber, new { fields = new { gaet = "7" } }))
        {
            var problem = await Expect.Problem(patch, HttpStatusCode.BadRequest);
            Assert.Contains(Expect.Errors(problem), e => e.Message.Contains("gaet", StringComparison.Ordinal));
        }
        Assert.Equal(1, (await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Unknown_field_key_error_names_the_field_in_errors()
    {
        // Errors name the offending field. The issuer sent fields.gaet; a type error in the same
        // place is reported as "fields.gaet", so an unknown key should be too, not as "$" (the whole document).
        using var response = await Issuer.PostPassAsync(new { templateId = Template, serialNumber = Serial(), fields = new { gaet = "7" } });
        var problem = await Expect.Problem(response, HttpStatusCode.BadRequest);
        Assert.True(Expect.Errors(problem).Any(e => e.Field.Contains("gaet", StringComparison.Ordinal)),
            $"errors[].field must name the unknown key (e.g. fields.gaet), not only the message: {problem}");
    }

    [Fact]
    public async Task Invalid_color_in_the_pass_patch_is_a_400_naming_the_key()
    {
        var serial = Serial();
        using (var response = await Issuer.PostPassAsync(new { templateId = Template, serialNumber = serial, pass = new { backgroundColor = "#ff0000" } }))
        {
            var problem = await Expect.Problem(response, HttpStatusCode.BadRequest);
            Assert.True(Expect.Errors(problem).Any(e => e.Field.Contains("backgroundColor", StringComparison.Ordinal)),
                $"an error must name backgroundColor: {problem}");
        }
        using (var get = await Issuer.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}"))
            await Expect.Problem(get, HttpStatusCode.NotFound);

        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = Serial() });
        using (var patch = await Issuer.PatchAsync(PassType, issued.SerialNumber, new { pass = new { foregroundColor = "rgb(300, 0, 0)" } }))
        {
            var problem = await Expect.Problem(patch, HttpStatusCode.BadRequest);
            Assert.True(Expect.Errors(problem).Any(e => e.Field.Contains("foregroundColor", StringComparison.Ordinal)),
                $"an error must name foregroundColor: {problem}");
        }
        using (var notAnObject = await Issuer.PatchAsync(PassType, issued.SerialNumber, new { pass = "voided" }))
            await Expect.Problem(notAnObject, HttpStatusCode.BadRequest, "pass");
        Assert.Equal(1, (await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber)).GetProperty("version").GetInt64());
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
        Assert.Equal("rgb(255, 255, 255)", (string?)pass.PassJson["foregroundColor"]);
    }

    [Fact]
    public async Task Reserved_pass_json_keys_cannot_be_patched()
    {
        foreach (var key in new[] { "serialNumber", "passTypeIdentifier", "teamIdentifier", "authenticationToken", "webServiceURL" })
        {
            var patch = new Dictionary<string, object> { [key] = "hijacked" };
            using var create = await Issuer.PostPassAsync(new { templateId = Template, serialNumber = Serial(), pass = patch });
            await Expect.Problem(create, HttpStatusCode.BadRequest, $"pass.{key}");
        }

        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = Serial() });
        using (var response = await Issuer.PatchAsync(PassType, issued.SerialNumber, new { pass = new { serialNumber = "other" } }))
            await Expect.Problem(response, HttpStatusCode.BadRequest, "pass.serialNumber");
        using (var response = await Issuer.PatchAsync(PassType, issued.SerialNumber, new { pass = new { authenticationToken = "0000000000000000000000" } }))
            await Expect.Problem(response, HttpStatusCode.BadRequest, "pass.authenticationToken");
        using (var response = await Issuer.PutGroupAsync(TestEnvironment.UniqueId("grp"), new { templateId = Template, pass = new { webServiceURL = "https://evil.example/" } }))
            await Expect.Problem(response, HttpStatusCode.BadRequest, "pass.webServiceURL");

        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
        Assert.Equal(issued.SerialNumber, pass.SerialNumber);
        Assert.Equal(server.Settings.BaseUrl, pass.WebServiceUrl);
        Assert.Equal(1, (await Issuer.GetPassInfoAsync(PassType, issued.SerialNumber)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Duplicate_serial_is_a_409_naming_serialNumber_and_keeps_the_first_pass()
    {
        var serial = Serial();
        var first = await Issuer.IssueAsync(new { templateId = Template, serialNumber = serial, fields = new { seat = "1A" } });
        var firstPass = await Issuer.DownloadAsync(first.DownloadUrl, serial);

        using (var again = await Issuer.PostPassAsync(new { templateId = Template, serialNumber = serial, fields = new { seat = "2B" } }))
            await Expect.Problem(again, HttpStatusCode.Conflict, "serialNumber");

        var pass = await Issuer.DownloadAsync(first.DownloadUrl, serial);
        Assert.Equal("1A", pass.FieldValue("seat"));
        Assert.Equal(firstPass.AuthenticationToken, pass.AuthenticationToken);
        Assert.Equal(1, (await Issuer.GetPassInfoAsync(PassType, serial)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Body_over_one_mebibyte_is_a_413_problem()
    {
        var serial = Serial();
        var huge = new string('x', 1024 * 1024 + 100);
        using (var response = await Issuer.PostPassAsync(new { templateId = Template, serialNumber = serial, fields = new { seat = huge } }))
            await Expect.Problem(response, HttpStatusCode.RequestEntityTooLarge);

        // Without a Content-Length (chunked), the limit holds while reading.
        using (var chunked = new ChunkedJsonContent(JsonSerializer.SerializeToUtf8Bytes(new { templateId = Template, serialNumber = serial, fields = new { seat = huge } })))
        {
            using var response = await Issuer.SendAsync(HttpMethod.Post, "api/passes", chunked);
            await Expect.Problem(response, HttpStatusCode.RequestEntityTooLarge);
        }

        using (var get = await Issuer.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}"))
            await Expect.Problem(get, HttpStatusCode.NotFound);

        // The server is still fine afterwards.
        await Issuer.IssueAsync(new { templateId = Template, serialNumber = Serial() });
    }

    [Fact]
    public async Task Hostile_or_broken_template_zips_are_400_and_store_nothing()
    {
        var templateId = TestEnvironment.UniqueId("tpl");
        var boarding = TestEnvironment.Model("boarding");
        using (var upload = await Issuer.UploadTemplateAsync(templateId, ModelZip.FromFolder(boarding)))
        {
            var json = await Expect.Json(upload, HttpStatusCode.Created);
            Assert.Equal(1, json.GetProperty("revision").GetInt32());
            Assert.Equal(PassType, json.GetProperty("passTypeIdentifier").GetString());
        }
        var issued = await Issuer.IssueAsync(new { templateId, serialNumber = Serial() });
        var original = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);

        var icon = await File.ReadAllBytesAsync(Path.Combine(boarding, "icon.png"));
        var otherType = (await File.ReadAllTextAsync(Path.Combine(boarding, "pass.json"))).Replace(PassType, "pass.com.example.unconfigured", StringComparison.Ordinal);
        var hostile = new (string Name, byte[] Zip, string Mentions)[]
        {
            ("path traversal", ModelZip.FromFolder(boarding, extra: new Dictionary<string, byte[]> { ["../evil.png"] = icon }), "evil.png"),
            ("absolute path", ModelZip.FromFolder(boarding, extra: new Dictionary<string, byte[]> { ["/etc/evil.png"] = icon }), "evil.png"),
            ("not a zip", Encoding.UTF8.GetBytes("this is not a zip file, just text pretending to be one"), "zip"),
            ("no icon", ModelZip.FromFolder(boarding, exclude: name => name.StartsWith("icon", StringComparison.Ordinal)), "icon"),
            ("no pass.json", ModelZip.FromFolder(boarding, exclude: name => name == "pass.json"), "pass.json"),
            ("broken pass.json", ModelZip.FromFolder(boarding, exclude: name => name == "pass.json", extra: new Dictionary<string, byte[]> { ["pass.json"] = "{\"formatVersion\": "u8.ToArray() }), "pass.json"),
            ("unconfigured pass type", ModelZip.FromFolder(boarding, exclude: name => name == "pass.json", extra: new Dictionary<string, byte[]> { ["pass.json"] = Encoding.UTF8.GetBytes(otherType) }), "passTypeIdentifier"),
        };
        foreach (var (name, zip, mentions) in hostile)
        {
            using var response = await Issuer.UploadTemplateAsync(templateId, zip);
            var problem = await Expect.Problem(response, HttpStatusCode.BadRequest);
            var errors = Expect.Errors(problem);
            Assert.True(errors.Count > 0, $"{name}: the 400 must list errors[]: {problem}");
            Assert.True(errors.Any(e => e.Field.Contains(mentions, StringComparison.Ordinal) || e.Message.Contains(mentions, StringComparison.Ordinal)),
                $"{name}: an error must name '{mentions}': {problem}");

            // Nothing was stored: the pass issued from revision 1 still downloads, unchanged and valid.
            var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
            pass.AssertVerifies(server.Chain.Wwdr);
            Assert.Equal((string?)original.PassJson["description"], (string?)pass.PassJson["description"]);
        }

        // A hostile upload under a new id creates no template.
        var neverCreated = TestEnvironment.UniqueId("tpl");
        using (var response = await Issuer.UploadTemplateAsync(neverCreated, hostile[0].Zip))
            await Expect.Problem(response, HttpStatusCode.BadRequest);
        using (var response = await Issuer.PostPassAsync(new { templateId = neverCreated, serialNumber = Serial() }))
            await Expect.Problem(response, HttpStatusCode.BadRequest, "templateId");

        // The next good upload is revision 2: none of the refused ones took a revision.
        using (var upload = await Issuer.UploadTemplateAsync(templateId, ModelZip.FromFolder(boarding)))
            Assert.Equal(2, (await Expect.Json(upload, HttpStatusCode.OK)).GetProperty("revision").GetInt32());
        using (var badId = await Issuer.UploadTemplateAsync("-bad%20id", ModelZip.FromFolder(boarding)))
            await Expect.Problem(badId, HttpStatusCode.BadRequest, "templateId");
    }

    [Fact]
    public async Task A_template_made_with_Apples_tools_is_accepted_and_its_passes_leave_out_what_Wallet_does_not_read()
    {
        var templateId = TestEnvironment.UniqueId("tpl");
        var boarding = TestEnvironment.Model("boarding");
        // Saved by a Windows editor ("UTF-8 with BOM") and exported with Apple's tooling.json beside it.
        var passJson = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(await File.ReadAllBytesAsync(Path.Combine(boarding, "pass.json"))).ToArray();
        var zip = ModelZip.FromFolder(boarding, exclude: name => name == "pass.json", extra: new Dictionary<string, byte[]>
        {
            ["pass.json"] = passJson,
            ["tooling.json"] = """{"version":1,"tool":"Pass Designer"}"""u8.ToArray(),
        });
        using (var upload = await Issuer.UploadTemplateAsync(templateId, zip))
        {
            var json = await Expect.Json(upload, HttpStatusCode.Created);
            var warnings = json.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
            Assert.Contains(warnings, w => w.Contains("tooling.json", StringComparison.Ordinal) && w.Contains("left out of the signed pass", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.Contains("pass.json", StringComparison.Ordinal) && w.Contains("byte-order mark", StringComparison.Ordinal));
        }

        var issued = await Issuer.IssueAsync(new { templateId, serialNumber = Serial() });
        var pass = await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
        pass.AssertVerifies(server.Chain.Wwdr);
        Assert.False(pass.Contains("tooling.json"), "the signed pass holds tooling.json");
        Assert.Equal(PassType, (string?)pass.PassJson["passTypeIdentifier"]);
    }

    [Fact]
    public async Task Unknown_passes_are_404_problems()
    {
        var serial = Serial();
        using (var get = await Issuer.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}"))
            await Expect.Problem(get, HttpStatusCode.NotFound);
        using (var get = await Issuer.SendAsync(HttpMethod.Get, $"api/passes/pass.com.example.unknown/{serial}"))
            await Expect.Problem(get, HttpStatusCode.NotFound);
        using (var patch = await Issuer.PatchAsync(PassType, serial, new { fields = new { seat = "1A" } }))
            await Expect.Problem(patch, HttpStatusCode.NotFound);
        // Asking did not create it.
        using (var again = await Issuer.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}"))
            await Expect.Problem(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Expired_or_tampered_download_links_are_404()
    {
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = Serial() });
        var other = await Issuer.IssueAsync(new { templateId = Template, serialNumber = Serial() });
        var link = new Uri(issued.DownloadUrl);
        var query = System.Web.HttpUtility.ParseQueryString(link.Query);
        var expires = query["expires"]!;
        var sig = query["sig"]!;
        var basePath = $"{server.Settings.BaseUrl}download/{PassType}/";

        var tampered = new[]
        {
            $"{basePath}{issued.SerialNumber}?expires={expires}&sig={FlipLastHex(sig)}",
            $"{basePath}{issued.SerialNumber}?expires={long.Parse(expires, CultureInfo.InvariantCulture) + 1}&sig={sig}",
            $"{basePath}{other.SerialNumber}?expires={expires}&sig={sig}",
            $"{basePath}{issued.SerialNumber}?expires={expires}",
            $"{basePath}{issued.SerialNumber}",
            $"{basePath}{issued.SerialNumber}?expires=never&sig={sig}",
        };
        foreach (var url in tampered)
        {
            using var response = await Issuer.Http.GetAsync(new Uri(url));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{url}: expected 404, got {(int)response.StatusCode}");
        }

        // A link signed with the server's key: valid while unexpired, 404 once expired.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using (var valid = await Issuer.Http.GetAsync(new Uri(SignedLink(issued.SerialNumber, now + 3600))))
            Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        using (var expired = await Issuer.Http.GetAsync(new Uri(SignedLink(issued.SerialNumber, now - 60))))
            await Expect.Problem(expired, HttpStatusCode.NotFound);

        // A correctly signed link to a pass that does not exist is a 404 too.
        using (var missing = await Issuer.Http.GetAsync(new Uri(SignedLink("never-issued", now + 3600))))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // The real link still works.
        await Issuer.DownloadAsync(issued.DownloadUrl, issued.SerialNumber);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_issuer_api()
    {
        using var response = await Issuer.Http.GetAsync(new Uri("openapi/v1.json", UriKind.Relative));
        var body = await Expect.Status(response, HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/passes", paths);
        Assert.Contains(paths, p => p.StartsWith("/api/templates/", StringComparison.Ordinal));
        Assert.Contains(paths, p => p.StartsWith("/api/groups/", StringComparison.Ordinal));
    }

    /// <summary>A download link signed as DownloadLinks signs it, from the fixture's configured PassGrains:SecretKey.</summary>
    private string SignedLink(string serial, long expiry)
    {
        var linkKey = HMACSHA256.HashData(Convert.FromBase64String(server.Settings.SecretKey!), Encoding.UTF8.GetBytes("download-links"));
        var sig = Convert.ToHexStringLower(HMACSHA256.HashData(linkKey, Encoding.UTF8.GetBytes($"{PassType}/{serial}\n{expiry}")));
        return $"{server.Settings.BaseUrl}download/{PassType}/{serial}?expires={expiry}&sig={sig}";
    }

    private static string FlipLastHex(string hex) => hex[..^1] + (hex[^1] == '0' ? '1' : '0');

    [Fact]
    public async Task Repeated_keys_wrong_types_unknown_members_and_deep_nesting_are_400s_naming_the_member_and_store_nothing()
    {
        var serial = Serial();
        var deep = string.Concat(Enumerable.Repeat("[", 40)) + string.Concat(Enumerable.Repeat("]", 40));
        var refusals = new (string Body, string Member)[]
        {
            ($$"""{"templateId":"{{Template}}","templateId":"{{Template}}","serialNumber":"{{serial}}"}""", "templateId"),
            ($$$"""{"templateId":"{{{Template}}}","serialNumber":"{{{serial}}}","fields":{"seat":"1","seat":"2"}}""", "fields.seat"),
            ($$$"""{"templateId":"{{{Template}}}","serialNumber":"{{{serial}}}","pass":{"barcodes":[{"message":"a","message":"b"}]}}""", "pass.barcodes[0].message"),
            ($$"""{"templateId":5,"serialNumber":"{{serial}}"}""", "templateId"),
            ($$"""{"templateId":"{{Template}}","serialNumber":5}""", "serialNumber"),
            ($$"""{"templateId":"{{Template}}","serialNumber":"{{serial}}","fields":[1]}""", "fields"),
            ($$"""{"templateId":"{{Template}}","serialNumber":"{{serial}}","groupId":true}""", "groupId"),
            ($$"""{"templateID":"{{Template}}","serialNumber":"{{serial}}"}""", "templateID"),
            ($$$"""{"templateId":"{{{Template}}}","serialNumber":"{{{serial}}}","fields":{"seat":"\ud800"}}""", "fields.seat"),
        };
        foreach (var (body, member) in refusals)
        {
            using var response = await Issuer.SendAsync(HttpMethod.Post, "api/passes", PassGrainsClient.RawJson(body));
            await Expect.Problem(response, HttpStatusCode.BadRequest, member);
        }
        using (var tooDeep = await Issuer.SendAsync(HttpMethod.Post, "api/passes",
            PassGrainsClient.RawJson($$$"""{"templateId":"{{{Template}}}","serialNumber":"{{{serial}}}","pass":{"userInfo":{{{deep}}}}}""")))
        {
            // Named where the nesting breaks the limit: inside pass.userInfo.
            var problem = await Expect.Problem(tooDeep, HttpStatusCode.BadRequest);
            Assert.StartsWith("pass.userInfo[0]", Assert.Single(Expect.Errors(problem)).Field, StringComparison.Ordinal);
        }
        using (var missing = await Issuer.SendAsync(HttpMethod.Get, $"api/passes/{PassType}/{serial}"))
            await Expect.Problem(missing, HttpStatusCode.NotFound);

        // The same for the other JSON bodies: a group, a change, a download bundle, a webhook.
        var issued = await Issuer.IssueAsync(new { templateId = Template, serialNumber = serial, fields = new { seat = "1A" } });
        var group = TestEnvironment.UniqueId("grp");
        foreach (var (method, path, body, member) in new (HttpMethod, string, string, string)[]
        {
            (HttpMethod.Put, $"api/groups/{group}", $$$"""{"templateId":"{{{Template}}}","fields":{"gate":"1","gate":"2"}}""", "fields.gate"),
            (HttpMethod.Put, $"api/groups/{group}", """{"templateId":["boarding"]}""", "templateId"),
            (HttpMethod.Patch, $"api/passes/{PassType}/{serial}", """{"fields":{"seat":"2B"},"fields":{"seat":"3C"}}""", "fields"),
            (HttpMethod.Patch, $"api/passes/{PassType}/{serial}", """{"fields":"2B"}""", "fields"),
            (HttpMethod.Patch, $"api/passes/{PassType}/{serial}", """{"feilds":{"seat":"2B"}}""", "feilds"),
            (HttpMethod.Post, "api/downloads", $$"""{"passTypeIdentifier":"{{PassType}}","serialNumbers":"{{serial}}"}""", "serialNumbers"),
            (HttpMethod.Put, "api/webhooks/strict", """{"url":"https://example.com/a","url":"https://example.com/b","secret":"0123456789abcdef","passTypeIdentifier":"pass.com.example.event"}""", "url"),
            (HttpMethod.Put, "api/webhooks/strict", """{"url":5,"secret":"0123456789abcdef","passTypeIdentifier":"pass.com.example.event"}""", "url"),
            (HttpMethod.Put, "api/webhooks/strict", """{"url":"https://example.com/a","secret":"0123456789abcdef","passTypeIdentifier":"pass.com.example.event","passType":"x"}""", "passType"),
        })
        {
            using var response = await Issuer.SendAsync(method, path, PassGrainsClient.RawJson(body));
            await Expect.Problem(response, HttpStatusCode.BadRequest, member);
        }
        var info = await Issuer.GetPassInfoAsync(PassType, serial);
        Assert.Equal(issued.Version, info.GetProperty("version").GetInt64());
        using (var noGroup = await Issuer.PutGroupAsync(group, new { fields = new { gate = "1" } }))
            await Expect.Problem(noGroup, HttpStatusCode.BadRequest, "templateId"); // the refused PUTs created no group
        using (var noWebhook = await Issuer.SendAsync(HttpMethod.Get, "api/webhooks/strict"))
            await Expect.Problem(noWebhook, HttpStatusCode.NotFound);
    }

    /// <summary>JSON sent with Transfer-Encoding: chunked (no Content-Length), so the server must count while reading.</summary>
    private sealed class ChunkedJsonContent : HttpContent
    {
        private readonly byte[] bytes;

        public ChunkedJsonContent(byte[] bytes)
        {
            this.bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var offset = 0; offset < bytes.Length; offset += 64 * 1024)
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(64 * 1024, bytes.Length - offset)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
