using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PassGrains.Cli.Tests.Infrastructure;

/// <summary>Reads and edits .pkpass files with nothing but System.IO.Compression, independently of the library.</summary>
public static class Pkpass
{
    /// <summary>Every file entry, by name, in zip order.</summary>
    public static List<KeyValuePair<string, byte[]>> ReadEntries(string pkpass)
    {
        using var archive = ZipFile.OpenRead(pkpass);
        var entries = new List<KeyValuePair<string, byte[]>>();
        foreach (var entry in archive.Entries.Where(e => !e.FullName.EndsWith('/')))
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            entries.Add(new(entry.FullName, buffer.ToArray()));
        }
        return entries;
    }

    public static byte[] ReadEntry(string pkpass, string name) =>
        ReadEntries(pkpass).Single(e => e.Key == name).Value;

    public static JsonObject ReadPassJson(string pkpass) =>
        JsonNode.Parse(ReadEntry(pkpass, "pass.json")) as JsonObject ?? throw new InvalidDataException("pass.json is not an object");

    public static Dictionary<string, string> ReadManifest(byte[] manifest) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(manifest) ?? throw new InvalidDataException("manifest.json is null");

    /// <summary>
    /// Writes <paramref name="destination"/> with the entries of <paramref name="source"/>, each passed through
    /// <paramref name="transform"/> (return null to leave the entry out), then <paramref name="additions"/>.
    /// </summary>
    public static void Rewrite(string source, string destination, Func<string, byte[], byte[]?> transform,
        IEnumerable<KeyValuePair<string, byte[]>>? additions = null)
    {
        var entries = ReadEntries(source);
        using var output = File.Create(destination);
        using var archive = new ZipArchive(output, ZipArchiveMode.Create);
        foreach (var (name, data) in entries.Concat(additions ?? []).Select(e => (e.Key, e.Value)))
        {
            var content = transform(name, data);
            if (content is null)
                continue;
            var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
            using var stream = entry.Open();
            stream.Write(content);
        }
    }

    public static byte[] ReplaceText(byte[] data, string oldValue, string newValue)
    {
        var text = Encoding.UTF8.GetString(data);
        if (!text.Contains(oldValue, StringComparison.Ordinal))
            throw new InvalidOperationException($"'{oldValue}' is not in the entry to tamper with");
        return Encoding.UTF8.GetBytes(text.Replace(oldValue, newValue, StringComparison.Ordinal));
    }

    public static string Sha1Hex(byte[] data) => Convert.ToHexStringLower(SHA1.HashData(data));

    /// <summary>
    /// Unzips the pass and checks it independently: openssl verifies the detached signature over manifest.json
    /// against <paramref name="wwdrPem"/>, manifest.json lists every other file with its SHA-1 (and nothing
    /// else), and the signature carries a signing time.
    /// </summary>
    public static async Task AssertIndependentlyValidAsync(string pkpass, string wwdrPem, string workDirectory)
    {
        var unpacked = Path.Combine(workDirectory, Path.GetFileNameWithoutExtension(pkpass) + "-unpacked");
        ZipFile.ExtractToDirectory(pkpass, unpacked);
        Assert.True(File.Exists(Path.Combine(unpacked, "signature")), "the package has no signature");
        Assert.True(File.Exists(Path.Combine(unpacked, "manifest.json")), "the package has no manifest.json");
        Assert.True(File.Exists(Path.Combine(unpacked, "pass.json")), "the package has no pass.json");

        var verify = await OpenSsl.RunAsync(unpacked, "cms", "-verify", "-binary", "-inform", "DER", "-in", "signature",
            "-content", "manifest.json", "-CAfile", wwdrPem, "-purpose", "any", "-out", "/dev/null");
        Assert.True(verify.ExitCode == 0, $"openssl does not accept the signature:{Environment.NewLine}{verify}");

        var manifest = ReadManifest(await File.ReadAllBytesAsync(Path.Combine(unpacked, "manifest.json")));
        var files = TestPaths.ModelFiles(unpacked).Where(f => f is not ("manifest.json" or "signature")).ToList();
        Assert.Equal(files, manifest.Keys.Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            var actual = Sha1Hex(await File.ReadAllBytesAsync(Path.Combine(unpacked, file)));
            Assert.True(string.Equals(manifest[file], actual, StringComparison.OrdinalIgnoreCase),
                $"manifest.json lists {file} with SHA-1 {manifest[file]}, but the file's SHA-1 is {actual}");
        }

        var structure = await OpenSsl.RunAsync(unpacked, "cms", "-cmsout", "-print", "-inform", "DER", "-in", "signature");
        Assert.True(structure.ExitCode == 0, structure.ToString());
        Assert.Contains("signingTime", structure.Stdout, StringComparison.Ordinal);
    }
}
