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

        return new Command("certs", "Signing and cluster certificates") { dev, CertsCheckCommand.Create(), Cluster() };
    }

    public const string ClusterFileName = "cluster.p12";

    /// <summary>
    /// <c>passgrains certs cluster --out DIR</c>: the certificate cluster silos authenticate each other with. Every silo
    /// gets the same file, so the key is written readable by its owner only; an existing file is never replaced
    /// silently, since silos holding the old one would refuse the new ones.
    /// </summary>
    private static Command Cluster()
    {
        var output = new Option<string>("--out") { Description = $"Folder to write {ClusterFileName} into", Required = true };
        var password = new Option<string?>("--password") { Description = $"Password of {ClusterFileName} (default: none; its file permissions protect it)" };
        var days = new Option<int>("--days") { Description = "Days the certificate is valid", DefaultValueFactory = _ => 3650 };
        var force = new Option<bool>("--force") { Description = $"Replace an existing {ClusterFileName} (then restart every silo with the new one)" };
        var cluster = new Command("cluster", $"Write {ClusterFileName}: a self-signed TLS certificate and key that cluster silos authenticate each other with (PassGrains:Cluster:Certificate:Path)")
        {
            output, password, days, force,
        };
        cluster.SetAction(result => CommandRunner.Guard(() =>
        {
            var lifetime = result.GetValue(days);
            if (lifetime < 1)
                throw new UsageException("--days must be at least 1");
            var directory = Path.GetFullPath(result.GetValue(output)!);
            var file = Path.Combine(directory, ClusterFileName);
            if (File.Exists(file))
            {
                if (!result.GetValue(force))
                    throw new UsageException($"{file} exists; --force replaces it (every silo must then get the new file)");
                File.Delete(file);
            }
            Directory.CreateDirectory(directory);
            using var certificate = SelfSignedTlsCertificate.Create("PassGrains cluster", TimeSpan.FromDays(lifetime));
            var secret = result.GetValue(password);
            var bytes = certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, string.IsNullOrEmpty(secret) ? null : secret);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(file, options))
                stream.Write(bytes);
            Console.WriteLine($"cluster certificate {certificate.Subject} in {file}:");
            Console.WriteLine($"  SHA-256 {certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}, valid until {certificate.NotAfter:yyyy-MM-dd}");
            Console.WriteLine($"Give every silo this file: PassGrains__Cluster__Certificate__Path={file}" + (string.IsNullOrEmpty(secret) ? "" : " and PassGrains__Cluster__Certificate__Password"));
            return ExitCodes.Success;
        }));
        return cluster;
    }
}
