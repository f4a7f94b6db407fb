using PassGrains.Abstractions;

namespace PassGrains.Server.Issuing;

/// <summary>How a field key in use is named and told to an issuer, in refusals and in warnings alike.</summary>
public static class FieldUses
{
    public static string Field(FieldUse use) => $"fields.{use.Key}";

    /// <summary>"2 passes and group gate-7 set 'seat'".</summary>
    public static string Who(FieldUse use)
    {
        var parts = new List<string>();
        if (use.Passes > 0)
            parts.Add(use.Passes == 1 ? "1 pass" : $"{use.Passes} passes");
        if (use.Groups.Count > 0)
            parts.Add((use.Groups.Count == 1 ? "group " : "groups ") + string.Join(", ", use.Groups.Take(5)) + (use.Groups.Count > 5 ? $" and {use.Groups.Count - 5} more" : ""));
        return $"{string.Join(" and ", parts)} set{(use.Passes == 1 && use.Groups.Count == 0 || use.Passes == 0 && use.Groups.Count == 1 ? "s" : "")} '{use.Key}'";
    }

    public static string Dropped(FieldUse use) => $"{Field(use)}: dropped; {Who(use)}, rendered without it now";
}
