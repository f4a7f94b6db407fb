using System.IO.Compression;
using System.Text.RegularExpressions;
using PassGrains.Packaging.Json;
using PassGrains.Packaging.Validation;

namespace PassGrains.Packaging.PassModels;

/// <summary>
/// Reads a pass model from a folder or a zip as untrusted input: entry count and sizes are bounded
/// while reading (declared sizes in a zip are not trusted), names are checked before anything is
/// used, and every problem is reported.
/// </summary>
public static partial class PassModelReader
{
    [GeneratedRegex(@"^[A-Za-z0-9_-]+(@[23]x)?\.png$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageName();

    [GeneratedRegex(@"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*\.lproj$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalizationFolder();

    private static readonly string[] TopLevelJson = ["pass.json", "personalization.json"];

    /// <summary>Reads a folder, or a zip file (any extension) when <paramref name="path"/> is a file.</summary>
    public static PassModelReadResult Read(string path, PassModelLimits? limits = null, PassValidationOptions? options = null)
    {
        if (Directory.Exists(path))
            return ReadDirectory(path, limits, options);
        if (File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            return ReadZip(stream, limits, options);
        }
        return Fail(PassProblem.Error(path, "", PassRules.ModelEntry, $"no pass model at '{path}': give a folder holding pass.json, or a zip of one"));
    }

    public static PassModelReadResult ReadDirectory(string directory, PassModelLimits? limits = null, PassValidationOptions? options = null)
    {
        limits ??= PassModelLimits.Default;
        var root = Path.GetFullPath(directory);
        var entries = new List<(string Name, byte[] Data)>();
        var problems = new List<PassProblem>();
        long total = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var name = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (entries.Count >= limits.MaxEntries)
                return Fail(PassProblem.Error(name, "", PassRules.ModelLimit, $"the model has more than {limits.MaxEntries} files"));
            var info = new FileInfo(file);
            if (info.LinkTarget is not null)
            {
                problems.Add(PassProblem.Error(name, "", PassRules.ModelEntry, "symbolic links are not allowed in a pass model"));
                continue;
            }
            if (info.Length > limits.MaxFileBytes)
                return Fail(PassProblem.Error(name, "", PassRules.ModelLimit, $"{name} is {info.Length} bytes; a model file may have at most {limits.MaxFileBytes}"));
            total += info.Length;
            if (total > limits.MaxTotalBytes)
                return Fail(PassProblem.Error(name, "", PassRules.ModelLimit, $"the model is larger than {limits.MaxTotalBytes} bytes"));
            entries.Add((name, File.ReadAllBytes(file)));
        }
        if (problems.Count > 0)
            return new PassModelReadResult(null, problems);
        return FromEntries(entries, limits, options);
    }

    public static PassModelReadResult ReadZip(Stream stream, PassModelLimits? limits = null, PassValidationOptions? options = null)
    {
        limits ??= PassModelLimits.Default;
        var entries = new List<(string Name, byte[] Data)>();
        try
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            if (archive.Entries.Count > limits.MaxEntries)
                return Fail(PassProblem.Error("zip", "", PassRules.ModelLimit, $"the zip has {archive.Entries.Count} entries; a model may have at most {limits.MaxEntries}"));
            long total = 0;
            foreach (var entry in archive.Entries)
            {
                if (entry.FullName.EndsWith('/'))
                    continue; // folder entry
                if (entry.Length > limits.MaxFileBytes)
                    return Fail(PassProblem.Error(entry.FullName, "", PassRules.ModelLimit, $"{entry.FullName} is {entry.Length} bytes; a model file may have at most {limits.MaxFileBytes}"));
                var data = ReadBounded(entry, Math.Min(limits.MaxFileBytes, limits.MaxTotalBytes - total));
                if (data is null)
                    return Fail(PassProblem.Error(entry.FullName, "", PassRules.ModelLimit,
                        $"{entry.FullName} unpacks to more than its limit (a file may have {limits.MaxFileBytes} bytes, the model {limits.MaxTotalBytes})"));
                total += data.Length;
                entries.Add((entry.FullName, data));
            }
        }
        catch (InvalidDataException e)
        {
            return Fail(PassProblem.Error("zip", "", PassRules.Zip, $"the upload is not a readable zip file: {e.Message}"));
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            return Fail(PassProblem.Error("zip", "", PassRules.Zip, $"the zip file cannot be read: {e.Message}"));
        }
        return FromEntries(entries, limits, options);
    }

    /// <summary>Builds a model from named files, checking names, sizes, PNGs, strings and pass.json.</summary>
    public static PassModelReadResult FromEntries(IReadOnlyList<(string Name, byte[] Data)> entries, PassModelLimits? limits = null, PassValidationOptions? options = null)
    {
        limits ??= PassModelLimits.Default;
        var problems = new List<PassProblem>();
        if (entries.Count > limits.MaxEntries)
            return Fail(PassProblem.Error("model", "", PassRules.ModelLimit, $"the model has {entries.Count} files; at most {limits.MaxEntries} are allowed"));

        var wrapped = FindWrappingFolder(entries);
        if (wrapped is not null)
            problems.Add(PassProblem.Warning(wrapped, "", PassRules.ModelEntry,
                $"the zip holds the folder '{wrapped}' instead of its contents; its files were taken from inside it"));

        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ReadOnlyMemory<byte>? passJson = null;
        foreach (var (rawName, data) in entries)
        {
            var name = wrapped is not null && rawName.StartsWith(wrapped + "/", StringComparison.Ordinal) ? rawName[(wrapped.Length + 1)..] : rawName;
            if (IsJunk(name))
            {
                problems.Add(PassProblem.Warning(name, "", PassRules.ModelEntry, "operating-system metadata file ignored; Wallet rejects packages that contain it"));
                continue;
            }
            var nameProblem = CheckName(name);
            if (nameProblem is not null)
            {
                problems.Add(PassProblem.Error(Printable(name), "", PassRules.ModelEntry, nameProblem));
                continue;
            }
            // Apple's pass tools and exported packages carry files Wallet does not read: kept out of the signed pass, not refused.
            if (NotReadByWallet(name) is { } leftOut)
            {
                problems.Add(PassProblem.Warning(name, "", PassRules.ModelEntry, $"{leftOut}; it was left out of the signed pass"));
                continue;
            }
            if (!seen.Add(name))
            {
                problems.Add(PassProblem.Error(name, "", PassRules.ModelEntry, $"{name} appears twice (names differ only in case or are repeated)"));
                continue;
            }
            if (name.EndsWith(".json", StringComparison.Ordinal) && data.Length > limits.MaxJsonBytes)
            {
                problems.Add(PassProblem.Error(name, "", PassRules.ModelLimit, $"{name} is {data.Length} bytes; JSON files may have at most {limits.MaxJsonBytes}"));
                continue;
            }
            var content = TopLevelJson.Contains(name) ? WithoutByteOrderMark(name, data, problems) : data;
            if (name == "pass.json")
                passJson = content;
            else
                files[name] = content;
        }

        var languages = files.Keys.Select(k => k.Split('/')).Where(p => p.Length == 2).Select(p => p[0]).Distinct().Count();
        if (languages > limits.MaxLocalizations)
            problems.Add(PassProblem.Error("model", "", PassRules.ModelLimit, $"the model has {languages} localizations; at most {limits.MaxLocalizations} are allowed"));

        if (passJson is null)
            problems.Add(PassProblem.Error("pass.json", "", PassRules.Required, "the model has no pass.json at its top level"));

        var modelFiles = files.Select(f => new PassModelFile(f.Key, f.Value)).ToList();
        if (passJson is { } json)
            PassModelValidator.Validate(json.Span, modelFiles, options ?? PassValidationOptions.Default, problems);

        return problems.Any(p => p.IsError) || passJson is null
            ? new PassModelReadResult(null, problems)
            : new PassModelReadResult(new PassModel(passJson.Value, modelFiles, problems), problems);
    }

    /// <summary>
    /// A JSON file saved "as UTF-8 with BOM" (Windows editors do): JSON text must not start with a byte-order mark (RFC 8259,
    /// section 8.1) and <see cref="StrictJson.Check"/> refuses it everywhere else (a signed pass.json, a request body), so a
    /// model's copy loses the mark, with a warning.
    /// </summary>
    private static byte[] WithoutByteOrderMark(string name, byte[] data, List<PassProblem> problems)
    {
        if (!data.AsSpan().StartsWith(StrictJson.Utf8ByteOrderMark))
            return data;
        problems.Add(PassProblem.Warning(name, "", PassRules.Json,
            $"{name} starts with a UTF-8 byte-order mark, which JSON does not allow; it was removed (save the file as UTF-8 without BOM)"));
        return data[StrictJson.Utf8ByteOrderMark.Length..];
    }

    /// <returns>Null when the name is safe to read, else why not (an error: the upload is refused).</returns>
    private static string? CheckName(string name)
    {
        if (name.Length == 0 || name.Length > 200)
            return "entry names must have 1 to 200 characters";
        if (name.Contains('\\'))
            return "backslashes are not allowed in entry names; use '/'";
        if (name.StartsWith('/') || (name.Length > 1 && name[1] == ':'))
            return "absolute paths are not allowed in a pass model";
        if (name.Split('/').Any(part => part is ".." or "." or ""))
            return "'..', '.' and empty path segments are not allowed in a pass model";
        if (name.Any(char.IsControl))
            return "control characters are not allowed in entry names";
        return null;
    }

    /// <returns>Null when Wallet reads the file, else what it is and why Wallet does not read it.</returns>
    private static string? NotReadByWallet(string name)
    {
        if (name is "manifest.json" or "signature")
            return $"{name} is generated when the pass is signed, so the model's copy is not used";
        if (name == "tooling.json")
            return "tooling.json is written by Apple's pass tools and is not read by Wallet";
        var parts = name.Split('/');
        if (parts.Length == 1)
        {
            if (TopLevelJson.Contains(name) || ImageName().IsMatch(name))
                return null;
            return $"Wallet does not read '{name}' (a pass holds pass.json, personalization.json, PNG images and xx.lproj folders)";
        }
        if (parts.Length == 2 && LocalizationFolder().IsMatch(parts[0]))
        {
            if (parts[1] == "pass.strings" || ImageName().IsMatch(parts[1]))
                return null;
            return $"Wallet does not read '{name}' (a localization folder holds pass.strings and PNG images)";
        }
        return $"Wallet does not read '{name}' (the only folders it reads are localization folders such as en.lproj/)";
    }

    private static bool IsJunk(string name)
    {
        var file = name[(name.LastIndexOf('/') + 1)..];
        return name.StartsWith("__MACOSX/", StringComparison.Ordinal) || file is ".DS_Store" or "Thumbs.db" || file.StartsWith("._", StringComparison.Ordinal);
    }

    /// <summary>A zip made by compressing the folder rather than its contents: one top folder holding pass.json.</summary>
    private static string? FindWrappingFolder(IReadOnlyList<(string Name, byte[] Data)> entries)
    {
        var real = entries.Where(e => !IsJunk(e.Name)).ToList();
        if (real.Count == 0 || real.Any(e => e.Name == "pass.json"))
            return null;
        var first = real[0].Name.Split('/')[0];
        if (first.EndsWith(".lproj", StringComparison.Ordinal) || first is ".." or "." or "")
            return null;
        return real.All(e => e.Name.StartsWith(first + "/", StringComparison.Ordinal)) && real.Any(e => e.Name == first + "/pass.json")
            ? first
            : null;
    }

    /// <summary>Unpacks an entry, or null once it exceeds <paramref name="limit"/> (declared sizes in a zip are not trusted).</summary>
    internal static byte[]? ReadBounded(ZipArchiveEntry entry, long limit)
    {
        using var source = entry.Open();
        using var buffer = new MemoryStream(entry.Length is > 0 and < int.MaxValue ? (int)Math.Min(entry.Length, limit) : 4096);
        var chunk = new byte[81920];
        int read;
        while ((read = source.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static string Printable(string name) => new(name.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static PassModelReadResult Fail(PassProblem problem) => new(null, [problem]);
}
