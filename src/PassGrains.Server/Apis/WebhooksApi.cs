using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PassGrains.Abstractions;
using PassGrains.Server.Http;
using PassGrains.Server.Issuing;
using PassGrains.Server.PassTypes;
using PassGrains.Server.Security;
using PassGrains.Server.Webhooks;

namespace PassGrains.Server.Apis;

/// <summary>/api/webhooks/{name}: subscriptions of a URL to a pass type's lifecycle events, kept by the webhook registry grain.</summary>
public static class WebhooksApi
{
    private static readonly BodyShape WebhookBody = new(("url", JsonValueKind.String), ("secret", JsonValueKind.String), ("passTypeIdentifier", JsonValueKind.String));

    internal static RouteGroupBuilder MapWebhooks(this RouteGroupBuilder api)
    {
        api.MapPut("/webhooks/{name}", PutWebhook).WithSummary("Subscribe a URL to a pass type's lifecycle events (signed JSON POSTs)").RequireIssuerScope(IssuerAccess.Write)
            .ReadsJson().AsksGrains();
        api.MapGet("/webhooks/{name}", GetWebhook).WithSummary("Show a webhook (its secret is never shown)").RequireIssuerScope(IssuerAccess.Read)
            .ProducesProblem(StatusCodes.Status404NotFound).AsksGrains();
        api.MapDelete("/webhooks/{name}", DeleteWebhook).WithSummary("Delete a webhook; its undelivered events are dropped").RequireIssuerScope(IssuerAccess.Write)
            .ProducesProblem(StatusCodes.Status404NotFound).AsksGrains();
        return api;
    }

    private static IWebhookRegistryGrain Registry(IGrainFactory grains) => grains.GetGrain<IWebhookRegistryGrain>(Grains.WebhookRegistryGrain.Key);

    private static async Task<Results<Created<WebhookResponse>, Ok<WebhookResponse>, ProblemHttpResult>> PutWebhook(string name, HttpRequest request, IGrainFactory grains,
        PassTypeRegistry passTypes, WebhookSubscriptions subscriptions, IOptions<WebhookOptions> webhookOptions)
    {
        if (!PassIssuer.IsValidId(name))
            return Problems.Invalid("name", "webhook names are 1–100 letters, digits, '.', '_' or '-'");
        var (body, error) = await RequestBodies.ReadObject(request, IssuerApi.MaxJsonBytes, WebhookBody);
        if (error is not null)
            return error;
        var url = RequestContent.OptionalString(body!, "url");
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return Problems.Invalid("url", "url must be an absolute http(s) URL");
        var secret = RequestContent.OptionalString(body!, "secret");
        if (secret is null || secret.Length < 16)
            return Problems.Invalid("secret", "secret must have at least 16 characters; it signs every event (HMAC-SHA256)");
        var passType = RequestContent.OptionalString(body!, "passTypeIdentifier");
        if (passType is null || passTypes.Find(passType) is null)
            return Problems.Invalid("passTypeIdentifier", $"passTypeIdentifier must be a pass type this server signs for ({string.Join(", ", passTypes.All.Select(t => t.Identifier))})");
        if (request.HttpContext.PassTypeProblem(passType) is { } forbidden)
            return forbidden;
        if (await ReplacedWebhookProblem(request.HttpContext, grains, name) is { } replacesOther)
            return replacesOther;
        if (await WebhookAddresses.SubscriptionRefusalAsync(uri, webhookOptions.Value.AllowPrivateNetworks, request.HttpContext.RequestAborted) is { } refusal)
            return Problems.Invalid("url", refusal);
        var created = await Registry(grains).Put(new Webhook(name, uri.ToString(), secret, passType));
        await subscriptions.RefreshAsync(); // this silo publishes at once; the others within WebhookSubscriptions.RefreshInterval
        var response = new WebhookResponse(name, uri.ToString(), passType);
        return created ? TypedResults.Created($"/api/webhooks/{name}", response) : TypedResults.Ok(response);
    }

    /// <summary>A scoped key sees and deletes only the webhooks of its pass types; others are answered as if they did not exist.</summary>
    private static async Task<Webhook?> FindWebhookInScope(HttpContext http, IGrainFactory grains, string name) =>
        await Registry(grains).Find(name) is { } hook && http.IssuerScope().Allows(hook.PassTypeIdentifier) ? hook : null;

    private static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> GetWebhook(string name, HttpContext http, IGrainFactory grains)
    {
        var hook = await FindWebhookInScope(http, grains, name);
        return hook is null
            ? Problems.NotFound($"webhook {name} does not exist")
            : TypedResults.Ok(new WebhookResponse(hook.Name, hook.Url, hook.PassTypeIdentifier));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhook(string name, HttpContext http, IGrainFactory grains, WebhookSubscriptions subscriptions)
    {
        if (await FindWebhookInScope(http, grains, name) is null || !await Registry(grains).Delete(name))
            return Problems.NotFound($"webhook {name} does not exist");
        await subscriptions.RefreshAsync(); // this silo stops at once, undelivered events included; the others within WebhookSubscriptions.RefreshInterval
        return TypedResults.NoContent();
    }

    /// <summary>A webhook is replaced by name: a scoped key may not take over another pass type's webhook.</summary>
    private static async Task<ProblemHttpResult?> ReplacedWebhookProblem(HttpContext http, IGrainFactory grains, string name) =>
        http.IssuerScope().IsUnrestricted || await Registry(grains).Find(name) is not { } existing
            ? null
            : http.PassTypeProblem(existing.PassTypeIdentifier);
}

public sealed record WebhookResponse(string Name, string Url, string PassTypeIdentifier);
