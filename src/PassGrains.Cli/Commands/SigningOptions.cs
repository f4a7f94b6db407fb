using System.CommandLine;
using PassGrains.Packaging.Signing;

namespace PassGrains.Cli.Commands;

/// <summary>The options every signing verb shares: --cert, --password, --key, --wwdr.</summary>
public sealed class SigningOptions
{
    public Option<string> Certificate { get; } = new("--cert") { Description = "Pass Type ID certificate: .p12/.pfx, or PEM (with --key)", Required = true };
    public Option<string?> Password { get; } = new("--password") { Description = "Password of the .p12 or of an encrypted PEM key" };
    public Option<string?> Key { get; } = new("--key") { Description = "PEM private key, when --cert is a PEM certificate without its key" };
    public Option<string?> Wwdr { get; } = new("--wwdr") { Description = "WWDR intermediate (PEM); default: Apple WWDR G4, shipped with passgrains" };

    public void AddTo(Command command)
    {
        command.Options.Add(Certificate);
        command.Options.Add(Password);
        command.Options.Add(Key);
        command.Options.Add(Wwdr);
    }

    public PassSigner CreateSigner(ParseResult result)
    {
        var credentials = PassCertificateLoader.Load(result.GetValue(Certificate)!, result.GetValue(Password), result.GetValue(Key));
        var signer = PassSigner.Create(credentials, AppleWwdr.LoadOrDefault(result.GetValue(Wwdr)));
        foreach (var warning in signer.Warnings)
            Console.Error.WriteLine($"warning certificate [certificate] {warning}");
        return signer;
    }
}
