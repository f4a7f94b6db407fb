using System.IO.Compression;

namespace PassGrains.Server.Tests.Infrastructure;

/// <summary>Zips pass model folders (and hostile variants of them) for PUT /api/templates/{id}.</summary>
public static class ModelZip
{
    /// <summary>Every file of <paramref name="folder"/> with its relative path, minus those <paramref name="exclude"/> names, plus <paramref name="extra"/> entries.</summary>
    public static byte[] FromFolder(string folder, Func<string, bool>? exclude = null, IReadOnlyDictionary<string, byte[]>? extra = null)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = Path.GetRelativePath(folder, file).Replace('\\', '/');
                if (exclude?.Invoke(name) == true)
                    continue;
                var entry = archive.CreateEntry(name, CompressionLevel.Fastest);
                using var stream = entry.Open();
                stream.Write(File.ReadAllBytes(file));
            }
            foreach (var (name, bytes) in extra ?? new Dictionary<string, byte[]>())
            {
                var entry = archive.CreateEntry(name, CompressionLevel.Fastest);
                using var stream = entry.Open();
                stream.Write(bytes);
            }
        }
        return buffer.ToArray();
    }
}
