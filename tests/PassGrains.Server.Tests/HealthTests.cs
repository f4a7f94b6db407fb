using System.Net;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>What a load balancer asks: /alive (the process answers) and /health (the silo is active and its storage answers).</summary>
public sealed class HealthTests(InProcessServerFixture server) : IClassFixture<InProcessServerFixture>
{
    [Fact]
    public async Task A_running_silo_is_alive_and_ready_without_credentials()
    {
        using var alive = await server.Client.SendAsync(HttpMethod.Get, "alive", apiKey: null);
        Assert.Equal("alive", await Expect.Status(alive, HttpStatusCode.OK));
        using var health = await server.Client.SendAsync(HttpMethod.Get, "health", apiKey: null);
        Assert.Equal("ready", await Expect.Status(health, HttpStatusCode.OK));
    }
}
