using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace PassGrains.Cli.Tests.Infrastructure;

/// <summary>The tests that need a running server share one (starting it is the slow part); they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RunningServer : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

/// <summary>
/// One PassGrains server process on a temporary data directory with a development signing chain, the
/// boarding pass sample uploaded as template <see cref="Template"/>, and an HTTP client for checking what
/// the CLI did through the issuer API (independently of the CLI's own client).
/// </summary>
public sealed class ServerFixture : IAsyncLifetime, IDisposable
{
    public const string Template = "boarding";

    private readonly TempDirectory _root = new("server");
    private ServerProcess? _server;

    public ServerSettings Settings { get; private set; } = null!;

    public DevChain Chain { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Chain = await DevChain.CreateAsync(_root.Combine("chain"));
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        Settings = ServerSettings.Create(data, Chain);
        _server = await ServerProcess.StartAsync(Settings);
        Http = new HttpClient { BaseAddress = new Uri(Settings.BaseUrl) };
        Http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {ServerSettings.ApiKey}");

        using var upload = new ByteArrayContent(Zip(TestPaths.Model("boarding")));
        upload.Headers.ContentType = new("application/zip");
        using var response = await Http.PutAsync(new Uri($"api/templates/{Template}", UriKind.Relative), upload);
        Assert.True(response.IsSuccessStatusCode, $"uploading the template failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    /// <summary>Runs the CLI with --server and --api-key of this server after <paramref name="arguments"/>.</summary>
    public Task<ProcessResult> RunCliAsync(params string[] arguments) => RunCliAsync(null, arguments);

    public Task<ProcessResult> RunCliAsync(TimeSpan? timeout, params string[] arguments) =>
        CliProcess.RunAsync(null, null, timeout, [.. arguments, "--server", Settings.BaseUrl, "--api-key", ServerSettings.ApiKey]);

    /// <summary>Serials that no other test uses.</summary>
    public static string UniquePrefix(string purpose) => $"{purpose}-{Guid.NewGuid():N}"[..(purpose.Length + 9)];

    /// <summary>GET /api/passes/{passType}/{serial}: the pass, or null when the server has no such pass.</summary>
    public async Task<JsonObject?> GetPassAsync(string serial)
    {
        using var response = await Http.GetAsync(new Uri($"api/passes/{ServerSettings.PassType}/{serial}", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET pass {serial}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Downloads the signed pass through its download link and reads its pass.json: what a device would show.</summary>
    public async Task<JsonObject> DownloadPassJsonAsync(string serial)
    {
        var pass = await GetPassAsync(serial) ?? throw new InvalidOperationException($"pass {serial} does not exist");
        using var anonymous = new HttpClient();
        var bytes = await anonymous.GetByteArrayAsync(new Uri(pass["downloadUrl"]!.GetValue<string>()));
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        using var passJson = zip.GetEntry("pass.json")!.Open();
        return JsonNode.Parse(passJson)!.AsObject();
    }

    /// <summary>The value of the field with <paramref name="key"/> in any field list of a pass.json.</summary>
    public static string? FieldValue(JsonObject passJson, string key) =>
        passJson.Select(p => p.Value).OfType<JsonObject>()
            .SelectMany(style => style.Select(p => p.Value).OfType<JsonArray>())
            .SelectMany(list => list.OfType<JsonObject>())
            .Where(f => f["key"]?.GetValue<string>() == key)
            .Select(f => f["value"]?.ToString())
            .FirstOrDefault();

    /// <summary>PUT /api/groups/{id} for the template, setting its gate.</summary>
    public async Task PutGroupAsync(string groupId, string gate)
    {
        using var response = await Http.PutAsJsonAsync(new Uri($"api/groups/{groupId}", UriKind.Relative), new { templateId = Template, fields = new { gate } });
        Assert.True(response.IsSuccessStatusCode, $"creating group {groupId} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task IssueAsync(object body)
    {
        using var response = await Http.PostAsJsonAsync(new Uri("api/passes", UriKind.Relative), body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"issuing failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Registers a new device for a pass the way Wallet does, with the pass's own authentication token.</summary>
    public async Task RegisterDeviceAsync(string serial)
    {
        var passJson = await DownloadPassJsonAsync(serial);
        var webService = passJson["webServiceURL"]!.GetValue<string>().TrimEnd('/');
        var device = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{webService}/v1/devices/{device}/registrations/{ServerSettings.PassType}/{serial}"))
        {
            Content = new StringContent($$"""{"pushToken":"{{device}}{{device}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"ApplePass {passJson["authenticationToken"]!.GetValue<string>()}");
        using var anonymous = new HttpClient();
        using var response = await anonymous.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"registering a device failed: {(int)response.StatusCode}");
    }

    /// <summary>What a device sends to /v1/log.</summary>
    public async Task PostDeviceLogAsync(params string[] messages)
    {
        using var anonymous = new HttpClient();
        using var response = await anonymous.PostAsJsonAsync(new Uri($"{Settings.BaseUrl}v1/log"), new { logs = messages });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static byte[] Zip(string folder)
    {
        using var buffer = new MemoryStream();
        ZipFile.CreateFromDirectory(folder, buffer, CompressionLevel.Fastest, includeBaseDirectory: false);
        return buffer.ToArray();
    }
}
