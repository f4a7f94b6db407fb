using System.Globalization;
using System.Reflection;

namespace PassGrains.Storage;

/// <summary>A versioned schema: embedded NNNN-name.sql resources under a prefix, in version order.</summary>
public static class SchemaScripts
{
    public static IEnumerable<(int Version, string Name, string Sql)> Read(Assembly assembly, string prefix)
    {
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[prefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (int.Parse(name[..4], CultureInfo.InvariantCulture), name, reader.ReadToEnd());
        }
    }
}
