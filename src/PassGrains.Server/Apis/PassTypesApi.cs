using Microsoft.AspNetCore.Http.HttpResults;
using PassGrains.Packaging.Signing;
using PassGrains.Server.PassTypes;
using PassGrains.Server.Security;

namespace PassGrains.Server.Apis;

/// <summary>GET /api/pass-types: the pass types of <see cref="PassTypeRegistry"/>, so an operator sees certificates before they expire.</summary>
public static class PassTypesApi
{
    internal static RouteGroupBuilder MapPassTypes(this RouteGroupBuilder api)
    {
        api.MapGet("/pass-types", ListPassTypes).WithSummary("Pass types this server signs for, with the expiry of their certificates").RequireIssuerScope(IssuerAccess.Read);
        return api;
    }

    /// <summary>A scoped key sees only its own pass types.</summary>
    private static Ok<List<PassTypeResponse>> ListPassTypes(HttpContext http, PassTypeRegistry passTypes, TimeProvider time)
    {
        var now = time.GetUtcNow();
        CertificateResponse Describe(PassCertificateInfo info) => new(info.Subject, info.NotAfter, info.DaysLeft(now));
        return TypedResults.Ok(passTypes.All.Where(t => http.IssuerScope().Allows(t.Identifier)).OrderBy(t => t.Identifier, StringComparer.Ordinal)
            .Select(t => new PassTypeResponse(t.Identifier, t.TeamIdentifier, Describe(t.Signer.Certificate), Describe(PassCertificateInfo.From(t.Signer.Wwdr))))
            .ToList());
    }
}

public sealed record CertificateResponse(string Subject, DateTimeOffset NotAfter, int DaysLeft);

public sealed record PassTypeResponse(string PassTypeIdentifier, string? TeamIdentifier, CertificateResponse Certificate, CertificateResponse Intermediate);
