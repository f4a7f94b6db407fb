using System.CommandLine;
using PassGrains.Cli.Http;
using PassGrains.Cli.Issuing;
using PassGrains.Packaging.Signing;
using PassGrains.Packaging.Validation;

namespace PassGrains.Cli;

/// <summary>The CLI's exit codes (README): 0 success, 1 invalid input (one line per problem on stderr), 2 usage error.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int InvalidInput = 1;
    public const int Usage = 2;
}

public static class CommandRunner
{
    public static int Run(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Console.Error.WriteLine(error.Message);
            Console.Error.WriteLine("Run with --help for usage.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    /// <summary>Runs a verb, turning bad input into problem lines and exit code 1 instead of a stack trace.</summary>
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (Handle(e) is { } exitCode)
        {
            return exitCode;
        }
    }

    /// <summary><see cref="Guard"/> for verbs that talk to a server: a refused or unreachable server is exit code 1 with the reason.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (Handle(e) is { } exitCode)
        {
            return exitCode;
        }
    }

    /// <summary>Prints what went wrong and answers the exit code; null for exceptions that are bugs (they keep their stack trace).</summary>
    private static int? Handle(Exception exception)
    {
        switch (exception)
        {
            case PassValidationException e:
                foreach (var problem in e.Problems)
                    Console.Error.WriteLine(problem);
                return ExitCodes.InvalidInput;
            case PassCertificateException e:
                Console.Error.WriteLine($"error certificate [certificate] {e.Message}");
                return ExitCodes.InvalidInput;
            case UsageException e:
                Console.Error.WriteLine(e.Message);
                return ExitCodes.Usage;
            case CsvInputException e:
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            case IssuerApiException e:
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.InvalidInput;
            case IOException or UnauthorizedAccessException:
                Console.Error.WriteLine($"error: {exception.Message}");
                return ExitCodes.InvalidInput;
            default:
                return null;
        }
    }
}

public sealed class UsageException(string message) : Exception(message);
