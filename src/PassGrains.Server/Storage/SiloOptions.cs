using System.ComponentModel.DataAnnotations;

namespace PassGrains.Server.Storage;

/// <summary>
/// Which silo this process is, from the <c>PassGrains</c> section: a single node on SQLite, or a member of a PostgreSQL
/// cluster, with its storage (<c>:Storage</c>) and clustering (<c>:Cluster</c>) settings, checked together since the
/// provider decides what the cluster needs.
/// </summary>
public sealed class SiloOptions : IValidatableObject
{
    public const string Section = "PassGrains";

    public StorageOptions Storage { get; set; } = new();

    public ClusterSettings Cluster { get; set; } = new();

    // Security/SecurityOptions.cs reads and checks the secret; bound here too only to require one in a cluster.
    public string? SecretKey { get; set; }
    public string? SecretKeyFile { get; set; }

    public bool IsCluster => Storage.Provider == "Postgres";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Storage.Provider is not ("Sqlite" or "Postgres"))
            yield return new ValidationResult($"PassGrains:Storage:Provider '{Storage.Provider}' must be Sqlite or Postgres", ["Storage.Provider"]);
        if (Storage.Provider == "Postgres" && string.IsNullOrWhiteSpace(Storage.ConnectionString))
            yield return new ValidationResult("PassGrains:Storage:ConnectionString is required with Provider=Postgres", ["Storage.ConnectionString"]);
        if (Storage.Provider == "Postgres" && SecretKey is null && SecretKeyFile is null)
            yield return new ValidationResult("PassGrains:SecretKey or PassGrains:SecretKeyFile is required with Provider=Postgres: every silo must derive the same pass tokens and link signatures", [nameof(SecretKey)]);
        if (Storage.MaxPoolSize is < 1 or > 1000)
            yield return new ValidationResult("PassGrains:Storage:MaxPoolSize must be between 1 and 1000", ["Storage.MaxPoolSize"]);
        foreach (var problem in Cluster.Validate(Storage.Provider == "Postgres"))
            yield return problem;
        if (Cluster.AdvertisedAddress is { } advertised && !System.Net.IPAddress.TryParse(advertised, out _))
            yield return new ValidationResult($"PassGrains:Cluster:AdvertisedAddress '{advertised}' must be an IP address", ["Cluster.AdvertisedAddress"]);
    }
}

public sealed class ClusterSettings
{
    public string ClusterId { get; set; } = "passgrains";
    public string ServiceId { get; set; } = "passgrains";
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// Must stay 0: silos open no Orleans client gateway. The web front end is co-hosted with its silo and
    /// PassGrains has no external Orleans clients (the CLI speaks HTTP), so a gateway would only be a door.
    /// A value left over from older configurations is refused at start rather than silently ignored.
    /// </summary>
    public int GatewayPort { get; set; }

    public string? AdvertisedAddress { get; set; }

    /// <summary>The certificate silos authenticate each other with (mutual TLS), required in cluster mode.</summary>
    public ClusterCertificateSettings Certificate { get; set; } = new();

    /// <summary>Cluster mode without TLS between silos: anyone who reaches a silo port joins the cluster. Local experiments only.</summary>
    public bool AllowInsecure { get; set; }

    /// <summary>How long a silo waits for a probe answer before counting a miss (two misses and votes declare it dead).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    internal IEnumerable<ValidationResult> Validate(bool clusterMode)
    {
        const string prefix = "PassGrains:Cluster";
        if (GatewayPort != 0)
            yield return new ValidationResult($"{prefix}:GatewayPort must be 0 (or unset): silos open no Orleans client gateway, since the web front end runs in the silo and nothing else is an Orleans client; remove the setting", ["Cluster.GatewayPort"]);
        if (SiloPort is < 1 or > 65535)
            yield return new ValidationResult($"{prefix}:SiloPort must be between 1 and 65535", ["Cluster.SiloPort"]);
        var certificate = Certificate;
        if (certificate.Path is null && (certificate.Password is not null || certificate.KeyPath is not null || certificate.CaPath is not null))
            yield return new ValidationResult($"{prefix}:Certificate:Password, :KeyPath and :CaPath go with {prefix}:Certificate:Path", ["Cluster.Certificate.Path"]);
        foreach (var (name, file) in new[] { ("Path", certificate.Path), ("KeyPath", certificate.KeyPath), ("CaPath", certificate.CaPath) })
        {
            if (file is not null && !File.Exists(file))
                yield return new ValidationResult($"{prefix}:Certificate:{name} '{file}' does not exist", [$"Cluster.Certificate.{name}"]);
        }
        if (!clusterMode)
            yield break;
        if (certificate.Path is null && !AllowInsecure)
            yield return new ValidationResult(
                $"{prefix}:Certificate:Path is required with Provider=Postgres: silos authenticate each other with mutual TLS, and without it anyone who reaches a silo port joins the cluster. " +
                $"Make one with 'passgrains certs cluster --out DIR' and give every silo the same file (or set {prefix}:AllowInsecure=true for a local experiment)",
                ["Cluster.Certificate.Path"]);
        if (certificate.Path is not null && AllowInsecure)
            yield return new ValidationResult($"{prefix}:AllowInsecure=true contradicts {prefix}:Certificate:Path: give one or the other", ["Cluster.AllowInsecure"]);
    }
}

/// <summary>The cluster's TLS certificate: PKCS#12 (with :Password), or PEM with its key in :KeyPath (or the same file).</summary>
public sealed class ClusterCertificateSettings
{
    public string? Path { get; set; }
    public string? Password { get; set; }
    public string? KeyPath { get; set; }

    /// <summary>Admit any peer whose certificate this CA (PEM) issued, instead of only peers with the very same certificate.</summary>
    public string? CaPath { get; set; }
}

public sealed class StorageOptions
{
    public string Provider { get; set; } = "Sqlite";
    public string? ConnectionString { get; set; }

    /// <summary>PostgreSQL connections per silo at most: keep silos × this under the server's max_connections.</summary>
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>Apply the PostgreSQL schema at start (otherwise run <c>passgrains db migrate</c>).</summary>
    public bool MigrateOnStart { get; set; } = true;
}
