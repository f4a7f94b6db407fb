using PassGrains.Server.Http;
using PassGrains.Server.PassTypes;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PassGrains.Abstractions;
using PassGrains.Server.Rendering;
using PassGrains.Packaging.Json;

namespace PassGrains.Server.Issuing;

/// <summary>
/// Rewards enrollment (Apple's personalize endpoint): the one place that decides whether a request earns a
/// signature. The endpoint needs no credential, and what it returns is a CMS signature made with the pass
/// type's private key, the same kind of signature that makes Wallet trust a pass's manifest. So it signs
/// only a token of the shape Wallet sends, and only once per pass, for a pass whose template asks for
/// enrollment (has personalization.json). Whoever knows a serial first can claim its enrollment: Apple's
/// protocol gives the server nothing else to check.
/// </summary>
public sealed partial class PassPersonalization(IGrainFactory grains, PassTypeRegistry passTypes, PassRenderer renderer, TimeProvider time,
    ILogger<PassPersonalization> logger)
{
    public const int MinTokenLength = 16;
    public const int MaxTokenLength = 512;
    public const int MaxInfoValueLength = 256;

    /// <summary>
    /// Apple documents the token only as a string that Wallet generates; it is an opaque nonce. We accept the
    /// alphabets a nonce is written in (hex, base64, base64url, a UUID): none of them has '{', '[', '"' or ':',
    /// so a signed token can never be a JSON object such as a manifest.json or a pass.json, and its length is bounded.
    /// What is left of JSON in that alphabet (a number such as 1e5, or true/false/null) is refused as well, below,
    /// so a token that earns a signature is no JSON document at all.
    /// </summary>
    [GeneratedRegex(@"^[A-Za-z0-9+/=_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenAlphabet();

    /// <summary>The members of requiredPersonalizationInfo that Wallet can send (one per PKPassPersonalizationField).</summary>
    private static readonly HashSet<string> InfoMembers = new(StringComparer.Ordinal)
    {
        "fullName", "givenName", "familyName", "postalCode", "ISOCountryCode", "emailAddress", "phoneNumber",
    };

    /// <summary>The body Wallet posts: unknown members are ignored, the two it must hold are checked.</summary>
    public static readonly BodyShape RequestBody = BodyShape.Open(("personalizationToken", JsonValueKind.String), ("requiredPersonalizationInfo", JsonValueKind.Object));

    /// <summary>What is wrong with a request body, whatever pass it names (so the answer says nothing about the serial); null when it is acceptable.</summary>
    public static JsonProblem? Check(JsonObject body)
    {
        if (RequestBody.Check(body) is { } misfit)
            return misfit;
        if (RequestContent.OptionalString(body, "personalizationToken") is not { } token)
            return new JsonProblem("personalizationToken", "personalizationToken is required: the token Wallet sent, as a string");
        if (token.Length is < MinTokenLength or > MaxTokenLength || !TokenAlphabet().IsMatch(token)
            || StrictJson.Check(System.Text.Encoding.ASCII.GetBytes(token)) is null)
            return new JsonProblem("personalizationToken",
                $"personalizationToken must be {MinTokenLength}–{MaxTokenLength} characters of hex, base64 or base64url that do not read as JSON");
        if (body["requiredPersonalizationInfo"] is not JsonObject info)
            return new JsonProblem("requiredPersonalizationInfo", "requiredPersonalizationInfo is required: an object of the requested fields");
        foreach (var (name, value) in info)
        {
            if (!InfoMembers.Contains(name))
                return new JsonProblem($"requiredPersonalizationInfo.{StrictJson.Shorten(name)}",
                    $"unknown member; Wallet sends {string.Join(", ", InfoMembers)}");
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String || v.GetValue<string>().Length > MaxInfoValueLength)
                return new JsonProblem($"requiredPersonalizationInfo.{name}", $"must be a string of at most {MaxInfoValueLength} characters");
        }
        return null;
    }

    /// <summary>
    /// Records the enrollment and signs the token; null when the pass is unknown, its template asks for no enrollment,
    /// or it was personalized before (the caller answers all three alike). <paramref name="body"/> passed <see cref="Check"/>.
    /// </summary>
    public async Task<byte[]?> PersonalizeAsync(string passTypeIdentifier, string serialNumber, JsonObject body)
    {
        if (passTypes.Find(passTypeIdentifier) is not { } passType)
            return null;
        var pass = grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber));
        var summary = await pass.GetSummary();
        if (summary is null)
            return null;
        var template = await renderer.GetTemplateAsync(summary.TemplateId, null);
        if (template?.Model.Find("personalization.json") is null)
            return null;
        var info = (JsonObject)body["requiredPersonalizationInfo"]!;
        // Stored first: a signature is only ever handed out for an enrollment that is durable, and only once per pass.
        if (!await pass.Personalize(info.ToJsonString()))
            return null;
        LogPersonalized(logger, passTypeIdentifier, serialNumber, info.Count);
        return passType.Signer.SignPersonalizationToken(RequestContent.OptionalString(body, "personalizationToken")!, time.GetUtcNow());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pass {PassType}/{Serial} personalized ({FieldCount} fields)")]
    private static partial void LogPersonalized(ILogger logger, string passType, string serial, int fieldCount);
}
