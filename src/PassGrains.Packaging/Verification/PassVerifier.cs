using System.IO.Compression;
using System.Text.Json;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.Signing;
using PassGrains.Packaging.Validation;

namespace PassGrains.Packaging.Verification;

/// <summary>
/// Checks a .pkpass the way Wallet refuses one, and says which rule failed and how to fix it: zip
/// layout, manifest hashes, the detached signature and its certificates (signer and WWDR, expiry),
/// the certificate against passTypeIdentifier and teamIdentifier, pass.json rules and images.
/// Wallet itself only says "cannot be installed"; this names the reason.
/// </summary>
public static class PassVerifier
{
    private static readonly PassModelLimits Limits = new() { MaxEntries = 512, MaxTotalBytes = 64 * 1024 * 1024 };

    /// <param name="trustedWwdr">The intermediate Wallet trusts; Apple's WWDR G4 when null.</param>
    public static IReadOnlyList<PassProblem> Verify(ReadOnlySpan<byte> pkpass, X509Certificate? trustedWwdr = null, DateTimeOffset? now = null, PassValidationOptions? options = null)
    {
        var problems = new List<PassProblem>();
        var files = ReadZip(pkpass, problems);
        if (files is null)
            return problems;

        var at = now ?? DateTimeOffset.UtcNow;
        files.TryGetValue("pass.json", out var passJson);
        files.TryGetValue("manifest.json", out var manifest);
        files.TryGetValue("signature", out var signature);
        if (passJson is null)
            problems.Add(PassProblem.Error("pass.json", "", PassRules.Required, "the package has no pass.json at its top level"));
        if (manifest is null)
            problems.Add(PassProblem.Error("manifest.json", "", PassRules.Manifest, "the package has no manifest.json; it was not signed (build it with `passgrains pass build`)"));
        if (signature is null)
            problems.Add(PassProblem.Error("signature", "", PassRules.Signature, "the package has no signature file; it was not signed"));

        if (manifest is not null)
            CheckManifest(files, manifest, problems);
        PassCertificateInfo? signer = null;
        if (manifest is not null && signature is not null)
            signer = CheckSignature(manifest, signature, trustedWwdr ?? AppleWwdr.G4, at, problems);

        if (passJson is not null)
        {
            var modelFiles = files.Where(f => f.Key is not ("pass.json" or "manifest.json" or "signature"))
                .Select(f => new PassModelFile(f.Key, f.Value)).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
            PassModelValidator.Validate(passJson, modelFiles, options ?? PassValidationOptions.Default, problems);
            if (signer is not null)
                CheckCertificateMatchesPass(passJson, signer, problems);
        }
        return problems;
    }

    private static Dictionary<string, byte[]>? ReadZip(ReadOnlySpan<byte> pkpass, List<PassProblem> problems)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using var archive = new ZipArchive(new MemoryStream(pkpass.ToArray()), ZipArchiveMode.Read);
            if (archive.Entries.Count > Limits.MaxEntries)
            {
                problems.Add(PassProblem.Error("zip", "", PassRules.ModelLimit, $"the package has {archive.Entries.Count} entries; that is not a pass"));
                return null;
            }
            long total = 0;
            foreach (var entry in archive.Entries)
            {
                if (entry.FullName.EndsWith('/'))
                    continue;
                if (entry.FullName.Contains("..", StringComparison.Ordinal) || entry.FullName.StartsWith('/') || entry.FullName.Contains('\\'))
                {
                    problems.Add(PassProblem.Error(entry.FullName, "", PassRules.Zip, "entry names with '..', '\\' or a leading '/' are not allowed"));
                    continue;
                }
                var data = PassModelReader.ReadBounded(entry, Math.Min(Limits.MaxFileBytes, Limits.MaxTotalBytes - total));
                if (data is null)
                {
                    problems.Add(PassProblem.Error(entry.FullName, "", PassRules.ModelLimit, "the package unpacks to more than a pass may hold"));
                    return null;
                }
                total += data.Length;
                if (!files.TryAdd(entry.FullName, data))
                    problems.Add(PassProblem.Error(entry.FullName, "", PassRules.Zip, $"{entry.FullName} appears twice in the zip"));
            }
        }
        catch (InvalidDataException e)
        {
            problems.Add(PassProblem.Error("zip", "", PassRules.Zip, $"the file is not a readable zip: {e.Message}"));
            return null;
        }

        if (!files.ContainsKey("pass.json"))
        {
            var nested = files.Keys.FirstOrDefault(k => k.EndsWith("/pass.json", StringComparison.Ordinal) && !k.Contains(".lproj/", StringComparison.Ordinal));
            if (nested is not null)
            {
                problems.Add(PassProblem.Error(nested, "", PassRules.Zip,
                    $"pass.json is inside the folder '{nested[..nested.LastIndexOf('/')]}/'; zip the contents of the pass folder, not the folder itself"));
                return null;
            }
        }
        foreach (var name in files.Keys.Where(k => k.Contains('/', StringComparison.Ordinal)))
        {
            var folder = name[..name.IndexOf('/')];
            if (!folder.EndsWith(".lproj", StringComparison.Ordinal) || name.Count(c => c == '/') > 1)
                problems.Add(PassProblem.Error(name, "", PassRules.Zip, $"unexpected folder in '{name}'; a pass holds only files at its top level and in xx.lproj/ folders"));
        }
        foreach (var name in files.Keys.Where(k => k.EndsWith(".DS_Store", StringComparison.Ordinal) || k.StartsWith("__MACOSX/", StringComparison.Ordinal)))
            problems.Add(PassProblem.Error(name, "", PassRules.Zip, $"{name} is operating-system metadata; Wallet rejects packages that contain it"));
        return files;
    }

    private static void CheckManifest(Dictionary<string, byte[]> files, byte[] manifest, List<PassProblem> problems)
    {
        Dictionary<string, string>? entries;
        try
        {
            entries = JsonSerializer.Deserialize(manifest, ManifestJsonContext.Default.DictionaryStringString);
        }
        catch (JsonException e)
        {
            problems.Add(PassProblem.Error("manifest.json", "$", PassRules.Manifest, $"manifest.json is not a JSON object of file names to SHA-1 hashes: {e.Message}"));
            return;
        }
        if (entries is null)
        {
            problems.Add(PassProblem.Error("manifest.json", "$", PassRules.Manifest, "manifest.json is null"));
            return;
        }
        foreach (var (name, data) in files)
        {
            if (name is "manifest.json" or "signature")
                continue;
            if (!entries.TryGetValue(name, out var listed))
            {
                problems.Add(PassProblem.Error(name, "", PassRules.Manifest, $"{name} is in the package but not in manifest.json; Wallet refuses unlisted files. Rebuild the pass"));
                continue;
            }
            var actual = ManifestHash.ComputeHex(data);
            if (!string.Equals(listed, actual, StringComparison.OrdinalIgnoreCase))
                problems.Add(PassProblem.Error(name, "", PassRules.Manifest,
                    $"{name} does not match its hash in manifest.json (listed {listed}, actual {actual}): the file was changed after signing. Rebuild and re-sign the pass instead of editing it"));
        }
        foreach (var name in entries.Keys.Where(k => !files.ContainsKey(k)))
            problems.Add(PassProblem.Error(name, "", PassRules.Manifest, $"manifest.json lists {name}, which is not in the package"));
        foreach (var name in entries.Keys.Where(k => k is "manifest.json" or "signature"))
            problems.Add(PassProblem.Error("manifest.json", "", PassRules.Manifest, $"manifest.json must not list {name}"));
    }

    private static PassCertificateInfo? CheckSignature(byte[] manifest, byte[] signature, X509Certificate trustedWwdr, DateTimeOffset now, List<PassProblem> problems)
    {
        CmsSignedData signed;
        try
        {
            signed = new CmsSignedData(new CmsProcessableByteArray(manifest), signature);
        }
        catch (Exception e) when (e is CmsException or IOException or ArgumentException or InvalidCastException or Org.BouncyCastle.Asn1.Asn1Exception)
        {
            problems.Add(PassProblem.Error("signature", "", PassRules.Signature, $"signature is not a DER-encoded PKCS#7/CMS SignedData: {e.Message}"));
            return null;
        }

        var certificates = signed.GetCertificates().EnumerateMatches(null).ToList();
        var signers = signed.GetSignerInfos().GetSigners().ToList();
        if (signers.Count != 1)
        {
            problems.Add(PassProblem.Error("signature", "", PassRules.Signature, $"signature has {signers.Count} signers; a pass is signed by exactly one Pass Type ID certificate"));
            if (signers.Count == 0)
                return null;
        }
        var signerInfo = signers[0];
        var signerCertificate = certificates.FirstOrDefault(c => signerInfo.SignerID.Match(c));
        if (signerCertificate is null)
        {
            problems.Add(PassProblem.Error("signature", "", PassRules.Signature, "signature does not embed the signer's certificate; sign with the certificate included"));
            return null;
        }
        var info = PassCertificateInfo.From(signerCertificate);

        try
        {
            // The key overload: the certificate overload would build the key again (CertificateKeys says why); the
            // signing time against the certificate's validity is checked below, with its own message.
            if (!signerInfo.Verify(CertificateKeys.Of(signerCertificate)))
                problems.Add(PassProblem.Error("signature", "", PassRules.Signature,
                    "the signature does not verify over manifest.json: manifest.json was changed after signing, or the signature was made with another key. Rebuild the pass"));
        }
        catch (Exception e) when (e is CmsException or Org.BouncyCastle.Security.SecurityUtilityException or ArgumentException or InvalidOperationException)
        {
            problems.Add(PassProblem.Error("signature", "", PassRules.Signature, $"the signature does not verify over manifest.json: {e.Message}. Rebuild the pass"));
        }

        var signingTime = signerInfo.SignedAttributes?[CmsAttributes.SigningTime];
        if (signingTime is null)
            problems.Add(PassProblem.Error("signature", "", PassRules.Signature, "the signature has no signing-time attribute, which Wallet requires; sign with a signing time"));
        else
        {
            var time = new DateTimeOffset(DateTime.SpecifyKind(Time.GetInstance(signingTime.AttrValues[0]).ToDateTime(), DateTimeKind.Utc));
            if (time < info.NotBefore || time > info.NotAfter)
                problems.Add(PassProblem.Error("signature", "", PassRules.Certificate,
                    $"the pass was signed at {time:yyyy-MM-dd HH:mm} UTC, outside the certificate's validity ({info.NotBefore:yyyy-MM-dd} to {info.NotAfter:yyyy-MM-dd})"));
        }

        if (info.IsExpired(now))
            problems.Add(PassProblem.Error("signature", "", PassRules.Certificate,
                $"the certificate {info.DisplayName} expired on {info.NotAfter:yyyy-MM-dd}; Wallet refuses new installs. Create a new certificate for the same pass type identifier and rebuild"));

        var embeddedIssuer = certificates.FirstOrDefault(c => !c.Equals(signerCertificate) && PassSigner.IsIssuedBy(signerCertificate, c));
        var trusted = PassCertificateInfo.From(trustedWwdr);
        if (embeddedIssuer is null)
        {
            problems.Add(PassProblem.Error("signature", "", PassRules.Wwdr,
                certificates.Count == 1
                    ? "the signature does not embed the WWDR intermediate certificate; Wallet cannot check the chain. Sign with the WWDR G4 intermediate included (passgrains does by default)"
                    : $"none of the certificates embedded in the signature issued {info.DisplayName} (issuer '{info.Issuer}'); embed the intermediate that issued it: Apple's WWDR G4 for Apple certificates"));
        }
        else
        {
            var embedded = PassCertificateInfo.From(embeddedIssuer);
            if (embedded.IsExpired(now))
                problems.Add(PassProblem.Error("signature", "", PassRules.Wwdr,
                    $"the embedded intermediate '{embedded.Subject}' expired on {embedded.NotAfter:yyyy-MM-dd} (Apple's WWDR G1 expired 2023-02-07); rebuild with WWDR G4"));
            if (!embeddedIssuer.Equals(trustedWwdr))
                problems.Add(PassProblem.Error("signature", "", PassRules.Wwdr,
                    $"the signature embeds the intermediate '{embedded.Subject}' (serial {embedded.SerialNumber}), not the trusted '{trusted.Subject}' (serial {trusted.SerialNumber}); " +
                    "Wallet accepts Apple's WWDR G4 only. Rebuild with the intermediate that issued your certificate, or verify with --wwdr if this is a development chain"));
        }
        if (!PassSigner.IsIssuedBy(signerCertificate, trustedWwdr) && embeddedIssuer is not null && embeddedIssuer.Equals(trustedWwdr))
            problems.Add(PassProblem.Error("signature", "", PassRules.Wwdr, $"the certificate {info.DisplayName} does not chain to '{trusted.Subject}'"));
        return info;
    }

    private static void CheckCertificateMatchesPass(byte[] passJson, PassCertificateInfo certificate, List<PassProblem> problems)
    {
        try
        {
            using var document = JsonDocument.Parse(passJson);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return;
            if (root.TryGetProperty("passTypeIdentifier", out var type) && type.ValueKind == JsonValueKind.String
                && certificate.PassTypeIdentifier is not null && type.GetString() != certificate.PassTypeIdentifier)
                problems.Add(PassProblem.Error("pass.json", "$.passTypeIdentifier", PassRules.Certificate,
                    $"passTypeIdentifier is '{type.GetString()}' but the pass was signed with the certificate for '{certificate.PassTypeIdentifier}'; sign with that pass type's certificate"));
            if (root.TryGetProperty("teamIdentifier", out var team) && team.ValueKind == JsonValueKind.String
                && certificate.TeamIdentifier is not null && team.GetString() != certificate.TeamIdentifier)
                problems.Add(PassProblem.Error("pass.json", "$.teamIdentifier", PassRules.Certificate,
                    $"teamIdentifier is '{team.GetString()}' but the certificate belongs to team '{certificate.TeamIdentifier}'; set teamIdentifier to {certificate.TeamIdentifier}"));
        }
        catch (JsonException)
        {
            // reported by the pass.json rules
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ManifestJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
