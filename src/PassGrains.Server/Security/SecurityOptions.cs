using System.ComponentModel.DataAnnotations;

namespace PassGrains.Server.Security;

/// <summary>
/// The server secret (which derives pass tokens and signs download links) and the operators' keys, from the
/// <c>PassGrains</c> section. Issuers' keys mix strings and objects, which the binder cannot: <see cref="IssuerKeyConfiguration"/> reads them.
/// </summary>
public sealed class SecurityOptions : IValidatableObject
{
    public const string Section = "PassGrains";

    /// <summary>Keys for /metrics and the /dashboard (issuer keys also read /metrics).</summary>
    public List<string> OperatorApiKeys { get; set; } = [];

    /// <summary>Base64 key (32+ bytes) that derives pass authentication tokens and signs download links.</summary>
    public string? SecretKey { get; set; }

    /// <summary>
    /// A file holding the base64 secret instead (a mounted secret, outside the data directory): whoever has the
    /// secret and a database backup can mint pass tokens and download links, so the two are best kept apart.
    /// </summary>
    public string? SecretKeyFile { get; set; }

    /// <summary>How long a download link works.</summary>
    public TimeSpan DownloadLinkLifetime { get; set; } = TimeSpan.FromDays(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OperatorApiKeys.Any(k => k.Length < 16))
            yield return new ValidationResult("every PassGrains:OperatorApiKeys entry needs at least 16 characters", [nameof(OperatorApiKeys)]);
        if (SecretKey is not null && (!TryDecode(SecretKey, out var key) || key.Length < 32))
            yield return new ValidationResult("PassGrains:SecretKey must be base64 of at least 32 bytes", [nameof(SecretKey)]);
        if (SecretKey is not null && SecretKeyFile is not null)
            yield return new ValidationResult("PassGrains:SecretKey and PassGrains:SecretKeyFile are mutually exclusive: set one", [nameof(SecretKeyFile)]);
        else if (SecretKeyFile is not null && SecretKeyFileProblem(SecretKeyFile) is { } fileProblem)
            yield return new ValidationResult($"PassGrains:SecretKeyFile '{SecretKeyFile}' {fileProblem}", [nameof(SecretKeyFile)]);
    }

    /// <summary>Why the secret key file cannot be used, or null. The message never includes the file's content.</summary>
    private static string? SecretKeyFileProblem(string path)
    {
        string text;
        try
        {
            if (!File.Exists(path))
                return "does not exist";
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read: {e.Message}";
        }
        return TryDecode(text, out var secret) && secret.Length >= 32 ? null : "must hold base64 of at least 32 bytes";
    }

    internal static bool TryDecode(string value, out byte[] bytes)
    {
        bytes = new byte[value.Length];
        if (Convert.TryFromBase64String(value, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }
        return false;
    }
}
