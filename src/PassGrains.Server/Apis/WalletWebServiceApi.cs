using PassGrains.Server.Http;
using PassGrains.Server.DeviceLogs;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;
using PassGrains.Abstractions;
using PassGrains.Grains;
using PassGrains.Grains.Caching;
using PassGrains.Packaging.Building;
using PassGrains.Server.Configuration;
using PassGrains.Server.Issuing;
using PassGrains.Server.Rendering;
using PassGrains.Server.Security;
using PassGrains.Server.Stats;
using PassGrains.Server.Telemetry;

namespace PassGrains.Server.Apis;

/// <summary>
/// Apple's pass web service under PublicUrl: register, list changed serials,
/// latest pass, unregister, log, personalize. Failures of authentication answer 401 without detail.
/// </summary>
public static partial class WalletWebServiceApi
{
    private const int MaxBodyBytes = 64 * 1024;

    private static readonly BodyShape RegisterBody = BodyShape.Open(("pushToken", JsonValueKind.String));
    private static readonly BodyShape LogBody = BodyShape.Open(("logs", JsonValueKind.Array));

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
        v1.MapPost("/log", Log).RequireRateLimiting(RateLimiting.AnonymousPolicy);
        v1.MapPost("/passes/{passTypeIdentifier}/{serialNumber}/personalize", Personalize).RequireRateLimiting(RateLimiting.AnonymousPolicy);
        return app;
    }

    private static async Task<IResult> Register(string deviceLibraryIdentifier, string passTypeIdentifier, string serialNumber,
        HttpRequest request, IGrainFactory grains, PassGrainsMetrics metrics)
    {
        if (!SafeIdentifier().IsMatch(deviceLibraryIdentifier) || !IsPassTypeIdentifier(passTypeIdentifier))
            return Results.NotFound();
        var (json, problem) = await RequestBodies.ReadObject(request, MaxBodyBytes, RegisterBody);
        if (problem is not null)
            return problem;
        if (RequestContent.OptionalString(json!, "pushToken") is not { } token)
            return Problems.Invalid("pushToken", "pushToken is required: the device's APNs push token as a string");
        if (!PushTokenShape().IsMatch(token))
            return Problems.Invalid("pushToken", "pushToken must be 16 to 200 hexadecimal characters");
        var status = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber))
            .Register(deviceLibraryIdentifier, token, ApplePassToken(request));
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

    private static async Task<IResult> ListChanged(string deviceLibraryIdentifier, string passTypeIdentifier, string? passesUpdatedSince, CachedDeviceReads reads)
    {
        if (!SafeIdentifier().IsMatch(deviceLibraryIdentifier) || !IsPassTypeIdentifier(passTypeIdentifier))
            return Results.NotFound();
        // Tags are ours; anything else (an old scheme, garbage) is answered with everything registered.
        long? since = long.TryParse(passesUpdatedSince, NumberStyles.None, CultureInfo.InvariantCulture, out var tag) ? tag : null;
        var changed = await reads.ChangedSerialsAsync(deviceLibraryIdentifier, passTypeIdentifier, since);
        if (changed is null)
            return Results.NoContent();
        return Results.Json(new SerialNumbersResponse(changed.SerialNumbers, changed.LastUpdated.ToString(CultureInfo.InvariantCulture)),
            WalletJsonContext.Default.SerialNumbersResponse);
    }

    private static async Task<IResult> GetPass(string passTypeIdentifier, string serialNumber, HttpRequest request, HttpResponse response,
        IGrainFactory grains, CachedDeviceReads reads, PassRenderer renderer, PassGrainsMetrics metrics, StatsTally tally)
    {
        if (!IsPassTypeIdentifier(passTypeIdentifier))
            return Results.Unauthorized();
        var token = ApplePassToken(request);
        // A device asking again with the version it holds: answered from this silo's cache, no grain call. Anything else
        // takes the pass grain's path below.
        if (request.GetTypedHeaders().IfModifiedSince is { } held
            && await reads.NotModifiedSinceAsync(passTypeIdentifier, serialNumber, token, held) is { } current)
        {
            response.Headers.CacheControl = "no-cache";
            response.GetTypedHeaders().LastModified = current;
            metrics.LatestPass(passTypeIdentifier, StatusCodes.Status304NotModified);
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        var source = await grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).GetRenderSource(token);
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
        SignedPass pass;
        try
        {
            pass = await renderer.RenderAsync(source);
        }
        catch (PassRenderException)
        {
            // Logged and counted by the renderer: the device keeps the pass it has and asks again later.
            metrics.LatestPass(passTypeIdentifier, StatusCodes.Status503ServiceUnavailable);
            response.Headers.RetryAfter = PassRenderException.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return Problems.Unavailable("the pass cannot be rendered right now; try again later");
        }
        metrics.LatestPass(passTypeIdentifier, StatusCodes.Status200OK);
        tally.Downloaded(source);
        return new PassFileResult(pass, lastModified, null);
    }

    private static async Task<IResult> Log(HttpRequest request, DeviceLogStore store, ILoggerFactory loggers, TimeProvider time)
    {
        var (json, problem) = await RequestBodies.ReadObject(request, MaxBodyBytes, LogBody);
        if (problem is not null)
            return problem;
        if (json!["logs"] is not JsonArray logs || logs.Any(e => e is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
            return Problems.Invalid("logs", "logs is required: an array of strings");
        var logger = loggers.CreateLogger("PassGrains.DeviceLog");
        var agent = request.Headers.UserAgent.ToString();
        if (agent.Length > DeviceLogStore.MaxMessageLength)
            agent = agent[..DeviceLogStore.MaxMessageLength];
        var client = RateLimiting.ClientPartition(request.HttpContext);
        var agentForLog = LogText.Escape(agent);
        foreach (var message in logs.Take(DeviceLogStore.MaxEntriesPerRequest).Select(e => e!.GetValue<string>()))
        {
            var entry = message.Length > DeviceLogStore.MaxMessageLength ? message[..DeviceLogStore.MaxMessageLength] : message;
            // Past a budget entries are dropped (and counted): a flood must not push real messages out. Written to the
            // server's log with control characters escaped, so a device cannot forge log lines of its own.
            if (!store.TryAdd(new DeviceLogEntry(time.GetUtcNow(), entry, agent), client))
                continue;
            var entryForLog = LogText.Escape(entry);
            LogDeviceMessage(logger, agentForLog, entryForLog);
        }
        return Results.Ok();
    }

    private static async Task<IResult> Personalize(string passTypeIdentifier, string serialNumber, HttpRequest request, PassPersonalization personalization)
    {
        var (json, problem) = await RequestBodies.ReadObject(request, MaxBodyBytes);
        if (problem is not null)
            return problem;
        if (PassPersonalization.Check(json!) is { } refused)
            return Problems.Invalid(refused.Member, refused.Message);
        if (!IsPassTypeIdentifier(passTypeIdentifier) || await personalization.PersonalizeAsync(passTypeIdentifier, serialNumber, json!) is not { } signature)
            return Problems.NotFound("no pass with that pass type and serial number awaits personalization");
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Device log ({UserAgent}): {DeviceMessage}")]
    private static partial void LogDeviceMessage(ILogger logger, string userAgent, string deviceMessage);

}

public sealed record SerialNumbersResponse(IReadOnlyList<string> SerialNumbers, string LastUpdated);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(SerialNumbersResponse))]
internal sealed partial class WalletJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
