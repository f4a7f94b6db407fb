using System.ComponentModel.DataAnnotations;
using System.Net;

namespace PassGrains.Server.Security;

/// <summary>
/// <c>PassGrains:RateLimits</c>: what one client address may ask of the endpoints that need no credential.
/// On by default; the numbers are far above what a Wallet device sends (it posts a log line or a personalization
/// now and then, and a 401 only when its pass was withdrawn).
/// </summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "PassGrains:RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>The window every budget below counts in; a spent budget is whole again when its window ends.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Requests to personalize and to /v1/log per client address and window.</summary>
    public int AnonymousRequests { get; set; } = 60;

    /// <summary>Requests answered 401 per client address and window; past it the address gets 429 until the window is over.</summary>
    public int UnauthorizedRequests { get; set; } = 60;

    /// <summary>Device-log entries kept per window, all devices together (each request keeps at most 100).</summary>
    public int DeviceLogEntries { get; set; } = 600;

    /// <summary>Device-log entries kept per client address and window, so that one address cannot spend everyone's budget.</summary>
    public int DeviceLogEntriesPerAddress { get; set; } = 100;

    /// <summary>
    /// Addresses (or networks, as 10.0.0.0/8) of proxies, such as the cluster's load balancer, whose X-Forwarded-For names
    /// the client; loopback is always trusted. Without them every client behind a balancer would share one address, and one budget.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Window < TimeSpan.FromSeconds(1) || Window > TimeSpan.FromDays(1))
            yield return new ValidationResult($"{Section}:Window must be between 00:00:01 and 1.00:00:00", [nameof(Window)]);
        if (AnonymousRequests < 1)
            yield return new ValidationResult($"{Section}:AnonymousRequests must be at least 1", [nameof(AnonymousRequests)]);
        if (UnauthorizedRequests < 1)
            yield return new ValidationResult($"{Section}:UnauthorizedRequests must be at least 1", [nameof(UnauthorizedRequests)]);
        if (DeviceLogEntriesPerAddress < 1)
            yield return new ValidationResult($"{Section}:DeviceLogEntriesPerAddress must be at least 1", [nameof(DeviceLogEntriesPerAddress)]);
        if (DeviceLogEntries < 1)
            yield return new ValidationResult($"{Section}:DeviceLogEntries must be at least 1", [nameof(DeviceLogEntries)]);
        for (var i = 0; i < TrustedProxies.Count; i++)
        {
            if (!IPAddress.TryParse(TrustedProxies[i], out _) && !IPNetwork.TryParse(TrustedProxies[i], out _))
                yield return new ValidationResult($"{Section}:TrustedProxies:{i} '{TrustedProxies[i]}' must be an IP address or a network (10.0.0.0/8)", [nameof(TrustedProxies)]);
        }
    }
}
