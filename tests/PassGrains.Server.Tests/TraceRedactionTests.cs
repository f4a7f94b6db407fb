using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// With tracing on (an OTLP endpoint configured), a download's request span records neither the link's
/// signature (it is in the query string) nor a device's authentication token or an API key (headers).
/// </summary>
public sealed class TraceRedactionTests : IDisposable
{
    private readonly TempDirectory _root = new("traces");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Request_spans_record_no_query_string_and_no_authorization_header()
    {
        var settings = ServerSettings.Create(_root.Combine("data"), SigningChain.Create(_root.Combine("chain")), ServerSettings.NewSecretKey());
        var configuration = settings.ToConfiguration();
        configuration["Logging:LogLevel:Default"] = "Warning";
        configuration["PassGrains:Apns:Enabled"] = "false";
        // Nothing listens there: spans are made and recorded, and their export fails quietly.
        configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{TestEnvironment.FreePort()}";

        var spans = new ConcurrentQueue<Activity>();
        var port = new Uri(settings.BaseUrl).Port;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (Convert.ToString(activity.GetTagItem("server.port"), System.Globalization.CultureInfo.InvariantCulture) == port.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    spans.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(listener);

        await using var app = PassGrainsApp.Build(["--urls", settings.BaseUrl.TrimEnd('/')], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync();
        try
        {
            using var client = new PassGrainsClient(new Uri(settings.BaseUrl));
            using (var upload = await client.UploadTemplateAsync("boarding", ModelZip.FromFolder(TestEnvironment.Model("boarding"))))
                await Expect.Status(upload, HttpStatusCode.Created);
            var serial = TestEnvironment.UniqueId("trace");
            var issued = await client.IssueAsync(new { templateId = "boarding", serialNumber = serial });
            var pass = await client.DownloadAsync(issued.DownloadUrl, serial);
            using var http = new HttpClient();
            var device = new WalletDevice(http, pass.WebServiceUrl);
            using (await device.GetPassAsync(TestEnvironment.PassType, serial, pass.AuthenticationToken))
            {
            }

            var signature = System.Web.HttpUtility.ParseQueryString(new Uri(issued.DownloadUrl).Query)["sig"]!;
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!spans.Any(s => s.GetTagItem("url.path") is string path && path.StartsWith("/download/", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < until, $"no span of the download; spans: {string.Join(", ", spans.Select(s => s.DisplayName))}");
                await Task.Delay(50);
            }
            var recorded = string.Join("\n", spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}")));
            Assert.Contains(serial, recorded); // the spans are the requests about this pass...
            Assert.DoesNotContain(signature, recorded, StringComparison.Ordinal); // ...without the link's signature
            Assert.DoesNotContain(pass.AuthenticationToken, recorded, StringComparison.Ordinal);
            Assert.DoesNotContain(TestEnvironment.ApiKey, recorded, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
