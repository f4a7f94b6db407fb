using Org.BouncyCastle.X509;

namespace PassGrains.Packaging.Signing;

/// <summary>
/// Apple's Worldwide Developer Relations G4 intermediate, which issues Pass Type ID certificates and
/// must be embedded in every pass signature. Shipped with the library so nobody has to find it
/// (or keeps using the G1 that expired in 2023).
/// </summary>
public static class AppleWwdr
{
    private static readonly Lazy<X509Certificate> LazyG4 = new(() =>
    {
        using var stream = typeof(AppleWwdr).Assembly.GetManifestResourceStream("PassGrains.Packaging.AppleWWDRCAG4.pem")
            ?? throw new InvalidOperationException("the embedded Apple WWDR G4 certificate is missing from the assembly");
        using var reader = new StreamReader(stream);
        return PassCertificateLoader.ReadCertificates(reader.ReadToEnd(), "AppleWWDRCAG4.pem").Single();
    });

    /// <summary>Apple WWDR G4 (valid to 2030-12-10).</summary>
    public static X509Certificate G4 => LazyG4.Value;

    /// <summary>Loads a WWDR intermediate from a PEM or DER file, or returns G4 when <paramref name="path"/> is null.</summary>
    public static X509Certificate LoadOrDefault(string? path) =>
        path is null ? G4 : PassCertificateLoader.LoadCertificateFile(path);
}
