using PassGrains.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace PassGrains.Server.Security;

/// <summary>Endpoint metadata: the access an issuer endpoint needs of its key.</summary>
public sealed record IssuerScopeMetadata(IssuerAccess Access);

/// <summary>
/// Issuer keys' scopes, checked in one place. The endpoint filter finds the key, checks the access the endpoint
/// declares (<see cref="RequireIssuerScope{TBuilder}"/>) and the pass type of a <c>{passTypeIdentifier}</c> route
/// value; handlers that learn a pass type from a body ask <see cref="PassTypeProblem"/> once they know it, and
/// <see cref="Issuing.PassIssuer"/> checks the pass types it learns from a lookup (a template, a group).
/// </summary>
public static class IssuerAuthorization
{
    private static readonly object KeyItem = new();

    /// <summary>Declares the access an endpoint needs; an endpoint that declares none needs write access.</summary>
    public static TBuilder RequireIssuerScope<TBuilder>(this TBuilder builder, IssuerAccess access) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new IssuerScopeMetadata(access));

    /// <summary>The issuer key the request was authorized with (set by <see cref="RequireIssuerKey"/>).</summary>
    public static IssuerKey IssuerKey(this HttpContext context) =>
        context.Items[KeyItem] as IssuerKey ?? throw new InvalidOperationException("the issuer key filter has not run for this endpoint");

    /// <summary>The pass types the request's key may touch.</summary>
    public static PassTypeScope IssuerScope(this HttpContext context) => context.IssuerKey().Scope;

    /// <summary>A 403 problem when the request's key may not touch <paramref name="passTypeIdentifier"/>, else null.</summary>
    public static ProblemHttpResult? PassTypeProblem(this HttpContext context, string passTypeIdentifier) =>
        context.IssuerScope().Allows(passTypeIdentifier) ? null : Problems.Forbidden(PassTypeScope.Refusal(passTypeIdentifier));

    /// <summary>A 403 problem unless the request's key is scoped to no pass type (for what spans every pass type).</summary>
    public static ProblemHttpResult? UnscopedProblem(this HttpContext context, string what) =>
        context.IssuerScope().IsUnrestricted ? null : Problems.Forbidden($"this key is scoped to pass types: {what} needs a key for every pass type");

    public static async ValueTask<object?> RequireIssuerKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var keys = http.RequestServices.GetRequiredService<IssuerApiKeys>();
        if (!keys.Any)
            return Problems.Unauthorized("the issuer API has no keys configured (PassGrains:IssuerApiKeys), so it refuses every request");
        if (keys.Find(http.Request.Headers.Authorization) is not { } key)
            return Problems.Unauthorized("send an issuer API key as 'Authorization: Bearer <key>'");
        return Authorize(http, key) ?? await next(context);
    }

    /// <summary>Checks <paramref name="key"/> against the endpoint's declared access and route pass type, and remembers it for the handler.</summary>
    public static IResult? Authorize(HttpContext http, IssuerKey key)
    {
        http.Items[KeyItem] = key;
        var access = http.GetEndpoint()?.Metadata.GetMetadata<IssuerScopeMetadata>()?.Access ?? IssuerAccess.Write;
        if (access == IssuerAccess.Write && !key.CanWrite)
            return Problems.Forbidden($"this key is read-only: {http.Request.Method} needs read-write access");
        if (http.Request.RouteValues.TryGetValue("passTypeIdentifier", out var value) && value is string passType)
            return http.PassTypeProblem(passType);
        return null;
    }
}
