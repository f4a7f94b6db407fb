using System.ComponentModel.DataAnnotations;
using PassGrains.Apns;

namespace PassGrains.Server.Pushes;

/// <summary>Push settings (<c>PassGrains:Apns</c>), checked at start.</summary>
public sealed class ApnsSettings : IValidatableObject
{
    public const string Section = "PassGrains:Apns";

    public string Endpoint { get; set; } = ApnsOptions.Production.ToString();

    public string? TrustedCaPath { get; set; }

    /// <summary>Off: changes are recorded but nobody is pushed (the development chain cannot push to Apple anyway).</summary>
    public bool? Enabled { get; set; }

    public TimeSpan RetryDeadline { get; set; } = TimeSpan.FromMinutes(2);

    public int MaxConnections { get; set; } = 4;

    /// <summary>Token authentication instead of certificates: the .p8 key's id, its team, and the key file (all three or none).</summary>
    public string? KeyId { get; set; }

    public string? TeamId { get; set; }

    public string? KeyPath { get; set; }

    public bool UsesToken => KeyPath is not null;

    /// <summary>
    /// Credential refusals (403, a failed TLS handshake) one silo sees for a pass type, within <see cref="AlarmWindow"/>
    /// and with no push delivered between them, before it raises the pass type's alarm; fewer are failed pushes, kept owed.
    /// </summary>
    public int AlarmRefusals { get; set; } = 3;

    /// <summary>
    /// Five minutes, not one: a pass type with a single pass owing a push sees one refusal a minute (the pass's
    /// reminder re-drives it), and must still reach the threshold.
    /// </summary>
    public TimeSpan AlarmWindow { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme != Uri.UriSchemeHttps)
            yield return new ValidationResult($"{Section}:Endpoint '{Endpoint}' must be an https URL", [nameof(Endpoint)]);
        if (MaxConnections is < 1 or > 64 || RetryDeadline <= TimeSpan.Zero)
            yield return new ValidationResult($"{Section}:MaxConnections must be 1–64 and :RetryDeadline positive", [nameof(MaxConnections), nameof(RetryDeadline)]);
        if (AlarmRefusals is < 1 or > 1000 || AlarmWindow <= TimeSpan.Zero)
            yield return new ValidationResult($"{Section}:AlarmRefusals must be 1–1000 and :AlarmWindow positive", [nameof(AlarmRefusals), nameof(AlarmWindow)]);
        if (TrustedCaPath is { } caPath && !File.Exists(caPath))
            yield return new ValidationResult($"{Section}:TrustedCaPath '{caPath}' does not exist", [nameof(TrustedCaPath)]);
        string?[] tokenParts = [KeyId, TeamId, KeyPath];
        if (tokenParts.Any(p => p is not null) && tokenParts.Any(p => p is null))
            yield return new ValidationResult($"{Section}:KeyId, :TeamId and :KeyPath go together (token authentication with a .p8 key)", [nameof(KeyId), nameof(TeamId), nameof(KeyPath)]);
        if (KeyPath is { } p8 && !File.Exists(p8))
            yield return new ValidationResult($"{Section}:KeyPath '{p8}' does not exist", [nameof(KeyPath)]);
    }
}
