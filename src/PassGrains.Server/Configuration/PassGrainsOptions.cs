using System.ComponentModel.DataAnnotations;

namespace PassGrains.Server.Configuration;

/// <summary>
/// What the whole server shares of the <c>PassGrains</c> section (README, Configuration): where its data lives and the
/// URL devices reach it at. Each feature binds and checks its own settings of the section beside its code
/// (<c>Security/SecurityOptions.cs</c>, <c>PassTypes/PassTypeOptions.cs</c>, <c>Storage/SiloOptions.cs</c>, <c>Pushes/ApnsSettings.cs</c>, …).
/// </summary>
public sealed class PassGrainsOptions : IValidatableObject
{
    public const string Section = "PassGrains";

    /// <summary>Base URL devices use; becomes webServiceURL in every pass.</summary>
    public string? PublicUrl { get; set; }

    public string DataDirectory { get; set; } = "data";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicUrl is not null && (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)))
            yield return new ValidationResult($"PassGrains:PublicUrl '{PublicUrl}' must be an absolute http(s) URL", [nameof(PublicUrl)]);
    }
}

/// <summary>Where this server keeps its files (an absolute path that exists) and where devices reach it.</summary>
public sealed record ServerLocation(string DataDirectory, PublicUrl PublicUrl);
