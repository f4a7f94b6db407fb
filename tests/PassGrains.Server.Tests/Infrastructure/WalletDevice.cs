using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>What a device's "list updatable passes" call answered.</summary>
public sealed record UpdatableList(HttpStatusCode Status, IReadOnlyList<string> SerialNumbers, string? LastUpdated);

/// <summary>
/// A Wallet device: it knows only a pass's webServiceURL and authenticationToken (from the pass.json it
/// installed), its own device library identifier and its push token, and speaks Apple's web service.
/// </summary>
public sealed class WalletDevice(HttpClient http, string webServiceUrl, string? deviceLibraryIdentifier = null, string? pushToken = null)
{
    /// <summary>Real devices use 32 hex digits; the grain keys must keep such ids apart from numbers and GUIDs.</summary>
    public string DeviceLibraryIdentifier { get; } = deviceLibraryIdentifier ?? Guid.NewGuid().ToString("N");

    public string PushToken { get; } = pushToken ?? Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    private Uri Url(string relative) => new(new Uri(webServiceUrl.EndsWith('/') ? webServiceUrl : webServiceUrl + "/"), relative);

    private Uri RegistrationUrl(string passType, string serial) => Url($"v1/devices/{DeviceLibraryIdentifier}/registrations/{passType}/{serial}");

    public static void Authorize(HttpRequestMessage request, string? token)
    {
        if (token is not null)
            request.Headers.TryAddWithoutValidation("Authorization", $"ApplePass {token}");
    }

    public async Task<HttpStatusCode> RegisterAsync(string passType, string serial, string? token, string? rawBody = null)
    {
        using var response = await RegisterRawAsync(passType, serial, token, rawBody);
        return response.StatusCode;
    }

    /// <summary>The registration's whole answer (headers too); the caller disposes it.</summary>
    public async Task<HttpResponseMessage> RegisterRawAsync(string passType, string serial, string? token, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, RegistrationUrl(passType, serial))
        {
            Content = new StringContent(rawBody ?? JsonSerializer.Serialize(new { pushToken = PushToken }), Encoding.UTF8, "application/json"),
        };
        Authorize(request, token);
        return await http.SendAsync(request);
    }

    public async Task<HttpStatusCode> UnregisterAsync(string passType, string serial, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, RegistrationUrl(passType, serial));
        Authorize(request, token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>GET the list of updatable passes; asserts the shape Apple requires of a 200 (lastUpdated a JSON string).</summary>
    public async Task<UpdatableList> ListAsync(string passType, string? passesUpdatedSince = null)
    {
        var query = passesUpdatedSince is null ? "" : $"?passesUpdatedSince={Uri.EscapeDataString(passesUpdatedSince)}";
        using var response = await http.GetAsync(Url($"v1/devices/{DeviceLibraryIdentifier}/registrations/{passType}{query}"));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            return new UpdatableList(response.StatusCode, [], null);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        var lastUpdated = json.RootElement.GetProperty("lastUpdated");
        Assert.True(lastUpdated.ValueKind == JsonValueKind.String, $"lastUpdated must be a JSON string (a number makes Wallet ignore the list): {body}");
        var serials = json.RootElement.GetProperty("serialNumbers").EnumerateArray().Select(s => s.GetString()!).ToList();
        return new UpdatableList(response.StatusCode, serials, lastUpdated.GetString());
    }

    /// <summary>GET the latest version of a pass, optionally with If-Modified-Since; the caller disposes the answer.</summary>
    public async Task<HttpResponseMessage> GetPassAsync(string passType, string serial, string? token, DateTimeOffset? ifModifiedSince = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url($"v1/passes/{passType}/{serial}"));
        Authorize(request, token);
        if (ifModifiedSince is { } since)
            request.Headers.IfModifiedSince = since;
        return await http.SendAsync(request);
    }

    /// <summary>GET the latest pass and expect 200 with a signed pass and a Last-Modified header.</summary>
    public async Task<(PassPackage Pass, DateTimeOffset LastModified)> FetchPassAsync(string passType, string serial, string token, DateTimeOffset? ifModifiedSince = null)
    {
        using var response = await GetPassAsync(passType, serial, token, ifModifiedSince);
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"GET v1/passes/{passType}/{serial} (If-Modified-Since {ifModifiedSince:R}): expected 200, got {(int)response.StatusCode}");
        Assert.Equal("application/vnd.apple.pkpass", response.Content.Headers.ContentType?.MediaType);
        var lastModified = response.Content.Headers.LastModified;
        Assert.True(lastModified is not null, "a 200 from GET v1/passes must carry Last-Modified, so the device has a value for If-Modified-Since");
        return (PassPackage.Read(await response.Content.ReadAsByteArrayAsync()), lastModified!.Value);
    }

    public static async Task<HttpResponseMessage> PostLogAsync(HttpClient http, string webServiceUrl, string body)
    {
        var url = new Uri(new Uri(webServiceUrl), "v1/log");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await http.PostAsync(url, content);
    }
}
