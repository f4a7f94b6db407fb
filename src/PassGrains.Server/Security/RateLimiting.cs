using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace PassGrains.Server.Security;

/// <summary>
/// Rate limits on what anyone can call without a credential, partitioned by client address (ASP.NET Core's rate
/// limiter): the personalize and log endpoints (<see cref="AnonymousPolicy"/>), and guessing credentials, counted as
/// requests answered 401, after which the address is answered 429 until its window is over. An IPv6 client is one
/// /64: a single host can hold a whole /64, and would otherwise get a fresh budget per address.
/// </summary>
public static class RateLimiting
{
    public const string AnonymousPolicy = "anonymous";

    public static WebApplicationBuilder AddPassGrainsRateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<UnauthorizedBudget>();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<RateLimitOptions>>((forwarded, limits) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            forwarded.ForwardLimit = 1; // only the address our own balancer saw; anything further left is the client's claim
            foreach (var proxy in limits.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                    forwarded.KnownProxies.Add(address);
                else
                    forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
            }
        });
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
        app.UseForwardedHeaders();
        app.UseMiddleware<UnauthorizedBudget>();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The client's address as a partition key: an IPv4 address, or the /64 of an IPv6 one.</summary>
    public static string ClientPartition(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

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
/// Counts requests answered 401 per client address; an address that spent its window's budget is answered 429 before
/// its request runs, so credentials (pass tokens, API keys) cannot be guessed at speed.
/// </summary>
public sealed class UnauthorizedBudget(IOptions<RateLimitOptions> options) : IMiddleware, IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext> _failures = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        RateLimitPartition.GetFixedWindowLimiter(RateLimiting.ClientPartition(context), _ => RateLimiting.PerWindow(options.Value.UnauthorizedRequests, options.Value.Window)));

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!options.Value.Enabled || context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive"))
        {
            await next(context);
            return;
        }
        using (var probe = _failures.AttemptAcquire(context, 0))
        {
            if (!probe.IsAcquired)
            {
                await RateLimiting.WriteTooManyRequests(context, probe.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1));
                return;
            }
        }
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
            _failures.AttemptAcquire(context).Dispose();
    }

    public void Dispose() => _failures.Dispose();
}
