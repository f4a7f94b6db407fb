using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace PassGrains.Server.Security;

/// <summary>
/// Rate limits on what anyone can call without a credential, partitioned by client address (ASP.NET Core's rate
/// limiter): the personalize and log endpoints (<see cref="AnonymousPolicy"/>), and guessing credentials, counted as
/// requests answered 401, after which the address is answered 429 until its window is over (<see cref="UnauthorizedBudget"/>).
/// </summary>
public static class RateLimiting
{
    public const string AnonymousPolicy = "anonymous";

    public static WebApplicationBuilder AddPassGrainsRateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ClientAddresses>();
        builder.Services.AddSingleton<UnauthorizedBudget>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                return new ValueTask(WriteTooManyRequests(context.HttpContext, retryAfter));
            };
            limiter.AddPolicy(AnonymousPolicy, context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                return limits.Enabled
                    ? RateLimitPartition.GetFixedWindowLimiter(ClientPartition(context), _ => PerWindow(limits.AnonymousRequests, limits.Window))
                    : RateLimitPartition.GetNoLimiter("off");
            });
        });
        return builder;
    }

    public static WebApplication UsePassGrainsRateLimits(this WebApplication app)
    {
        // Inline rather than as IMiddleware: every request passes here, and the budget is a singleton anyway.
        var budget = app.Services.GetRequiredService<UnauthorizedBudget>();
        app.Use(budget.InvokeAsync);
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The client's address as a partition key (<see cref="ClientAddresses.PartitionOf"/>).</summary>
    public static string ClientPartition(HttpContext context) => context.RequestServices.GetRequiredService<ClientAddresses>().PartitionOf(context);

    internal static FixedWindowRateLimiterOptions PerWindow(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    internal static Task WriteTooManyRequests(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "too many requests",
            detail: "this address sent too many requests that need no credential or carried a wrong one; retry after the time in Retry-After").ExecuteAsync(context);
    }
}

/// <summary>
/// Who a request comes from, for budgets: the connection's address, or, when the connection comes from a trusted proxy
/// (loopback, or <see cref="RateLimitOptions.TrustedProxies"/>), the right-most <c>X-Forwarded-For</c> entry (the one our
/// proxy added; anything left of it is the client's own claim). Read only where a budget is counted, never on every
/// request. An IPv6 client is its /64: one host can hold a whole /64 and would otherwise get a fresh budget per address.
/// </summary>
public sealed class ClientAddresses(IOptions<RateLimitOptions> options)
{
    private readonly IPAddress[] _proxies = options.Value.TrustedProxies.Where(p => IPAddress.TryParse(p, out _)).Select(IPAddress.Parse).ToArray();
    private readonly IPNetwork[] _networks = options.Value.TrustedProxies.Where(p => !IPAddress.TryParse(p, out _)).Select(p => IPNetwork.Parse(p)).ToArray();

    public string PartitionOf(HttpContext context)
    {
        var address = Normalize(context.Connection.RemoteIpAddress);
        if (address is null)
            return "unknown";
        if (IsTrusted(address) && context.Request.Headers["X-Forwarded-For"].LastOrDefault() is { Length: > 0 } forwarded)
        {
            var last = forwarded[(forwarded.LastIndexOf(',') + 1)..].Trim();
            if (IPAddress.TryParse(last, out var client))
                address = Normalize(client)!;
        }
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    private bool IsTrusted(IPAddress address) =>
        IPAddress.IsLoopback(address) || _proxies.Any(p => p.Equals(address)) || _networks.Any(n => n.Contains(address));

    private static IPAddress? Normalize(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}

/// <summary>
/// Counts requests answered 401 per client address; an address that spent its window's budget is answered 429 before
/// its request runs, whatever credential it carries, so credentials (pass tokens, API keys) cannot be guessed at speed.
/// A request costs one emptiness check while no address is refused.
/// </summary>
public sealed class UnauthorizedBudget(IOptions<RateLimitOptions> options, TimeProvider time) : IDisposable
{
    private const int MaxRefused = 100_000;

    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => RateLimiting.PerWindow(options.Value.UnauthorizedRequests, options.Value.Window)));

    /// <summary>Addresses that spent their budget, and when it is whole again.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _refused = new(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!options.Value.Enabled || context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive"))
        {
            await next(context);
            return;
        }
        if (!_refused.IsEmpty && RateLimiting.ClientPartition(context) is var client && _refused.TryGetValue(client, out var until))
        {
            var wait = until - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await RateLimiting.WriteTooManyRequests(context, wait);
                return;
            }
            _refused.TryRemove(client, out _);
        }
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
            Count(RateLimiting.ClientPartition(context));
    }

    private void Count(string address)
    {
        using (var lease = _failures.AttemptAcquire(address))
        {
            if (lease.IsAcquired && _failures.GetStatistics(address)?.CurrentAvailablePermits > 0)
                return;
        }
        // The budget is spent: asking for nothing answers whether it still is, and when it is whole again.
        using var spent = _failures.AttemptAcquire(address, 0);
        if (spent.IsAcquired)
            return;
        var now = time.GetUtcNow();
        if (_refused.Count >= MaxRefused)
        {
            foreach (var (expired, _) in _refused.Where(r => r.Value <= now))
                _refused.TryRemove(expired, out _);
        }
        _refused[address] = now + (spent.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : options.Value.Window);
    }

    public void Dispose() => _failures.Dispose();
}
