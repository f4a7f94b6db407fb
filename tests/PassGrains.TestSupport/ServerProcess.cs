using System.Diagnostics;
using System.Net;
using System.Text;

namespace PassGrains.TestSupport;

/// <summary>What a test server process needs: where it keeps its data, where it listens, its configuration (':' separated keys).</summary>
public interface IServerLaunch
{
    string DataDirectory { get; }

    string BaseUrl { get; }

    Dictionary<string, string?> ToConfiguration();
}

/// <summary>
/// The server as its own process (<c>dotnet PassGrains.Server.dll</c>, configured through environment
/// variables as an operator would), so a test can stop or SIGKILL it and start it again on the same data.
/// Shared by the server and CLI tests.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();

    private ServerProcess(Process process, IServerLaunch settings)
    {
        _process = process;
        _settings = settings;
    }

    private readonly IServerLaunch _settings;

    public string Output
    {
        get
        {
            lock (_outputLock)
                return _output.ToString();
        }
    }

    public static string ServerAssembly => Path.Combine(AppContext.BaseDirectory, "PassGrains.Server.dll");

    /// <summary>The operating system's id of the server process (its sockets are under /proc/ID/fd).</summary>
    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts the process and waits (with a deadline) until GET /openapi/v1.json answers; with
    /// <paramref name="waitUntilReady"/> false, returns once it runs, for a server that is expected never to get ready.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IServerLaunch settings, bool waitUntilReady = true)
    {
        Assert.True(File.Exists(ServerAssembly), $"{ServerAssembly} is missing: the project reference should copy it to the test output");
        // The SDK's own dotnet when tests run under it, so a machine without dotnet on PATH still works.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = settings.DataDirectory,
        };
        start.ArgumentList.Add(ServerAssembly);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("PassGrains__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        foreach (var (key, value) in settings.ToConfiguration())
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        start.Environment["ASPNETCORE_URLS"] = settings.BaseUrl.TrimEnd('/');
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, settings);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        if (!process.Start())
            throw new InvalidOperationException("dotnet did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!waitUntilReady)
            return server;
        try
        {
            await server.WaitUntilReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_outputLock)
        {
            _output.AppendLine(line);
            foreach (var (text, seen) in _waiters)
            {
                if (line.Contains(text, StringComparison.Ordinal))
                    seen.TrySetResult();
            }
        }
    }

    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    /// <summary>Completes once a line of the output contains <paramref name="text"/>; false when the deadline passes first.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_outputLock)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
                return true;
            _waiters.Add((text, seen));
        }
        try
        {
            await seen.Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (_outputLock)
                _waiters.RemoveAll(w => w.Seen == seen);
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_settings.BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode} before answering:{Environment.NewLine}{Output}");
            try
            {
                using var response = await http.GetAsync(new Uri("openapi/v1.json", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (deadline.Elapsed > StartTimeout)
                throw new TimeoutException($"the server did not answer GET /openapi/v1.json within {StartTimeout}:{Environment.NewLine}{Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGTERM, as an orchestrator stops a silo, and wait until the process has shut down; returns its exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL (no shutdown hooks, no flush) and wait until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
