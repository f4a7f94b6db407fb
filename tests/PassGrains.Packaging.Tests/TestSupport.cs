using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using System.Text.Json.Nodes;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Building;
using PassGrains.Packaging.Signing;
using PassGrains.Packaging.Validation;

namespace PassGrains.Packaging.Tests;

/// <summary>Where the sample pass models live: repoRoot/samples/models.</summary>
internal static class TestPaths
{
    public static string RepoRoot => RepositoryPaths.Root;

    /// <summary>The six sample models by short name (samples/models/NAME.pass): four styles and two event tickets.</summary>
    public static string Model(string name) => RepositoryPaths.Model(name);

    public static readonly string[] ModelNames = RepositoryPaths.ModelNames;
}

/// <summary>Signing chains, created once per test run (RSA key generation is the slow part).</summary>
internal static class TestChains
{
    public const string PassType = "pass.com.example.event";
    public const string Team = "ABCDE12345";

    private static readonly Lazy<DevelopmentChain> LazyMain = new(() => DevelopmentChain.Create(PassType, Team));
    private static readonly Lazy<DevelopmentChain> LazyOtherPassType = new(() => Main.IssueAnother("pass.com.example.other", Team));
    private static readonly Lazy<DevelopmentChain> LazyUnrelated = new(() => DevelopmentChain.Create(PassType, Team, caName: "Some Other CA"));
    private static readonly Lazy<DevelopmentChain> LazyExpired = new(() =>
        Main.IssueAnother(PassType, Team, DateTime.UtcNow.AddDays(-400), DateTime.UtcNow.AddDays(-2)));

    /// <summary>Expires at midnight UTC 40 days from today; sign "now" = 10 days before that.</summary>
    public static readonly DateTime ShortLivedNotAfter = DateTime.UtcNow.Date.AddDays(40);
    private static readonly Lazy<DevelopmentChain> LazyShortLived = new(() =>
        Main.IssueAnother(PassType, Team, DateTime.UtcNow.AddDays(-1), ShortLivedNotAfter));

    private static readonly Lazy<PassSigner> LazySigner = new(() => PassSigner.Create(Main.Credentials, Main.CaCertificate));

    public static DevelopmentChain Main => LazyMain.Value;

    /// <summary>Same CA as <see cref="Main"/>, certificate for pass.com.example.other.</summary>
    public static DevelopmentChain OtherPassType => LazyOtherPassType.Value;

    /// <summary>Same pass type, but another CA.</summary>
    public static DevelopmentChain Unrelated => LazyUnrelated.Value;

    public static DevelopmentChain Expired => LazyExpired.Value;

    public static DevelopmentChain ShortLived => LazyShortLived.Value;

    public static PassSigner Signer => LazySigner.Value;

    public static PassPackager Packager => new(Signer);
}

internal static class Templates
{
    private static readonly Dictionary<string, Lazy<CompiledPassTemplate>> Cache = TestPaths.ModelNames.ToDictionary(
        n => n, n => new Lazy<CompiledPassTemplate>(() => CompiledPassTemplate.Compile(PassModel.Load(TestPaths.Model(n)))));

    public static CompiledPassTemplate Get(string name) => Cache[name].Value;

    /// <summary>A template from files given directly (bypassing the model reader's checks).</summary>
    public static CompiledPassTemplate FromFiles(byte[] passJson, params (string Path, byte[] Data)[] files) =>
        CompiledPassTemplate.Compile(new PassModel(passJson,
            files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => new PassModelFile(f.Path, f.Data)).ToList(), []));
}

/// <summary>pass.json for tests: a valid event ticket, changed by RFC 7386 merge patches written with single quotes.</summary>
internal static class PassJson
{
    public const string Base = """
        {
          "formatVersion": 1,
          "passTypeIdentifier": "pass.com.example.event",
          "serialNumber": "SERIAL-0001",
          "teamIdentifier": "ABCDE12345",
          "organizationName": "Example Arena",
          "description": "Concert ticket",
          "barcodes": [{ "format": "PKBarcodeFormatQR", "message": "SERIAL-0001", "messageEncoding": "iso-8859-1" }],
          "eventTicket": {
            "primaryFields": [{ "key": "event", "label": "EVENT", "value": "New Year Concert" }],
            "secondaryFields": [{ "key": "loc", "label": "LOCATION", "value": "Main Hall" }],
            "auxiliaryFields": [{ "key": "gate", "label": "GATE", "value": "7" }],
            "backFields": [{ "key": "terms", "label": "TERMS", "value": "Non-transferable." }]
          }
        }
        """;

    /// <summary>JSON written with ' instead of " (keeps inline test data readable).</summary>
    public static string Q(string singleQuoted) => singleQuoted.Replace('\'', '"');

    public static JsonObject Patched(string singleQuotedPatch)
    {
        var target = JsonNode.Parse(Base)!.AsObject();
        var patch = JsonNode.Parse(Q(singleQuotedPatch));
        return PassContentLayers.Apply(target, patch)!.AsObject();
    }

    public static byte[] PatchedBytes(string singleQuotedPatch) => Encoding.UTF8.GetBytes(Patched(singleQuotedPatch).ToJsonString());

    public static byte[] BaseBytes => Encoding.UTF8.GetBytes(Base);
}

/// <summary>Real (decodable) grayscale PNG files of a given size.</summary>
internal static class Png
{
    public static byte[] Create(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 0; // grayscale
        WriteChunk(output, "IHDR", ihdr);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[width + 1]; // filter byte 0 + black pixels
            for (var y = 0; y < height; y++)
                z.Write(row);
        }
        WriteChunk(output, "IDAT", raw.ToArray());
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typeAndData));
        output.Write(crc);
    }

    public static readonly byte[] Icon1x = Create(29, 29);
    public static readonly byte[] Icon2x = Create(58, 58);
    public static readonly byte[] Icon3x = Create(87, 87);
}

internal static class Zip
{
    /// <summary>A zip with the given entries, in order (names are written exactly as given).</summary>
    public static byte[] Create(IEnumerable<(string Name, byte[] Data)> entries, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                var entry = archive.CreateEntry(name, level);
                using var stream = entry.Open();
                stream.Write(data);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>A zip of <paramref name="entries"/> plus <paramref name="bombName"/>: <paramref name="size"/> zero bytes, deflated to about 1/1000.</summary>
    public static byte[] WithBomb(IEnumerable<(string Name, byte[] Data)> entries, string bombName, long size)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using var stream = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
                stream.Write(data);
            }
            using var bomb = archive.CreateEntry(bombName, CompressionLevel.Optimal).Open();
            var zeros = new byte[1024 * 1024];
            for (long written = 0; written < size; written += zeros.Length)
                bomb.Write(zeros, 0, (int)Math.Min(zeros.Length, size - written));
        }
        return buffer.ToArray();
    }

    public static List<(string Name, byte[] Data)> Read(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var result = new List<(string, byte[])>();
        foreach (var entry in archive.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            result.Add((entry.FullName, copy.ToArray()));
        }
        return result;
    }

    /// <summary>Local file headers walked from the start of the file: name and compression method, in file order.</summary>
    public static List<(string Name, ushort Method, uint CompressedSize, uint Size)> LocalHeaders(byte[] zip)
    {
        var result = new List<(string, ushort, uint, uint)>();
        var offset = 0;
        while (offset + 30 <= zip.Length && BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(offset)) == 0x04034b50)
        {
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(offset + 6));
            Assert.True((flags & 0x08) == 0, "pass zips should not use data descriptors");
            var method = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(offset + 8));
            var compressed = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(offset + 18));
            var size = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(offset + 22));
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(offset + 26));
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(offset + 28));
            var name = Encoding.UTF8.GetString(zip, offset + 30, nameLength);
            result.Add((name, method, compressed, size));
            offset += 30 + nameLength + extraLength + (int)compressed;
        }
        return result;
    }

    /// <summary>
    /// Overwrites the uncompressed size of one entry (local header and central directory) with
    /// <paramref name="declaredSize"/>: a zip that lies about how big a file is.
    /// </summary>
    public static byte[] LieAboutSize(byte[] zip, string entryName, uint declaredSize)
    {
        var copy = (byte[])zip.Clone();
        var name = Encoding.UTF8.GetBytes(entryName);
        for (var i = 0; i + 46 <= copy.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(i));
            if (signature == 0x04034b50 && copy.AsSpan(i + 30).StartsWith(name) && BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(i + 26)) == name.Length)
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(i + 22), declaredSize);
            else if (signature == 0x02014b50 && copy.AsSpan(i + 46).StartsWith(name) && BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(i + 28)) == name.Length)
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(i + 24), declaredSize);
        }
        return copy;
    }
}

internal static class Tool
{
    /// <summary>Runs a command-line tool and returns its exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                    stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException($"{fileName} did not finish in 60 s");
        }
        process.WaitForExit();
        lock (stderr)
            return (process.ExitCode, stdout + stderr);
    }
}

internal static class OpenSsl
{
    public static (int ExitCode, string Output) Run(params string[] arguments) => Tool.Run("openssl", arguments);

    /// <summary>openssl cms -verify of a detached DER signature over <paramref name="content"/>, trusting <paramref name="caPem"/>.</summary>
    public static (int ExitCode, string Output) VerifyDetached(byte[] signature, byte[] content, string caPem)
    {
        using var dir = new TempDirectory();
        var signaturePath = dir.Write("signature", signature);
        var contentPath = dir.Write("content", content);
        var caPath = dir.Write("ca.pem", Encoding.ASCII.GetBytes(caPem));
        return Run("cms", "-verify", "-binary", "-inform", "DER", "-in", signaturePath, "-content", contentPath,
            "-CAfile", caPath, "-purpose", "any", "-out", "/dev/null");
    }
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("passgrains-tests-").FullName;

    public string Path { get; }

    public string Write(string relativePath, byte[] data)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, data);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

internal static class Problems
{
    public static IEnumerable<PassProblem> Errors(this IEnumerable<PassProblem> problems) => problems.Where(p => p.IsError);

    public static IEnumerable<PassProblem> Warnings(this IEnumerable<PassProblem> problems) => problems.Where(p => !p.IsError);

    public static string Describe(this IEnumerable<PassProblem> problems) => string.Join(Environment.NewLine, problems);

    public static PassProblem AssertError(this IReadOnlyList<PassProblem> problems, string rule, string? file = null, string? path = null)
    {
        var match = problems.FirstOrDefault(p => p.IsError && p.Rule == rule && (file is null || p.File == file) && (path is null || p.Path == path));
        Assert.True(match is not null,
            $"expected an error [{rule}]{(file is null ? "" : " in " + file)}{(path is null ? "" : " at " + path)}; got:{Environment.NewLine}{problems.Describe()}");
        return match!;
    }

    public static PassProblem AssertWarning(this IReadOnlyList<PassProblem> problems, string rule, string? file = null)
    {
        var match = problems.FirstOrDefault(p => !p.IsError && p.Rule == rule && (file is null || p.File == file));
        Assert.True(match is not null, $"expected a warning [{rule}]{(file is null ? "" : " for " + file)}; got:{Environment.NewLine}{problems.Describe()}");
        return match!;
    }

    public static void AssertNoErrors(this IReadOnlyList<PassProblem> problems) =>
        Assert.True(!problems.Any(p => p.IsError), $"expected no errors; got:{Environment.NewLine}{problems.Describe()}");
}
