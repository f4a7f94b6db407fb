using System.Buffers.Text;
using System.IO.Compression;
using System.Text.Json.Nodes;
using PassGrains.Packaging.Signing;
using PassGrains.Packaging.Validation;

namespace PassGrains.Packaging.Building;

/// <summary>Turns a compiled template plus a pass's content into a signed .pkpass. Thread-safe.</summary>
public sealed class PassPackager(PassSigner signer)
{
    public PassSigner Signer { get; } = signer;

    /// <summary>
    /// Composes pass.json (template, then <paramref name="layers"/>, then the serial), checks it when
    /// <paramref name="validate"/> is set (every rule, plus the certificate matching passTypeIdentifier and
    /// teamIdentifier), and signs the package.
    /// </summary>
    /// <exception cref="PassValidationException">The composed pass.json breaks a rule.</exception>
    public SignedPass Build(CompiledPassTemplate template, string serialNumber, IEnumerable<PassLayer>? layers = null,
        DateTimeOffset? signingTime = null, bool validate = true, PassValidationOptions? options = null) =>
        Package(template, serialNumber, Compose(template, serialNumber, layers, validate, options), signingTime ?? DateTimeOffset.UtcNow);

    /// <summary>The composed pass.json bytes, checked when <paramref name="validate"/> is set; nothing is signed.</summary>
    /// <exception cref="PassValidationException">The composed pass.json breaks a rule.</exception>
    /// <param name="refuseUnknown">Which field keys the template lacks are an error (<see cref="PassJsonComposer.Compose"/>); null: all.</param>
    public byte[] Compose(CompiledPassTemplate template, string serialNumber, IEnumerable<PassLayer>? layers = null,
        bool validate = true, PassValidationOptions? options = null, Func<string, bool>? refuseUnknown = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(serialNumber);
        var problems = validate ? new List<PassProblem>() : null;
        var pass = PassJsonComposer.Compose(template.PassJsonTemplate, serialNumber, layers ?? [], problems, refuseUnknown);
        var passJson = PassJsonComposer.ToUtf8(pass);
        if (validate)
            Validate(pass, passJson, options, problems!);
        return passJson;
    }

    /// <summary>Packages an already composed and checked pass.json: hash, manifest, one signature, zip.</summary>
    public SignedPass Package(CompiledPassTemplate template, string serialNumber, byte[] passJson, DateTimeOffset signingTime)
    {
        // manifest.json = {"pass.json":"<sha1>" + the template's precomputed entries
        Span<byte> hash = stackalloc byte[20];
        ManifestHash.Compute(passJson, hash);
        var prefix = "{\"pass.json\":\""u8;
        var manifest = new byte[prefix.Length + 40 + 1 + template.ManifestTail.Length];
        prefix.CopyTo(manifest);
        Convert.ToHexStringLower(hash).AsSpan().CopyToUtf8(manifest.AsSpan(prefix.Length));
        manifest[prefix.Length + 40] = (byte)'"';
        template.ManifestTail.CopyTo(manifest, prefix.Length + 41);

        var signature = Signer.SignDetached(manifest, signingTime);

        var modified = template.Modified;
        var passEntry = PassZip.CreateEntry("pass.json", passJson, deflate: true, modified, CompressionLevel.Fastest);
        var manifestEntry = PassZip.CreateEntry("manifest.json", manifest, deflate: true, modified, CompressionLevel.Fastest);
        var signatureEntry = PassZip.CreateEntry("signature", signature, deflate: false, modified);

        long offset = template.SharedLocalRecords.Length;
        var tail = new byte[passEntry.CentralRecordLength + manifestEntry.CentralRecordLength + signatureEntry.CentralRecordLength + 22];
        var written = 0;
        foreach (var entry in new[] { passEntry, manifestEntry, signatureEntry })
        {
            written += PassZip.WriteCentralRecord(tail.AsSpan(written), entry, offset);
            offset += entry.LocalRecord.Length;
        }
        var centralSize = template.SharedCentralRecords.Length + written;
        PassZip.WriteEndOfCentralDirectory(tail.AsSpan(written), template.SharedEntryCount + 3, centralSize, offset);

        return new SignedPass(serialNumber, passJson, manifest, signature,
        [
            template.SharedLocalRecords, passEntry.LocalRecord, manifestEntry.LocalRecord, signatureEntry.LocalRecord,
            template.SharedCentralRecords, tail,
        ]);
    }

    private void Validate(JsonObject pass, byte[] passJson, PassValidationOptions? options, List<PassProblem> problems)
    {
        problems.AddRange(PassJsonValidator.Validate(passJson, options).Where(p => p.IsError));
        var certificate = Signer.Certificate;
        var type = pass["passTypeIdentifier"] is JsonValue t && t.TryGetValue<string>(out var typeValue) ? typeValue : null;
        var team = pass["teamIdentifier"] is JsonValue m && m.TryGetValue<string>(out var teamValue) ? teamValue : null;
        if (certificate.PassTypeIdentifier is not null && type is not null && type != certificate.PassTypeIdentifier)
            problems.Add(PassProblem.Error("pass.json", "$.passTypeIdentifier", PassRules.Certificate,
                $"passTypeIdentifier is '{type}' but the certificate is for '{certificate.PassTypeIdentifier}'; Wallet refuses the pass. Sign with that pass type's certificate or change passTypeIdentifier"));
        if (certificate.TeamIdentifier is not null && team is not null && team != certificate.TeamIdentifier)
            problems.Add(PassProblem.Error("pass.json", "$.teamIdentifier", PassRules.Certificate,
                $"teamIdentifier is '{team}' but the certificate belongs to team '{certificate.TeamIdentifier}'; set teamIdentifier to {certificate.TeamIdentifier}"));
        if (problems.Count > 0)
            throw new PassValidationException(problems);
    }
}

file static class Utf8Extensions
{
    public static void CopyToUtf8(this ReadOnlySpan<char> ascii, Span<byte> destination)
    {
        for (var i = 0; i < ascii.Length; i++)
            destination[i] = (byte)ascii[i];
    }
}
