using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>
/// /openapi/v1.json as a client generator reads it: every issuer operation says what its successes carry and that its
/// refusals are problem+json, and no issuer endpoint is missing from it (an endpoint without metadata fails here).
/// </summary>
public sealed class OpenApiDocumentTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    /// <summary>What the issuer key filter and the 401 budget answer on every /api/ endpoint, whatever its handler does.</summary>
    private static readonly string[] EveryOperationRefuses = ["401", "403", "429"];

    [Fact]
    public async Task Every_issuer_operation_documents_its_success_body_and_problem_json_refusals()
    {
        using var document = await Document();
        var root = document.RootElement;
        var operations = IssuerOperations(root).ToList();
        Assert.NotEmpty(operations);
        var failures = new List<string>();
        foreach (var (method, path, operation) in operations)
        {
            var name = $"{method.ToUpperInvariant()} {path}";
            if (!operation.TryGetProperty("responses", out var responses))
            {
                failures.Add($"{name}: no responses");
                continue;
            }
            var statuses = responses.EnumerateObject().Select(r => r.Name).ToList();
            if (!statuses.Any(s => s.StartsWith('2')))
                failures.Add($"{name}: no 2xx response");
            foreach (var missing in EveryOperationRefuses.Except(statuses))
                failures.Add($"{name}: no {missing} response");
            foreach (var response in responses.EnumerateObject())
            {
                if (response.Name.StartsWith('2'))
                    failures.AddRange(SuccessProblems(root, name, response.Name, response.Value));
                else if (response.Name.StartsWith('4'))
                    failures.AddRange(RefusalProblems(root, name, response.Name, response.Value));
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task The_document_has_every_issuer_route_of_the_app()
    {
        using var document = await Document();
        var documented = IssuerOperations(document.RootElement).Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}").ToHashSet(StringComparer.Ordinal);
        var routes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet(StringComparer.Ordinal);
        // The app's own route table, so a guess at the routes cannot make this pass: the issuer API has well over a dozen.
        Assert.True(routes.Count >= 15, $"only {routes.Count} issuer routes: {string.Join(", ", routes)}");
        Assert.True(routes.SetEquals(documented),
            $"in the route table only: {string.Join(", ", routes.Except(documented))}; in the document only: {string.Join(", ", documented.Except(routes))}");
    }

    private async Task<JsonDocument> Document()
    {
        using var response = await server.Client.Http.GetAsync(new Uri("openapi/v1.json", UriKind.Relative));
        return JsonDocument.Parse(await Expect.Status(response, HttpStatusCode.OK));
    }

    private static IEnumerable<(string Method, string Path, JsonElement Operation)> IssuerOperations(JsonElement root) =>
        root.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)).Select(o => (o.Name, p.Name, o.Value)));

    /// <summary>A 2xx has a body schema, unless it is a 204 or a 202 that says it has none.</summary>
    private static IEnumerable<string> SuccessProblems(JsonElement root, string operation, string status, JsonElement response)
    {
        var hasContent = response.TryGetProperty("content", out var content) && content.EnumerateObject().Any();
        if (status == "204")
        {
            if (hasContent)
                yield return $"{operation} {status}: a 204 documents a body";
            yield break;
        }
        if (!hasContent)
        {
            yield return $"{operation} {status}: no content";
            yield break;
        }
        if (!content.TryGetProperty("application/json", out var json))
        {
            // A success of another media type (a file) only needs a schema.
            if (!content.EnumerateObject().All(c => c.Value.TryGetProperty("schema", out _)))
                yield return $"{operation} {status}: content without a schema";
            yield break;
        }
        if (!json.TryGetProperty("schema", out var schema))
        {
            yield return $"{operation} {status}: application/json without a schema";
            yield break;
        }
        var resolved = Resolve(root, schema);
        // A list answers an array of objects; describe the items then.
        if (resolved.TryGetProperty("items", out var items))
            resolved = Resolve(root, items);
        if (!resolved.TryGetProperty("properties", out var properties) || !properties.EnumerateObject().Any())
            yield return $"{operation} {status}: application/json schema has no properties: {schema}";
    }

    /// <summary>A 4xx is application/problem+json whose schema is RFC 9457's shape.</summary>
    private static IEnumerable<string> RefusalProblems(JsonElement root, string operation, string status, JsonElement response)
    {
        if (!response.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out var problem))
        {
            yield return $"{operation} {status}: no application/problem+json content";
            yield break;
        }
        if (!problem.TryGetProperty("schema", out var schema))
        {
            yield return $"{operation} {status}: application/problem+json without a schema";
            yield break;
        }
        var resolved = Resolve(root, schema);
        var members = resolved.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => p.Name).ToHashSet() : [];
        foreach (var member in new[] { "title", "status", "detail" }.Except(members))
            yield return $"{operation} {status}: the problem schema has no '{member}'";
    }

    /// <summary>Follows a local <c>$ref</c> (#/components/schemas/X) to the schema it names.</summary>
    private static JsonElement Resolve(JsonElement root, JsonElement schema)
    {
        for (var hops = 0; hops < 10 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); hops++)
        {
            var target = root;
            foreach (var segment in reference.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
                target = target.GetProperty(segment);
            schema = target;
        }
        return schema;
    }
}
