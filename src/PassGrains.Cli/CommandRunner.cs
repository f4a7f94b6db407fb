using System.CommandLine;
using PassGrains.Packaging.Signing;
using PassGrains.Packaging.Validation;

namespace PassGrains.Cli;

/// <summary>Exit codes of CONTRACT.md: 0 success, 1 invalid input (one line per problem on stderr), 2 usage error.</summary>
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
        catch (PassValidationException e)
        {
            foreach (var problem in e.Problems)
                Console.Error.WriteLine(problem);
            return ExitCodes.InvalidInput;
        }
        catch (PassCertificateException e)
        {
            Console.Error.WriteLine($"error certificate [certificate] {e.Message}");
            return ExitCodes.InvalidInput;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(e.Message);
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.InvalidInput;
        }
    }
}

public sealed class UsageException(string message) : Exception(message);
