using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;
using PassGrains.Abstractions;
using PassGrains.Packaging.Packaging;
using PassGrains.Server.Hosting;
using PassGrains.Server.Rendering;
using PassGrains.Server.Telemetry;

namespace PassGrains.Server.Apis;

/// <summary>
/// Apple's pass web service (spec/wallet.md §1) under PublicUrl: register, list changed serials,
/// latest pass, unregister, log, personalize. Failures of authentication answer 401 without detail.
/// </summary>
public static partial class WalletWebServiceApi
{
    private const int MaxBodyBytes = 64 * 1024;

    [GeneratedRegex(@"^[A-Za-z0-9._:-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeIdentifier();

    [GeneratedRegex(@"^[0-9a-fA-F]{16,200}$", RegexOptions.CultureInvariant)]
    private static partial Regex PushTokenShape();

    public static IEndpointRouteBuilder MapWalletWebServiceApi(this IEndpointRouteBuilder app)
    {
        var basePath = app.ServiceProvider.GetRequiredService<PublicUrl>().BasePath;
        var v1 = app.MapGroup($"{basePath.TrimEnd('/')}/v1").WithTags("Wallet web service").ExcludeFromDescription().WithPassLogScope();

        v1.MapPost("/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}/{serialNumber}", Register);
        v1.MapGet("/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}", ListChanged);
        v1.MapDelete("/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}/{serialNumber}", Unregister);
        v1.MapGet("/passes/{passTypeIdentifier}/{serialNumber}", GetPass);
        v1.MapPost("/log", Log);
        v1.MapPost("/passes/{passTypeIdentifier}/{serialNumber}/personalize", Personalize);
        return app;
    }

    private static async Task<IResult> Register(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber,
        HttpRequest request, IGrainFactory grains, PassGrainsMetrics metrics)
    {
        if (!SafeIdentifier().IsMatch(deviceLibraryIdentifier) || !IsPassTypeIdentifier(passTypeIdentifier))
            return Results.NotFound();
        var (json, problem) = await ReadJsonObject(request);
        if (problem is not null)
            return problem;
        if (!json.TryGetProperty("pushToken", out var token) || token.ValueKind != JsonValueKind.String)
            return Problems.Invalid("pushToken", "pushToken is required: the device's APNs push token as a string");
        if (!PushTokenShape().IsMatch(token.GetString()!))
            return Problems.Invalid("pushToken", "pushToken must be 16 to 200 hexadecimal characters");
        var status = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber))
            .Register(deviceLibraryIdentifier, token.GetString()!, ApplePassToken(request));
        metrics.Registration(passTypeIdentifier, status switch
        {
            RegistrationStatus.Created => "added",
            RegistrationStatus.AlreadyRegistered => "repeated",
            _ => "refused",
        });
        return status switch
        {
            RegistrationStatus.Created => Results.StatusCode(StatusCodes.Status201Created),
            RegistrationStatus.AlreadyRegistered => Results.Ok(),
            _ => Results.Unauthorized(),
        };
    }

    private static async Task<IResult> Unregister(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber,
        HttpRequest request, IGrainFactory grains, PassGrainsMetrics metrics)
    {
        if (!SafeIdentifier().IsMatch(deviceLibraryIdentifier) || !IsPassTypeIdentifier(passTypeIdentifier))
            return Results.NotFound();
        var status = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber))
            .Unregister(deviceLibraryIdentifier, ApplePassToken(request));
        metrics.Registration(passTypeIdentifier, status == RegistrationStatus.Removed ? "removed" : "refused");
        return status == RegistrationStatus.Removed ? Results.Ok() : Results.Unauthorized();
    }

    private static async Task<IResult> ListChanged(string deviceLibraryIdentifier, string passTypeIdentifier, string? passesUpdatedSince, IGrainFactory grains)
    {
        if (!SafeIdentifier().IsMatch(deviceLibraryIdentifier) || !IsPassTypeIdentifier(passTypeIdentifier))
            return Results.NotFound();
        // Tags are ours; anything else (an old scheme, garbage) is answered with everything registered.
        long? since = long.TryParse(passesUpdatedSince, NumberStyles.None, CultureInfo.InvariantCulture, out var tag) ? tag : null;
        var changed = await grains.GetGrain<IDeviceGrain>(GrainKeys.Device(deviceLibraryIdentifier)).GetChangedSerials(passTypeIdentifier, since);
        if (changed is null)
            return Results.NoContent();
        return Results.Json(new SerialNumbersResponse(changed.SerialNumbers, changed.LastUpdated.ToString(CultureInfo.InvariantCulture)),
            WalletJsonContext.Default.SerialNumbersResponse);
    }

    private static async Task<IResult> GetPass(string passTypeIdentifier, string serialNumber, HttpRequest request, HttpResponse response,
        IGrainFactory grains, PassRenderer renderer, PassGrainsMetrics metrics)
    {
        if (!IsPassTypeIdentifier(passTypeIdentifier))
            return Results.Unauthorized();
        var source = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).GetRenderSource(ApplePassToken(request));
        if (source is null)
            return Results.Unauthorized();
        var lastModified = source.Stamp.LastModified;
        response.Headers.CacheControl = "no-cache";
        if (request.GetTypedHeaders().IfModifiedSince is { } since && source.Stamp.IsNotModifiedSince(since))
        {
            response.GetTypedHeaders().LastModified = lastModified;
            metrics.LatestPass(passTypeIdentifier, StatusCodes.Status304NotModified);
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        metrics.LatestPass(passTypeIdentifier, StatusCodes.Status200OK);
        var pass = await renderer.RenderAsync(source);
        return new PassFileResult(pass, lastModified, null);
    }

    private static async Task<IResult> Log(HttpRequest request, DeviceLogStore store, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("PassGrains.DeviceLog");
        var (json, problem) = await ReadJsonObject(request);
        if (problem is null && json.TryGetProperty("logs", out var logs) && logs.ValueKind == JsonValueKind.Array)
        {
            var agent = request.Headers.UserAgent.ToString();
            foreach (var entry in logs.EnumerateArray().Take(100))
            {
                if (entry.ValueKind != JsonValueKind.String)
                    continue;
                var message = entry.GetString()!;
                if (message.Length > 2000)
                    message = message[..2000];
                store.Add(new DeviceLogEntry(DateTimeOffset.UtcNow, message, agent));
                LogDeviceMessage(logger, agent, message);
            }
        }
        // Apple: the log endpoint answers 200; it is a debugging aid, parsed leniently.
        return Results.Ok();
    }

    private static async Task<IResult> Personalize(string passTypeIdentifier, string serialNumber, HttpRequest request,
        IGrainFactory grains, PassTypeRegistry passTypes, PassRenderer renderer, ILoggerFactory loggers)
    {
        var type = passTypes.Find(passTypeIdentifier);
        if (type is null)
            return Results.NotFound();
        var summary = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).GetSummary();
        if (summary is null)
            return Results.NotFound();
        var (json, problem) = await ReadJsonObject(request);
        if (problem is not null)
            return problem;
        if (!json.TryGetProperty("personalizationToken", out var token) || token.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(token.GetString()))
            return Problems.Invalid("personalizationToken", "personalizationToken is required: a non-empty string");
        if (!json.TryGetProperty("requiredPersonalizationInfo", out var info) || info.ValueKind != JsonValueKind.Object)
            return Problems.Invalid("requiredPersonalizationInfo", "requiredPersonalizationInfo is required: an object of the requested fields");
        var personalizationLogger = loggers.CreateLogger("PassGrains.Personalization");
        var fields = string.Join(",", info.EnumerateObject().Select(p => p.Name));
        LogPersonalized(personalizationLogger, passTypeIdentifier, serialNumber, fields);
        var signature = type.Signer.SignPersonalizationToken(token.GetString()!, DateTimeOffset.UtcNow);
        // Only a template that asks for enrollment (personalization.json) gets a personalized version.
        if ((await renderer.GetTemplateAsync(summary.TemplateId, null))?.Model.Find("personalization.json") is not null)
            await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).Personalize(info.GetRawText());
        return Results.Bytes(signature, "application/octet-stream");
    }

    internal static string? ApplePassToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "ApplePass ";
        return header.StartsWith(scheme, StringComparison.Ordinal) ? header[scheme.Length..] : null;
    }

    internal static bool IsPassTypeIdentifier(string value) =>
        value.StartsWith("pass.", StringComparison.Ordinal) && SafeIdentifier().IsMatch(value);

    /// <summary>The body as a JSON object, or a problem naming why it is not one.</summary>
    private static async Task<(JsonElement Body, IResult? Problem)> ReadJsonObject(HttpRequest request)
    {
        var body = await RequestBodies.ReadBytes(request, MaxBodyBytes);
        if (body is null)
            return (default, Problems.TooLarge($"the body is larger than {MaxBodyBytes / 1024} KiB"));
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (document.RootElement.Clone(), null)
                : (default, Problems.Invalid("body", "the body must be a JSON object"));
        }
        catch (JsonException e)
        {
            return (default, Problems.Invalid("body", $"the body is not JSON: {e.Message}"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device log ({UserAgent}): {DeviceMessage}")]
    private static partial void LogDeviceMessage(ILogger logger, string userAgent, string deviceMessage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pass {PassType}/{Serial} personalized with {Fields}")]
    private static partial void LogPersonalized(ILogger logger, string passType, string serial, string fields);
}

public sealed record SerialNumbersResponse(IReadOnlyList<string> SerialNumbers, string LastUpdated);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(SerialNumbersResponse))]
internal sealed partial class WalletJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>Writes a signed pass's segments straight to the response, with Last-Modified and a file name.</summary>
public sealed class PassFileResult(SignedPass pass, DateTimeOffset? lastModified, string? fileName) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = SignedPass.MediaType;
        response.ContentLength = pass.Length;
        if (lastModified is { } modified)
            response.GetTypedHeaders().LastModified = modified;
        if (fileName is not null)
            response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = fileName }.ToString();
        await pass.WriteToAsync(response.Body, httpContext.RequestAborted);
    }
}
