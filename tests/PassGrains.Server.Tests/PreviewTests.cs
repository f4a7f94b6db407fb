using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OpenQA.Selenium;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Validation;
using PassGrains.Server.Preview;
using PassGrains.Server.Tests.Infrastructure;
using ZXing;

namespace PassGrains.Server.Tests;

/// <summary>
/// One server with the event ticket model (samples/models/event.pass) as a template and a pass issued from it (header fields, a date, a
/// price and a known barcode added by the issue request), and one headless Chromium for the tests that look at pages.
/// </summary>
public sealed class PreviewFixture : IAsyncLifetime
{
    public const string Template = "event-preview";
    public const string Serial = "PREVIEW-1";
    public const string BarcodeMessage = "PREVIEW-1/GATE-B/Ünïcode";
    public const string AltText = "Ticket PREVIEW-1";

    private HeadlessChromium? _browser;

    public InProcessServerFixture Server { get; } = new();

    public static string EventModel => TestEnvironment.Model("event");

    /// <summary>The issued pass as its holder downloads it.</summary>
    public PassPackage Pass { get; private set; } = null!;

    /// <summary>Started on first use, so that tests without a browser run where Chromium is missing.</summary>
    public HeadlessChromium Browser => _browser ??= new HeadlessChromium();

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        using var upload = await Server.Client.UploadTemplateAsync(Template, ModelZip.FromFolder(EventModel));
        await Expect.Status(upload, HttpStatusCode.Created);
        foreach (var sample in new[] { "generic", "coupon" }) // the fixture server has "boarding" already
        {
            using var sampleUpload = await Server.Client.UploadTemplateAsync(sample, ModelZip.FromFolder(TestEnvironment.Model(sample)));
            await Expect.Status(sampleUpload, HttpStatusCode.Created);
        }
        var issued = await Server.Client.IssueAsync(new
        {
            templateId = Template,
            serialNumber = Serial,
            fields = new { gate = "B" },
            pass = new
            {
                barcodes = new[] { new { format = "PKBarcodeFormatQR", message = BarcodeMessage, messageEncoding = "iso-8859-1", altText = AltText } },
                eventTicket = new
                {
                    headerFields = new[] { new { key = "doors", label = "DOORS", value = "19:30" } },
                    backFields = new object[]
                    {
                        new { key = "terms", label = "TERMS", value = "Non-transferable.\nKeep this ticket with you." },
                        new { key = "starts", label = "STARTS", value = "2026-12-31T20:00+01:00", dateStyle = "PKDateStyleMedium", timeStyle = "PKDateStyleShort" },
                        // numberStyle beside currencyCode is a validator warning the page must list.
                        new { key = "price", label = "PRICE", value = 49.5, currencyCode = "EUR", numberStyle = "PKNumberStyleDecimal" },
                    },
                },
            },
        });
        Pass = await Server.Client.DownloadAsync(issued.DownloadUrl, Serial);
    }

    public async Task DisposeAsync()
    {
        _browser?.Dispose();
        await Server.DisposeAsync();
        Server.Dispose();
    }
}

/// <summary>
/// The issuer's HTML preview, checked in a real browser: what it shows is what the downloaded pass.json holds,
/// its barcode scans, its images load, localization follows pass.strings, and pass.json cannot inject markup.
/// </summary>
public sealed partial class PreviewTests(PreviewFixture fixture) : IClassFixture<PreviewFixture>
{
    private const string PassType = TestEnvironment.PassType;
    private const string ScreenshotVariable = "PASSGRAINS_WRITE_SCREENSHOT";

    private static readonly string[] FieldLists = ["headerFields", "primaryFields", "secondaryFields", "auxiliaryFields", "backFields"];

    private PassGrainsClient Issuer => fixture.Server.Client;

    private HeadlessChromium Browser => fixture.Browser;

    private Uri Url(string relative) => new(Issuer.BaseUrl, relative);

    private static string PassPath(string serial, string? lang = null) => $"preview/passes/{PassType}/{serial}{(lang is null ? "" : "?lang=" + lang)}";

    /// <summary>Opens a preview in the browser with the issuer key sent as a bearer token.</summary>
    private void Open(string relative)
    {
        Browser.SetAuthorization($"Bearer {TestEnvironment.ApiKey}");
        Browser.Open(Url(relative));
        if (Browser.FindAll("#pass-front").Count != 1)
            Assert.Fail($"{relative} did not show a pass:{Environment.NewLine}{Browser.Driver.PageSource}");
    }

    [ChromiumFact]
    public void The_preview_shows_the_downloaded_pass_fields_colors_images_problems_and_a_barcode_that_scans()
    {
        Open(PassPath(PreviewFixture.Serial));
        var pass = fixture.Pass.PassJson;
        var style = (JsonObject)pass["eventTicket"]!;

        // Every field list shows the downloaded pass.json's labels and values, in order.
        foreach (var list in FieldLists)
        {
            var expected = (style[list] as JsonArray ?? []).OfType<JsonObject>()
                .Select(f => ((string)f["key"]!, Normalize((string?)f["label"] ?? ""), Normalize(ExpectedValue(f)))).ToList();
            var shown = ShownFields(FieldClass(list));
            Assert.True(expected.SequenceEqual(shown),
                $"{list}: expected [{string.Join(" | ", expected)}], shown [{string.Join(" | ", shown)}]");
        }
        Assert.NotEmpty(ShownFields("header-field"));
        Assert.NotEmpty(ShownFields("auxiliary-field"));

        // Colors come from pass.json.
        Assert.Equal(Rgb((string)pass["backgroundColor"]!), Rgb(Browser.Find("#pass-front").GetCssValue("background-color")));
        Assert.Equal(Rgb((string)pass["labelColor"]!), Rgb(Browser.Find(".primary-field .label").GetCssValue("color")));
        Assert.Equal(Rgb((string)pass["foregroundColor"]!), Rgb(Browser.Find(".primary-field .value").GetCssValue("color")));
        Assert.Equal((string)pass["logoText"]!, Browser.Find("#logo-text").Text);

        // The logo and the strip are the model's @2x images, loaded and drawn.
        AssertImage("logo", "logo@2x.png");
        AssertImage("strip", "strip@2x.png");
        Assert.Empty(Browser.FindAll("#thumbnail")); // no thumbnail beside a strip

        // The barcode, as drawn on screen, scans to the pass's message; its altText is under it.
        var barcode = Browser.Find("#barcode");
        Assert.Equal("svg", barcode.TagName);
        Assert.Equal(PreviewFixture.BarcodeMessage, BarcodeImage.Decode(HeadlessChromium.Screenshot(barcode), BarcodeFormat.QR_CODE));
        Assert.Equal(PreviewFixture.AltText, Browser.Find("#barcode-alt-text").Text);

        // Every problem the validator finds in the downloaded pass.json, and the model's warnings, are listed with path and message.
        var passJson = Encoding.UTF8.GetBytes(pass.ToJsonString());
        var expectedProblems = PassJsonValidator.Validate(passJson, new PassValidationOptions { AllowHttpWebService = true })
            .Concat(PassModel.Load(PreviewFixture.EventModel, options: new PassValidationOptions { IsTemplate = true, AllowHttpWebService = true }).Warnings)
            .Select(p => $"{(p.IsError ? "error" : "warning")} {p.File} {p.Path} {Normalize(p.Message)}").Order(StringComparer.Ordinal).ToList();
        var shownProblems = Browser.FindAll("#problems li.problem")
            .Select(li => $"{li.GetDomAttribute("data-severity")} {li.FindElement(By.CssSelector(".file")).Text} {li.GetDomAttribute("data-path")} {Normalize(li.FindElement(By.CssSelector(".message")).Text)}")
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedProblems, shownProblems);
        Assert.Contains(shownProblems, p => p.StartsWith("warning pass.json $.eventTicket.backFields[2].numberStyle ", StringComparison.Ordinal));

        // The page's copy of pass.json is the downloaded one: composed the same way, from the same parts.
        var shownJson = JsonNode.Parse(Browser.Find("#pass-json pre").GetDomProperty("textContent")!);
        Assert.True(JsonNode.DeepEquals(pass, shownJson), $"the preview's pass.json differs from the download:{Environment.NewLine}{shownJson}{Environment.NewLine}{pass}");
        Assert.Empty(Browser.FindAll("script"));

        var screenshot = Browser.FullPageScreenshot();
        using (var image = SixLabors.ImageSharp.Image.Load(screenshot))
            Assert.True(image.Width >= 700 && image.Height >= 600, $"the full-page screenshot is {image.Width}×{image.Height}");
        if (Environment.GetEnvironmentVariable(ScreenshotVariable) == "1")
            File.WriteAllBytes(Path.Combine(TestEnvironment.RepoRoot, "docs", "preview-event.png"), screenshot);
    }

    [ChromiumFact]
    public async Task Every_barcode_format_and_the_legacy_barcode_key_scan_from_the_page()
    {
        var cases = new (string Format, BarcodeFormat Expected, string Message, bool Legacy)[]
        {
            ("PKBarcodeFormatPDF417", BarcodeFormat.PDF_417, "PREVIEW-PDF417 Row 12 Seat 7", false),
            ("PKBarcodeFormatCode128", BarcodeFormat.CODE_128, "PREVIEW-128-0042", false),
            ("PKBarcodeFormatAztec", BarcodeFormat.AZTEC, "PREVIEW-AZTEC-LEGACY", true),
        };
        foreach (var (format, expected, message, legacy) in cases)
        {
            var serial = TestEnvironment.UniqueId("code");
            var code = new { format, message, messageEncoding = "iso-8859-1" };
            object patch = legacy ? new { barcodes = (object?)null, barcode = code } : new { barcodes = new[] { code } };
            await Issuer.IssueAsync(new { templateId = PreviewFixture.Template, serialNumber = serial, pass = patch });
            Open(PassPath(serial));
            Assert.Equal(format, Browser.Find("#barcode-box").GetDomAttribute("data-format"));
            Assert.Equal(message, BarcodeImage.Decode(HeadlessChromium.Screenshot(Browser.Find("#barcode")), expected));
            Assert.Empty(Browser.FindAll("#barcode-alt-text"));
            if (legacy)
                Assert.Contains(Browser.FindAll("#problems li.problem"), li => li.GetDomAttribute("data-path") == "$.barcode");
        }
    }

    [ChromiumFact]
    public void Each_style_draws_its_own_images_and_layout()
    {
        // Boarding pass: the transit glyph between origin and destination, auxiliary fields above secondary ones, the footer.
        Open($"preview/templates/{InProcessServerFixture.BoardingTemplate}");
        Assert.Equal("boardingPass", Browser.Find("#pass-front").GetDomAttribute("data-style"));
        var primaries = Browser.FindAll(".primary-fields.boarding > *");
        Assert.Equal(["origin", "transit-type", "destination"], primaries.Select(e => e.GetDomAttribute("data-field-key") ?? e.GetDomAttribute("id")).ToList());
        Assert.Equal("PKTransitTypeAir", Browser.Find("#transit-type").GetDomAttribute("data-transit-type"));
        Assert.True(Browser.Find("#transit-type svg").Displayed);
        Assert.True(Browser.Find(".auxiliary-fields").Location.Y < Browser.Find(".secondary-fields").Location.Y, "boarding passes put auxiliary fields above secondary ones");
        Assert.Equal([("boarding", "BOARDING", "9:30 AM"), ("seat", "SEAT", "23A")], ShownFields("auxiliary-field"));
        Assert.Equal("right", Browser.Find("[data-field-key='seat']").GetCssValue("text-align"));
        AssertImage("footer", "footer@2x.png");
        Assert.Empty(Browser.FindAll("#strip, #thumbnail"));
        Assert.Equal("M1DOE/JANE", BarcodeImage.Decode(HeadlessChromium.Screenshot(Browser.Find("#barcode")), BarcodeFormat.PDF_417));

        // Generic: a thumbnail beside the primary field, no strip.
        Open("preview/templates/generic");
        AssertImage("thumbnail", "thumbnail@2x.png");
        Assert.Empty(Browser.FindAll("#strip, #footer"));
        Assert.Equal("M-000123", BarcodeImage.Decode(HeadlessChromium.Screenshot(Browser.Find("#barcode")), BarcodeFormat.AZTEC));

        // Coupon: the strip behind the primary field; the first of barcodes is the one drawn (Code 128 here).
        Open("preview/templates/coupon");
        AssertImage("strip", "strip@2x.png");
        Assert.Single(Browser.FindAll(".strip-area .primary-field"));
        Assert.Empty(Browser.FindAll("#thumbnail, #footer"));
        Assert.Equal("COUPON-20", BarcodeImage.Decode(HeadlessChromium.Screenshot(Browser.Find("#barcode")), BarcodeFormat.CODE_128));
    }

    [ChromiumFact]
    public async Task A_poster_event_ticket_that_qualifies_draws_the_poster_and_one_that_falls_back_draws_the_classic_front()
    {
        // The event model asking for the poster layout, with the semantic tags it needs; the name has markup, which stays text.
        const string eventName = "New Year <Poster> Night";
        var ready = await UploadPosterModel(eventName, withArtwork: true, withVenueRoom: true);
        Open($"preview/templates/{ready}");
        var front = Browser.Find("#pass-front");
        Assert.Equal("poster", front.GetDomAttribute("data-layout"));
        Assert.Equal("eventTicket", front.GetDomAttribute("data-style"));
        AssertImage("poster-artwork", "artwork@2x.png");
        var artwork = Browser.Find("#poster-artwork");
        Assert.True(artwork.Size.Width >= front.Size.Width - 1 && artwork.Size.Height >= front.Size.Height - 1, "the artwork fills the card");
        var name = Browser.Find("#poster-event-name");
        Assert.True(name.Displayed, "the event name is not displayed");
        Assert.Equal(eventName, name.Text);
        Assert.Equal("Main Hall", Browser.Find("#poster-venue").Text);
        Assert.Equal("Hall A · Berlin", Browser.Find("#poster-venue-detail").Text);
        Assert.Equal("Dec 31, 2026 at 8:00 PM", Browser.Find("#poster-start").Text);
        Assert.Equal("Example Arena Live", Browser.Find("#logo-text").Text); // eventLogoText, not the classic logoText
        Assert.Equal("TEMPLATE", BarcodeImage.Decode(HeadlessChromium.Screenshot(Browser.Find("#barcode")), BarcodeFormat.QR_CODE));
        Assert.Empty(Browser.FindAll("#strip, .primary-field, #problems li[data-rule='poster-event-ticket']"));
        Assert.Empty(Browser.FindAll("script"));

        // Without its artwork, or without a tag Wallet needs, the pass falls back: the preview draws the classic front and lists why.
        foreach (var (withArtwork, withVenueRoom, reason) in new[] { (false, true, "artwork.png"), (true, false, "venueRoom") })
        {
            var fallback = await UploadPosterModel(eventName, withArtwork, withVenueRoom);
            Open($"preview/templates/{fallback}");
            Assert.Equal("classic", Browser.Find("#pass-front").GetDomAttribute("data-layout"));
            Assert.Empty(Browser.FindAll("#poster-artwork, #poster-event-name"));
            Assert.Equal([("event", "EVENT", "New Year Concert")], ShownFields("primary-field"));
            // A template's pass.json warnings are listed for the composed pass.json and again among the model's own warnings.
            var warnings = Browser.FindAll("#problems li.problem[data-rule='poster-event-ticket']")
                .Where(li => li.FindElement(By.CssSelector(".message")).Text.Contains(reason, StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(warnings);
            Assert.All(warnings, li => Assert.Equal("warning", li.GetDomAttribute("data-severity")));
            Assert.All(warnings, li => Assert.Contains("classic event ticket", li.FindElement(By.CssSelector(".message")).Text, StringComparison.Ordinal));
        }
    }

    [ChromiumFact]
    public async Task A_sports_poster_shows_home_against_away_where_the_logo_is_and_a_concert_poster_names_its_performers()
    {
        var match = await UploadPosterModel("Cup Final", withArtwork: true, withVenueRoom: true, new JsonObject
        {
            ["eventType"] = "PKEventTypeSports", ["homeTeamAbbreviation"] = "FCB", ["awayTeamAbbreviation"] = "<BVB>",
            ["homeTeamName"] = "Example Home", ["awayTeamName"] = "Example Away",
        });
        Open($"preview/templates/{match}");
        Assert.Equal("poster", Browser.Find("#pass-front").GetDomAttribute("data-layout"));
        Assert.Equal("FCB vs <BVB>", Browser.Find("#poster-matchup").Text);
        Assert.Empty(Browser.FindAll("#pass-front #logo, #pass-front #logo-text, #poster-performers"));
        Assert.Equal("Cup Final", Browser.Find("#poster-event-name").Text);

        var concert = await UploadPosterModel("Winter Tour", withArtwork: true, withVenueRoom: true, new JsonObject
        {
            ["eventType"] = "PKEventTypeLivePerformance", ["performerNames"] = new JsonArray("The Examples", "Jane Doe"),
        });
        Open($"preview/templates/{concert}");
        Assert.Equal("poster", Browser.Find("#pass-front").GetDomAttribute("data-layout"));
        Assert.Equal("The Examples, Jane Doe", Browser.Find("#poster-performers").Text);
        Assert.Equal("Example Arena Live", Browser.Find("#logo-text").Text);
        Assert.Empty(Browser.FindAll("#poster-matchup"));
    }

    /// <summary>Uploads samples/models/event.pass as a poster event ticket template (with <paramref name="moreSemantics"/>) and returns its id.</summary>
    private async Task<string> UploadPosterModel(string eventName, bool withArtwork, bool withVenueRoom, JsonObject? moreSemantics = null)
    {
        var pass = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(PreviewFixture.EventModel, "pass.json")))!;
        pass["preferredStyleSchemes"] = new JsonArray("posterEventTicket", "eventTicket");
        pass["eventLogoText"] = "Example Arena Live";
        var semantics = new JsonObject
        {
            ["eventName"] = eventName,
            ["venueName"] = "Main Hall",
            ["venueRegionName"] = "Berlin",
            ["eventStartDate"] = "2026-12-31T20:00+01:00",
        };
        if (withVenueRoom)
            semantics["venueRoom"] = "Hall A";
        foreach (var (key, value) in moreSemantics ?? [])
            semantics[key] = value?.DeepClone();
        pass["semantics"] = semantics;
        var extra = new Dictionary<string, byte[]> { ["pass.json"] = Encoding.UTF8.GetBytes(pass.ToJsonString()) };
        if (withArtwork)
        {
            using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgba32>(750, 1000, new SixLabors.ImageSharp.PixelFormats.Rgba32(120, 30, 60, 255));
            using var png = new MemoryStream();
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, png);
            extra["artwork@2x.png"] = png.ToArray();
        }
        var id = TestEnvironment.UniqueId("poster");
        using var upload = await Issuer.UploadTemplateAsync(id, ModelZip.FromFolder(PreviewFixture.EventModel, name => name == "pass.json", extra));
        await Expect.Status(upload, HttpStatusCode.Created);
        return id;
    }

    private void AssertImage(string id, string source)
    {
        var image = Browser.Find("#" + id);
        Assert.True(image.Displayed, $"#{id} is not displayed");
        Assert.Equal(source, image.GetDomAttribute("data-source"));
        Assert.Equal("true", image.GetDomProperty("complete"), ignoreCase: true);
        Assert.True(int.Parse(image.GetDomProperty("naturalWidth") ?? "0", System.Globalization.CultureInfo.InvariantCulture) > 0, $"#{id} has no natural width");
        Assert.True(int.Parse(image.GetDomProperty("naturalHeight") ?? "0", System.Globalization.CultureInfo.InvariantCulture) > 0, $"#{id} has no natural height");
        Assert.True(image.Size.Width > 0 && image.Size.Height > 0, $"#{id} takes no room on the page");
    }

    [ChromiumFact]
    public void Lang_translates_labels_with_pass_strings_and_uses_localized_images()
    {
        Open(PassPath(PreviewFixture.Serial, "de"));
        Assert.Equal("de", Browser.Find("html").GetDomAttribute("lang"));
        Assert.Equal([("event", "VERANSTALTUNG", "New Year Concert")], ShownFields("primary-field"));
        Assert.Equal([("loc", "ORT", "Main Hall")], ShownFields("secondary-field"));
        Assert.Equal([("gate", "EINGANG", "B"), ("seat", "PLATZ", "A-12")], ShownFields("auxiliary-field"));
        Assert.Equal([("doors", "DOORS", "19:30")], ShownFields("header-field")); // no key in pass.strings: shown as it is
        var logo = Browser.Find("#logo");
        Assert.Equal("logo@2x.png", logo.GetDomAttribute("data-source")); // the top-level image wins over de.lproj/logo.png, as in Wallet
        Assert.True(int.Parse(logo.GetDomProperty("naturalWidth") ?? "0", System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("strip@2x.png", Browser.Find("#strip").GetDomAttribute("data-source")); // not localized

        Open(PassPath(PreviewFixture.Serial, "en"));
        Assert.Equal([("gate", "GATE", "B"), ("seat", "SEAT", "A-12")], ShownFields("auxiliary-field"));
        Assert.Equal("logo@2x.png", Browser.Find("#logo").GetDomAttribute("data-source"));

        // A region falls back to its language; a language the pass lacks shows the untranslated texts and says so.
        Open(PassPath(PreviewFixture.Serial, "de-AT"));
        Assert.Equal([("event", "VERANSTALTUNG", "New Year Concert")], ShownFields("primary-field"));
        Assert.Contains(Browser.FindAll("#problems .note"), n => n.Text.Contains("de-AT.lproj", StringComparison.Ordinal));
        Open(PassPath(PreviewFixture.Serial, "fr"));
        Assert.Equal([("event", "EVENT", "New Year Concert")], ShownFields("primary-field"));
        Assert.Contains(Browser.FindAll("#problems .note"), n => n.Text.Contains("fr.lproj", StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task Markup_in_labels_and_values_is_shown_as_text_and_never_runs()
    {
        const string logoText = "</title><script>window.pwned = 1</script>";
        const string label = "<script>window.pwned = 2</script>";
        const string value = "<img src=x onerror=\"window.pwned = 3\"> & \"quotes\"";
        const string primary = "<b>Bold</b> <style>body{display:none}</style>";
        var serial = TestEnvironment.UniqueId("markup");
        await Issuer.IssueAsync(new
        {
            templateId = PreviewFixture.Template,
            serialNumber = serial,
            fields = new { @event = primary },
            pass = new
            {
                logoText,
                eventTicket = new { backFields = new[] { new { key = "terms", label, value } } },
                barcodes = new[] { new { format = "PKBarcodeFormatQR", message = "M", messageEncoding = "iso-8859-1", altText = "<svg onload=\"window.pwned = 4\">" } },
            },
        });
        Open(PassPath(serial));
        Assert.Equal(logoText, Browser.Find("#logo-text").Text);
        Assert.Equal([("terms", label, value)], ShownFields("back-field"));
        Assert.Equal([("event", "EVENT", Normalize(primary))], ShownFields("primary-field"));
        Assert.Equal("<svg onload=\"window.pwned = 4\">", Browser.Find("#barcode-alt-text").Text);
        Assert.Empty(Browser.FindAll("script"));
        Assert.Empty(Browser.FindAll("img[src='x']"));
        Assert.Empty(Browser.FindAll("#pass-front b, #pass-front style"));
        Assert.Equal(true, ((IJavaScriptExecutor)Browser.Driver).ExecuteScript("return typeof window.pwned === 'undefined';"));

        // The markup never reaches the HTML unencoded, and the page allows no script even if it did.
        using var response = await Send(PassPath(serial), $"Bearer {TestEnvironment.ApiKey}");
        var html = await Expect.Status(response, HttpStatusCode.OK);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Previews_need_the_issuer_key_in_a_header_never_in_the_url()
    {
        var path = PassPath(PreviewFixture.Serial);
        foreach (var authorization in new string?[]
        {
            null,
            "Bearer wrong-issuer-key-0123456789",
            $"Bearer {TestEnvironment.ApiKey}x",
            $"ApplePass {TestEnvironment.ApiKey}",
            Basic("issuer", "wrong-issuer-key-0123456789"),
            Basic(TestEnvironment.ApiKey, "password"), // the key as user name is not the key as password
            "Basic not-base64!",
        })
        {
            using var refused = await Send(path, authorization);
            await Expect.Problem(refused, HttpStatusCode.Unauthorized);
            Assert.StartsWith("Basic realm=", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
        foreach (var query in new[] { "key", "apiKey", "api_key", "access_token" })
        {
            using var inUrl = await Send($"{path}?{query}={Uri.EscapeDataString(TestEnvironment.ApiKey)}", null);
            await Expect.Problem(inUrl, HttpStatusCode.Unauthorized);
        }

        foreach (var authorization in new[] { $"Bearer {TestEnvironment.ApiKey}", Basic("issuer", TestEnvironment.ApiKey), Basic("", TestEnvironment.ApiKey) })
        {
            using var allowed = await Send(path, authorization);
            await Expect.Status(allowed, HttpStatusCode.OK);
            Assert.Equal("text/html", allowed.Content.Headers.ContentType?.MediaType);
            var policy = allowed.Headers.GetValues("Content-Security-Policy").Single();
            foreach (var directive in new[] { "default-src 'none'", "img-src data:", "style-src 'unsafe-inline'" })
                Assert.Contains(directive, policy, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", allowed.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.True(allowed.Headers.CacheControl?.NoStore, "an issuer's preview must not be cached");
        }
    }

    [Fact]
    public async Task Unknown_templates_and_passes_are_404_and_a_malformed_lang_is_400()
    {
        var bearer = $"Bearer {TestEnvironment.ApiKey}";
        foreach (var path in new[] { "preview/templates/no-such-template", $"preview/passes/{PassType}/NO-SUCH-PASS", "preview/passes/pass.com.example.other/X" })
        {
            using var missing = await Send(path, bearer);
            await Expect.Problem(missing, HttpStatusCode.NotFound);
        }
        foreach (var lang in new[] { "DE", "de_DE", "deu", "de-", "de-ABCDE", "", "de%3Cscript%3E" })
        {
            using var invalid = await Send($"{PassPath(PreviewFixture.Serial)}?lang={lang}", bearer);
            await Expect.Problem(invalid, HttpStatusCode.BadRequest, "lang");
        }
        foreach (var lang in new[] { "de", "zh-Hans", "pt-BR", "fr" })
        {
            using var valid = await Send(PassPath(PreviewFixture.Serial, lang), bearer);
            await Expect.Status(valid, HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_template_preview_shows_the_template_with_its_own_sample_values()
    {
        using var response = await Send($"preview/templates/{PreviewFixture.Template}?lang=de", $"Bearer {TestEnvironment.ApiKey}");
        var html = await Expect.Status(response, HttpStatusCode.OK);
        var template = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(PreviewFixture.EventModel, "pass.json")))!;
        var barcode = (string)template["barcodes"]![0]!["message"]!;
        Assert.Contains("data-field-key=\"event\"", html, StringComparison.Ordinal);
        Assert.Contains(">New Year Concert<", html, StringComparison.Ordinal);
        Assert.Contains(">7<", html, StringComparison.Ordinal); // the template's own gate, not the issued pass's
        Assert.Contains(">VERANSTALTUNG<", html, StringComparison.Ordinal);
        Assert.Contains("id=\"barcode\"", html, StringComparison.Ordinal);
        var shownJson = JsonNode.Parse(WebUtility.HtmlDecode(PassJsonBlock().Match(html).Groups[1].Value))!;
        Assert.Equal(barcode, (string)shownJson["barcodes"]![0]!["message"]!);
        Assert.Matches("data-source=\"logo@2x.png\"", html);
    }

    [Fact]
    public void The_page_lists_every_problem_of_an_invalid_pass_json_with_its_path_and_message()
    {
        var model = PassModel.Load(PreviewFixture.EventModel, options: new PassValidationOptions { IsTemplate = true });
        var pass = (JsonObject)JsonNode.Parse(model.PassJson.Span)!;
        pass.Remove("description");
        pass["backgroundColor"] = "red";
        pass["eventTicket"]!["auxiliaryFields"]![0]!["changeMessage"] = "Gate changed <now>";
        pass["barcodes"]![0]!["format"] = "PKBarcodeFormatNope";
        var passJson = Encoding.UTF8.GetBytes(pass.ToJsonString());

        var html = PassPreviewPage.Render(PassPreviewModel.Create(model, passJson, null, PassValidationOptions.Default), "Pass preview", "unit");

        var expected = PassJsonValidator.Validate(passJson).Concat(model.Warnings)
            .Select(p => $"{(p.IsError ? "error" : "warning")}|{p.Path}|{p.Message}").Order(StringComparer.Ordinal).ToList();
        var shown = ProblemItem().Matches(html)
            .Select(m => $"{m.Groups["severity"].Value}|{WebUtility.HtmlDecode(m.Groups["path"].Value)}|{WebUtility.HtmlDecode(m.Groups["message"].Value)}")
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, shown);
        Assert.Contains(shown, p => p.StartsWith("error|$.description|", StringComparison.Ordinal));
        Assert.Contains(shown, p => p.StartsWith("error|$.backgroundColor|", StringComparison.Ordinal));
        Assert.Contains("id=\"barcode-error\"", html, StringComparison.Ordinal); // an unknown format is not drawn
    }

    [GeneratedRegex("<pre>(.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex PassJsonBlock();

    [GeneratedRegex("<li class=\"problem (?<severity>error|warning)\"[^>]*data-path=\"(?<path>[^\"]*)\">.*?<span class=\"message\">(?<message>.*?)</span></li>")]
    private static partial Regex ProblemItem();

    private async Task<HttpResponseMessage> Send(string relative, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, relative);
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await Issuer.Http.SendAsync(request);
    }

    private static string Basic(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    private static string FieldClass(string list) => list switch
    {
        "headerFields" => "header-field",
        "primaryFields" => "primary-field",
        "secondaryFields" => "secondary-field",
        "auxiliaryFields" => "auxiliary-field",
        _ => "back-field",
    };

    private List<(string Key, string Label, string Value)> ShownFields(string fieldClass) =>
        Browser.FindAll("." + fieldClass)
            .Select(f => (f.GetDomAttribute("data-field-key") ?? "", Normalize(f.FindElement(By.CssSelector(".label")).Text), Normalize(f.FindElement(By.CssSelector(".value")).Text)))
            .ToList();

    /// <summary>What Wallet shows for a field of the issued pass: the value as it is, except the two formatted ones the fixture adds.</summary>
    private static string ExpectedValue(JsonObject field) => (string?)field["key"] switch
    {
        "starts" => "Dec 31, 2026 at 8:00 PM",
        "price" => "€49.50",
        _ => field["value"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : field["value"]?.ToJsonString() ?? "",
    };

    /// <summary>The browser's rendered text collapses runs of whitespace; compare the same way.</summary>
    private static string Normalize(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>The three channels of "rgb(r, g, b)" or "rgba(r, g, b, 1)".</summary>
    private static (int, int, int) Rgb(string color)
    {
        var numbers = Regex.Matches(color, @"\d+").Select(m => int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (numbers[0], numbers[1], numbers[2]);
    }
}
