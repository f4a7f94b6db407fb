using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>What POST /api/passes answered.</summary>
public sealed record IssuedPass(string PassTypeIdentifier, string SerialNumber, long Version, string DownloadUrl);

/// <summary>An issuer talking to the server over loopback HTTP, with its API key on /api/ calls.</summary>
public sealed class PassGrainsClient(Uri baseUrl) : IDisposable
{
    public HttpClient Http { get; } = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };

    public Uri BaseUrl => baseUrl;

    /// <summary>Sends an issuer API request; <paramref name="apiKey"/> null sends no Authorization header.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? apiKey = TestEnvironment.ApiKey)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (apiKey is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return await Http.SendAsync(request);
    }

    public static StringContent JsonBody(object body) =>
        new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static StringContent RawJson(string text) => new(text, Encoding.UTF8, "application/json");

    public Task<HttpResponseMessage> UploadTemplateAsync(string templateId, byte[] zip)
    {
        var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return SendAsync(HttpMethod.Put, $"api/templates/{templateId}", content);
    }

    public Task<HttpResponseMessage> PostPassAsync(object body) => SendAsync(HttpMethod.Post, "api/passes", JsonBody(body));

    public async Task<IssuedPass> IssueAsync(object body)
    {
        using var response = await PostPassAsync(body);
        var json = await Expect.Json(response, HttpStatusCode.Created);
        var issued = new IssuedPass(
            json.GetProperty("passTypeIdentifier").GetString()!,
            json.GetProperty("serialNumber").GetString()!,
            json.GetProperty("version").GetInt64(),
            json.GetProperty("downloadUrl").GetString()!);
        Assert.True(Uri.TryCreate(issued.DownloadUrl, UriKind.Absolute, out _), $"downloadUrl is not absolute: {issued.DownloadUrl}");
        return issued;
    }

    public Task<HttpResponseMessage> PatchAsync(string passType, string serial, object body) =>
        SendAsync(HttpMethod.Patch, $"api/passes/{passType}/{serial}", JsonBody(body));

    public async Task<long> ChangeAsync(string passType, string serial, object body)
    {
        using var response = await PatchAsync(passType, serial, body);
        return (await Expect.Json(response, HttpStatusCode.OK)).GetProperty("version").GetInt64();
    }

    public Task<HttpResponseMessage> PutGroupAsync(string groupId, object body) =>
        SendAsync(HttpMethod.Put, $"api/groups/{groupId}", JsonBody(body));

    /// <summary>Reads a schedule until it has ended (its status is no longer pending), or fails at the deadline with how it stands.</summary>
    public async Task<JsonElement> ScheduleEndedAsync(string id, TimeSpan deadline)
    {
        var until = DateTimeOffset.UtcNow + deadline;
        while (true)
        {
            using var response = await SendAsync(HttpMethod.Get, $"api/schedules/{id}");
            var schedule = await Expect.Json(response, HttpStatusCode.OK);
            if (schedule.GetProperty("status").GetString() != "pending")
                return schedule;
            Assert.True(DateTimeOffset.UtcNow < until, $"schedule {id} still pending after {deadline.TotalSeconds} s: {schedule}");
            await Task.Delay(200);
        }
    }

    public async Task<JsonElement> GetPassInfoAsync(string passType, string serial)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/passes/{passType}/{serial}");
        return await Expect.Json(response, HttpStatusCode.OK);
    }

    /// <summary>Downloads through a download link, as a ticket holder would: no API key.</summary>
    public async Task<PassPackage> DownloadAsync(string downloadUrl, string serial)
    {
        using var response = await Http.GetAsync(new Uri(downloadUrl));
        await Expect.Status(response, HttpStatusCode.OK);
        Assert.Equal("application/vnd.apple.pkpass", response.Content.Headers.ContentType?.MediaType);
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.NotNull(disposition);
        var fileName = (disposition!.FileNameStar ?? disposition.FileName ?? "").Trim('"');
        Assert.EndsWith(".pkpass", fileName, StringComparison.Ordinal);
        Assert.Contains(serial, fileName, StringComparison.Ordinal);
        var package = PassPackage.Read(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(serial, package.SerialNumber);
        return package;
    }

    public void Dispose() => Http.Dispose();
}
