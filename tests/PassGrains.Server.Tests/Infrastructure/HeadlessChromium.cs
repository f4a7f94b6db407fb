using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>Runs only where Debian's Chromium and ChromeDriver are installed (.ci/run installs them).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.MissingReason is { } reason)
            Skip = reason;
    }
}

/// <summary>
/// Headless Chromium driven over WebDriver, with a fresh profile and nothing that reaches past loopback. Issuer pages
/// need a key in a header, which WebDriver cannot set: the DevTools protocol adds it to every request instead.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public const string Binary = "/usr/bin/chromium";
    public const string DriverBinary = "/usr/bin/chromedriver";

    private readonly TempDirectory _profile = new("chromium-profile");
    private readonly ChromeDriver _driver;

    /// <summary>Why browser tests cannot run here, or null when they can.</summary>
    public static string? MissingReason =>
        !File.Exists(Binary) ? $"no Chromium at {Binary}: install the Debian packages chromium and chromium-driver (as .ci/run does)"
        : !File.Exists(DriverBinary) ? $"no ChromeDriver at {DriverBinary}: install the Debian package chromium-driver (as .ci/run does)"
        : null;

    public HeadlessChromium()
    {
        var options = new ChromeOptions { BinaryLocation = Binary };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
            "--window-size=1280,1000", "--force-device-scale-factor=1", $"--user-data-dir={_profile.Path}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverBinary)!, Path.GetFileName(DriverBinary));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        _driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
        _driver.ExecuteCdpCommand("Network.enable", []);
    }

    public IWebDriver Driver => _driver;

    /// <summary>Sends <paramref name="authorization"/> as the Authorization header of every later request (null: none).</summary>
    public void SetAuthorization(string? authorization)
    {
        var headers = new Dictionary<string, object?>();
        if (authorization is not null)
            headers["Authorization"] = authorization;
        _driver.ExecuteCdpCommand("Network.setExtraHTTPHeaders", new Dictionary<string, object?> { ["headers"] = headers });
    }

    public void Open(Uri url) => _driver.Navigate().GoToUrl(url);

    public IWebElement Find(string css) => _driver.FindElement(By.CssSelector(css));

    public IReadOnlyList<IWebElement> FindAll(string css) => _driver.FindElements(By.CssSelector(css));

    /// <summary>A PNG of one element as it is drawn on the page.</summary>
    public static byte[] Screenshot(IWebElement element) => ((ITakesScreenshot)element).GetScreenshot().AsByteArray;

    /// <summary>A PNG of the whole page, beyond the window's height.</summary>
    public byte[] FullPageScreenshot()
    {
        var metrics = (Dictionary<string, object?>)_driver.ExecuteCdpCommand("Page.getLayoutMetrics", [])!;
        var size = (Dictionary<string, object?>)metrics["cssContentSize"]!;
        var clip = new Dictionary<string, object?>
        {
            ["x"] = 0,
            ["y"] = 0,
            ["width"] = Convert.ToDouble(size["width"], System.Globalization.CultureInfo.InvariantCulture),
            ["height"] = Convert.ToDouble(size["height"], System.Globalization.CultureInfo.InvariantCulture),
            ["scale"] = 1,
        };
        var shot = (Dictionary<string, object?>)_driver.ExecuteCdpCommand("Page.captureScreenshot",
            new Dictionary<string, object?> { ["format"] = "png", ["captureBeyondViewport"] = true, ["clip"] = clip })!;
        return Convert.FromBase64String((string)shot["data"]!);
    }

    public void Dispose()
    {
        _driver.Quit();
        _driver.Dispose();
        _profile.Dispose();
    }
}
