using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>Every log line a server wrote (category, level, message, exception), as an operator's log shipper would see them.</summary>
public sealed class LogSink : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (!cancel.IsCancellationRequested)
        {
            if (Lines.FirstOrDefault(match) is { } line)
                return line;
            await Task.Delay(25, CancellationToken.None);
        }
        throw new TimeoutException($"no matching log line within {timeout}; {Lines.Count} lines, the last: {string.Join(Environment.NewLine, Lines.TakeLast(20))}");
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Lines.Enqueue($"{category} [{logLevel}] {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
    }
}

/// <summary>A port that accepts TCP connections and never answers on them: a receiver that is up but hangs.</summary>
public sealed class SilentListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<TcpClient> _held = new();
    private readonly CancellationTokenSource _stop = new();

    private SilentListener()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public static SilentListener Start() => new();

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/hook";

    public int Accepted => _held.Count;

    /// <summary>Connections whose client has not given up on them (not closed from its end).</summary>
    public int StillOpen => _held.Count(c => !(c.Client.Poll(0, SelectMode.SelectRead) && c.Client.Available == 0));

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
                _held.Enqueue(await _listener.AcceptTcpClientAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var client in _held)
            client.Dispose();
        _stop.Dispose();
    }
}

/// <summary>
/// A server of a test's own, started in the test process as Program starts it, with the boarding
/// template uploaded and every log line kept in <see cref="Logs"/>.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, ServerSettings settings, LogSink logs)
    {
        _app = app;
        Settings = settings;
        Logs = logs;
        Client = new PassGrainsClient(new Uri(settings.BaseUrl));
    }

    public ServerSettings Settings { get; }

    public PassGrainsClient Client { get; }

    public LogSink Logs { get; }

    /// <summary>Every endpoint the app maps, from its own route table.</summary>
    public IEnumerable<Microsoft.AspNetCore.Http.Endpoint> Endpoints =>
        ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints);

    /// <summary>
    /// Starts a server with one setting at <paramref name="value"/>, expects it to refuse to start, and gives the message
    /// its options check names the problem with.
    /// </summary>
    public static async Task<string> RefusalOfAsync(string setting, string value)
    {
        using var root = new TempDirectory("refused-options");
        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            StartAsync(root.Combine("data"), SigningChain.Create(root.Combine("chain")), ServerSettings.NewSecretKey(),
                configuration => configuration[setting] = value));
        return failure.Message;
    }

    /// <param name="adjust">Changes to the configuration of <see cref="ServerSettings.ToConfiguration"/> (which allows private networks).</param>
    public static async Task<TestServer> StartAsync(string dataDirectory, SigningChain chain, string secretKey, Action<Dictionary<string, string?>> adjust)
    {
        var settings = ServerSettings.Create(dataDirectory, chain, secretKey);
        var configuration = settings.ToConfiguration();
        configuration["Logging:LogLevel:Default"] = "Warning";
        configuration["Logging:LogLevel:PassGrains"] = "Debug";
        configuration["PassGrains:Apns:Enabled"] = "false";
        adjust(configuration);
        var logs = new LogSink();
        var app = PassGrainsApp.Build(["--urls", settings.BaseUrl.TrimEnd('/')], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.AddProvider(logs);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var server = new TestServer(app, settings, logs);
        using var upload = await server.Client.UploadTemplateAsync(InProcessServerFixture.BoardingTemplate, ModelZip.FromFolder(TestEnvironment.Model("boarding")));
        Assert.True(upload.IsSuccessStatusCode, $"template upload answered {(int)upload.StatusCode}");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
