using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace PassGrains.Cli.Issuing;

/// <summary>
/// Shows how a bulk issue advances, on stderr so that stdout keeps only the summary: a live bar on a
/// terminal, plain lines otherwise (a log file or CI has no use for cursor movements).
/// </summary>
public static class IssueProgress
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public static Task<IssueReport> RunAsync(int total, IssueCounters counters, Func<Task<IssueReport>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return !Console.IsErrorRedirected && console.Profile.Capabilities.Interactive
            ? RunWithBarAsync(console, total, counters, work)
            : RunWithLinesAsync(total, counters, work);
    }

    private static async Task<IssueReport> RunWithBarAsync(IAnsiConsole console, int total, IssueCounters counters, Func<Task<IssueReport>> work)
    {
        var clock = Stopwatch.StartNew();
        return await new Progress(console) { AutoClear = false, HideCompleted = false }
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Describe(counters, clock.Elapsed), maxValue: total);
                var running = work();
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(PollInterval)).ConfigureAwait(false);
                    task.Value = counters.Done;
                    task.Description = Describe(counters, clock.Elapsed);
                }
                task.Value = counters.Done;
                task.Description = Describe(counters, clock.Elapsed);
                task.StopTask();
                return await running.ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>A line every couple of seconds, at every tenth of the way, and at the end.</summary>
    private static async Task<IssueReport> RunWithLinesAsync(int total, IssueCounters counters, Func<Task<IssueReport>> work)
    {
        var clock = Stopwatch.StartNew();
        var running = work();
        var lastLine = TimeSpan.Zero;
        var lastTenth = 0;
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(PollInterval)).ConfigureAwait(false);
            var tenth = total == 0 ? 10 : counters.Done * 10 / total;
            if (running.IsCompleted || (clock.Elapsed - lastLine < PlainInterval && tenth == lastTenth))
                continue;
            Console.Error.WriteLine(Line(total, counters, clock.Elapsed));
            lastLine = clock.Elapsed;
            lastTenth = tenth;
        }
        Console.Error.WriteLine(Line(total, counters, clock.Elapsed));
        return await running.ConfigureAwait(false);
    }

    private static string Describe(IssueCounters counters, TimeSpan elapsed) =>
        Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"issued {counters.Issued}, failed {counters.Failed}, {Rate(counters, elapsed):F0}/s"));

    private static string Line(int total, IssueCounters counters, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture,
            $"progress: {counters.Done}/{total} ({(total == 0 ? 100 : counters.Done * 100L / total)}%), issued {counters.Issued}, failed {counters.Failed}, {Rate(counters, elapsed):F0} passes/s");

    private static double Rate(IssueCounters counters, TimeSpan elapsed) =>
        elapsed.TotalSeconds > 0 ? counters.Done / elapsed.TotalSeconds : 0;
}
