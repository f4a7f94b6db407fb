using System.CommandLine;
using PassGrains.Packaging.Signing;

namespace PassGrains.Cli.Commands;

public static class CertsCommands
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder to write wwdr.pem, pass.p12, pass.pem and pass.key into", Required = true };
        var passType = new Option<string>("--pass-type-id") { Description = "Pass type identifier (certificate UID)", DefaultValueFactory = _ => "pass.com.example.event" };
        var team = new Option<string>("--team-id") { Description = "Team identifier (certificate OU)", DefaultValueFactory = _ => "ABCDE12345" };
        var password = new Option<string>("--password") { Description = "Password of pass.p12", DefaultValueFactory = _ => "dev" };

        var dev = new Command("dev", "Write a development signing chain (a local CA standing in for WWDR, and a Pass Type ID certificate). Devices do not trust it.")
        {
            output, passType, team, password,
        };
        dev.SetAction(result => CommandRunner.Guard(() =>
        {
            var id = result.GetValue(passType)!;
            if (!id.StartsWith("pass.", StringComparison.Ordinal))
                throw new UsageException($"--pass-type-id '{id}' must start with 'pass.'");
            var directory = result.GetValue(output)!;
            var chain = DevelopmentChain.Create(id, result.GetValue(team)!);
            chain.WriteTo(directory, result.GetValue(password)!);
            Console.WriteLine($"development signing chain for {id} (team {result.GetValue(team)}) in {Path.GetFullPath(directory)}:");
            Console.WriteLine("  wwdr.pem  local CA, give it as --wwdr when building and verifying");
            Console.WriteLine($"  pass.p12  certificate and key, password '{result.GetValue(password)}'");
            Console.WriteLine("  pass.pem, pass.key  the same as PEM");
            Console.WriteLine("For local use only: Wallet on a device refuses passes signed by this chain.");
            return ExitCodes.Success;
        }));

        return new Command("certs", "Signing certificates") { dev, CertsCheckCommand.Create() };
    }
}
