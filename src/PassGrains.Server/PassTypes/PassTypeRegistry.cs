using PassGrains.Packaging.Signing;

namespace PassGrains.Server.PassTypes;

/// <summary>A pass type this server signs for.</summary>
public sealed record PassType(string Identifier, string? TeamIdentifier, PassSigner Signer);

/// <summary>
/// The configured pass types with their signers, loaded and checked at start-up, so a wrong
/// password or an expired certificate stops the server with a clear message instead of failing
/// the first download. In Development with none configured, a development chain is made (and kept
/// in the data directory) for pass.com.example.demo.
/// </summary>
public sealed class PassTypeRegistry
{
    public const string DevelopmentPassType = "pass.com.example.demo";
    public const string DevelopmentTeam = "DEMO123456";

    private readonly Dictionary<string, PassType> _types;

    private PassTypeRegistry(IEnumerable<PassType> types, bool development)
    {
        _types = types.ToDictionary(t => t.Identifier, StringComparer.Ordinal);
        IsDevelopmentChain = development;
    }

    public bool IsDevelopmentChain { get; }

    public IEnumerable<PassType> All => _types.Values;

    public PassType? Find(string passTypeIdentifier) => _types.GetValueOrDefault(passTypeIdentifier);

    public const string OtherMetricLabel = "other";

    /// <summary>
    /// A pass type as a metric label: a configured one as itself, anything else (a route value anyone can send)
    /// as <see cref="OtherMetricLabel"/>, so requests cannot mint label values without bound or write into metrics.
    /// </summary>
    public string MetricLabel(string passTypeIdentifier) => _types.ContainsKey(passTypeIdentifier) ? passTypeIdentifier : OtherMetricLabel;

    public static PassTypeRegistry Create(IReadOnlyList<PassTypeOptions> configured, bool isDevelopment, string dataDirectory)
    {
        if (configured.Count == 0)
        {
            return isDevelopment ? new PassTypeRegistry([DevelopmentType(dataDirectory)], development: true) : new PassTypeRegistry([], false);
        }
        var types = new List<PassType>();
        foreach (var option in configured)
        {
            try
            {
                var credentials = PassCertificateLoader.Load(option.CertificatePath, option.CertificatePassword, option.KeyPath);
                var signer = PassSigner.Create(credentials, AppleWwdr.LoadOrDefault(option.WwdrPath));
                if (signer.Certificate.PassTypeIdentifier is { } id && id != option.Identifier)
                    throw new PassCertificateException($"the certificate is for {id}, not {option.Identifier}");
                if (option.TeamIdentifier is not null && signer.Certificate.TeamIdentifier is { } team && team != option.TeamIdentifier)
                    throw new PassCertificateException($"the certificate belongs to team {team}, not {option.TeamIdentifier}");
                types.Add(new PassType(option.Identifier, option.TeamIdentifier ?? signer.Certificate.TeamIdentifier, signer));
            }
            catch (PassCertificateException e)
            {
                throw new InvalidOperationException($"PassGrains:PassTypes entry {option.Identifier}: {e.Message}", e);
            }
        }
        return new PassTypeRegistry(types, development: false);
    }

    private static PassType DevelopmentType(string dataDirectory)
    {
        var directory = Path.Combine(dataDirectory, "dev-certs");
        var p12 = Path.Combine(directory, "pass.p12");
        if (!File.Exists(p12))
            DevelopmentChain.Create(DevelopmentPassType, DevelopmentTeam).WriteTo(directory, "dev");
        var credentials = PassCertificateLoader.Load(p12, "dev");
        var signer = PassSigner.Create(credentials, AppleWwdr.LoadOrDefault(Path.Combine(directory, "wwdr.pem")));
        return new PassType(DevelopmentPassType, DevelopmentTeam, signer);
    }
}
