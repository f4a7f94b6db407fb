using Yarp.ReverseProxy.Configuration;

// usage: PassGrains.LoadBalancer --urls http://127.0.0.1:5100 --silos http://127.0.0.1:5101/,http://127.0.0.1:5102/
var builder = WebApplication.CreateBuilder(args);
// The silos enforce each endpoint's body limit (batch uploads may be large); the balancer passes bodies through.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
// Per-request lines print the query string, where download links carry their signature: keep them out of the log.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
builder.Logging.AddFilter("Yarp.ReverseProxy.Forwarder", LogLevel.Warning);
var silos = (builder.Configuration["silos"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (silos.Length == 0)
{
    Console.Error.WriteLine("give the silos' base URLs with --silos URL[,URL...]");
    return 2;
}

// Any silo serves any request: no affinity, round robin over the silos whose /health says ready.
var cluster = new ClusterConfig
{
    ClusterId = "silos",
    LoadBalancingPolicy = "RoundRobin",
    Destinations = silos.Select((url, i) => (Key: $"silo{i + 1}", Value: new DestinationConfig { Address = url }))
        .ToDictionary(d => d.Key, d => d.Value),
    HealthCheck = new HealthCheckConfig
    {
        Active = new ActiveHealthCheckConfig { Enabled = true, Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(2), Path = "/health", Policy = "ConsecutiveFailures" },
        Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = "TransportFailureRate", ReactivationPeriod = TimeSpan.FromSeconds(5) },
    },
    HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(100) },
};
var route = new RouteConfig { RouteId = "all", ClusterId = "silos", Match = new RouteMatch { Path = "{**catch-all}" } };
builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);
var app = builder.Build();
app.MapReverseProxy();
app.Run();
return 0;
