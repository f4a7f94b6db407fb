using PassGrains.Packaging.Json;
using System.Text.Json;
using PassGrains.Packaging.PassModels;

namespace PassGrains.Packaging.Validation;

/// <summary>
/// Rules about a whole pass model or package beyond pass.json: PNG files, the icon, images a style
/// supports and their sizes (warnings, as Apple's own values disagree), localizations and
/// personalization.
/// </summary>
public static class PassModelValidator
{
    /// <summary>Sizes in points at 1x: exact is a warning when differing, max when exceeded.</summary>
    private sealed record ImageSlot(int Width, int Height, bool Maximum);

    private static readonly Dictionary<string, string[]> ImagesByStyle = new()
    {
        ["boardingPass"] = ["icon", "logo", "footer"],
        ["coupon"] = ["icon", "logo", "strip"],
        ["eventTicket"] = ["icon", "logo", "strip", "background", "thumbnail", "artwork", "primaryLogo", "secondaryLogo"],
        ["generic"] = ["icon", "logo", "thumbnail"],
        ["storeCard"] = ["icon", "logo", "strip"],
        ["posterGeneric"] = ["icon", "logo", "artwork", "primaryLogo", "secondaryLogo", "background"],
    };

    public static void Validate(ReadOnlySpan<byte> passJson, IReadOnlyList<PassModelFile> files, PassValidationOptions options, List<PassProblem> problems)
    {
        var jsonProblems = PassJsonValidator.Validate(passJson, options);
        problems.AddRange(jsonProblems);
        string[] styles = [];
        var poster = false;
        if (!jsonProblems.Any(p => p.Rule == PassRules.Json))
        {
            using var document = JsonDocument.Parse(passJson.ToArray());
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                styles = ImagesByStyle.Keys.Where(s => document.RootElement.TryGetProperty(s, out _)).ToArray();
                poster = PassJsonValidator.AsksForPosterEventTicket(document.RootElement);
            }
        }
        ValidateFiles(files, styles, problems);
        if (poster && !files.Any(f => f.IsImage && ParseImageName(f.Path).Name is "artwork" or "background"))
        {
            problems.Add(PassProblem.Warning("pass.json", "$.preferredStyleSchemes", PassRules.PosterEventTicket,
                "preferredStyleSchemes asks for posterEventTicket, but the model has no artwork.png (or background.png) for the poster; Wallet will show the classic event ticket layout instead"));
        }
    }

    public static void ValidateFiles(IReadOnlyList<PassModelFile> files, IReadOnlyList<string> styles, List<PassProblem> problems)
    {
        var images = new Dictionary<string, PngInfo>(StringComparer.Ordinal);
        foreach (var file in files.Where(f => f.IsImage))
        {
            if (!PngInfo.TryRead(file.Content.Span, out var info))
                problems.Add(PassProblem.Error(file.Path, "", PassRules.Image, $"{file.Path} is not a PNG image (its first bytes are not the PNG signature); Wallet only loads PNG"));
            else
                images[file.Path] = info;
        }

        CheckIcon(files, problems);
        CheckStrings(files, problems);
        CheckLocalizations(files, problems);
        CheckPersonalization(files, styles, problems);

        var style = styles.FirstOrDefault(s => s != "posterGeneric") ?? (styles.Count > 0 ? styles[0] : null);
        if (style is null)
            return;
        var supported = styles.SelectMany(s => ImagesByStyle[s]).Append("personalizationLogo").ToHashSet(StringComparer.Ordinal);
        foreach (var (path, info) in images)
        {
            var (name, scale) = ParseImageName(path);
            if (!supported.Contains(name))
            {
                problems.Add(PassProblem.Warning(path, "", PassRules.Image, $"{style} passes do not show a {name} image; Wallet ignores it"));
                continue;
            }
            if (Slot(name, style) is { } slot)
                CheckSize(path, info, slot, scale, problems);
            if (scale > 1 && images.TryGetValue(path.Replace($"@{scale}x.png", ".png", StringComparison.Ordinal), out var single)
                && (single.Width * scale != info.Width || single.Height * scale != info.Height))
                problems.Add(PassProblem.Warning(path, "", PassRules.ImageSize,
                    $"{path} is {info.Width}×{info.Height} but {scale}× the 1x image would be {single.Width * scale}×{single.Height * scale}"));
        }

        if (style == "eventTicket" && images.Keys.Any(k => ParseImageName(k).Name == "strip")
            && images.Keys.Any(k => ParseImageName(k).Name is "background" or "thumbnail"))
            problems.Add(PassProblem.Warning("strip.png", "", PassRules.Image, "an event ticket with a strip image ignores background and thumbnail images"));
    }

    private static void CheckIcon(IReadOnlyList<PassModelFile> files, List<PassProblem> problems)
    {
        if (!files.Any(f => f.Path == "icon.png"))
        {
            var localized = files.Any(f => f.FileName == "icon.png");
            problems.Add(PassProblem.Error("icon.png", "", PassRules.Icon,
                localized
                    ? "icon.png must be at the top level of the pass, not only inside an .lproj folder"
                    : "the pass has no icon.png; Wallet refuses a pass without one (add icon.png 29×29, icon@2x.png and icon@3x.png)"));
            return;
        }
        foreach (var scale in new[] { "icon@2x.png", "icon@3x.png" })
        {
            if (!files.Any(f => f.Path == scale))
                problems.Add(PassProblem.Warning(scale, "", PassRules.Icon, $"{scale} is missing; high-resolution screens will scale up icon.png"));
        }
    }

    private static void CheckStrings(IReadOnlyList<PassModelFile> files, List<PassProblem> problems)
    {
        foreach (var file in files.Where(f => f.FileName == "pass.strings"))
        {
            try
            {
                StringsFile.Parse(file.Content.Span);
            }
            catch (FormatException e)
            {
                problems.Add(PassProblem.Error(file.Path, "", PassRules.Localization, $"{file.Path} cannot be read: {e.Message}"));
            }
        }
    }

    private static void CheckLocalizations(IReadOnlyList<PassModelFile> files, List<PassProblem> problems)
    {
        var byLanguage = files.Where(f => f.Language is not null).GroupBy(f => f.Language!, StringComparer.Ordinal).ToList();
        if (byLanguage.Count == 0)
            return;

        foreach (var file in files.Where(f => f.Language is not null && f.IsImage))
        {
            if (files.Any(f => f.Language is null && f.Path == file.FileName))
                problems.Add(PassProblem.Warning(file.Path, "", PassRules.Localization,
                    $"{file.FileName} exists at the top level too, and the top-level image wins over the localized one"));
        }

        var keySets = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var group in byLanguage)
        {
            var strings = group.FirstOrDefault(f => f.FileName == "pass.strings");
            if (strings is null)
                continue;
            try
            {
                keySets[group.Key] = StringsFile.Parse(strings.Content.Span).Keys.ToHashSet(StringComparer.Ordinal);
            }
            catch (FormatException)
            {
                // reported by CheckStrings
            }
        }
        var allKeys = keySets.Values.SelectMany(k => k).ToHashSet(StringComparer.Ordinal);
        foreach (var (language, keys) in keySets)
        {
            var missing = allKeys.Except(keys).Order(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
                problems.Add(PassProblem.Warning($"{language}.lproj/pass.strings", "", PassRules.Localization,
                    $"{language}.lproj/pass.strings lacks keys other languages have: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")}"));
        }

        var imageSets = byLanguage.ToDictionary(g => g.Key, g => g.Where(f => f.IsImage).Select(f => f.FileName).ToHashSet(StringComparer.Ordinal));
        var allImages = imageSets.Values.SelectMany(i => i).ToHashSet(StringComparer.Ordinal);
        foreach (var (language, names) in imageSets)
        {
            var missing = allImages.Except(names).Order(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
                problems.Add(PassProblem.Warning($"{language}.lproj", "", PassRules.Localization,
                    $"{language}.lproj lacks localized images other languages have: {string.Join(", ", missing)}"));
        }
    }

    private static void CheckPersonalization(IReadOnlyList<PassModelFile> files, IReadOnlyList<string> styles, List<PassProblem> problems)
    {
        var file = files.FirstOrDefault(f => f.Path == "personalization.json");
        if (file is null)
            return;
        const string name = "personalization.json";
        if (StrictJson.Check(file.Content.Span) is { } strict)
        {
            problems.Add(PassProblem.Error(name, StrictJson.ToJsonPath(strict.Member), PassRules.Json, $"personalization.json is not acceptable JSON: {strict.Message}"));
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(file.Content);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add(PassProblem.Error(name, "$", PassRules.Personalization, "personalization.json must be a JSON object"));
                return;
            }
            if (!root.TryGetProperty("requiredPersonalizationFields", out var fields) || fields.ValueKind != JsonValueKind.Array || fields.GetArrayLength() == 0)
            {
                problems.Add(PassProblem.Error(name, "$.requiredPersonalizationFields", PassRules.Personalization,
                    $"requiredPersonalizationFields must be a non-empty array of {string.Join(", ", PassJson.PersonalizationDefinition.Fields)}"));
            }
            else
            {
                var i = 0;
                foreach (var field in fields.EnumerateArray())
                {
                    if (field.ValueKind != JsonValueKind.String || !PassJson.PersonalizationDefinition.Fields.Contains(field.GetString()))
                        problems.Add(PassProblem.Error(name, $"$.requiredPersonalizationFields[{i}]", PassRules.Personalization,
                            $"{field.GetRawText()} is not one of {string.Join(", ", PassJson.PersonalizationDefinition.Fields)}"));
                    i++;
                }
            }
            if (!root.TryGetProperty("description", out var description) || description.ValueKind != JsonValueKind.String)
                problems.Add(PassProblem.Error(name, "$.description", PassRules.Personalization, "personalization.json needs a description string"));
            if (root.TryGetProperty("termsAndConditions", out var terms) && terms.ValueKind != JsonValueKind.String)
                problems.Add(PassProblem.Error(name, "$.termsAndConditions", PassRules.Personalization, "termsAndConditions must be a string"));
        }
        catch (JsonException e)
        {
            problems.Add(PassProblem.Error(name, "$", PassRules.Json, $"personalization.json is not valid JSON: {e.Message}"));
        }
        if (!files.Any(f => f.Path == "personalizationLogo.png"))
            problems.Add(PassProblem.Error("personalizationLogo.png", "", PassRules.Personalization, "a personalizable pass needs personalizationLogo.png (150×40 points)"));
        if (styles.Count > 0 && !styles.Contains("storeCard"))
            problems.Add(PassProblem.Warning(name, "", PassRules.Personalization, "rewards enrollment (personalization) only works for store cards with NFC"));
    }

    private static ImageSlot? Slot(string name, string style) => name switch
    {
        "icon" => new ImageSlot(29, 29, false),
        "logo" => new ImageSlot(160, 50, true),
        "thumbnail" => new ImageSlot(90, 90, true),
        "background" => new ImageSlot(180, 220, false),
        "footer" => new ImageSlot(286, 15, true),
        "personalizationLogo" => new ImageSlot(150, 40, true),
        "strip" => style switch
        {
            "eventTicket" => new ImageSlot(375, 98, false),
            "coupon" or "storeCard" => new ImageSlot(375, 144, false),
            _ => new ImageSlot(375, 123, false),
        },
        _ => null,
    };

    private static void CheckSize(string path, PngInfo info, ImageSlot slot, int scale, List<PassProblem> problems)
    {
        int w = slot.Width * scale, h = slot.Height * scale;
        if (slot.Maximum)
        {
            if (info.Width > w || info.Height > h)
                problems.Add(PassProblem.Warning(path, "", PassRules.ImageSize, $"{path} is {info.Width}×{info.Height}; at {scale}x it should fit within {w}×{h}"));
        }
        else if (info.Width != w || info.Height != h)
        {
            // Apple's newer layouts use other sizes (pass-builder: icon 38, strip 375×144): only flag far-off images.
            var ratio = (double)info.Width / info.Height / ((double)w / h);
            if (ratio is < 0.8 or > 1.25 || info.Width < w / 2 || info.Width > w * 2)
                problems.Add(PassProblem.Warning(path, "", PassRules.ImageSize, $"{path} is {info.Width}×{info.Height}; at {scale}x Wallet lays it out in {w}×{h} and will crop or scale it"));
        }
    }

    internal static (string Name, int Scale) ParseImageName(string path)
    {
        var file = path[(path.LastIndexOf('/') + 1)..^".png".Length];
        if (file.EndsWith("@2x", StringComparison.Ordinal))
            return (file[..^3], 2);
        if (file.EndsWith("@3x", StringComparison.Ordinal))
            return (file[..^3], 3);
        return (file, 1);
    }
}
