using System.Diagnostics;
using System.Net;
using System.Text;

namespace PassGrains.Cli.Tests.Infrastructure;

/// <summary>
/// A real PassGrains server as its own process (<c>dotnet PassGrains.Server.dll</c>, configured through
/// environment variables as an operator would), for the verbs that talk to one.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();

    private ServerProcess(Process process, ServerSettings settings)
    {
        _process = process;
        Settings = settings;
    }

    public ServerSettings Settings { get; }

    /// <summary>What the server printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
                return _output.ToString();
        }
    }

    private static string ServerAssembly => Path.Combine(AppContext.BaseDirectory, "PassGrains.Server.dll");

    /// <summary>Starts the process and waits, with a deadline, until it answers GET /openapi/v1.json.</summary>
    public static async Task<ServerProcess> StartAsync(ServerSettings settings)
    {
        if (!File.Exists(ServerAssembly))
            throw new FileNotFoundException($"{ServerAssembly} is missing: the project reference should copy it next to the tests");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = settings.DataDirectory,
        };
        start.ArgumentList.Add(ServerAssembly);
        // Only this test's configuration: nothing from the developer's shell.
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
            _output.AppendLine(line);
    }

    /// <summary>Polls until the server answers: start-up time varies with the machine, and there is no other signal.</summary>
    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Settings.BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
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

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
