namespace PassGrains.Server.Security;

/// <summary>
/// Reads <c>PassGrains:IssuerApiKeys</c> by hand: its entries may be plain strings (<c>:0 = "key"</c>, every pass type,
/// read-write, as always) or objects (<c>:1:Key</c>, <c>:1:PassTypes:0</c>, <c>:1:Access</c>). The configuration binder
/// cannot bind a list that mixes the two, so a section with a value is a plain key and one with children is scoped.
/// Every problem names its entry, and any problem stops start-up: a mistyped scope must never widen a key.
/// </summary>
public static class IssuerKeyConfiguration
{
    public const string Path = "PassGrains:IssuerApiKeys";
    public const int MinimumKeyLength = 16;
    public const string ReadOnly = "ReadOnly";
    public const string ReadWrite = "ReadWrite";

    private static readonly HashSet<string> EntryProperties = new(["Key", "PassTypes", "Access"], StringComparer.OrdinalIgnoreCase);

    public static (IReadOnlyList<(string Secret, IssuerKey Key)> Keys, IReadOnlyList<string> Problems) Read(IConfigurationSection section)
    {
        var keys = new List<(string, IssuerKey)>();
        var problems = new List<string>();
        // Configuration sorts numeric keys numerically, so entries come in their configured order.
        foreach (var entry in section.GetChildren())
        {
            var name = $"{Path}:{entry.Key}";
            var children = entry.GetChildren().ToList();
            if (children.Count == 0)
            {
                var plain = entry.Value ?? "";
                if (plain.Length < MinimumKeyLength)
                    problems.Add($"{name}: an issuer API key needs at least {MinimumKeyLength} characters");
                else
                    keys.Add((plain, IssuerKey.Unscoped(name)));
                continue;
            }
            var before = problems.Count;
            foreach (var unknown in children.Where(c => !EntryProperties.Contains(c.Key)))
                problems.Add($"{name}:{unknown.Key} is not a setting of a scoped key (Key, PassTypes, Access)");
            var secret = entry["Key"] ?? "";
            if (secret.Length < MinimumKeyLength)
                problems.Add($"{name}:Key: an issuer API key needs at least {MinimumKeyLength} characters");
            var access = entry["Access"] ?? ReadWrite;
            var canWrite = access.Equals(ReadWrite, StringComparison.OrdinalIgnoreCase);
            if (!canWrite && !access.Equals(ReadOnly, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{name}:Access '{access}' must be {ReadOnly} or {ReadWrite}");
            var typesSection = entry.GetSection("PassTypes");
            var types = new HashSet<string>(StringComparer.Ordinal);
            if (typesSection.Value is { } single)
                problems.Add($"{name}:PassTypes must be a list ({name}:PassTypes:0 = {single})");
            foreach (var type in typesSection.GetChildren())
            {
                if (type.Value is not { } identifier || !identifier.StartsWith("pass.", StringComparison.Ordinal) || identifier.Length == "pass.".Length)
                    problems.Add($"{name}:PassTypes:{type.Key} '{type.Value}' must be a pass type identifier starting with 'pass.'");
                else
                    types.Add(identifier);
            }
            if (problems.Count == before)
                keys.Add((secret, new IssuerKey(name, canWrite, types.Count == 0 ? PassTypeScope.All : new PassTypeScope(types))));
        }
        // One key with two scopes would be ambiguous; the hashes are compared in Find, so refuse it here.
        foreach (var duplicate in keys.GroupBy(k => k.Item1, StringComparer.Ordinal).Where(g => g.Count() > 1))
            problems.Add($"{string.Join(" and ", duplicate.Select(k => k.Item2.Entry))} configure the same key");
        return (keys, problems);
    }
}
