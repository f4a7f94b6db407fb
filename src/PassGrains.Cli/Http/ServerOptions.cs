using System.CommandLine;

namespace PassGrains.Cli.Http;

/// <summary>Where a server is and the key it accepts: <c>Authorization: Bearer &lt;key&gt;</c> on every request.</summary>
public sealed record ServerTarget(Uri Server, string ApiKey);

/// <summary>
/// The options every verb that talks to a server shares: --server and --api-key, each falling back to an
/// environment variable so that the key need not appear on the command line (and in shell history).
/// </summary>
public sealed class ServerOptions
{
    public const string ServerVariable = "PASSGRAINS_SERVER";
    public const string ApiKeyVariable = "PASSGRAINS_API_KEY";

    public Option<string?> Server { get; } = new("--server")
    {
        Description = $"Base URL of the PassGrains server, e.g. http://localhost:5000 (default: ${ServerVariable})",
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"Issuer API key, sent as 'Authorization: Bearer <key>' (default: ${ApiKeyVariable})",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(ApiKey);
    }

    /// <summary>Whether the command line named a server (the environment does not count).</summary>
    public bool ServerGiven(ParseResult result) => result.GetValue(Server) is not null;

    public ServerTarget Resolve(ParseResult result)
    {
        var server = result.GetValue(Server) ?? Environment.GetEnvironmentVariable(ServerVariable);
        if (string.IsNullOrWhiteSpace(server))
            throw new UsageException($"no server: give --server URL or set {ServerVariable}");
        var key = result.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable(ApiKeyVariable);
        if (string.IsNullOrWhiteSpace(key))
            throw new UsageException($"no API key: give --api-key KEY or set {ApiKeyVariable}");
        if (!Uri.TryCreate(server.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new UsageException($"--server '{server}' must be an absolute http:// or https:// URL, e.g. http://localhost:5000");
        // A base without a trailing slash would drop its last segment when the API paths are resolved against it.
        var withSlash = uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
        return new ServerTarget(withSlash, key.Trim());
    }
}
