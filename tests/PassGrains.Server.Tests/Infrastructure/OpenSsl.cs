using System.Diagnostics;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>Runs the openssl command line (an independent check of what the server signs).</summary>
public static class OpenSsl
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, $"openssl {string.Join(' ', arguments)}{Environment.NewLine}{await stdout}{await stderr}");
    }
}
