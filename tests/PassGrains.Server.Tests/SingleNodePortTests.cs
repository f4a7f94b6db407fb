using System.Net;
using PassGrains.Server.Tests.Infrastructure;

namespace PassGrains.Server.Tests;

/// <summary>Runs only where this machine has a non-loopback IPv4 address to try the silo port on.</summary>
public sealed class NonLoopbackAddressFactAttribute : FactAttribute
{
    public NonLoopbackAddressFactAttribute()
    {
        if (OrleansPorts.NonLoopbackAddress() is null)
            Skip = "this machine has no non-loopback IPv4 address (an up interface's) to connect to the silo port from";
    }
}

/// <summary>One single-node server process (SQLite, no cluster settings) for the class.</summary>
public sealed class SingleNodeServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _root = new("single-node-ports");

    public ServerSettings Settings { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var data = _root.Combine("data");
        Directory.CreateDirectory(data);
        Settings = ServerSettings.Create(data, SigningChain.Create(_root.Combine("chain")));
        Server = await ServerProcess.StartAsync(Settings);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
        _root.Dispose();
    }

    public void Dispose() => _root.Dispose();
}

/// <summary>
/// A single node's Orleans ports are no door: its silo port listens on loopback only and speaks TLS with a key that
/// never leaves the process, and it opens no client gateway (the web front end uses the in-silo client).
/// </summary>
public sealed class SingleNodePortTests(SingleNodeServerFixture fixture) : IClassFixture<SingleNodeServerFixture>
{
    [Fact]
    public void The_silo_listens_on_loopback_only_and_no_gateway_listens()
    {
        var sockets = OrleansPorts.ListeningSockets(fixture.Server.ProcessId);
        var described = string.Join(", ", sockets.Select(s => $"{s.Address}:{s.Port}"));
        var silo = sockets.Where(s => s.Port == fixture.Settings.SiloPort).ToList();
        Assert.True(silo.Count > 0, $"nothing listens on the silo port {fixture.Settings.SiloPort}; the server listens on {described}");
        Assert.All(silo, s => Assert.True(IPAddress.IsLoopback(s.Address), $"the silo port listens on {s.Address}, not loopback only ({described})"));
        // HTTP (bound to 127.0.0.1 by the test) and the silo port, nothing else: no gateway, on any port.
        Assert.True(sockets.Select(s => s.Port).ToHashSet().SetEquals([fixture.Settings.HttpPort, fixture.Settings.SiloPort]),
            $"the server listens on {described}; expected only HTTP {fixture.Settings.HttpPort} and the silo port {fixture.Settings.SiloPort}");
    }

    [NonLoopbackAddressFact]
    public async Task The_silo_port_accepts_no_connection_on_a_non_loopback_address()
    {
        var address = OrleansPorts.NonLoopbackAddress()!;
        Assert.True(await OrleansPorts.AcceptsConnectionAsync(new IPEndPoint(IPAddress.Loopback, fixture.Settings.SiloPort)),
            "the silo port should accept connections on loopback, or this test proves nothing");
        Assert.False(await OrleansPorts.AcceptsConnectionAsync(new IPEndPoint(address, fixture.Settings.SiloPort)),
            $"the silo port {fixture.Settings.SiloPort} accepted a connection on {address}");
    }

    [Fact]
    public async Task The_silo_port_drops_a_plaintext_Orleans_preamble_even_from_this_machine()
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, fixture.Settings.SiloPort);
        var exchange = await OrleansPorts.SendAsync(endpoint, OrleansPorts.PlaintextPreamble("passgrains", new IPEndPoint(IPAddress.Loopback, 1)), TimeSpan.FromSeconds(15));
        Assert.True(exchange.Closed, "the silo kept a connection open that sent a plaintext Orleans preamble");
        Assert.False(exchange.Contains("passgrains"), "the silo answered a plaintext preamble with its own (it carries the cluster id)");
        Assert.True(await fixture.Server.WaitForOutputAsync("Authentication failed", TimeSpan.FromSeconds(15)),
            $"the silo did not log the refused TLS handshake:{Environment.NewLine}{fixture.Server.Output}");
    }
}
