namespace PassGrains.Apns;

/// <summary>Where and how pushes go. Pass update pushes work only on the production host.</summary>
public sealed record ApnsOptions
{
    public static readonly Uri Production = new("https://api.push.apple.com");
    public static readonly Uri Development = new("https://api.sandbox.push.apple.com");

    public Uri Endpoint { get; init; } = Production;

    /// <summary>A PEM CA certificate to trust for <see cref="Endpoint"/> besides the system's (private test endpoints).</summary>
    public string? TrustedCaPath { get; init; }

    /// <summary>How long APNs keeps a push for an offline device (<c>apns-expiration</c>).</summary>
    public TimeSpan Expiration { get; init; } = TimeSpan.FromHours(24);

    /// <summary>HTTP/2 connections to open at most; streams are spread over them.</summary>
    public int MaxConnections { get; init; } = 4;

    /// <summary>How long one push may be retried (429, 5xx, lost connections) before it is reported as not delivered.</summary>
    public TimeSpan RetryDeadline { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for one request and its answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);
}
