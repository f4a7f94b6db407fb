using System.Security.Cryptography;
using System.Text;

namespace PassGrains.Server.Security;

/// <summary>
/// The server secret: from configuration (the value, or a file outside the data directory), or generated once into
/// the data directory (single node).
/// Two keys are derived from it: one for pass authentication tokens, one for download links.
/// </summary>
public sealed record SecretKeyFile(byte[] TokenKey, byte[] LinkKey)
{
    /// <param name="configured">PassGrains:SecretKey; <paramref name="configuredFile"/> PassGrains:SecretKeyFile (both were validated).</param>
    public static SecretKeyFile LoadOrCreate(string? configured, string? configuredFile, string dataDirectory)
    {
        byte[] secret;
        if (configured is not null)
        {
            secret = Convert.FromBase64String(configured);
        }
        else if (configuredFile is not null)
        {
            secret = Convert.FromBase64String(File.ReadAllText(configuredFile).Trim());
        }
        else
        {
            var path = Path.Combine(dataDirectory, "secret.key");
            if (File.Exists(path))
            {
                secret = Convert.FromBase64String(File.ReadAllText(path).Trim());
            }
            else
            {
                secret = RandomNumberGenerator.GetBytes(32);
                File.WriteAllText(path, Convert.ToBase64String(secret));
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        return new SecretKeyFile(Derive(secret, "pass-tokens"), Derive(secret, "download-links"));
    }

    private static byte[] Derive(byte[] secret, string purpose) => HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(purpose));
}
