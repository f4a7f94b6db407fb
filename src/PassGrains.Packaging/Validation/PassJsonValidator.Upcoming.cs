using System.Text.Json;
using System.Text.RegularExpressions;

namespace PassGrains.Packaging.Validation;

/// <summary>
/// <c>upcomingPassInformation</c> (iOS 26): the further events of a multi-event poster event ticket, each with a details
/// view and an event guide of its own. An entry inherits nothing from the pass, so its fields, semantic dates, links and
/// App Store ids are held to the rules of the pass's own, and its field keys are unique within the entry (it may repeat
/// the pass's keys, as posterGeneric may repeat the legacy style's).
/// </summary>
public static partial class PassJsonValidator
{
    /// <summary>
    /// Apple sets no number. Every update is downloaded whole by every device that holds the pass (docs/wallet-protocol.md,
    /// "A pass is replaced whole"), so a generated list gone wrong (an entry for each day of a year) costs every device on
    /// every update. 100 holds the longest real season ticket: the 81 home games of a baseball season, with the play-offs.
    /// </summary>
    internal const int MaxUpcomingEntries = 100;

    /// <summary>Apple's limit for one image file of an upcoming event: 2 megabytes, which Apple counts as 2,097,152 bytes.</summary>
    internal const int MaxUpcomingImageBytes = 2 * 1024 * 1024;

    /// <summary>
    /// Wallet takes the one URL entry that best matches the device's scale (1x to 3x, iPhone and Apple Watch); a list longer
    /// than this is a mistake, not more choice.
    /// </summary>
    internal const int MaxUpcomingImageUrls = 8;

    /// <summary>The style name <see cref="CheckField"/> is given for the fields of an upcoming event.</summary>
    private const string UpcomingEntryStyle = "upcomingPassInformation";

    /// <summary>The links of an upcoming event's event guide: the pass's own event guide links (<see cref="LinkKeys"/>), one per event.</summary>
    private static readonly string[] UpcomingLinkKeys =
    [
        "accessibilityURL", "addOnURL", "bagPolicyURL", "contactVenueWebsite", "directionsInformationURL", "merchandiseURL",
        "orderFoodURL", "parkingInformationURL", "purchaseParkingURL", "sellURL", "transferURL", "transitInformationURL",
    ];

    /// <summary>Members of an upcoming event's URLs that are not links: Wallet offers to write or call.</summary>
    private static readonly string[] UpcomingContactKeys = ["contactVenueEmail", "contactVenuePhoneNumber"];

    private static readonly string[] UpcomingImageSlots = ["headerImage", "venueMap"];
    private static readonly string[] UpcomingDateFlags = ["ignoreTimeComponents", "isAllDay", "isUnannounced", "isUndetermined"];
    private static readonly string[] UpcomingFieldLists = ["backFields", "additionalInfoFields"];

    [GeneratedRegex("^[0-9a-fA-F]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();

    private static void CheckUpcomingPassInformation(JsonElement root, List<string> styles, List<PassProblem> problems)
    {
        const string path = "$.upcomingPassInformation";
        if (!root.TryGetProperty("upcomingPassInformation", out var entries))
            return;
        if (entries.ValueKind != JsonValueKind.Array)
        {
            problems.Add(Error(path, PassRules.UpcomingPassInformation,
                $"upcomingPassInformation must be an array of events ({{\"identifier\", \"name\", \"type\": \"event\", ...}}), not {Describe(entries)}."));
            return;
        }
        var count = entries.GetArrayLength();
        if (count > MaxUpcomingEntries)
            problems.Add(Error(path, PassRules.UpcomingPassInformation,
                $"upcomingPassInformation has {count} events; keep at most {MaxUpcomingEntries} (every device downloads them all on every update), and remove events that are over."));
        // Wallet shows upcoming events on poster event tickets only; on any other pass they are dropped without a word.
        if (count > 0 && !(styles.Contains("eventTicket") && AsksForPosterEventTicket(root)))
            problems.Add(Warning(path, PassRules.UpcomingPassInformation,
                "upcomingPassInformation shows only on poster event tickets: an eventTicket whose preferredStyleSchemes has posterEventTicket. Wallet ignores it on this pass."));

        var identifiers = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var entry in entries.EnumerateArray())
            CheckUpcomingEntry(entry, $"{path}[{i++}]", identifiers, problems);
    }

    private static void CheckUpcomingEntry(JsonElement entry, string path, Dictionary<string, string> identifiers, List<PassProblem> problems)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error(path, PassRules.UpcomingPassInformation,
                $"An upcoming event must be an object with identifier, name and type \"event\", not {Describe(entry)}."));
            return;
        }

        if (!entry.TryGetProperty("identifier", out var identifier) || identifier.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(identifier.GetString()))
        {
            problems.Add(Error($"{path}.identifier", PassRules.Required, "An upcoming event needs identifier: a non-empty string that no other upcoming event of the pass uses."));
        }
        else if (identifiers.TryGetValue(identifier.GetString()!, out var first))
        {
            problems.Add(Error($"{path}.identifier", PassRules.UpcomingIdentifierUnique,
                $"identifier '{identifier.GetString()}' is already used at {first}; give each upcoming event an identifier of its own."));
        }
        else
        {
            identifiers[identifier.GetString()!] = path;
        }

        if (!entry.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
            problems.Add(Error($"{path}.name", PassRules.Required, "An upcoming event needs name: a non-empty string, the name Wallet shows for the event."));

        if (!entry.TryGetProperty("type", out var type))
            problems.Add(Error($"{path}.type", PassRules.Required, "An upcoming event needs type; set it to \"event\", the only type Wallet supports."));
        else if (type.ValueKind != JsonValueKind.String || type.GetString() != "event")
            problems.Add(Error($"{path}.type", PassRules.UpcomingPassInformation, $"type {type.GetRawText()} is not a type of upcoming event; set it to \"event\", the only type Wallet supports."));

        if (entry.TryGetProperty("isActive", out var active) && active.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            problems.Add(Error($"{path}.isActive", PassRules.Type, $"isActive must be true or false, not {active.GetRawText()}."));

        if (entry.TryGetProperty("dateInformation", out var date))
            CheckUpcomingDate(date, $"{path}.dateInformation", problems);

        if (entry.TryGetProperty("semantics", out var semantics))
        {
            if (semantics.ValueKind != JsonValueKind.Object)
                problems.Add(Error($"{path}.semantics", PassRules.Type, $"semantics must be an object of semantic tags, like the pass's own, not {Describe(semantics)}."));
            else
            {
                CheckSemanticDates(semantics, $"{path}.semantics", problems);
                CheckSemanticTagTypes(semantics, $"{path}.semantics", problems);
            }
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var list in UpcomingFieldLists)
        {
            if (!entry.TryGetProperty(list, out var fields))
                continue;
            var listPath = $"{path}.{list}";
            if (fields.ValueKind != JsonValueKind.Array)
            {
                problems.Add(Error(listPath, PassRules.Type, $"{list} must be an array of fields, like the pass's own {list}."));
                continue;
            }
            var index = 0;
            foreach (var field in fields.EnumerateArray())
                CheckField(field, $"{listPath}[{index++}]", UpcomingEntryStyle, list, seen, problems);
        }

        if (entry.TryGetProperty("URLs", out var urls))
            CheckUpcomingUrls(urls, $"{path}.URLs", problems);

        if (entry.TryGetProperty("images", out var images))
            CheckUpcomingImages(images, $"{path}.images", problems);

        CheckStoreIdentifiers(entry, path, "auxiliaryStoreIdentifiers", problems);
    }

    private static void CheckUpcomingDate(JsonElement information, string path, List<PassProblem> problems)
    {
        if (information.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error(path, PassRules.Type,
                $"dateInformation must be an object such as {{\"date\": \"2026-12-31T20:00+01:00\", \"timeZone\": \"Europe/Berlin\"}}, not {Describe(information)}; leave it out for an event whose date is to be decided."));
            return;
        }
        if (information.TryGetProperty("date", out var date))
            CheckDate(date, $"{path}.date", problems);
        foreach (var flag in UpcomingDateFlags)
        {
            if (information.TryGetProperty(flag, out var value) && value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                problems.Add(Error($"{path}.{flag}", PassRules.Type, $"{flag} must be true or false, not {value.GetRawText()}."));
        }
        if (information.TryGetProperty("timeZone", out var zone) && (zone.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(zone.GetString())))
            problems.Add(Error($"{path}.timeZone", PassRules.Type, $"timeZone must be the name of a time zone such as \"Europe/Berlin\", not {Describe(zone)}."));
    }

    private static void CheckUpcomingUrls(JsonElement urls, string path, List<PassProblem> problems)
    {
        if (urls.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error(path, PassRules.Type, $"URLs must be an object of links such as {{\"bagPolicyURL\": \"https://...\"}}, not {Describe(urls)}."));
            return;
        }
        foreach (var member in urls.EnumerateObject())
        {
            var memberPath = $"{path}.{member.Name}";
            if (UpcomingLinkKeys.Contains(member.Name))
            {
                CheckLink(member.Value, memberPath, member.Name, problems);
            }
            else if (UpcomingContactKeys.Contains(member.Name))
            {
                if (member.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(member.Value.GetString()))
                    problems.Add(Error(memberPath, PassRules.Type, $"{member.Name} must be a non-empty string (Wallet offers it to contact the venue), not {Describe(member.Value)}."));
            }
            else
            {
                // A misspelt link (bagPolicyUrl) is no button, and nothing else says so.
                problems.Add(Warning(memberPath, PassRules.UpcomingPassInformation,
                    $"Wallet reads no {member.Name} in an upcoming event's URLs; it reads {string.Join(", ", UpcomingLinkKeys.Concat(UpcomingContactKeys))}."));
            }
        }
    }

    private static void CheckUpcomingImages(JsonElement images, string path, List<PassProblem> problems)
    {
        if (images.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error(path, PassRules.Type, $"images must be an object with headerImage and/or venueMap, not {Describe(images)}."));
            return;
        }
        foreach (var member in images.EnumerateObject())
        {
            var imagePath = $"{path}.{member.Name}";
            if (UpcomingImageSlots.Contains(member.Name))
                CheckUpcomingImage(member.Value, imagePath, member.Name, problems);
            else
                problems.Add(Warning(imagePath, PassRules.UpcomingImage, $"Wallet shows no image {member.Name} for an upcoming event; its images are headerImage and venueMap."));
        }
    }

    private static void CheckUpcomingImage(JsonElement image, string path, string slot, List<PassProblem> problems)
    {
        if (image.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error(path, PassRules.UpcomingImage,
                $"{slot} must be an object: {{\"URLs\": [{{\"URL\": \"https://...\", \"SHA256\": \"...\"}}]}}, or {{\"reuseExisting\": true}}; not {Describe(image)}."));
            return;
        }
        var hasReuse = image.TryGetProperty("reuseExisting", out var reuse);
        if (hasReuse && reuse.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            problems.Add(Error($"{path}.reuseExisting", PassRules.Type, $"reuseExisting must be true or false, not {reuse.GetRawText()}."));
        var reuses = hasReuse && reuse.ValueKind == JsonValueKind.True;

        var urlsPath = $"{path}.URLs";
        if (!image.TryGetProperty("URLs", out var urls))
        {
            if (!reuses)
                problems.Add(Error(urlsPath, PassRules.UpcomingImage,
                    $"{slot} has no URLs: list the image's files ([{{\"URL\": \"https://...\", \"SHA256\": \"...\"}}]), or set reuseExisting to true to use the image the pass has."));
            return;
        }
        if (urls.ValueKind != JsonValueKind.Array)
        {
            problems.Add(Error(urlsPath, PassRules.UpcomingImage, $"URLs must be an array of {{URL, SHA256, scale, size}} objects, not {Describe(urls)}."));
            return;
        }
        var count = urls.GetArrayLength();
        if (count == 0 && !reuses)
            problems.Add(Error(urlsPath, PassRules.UpcomingImage, $"{slot}.URLs is empty: list the image's files, or set reuseExisting to true to use the image the pass has."));
        if (count > MaxUpcomingImageUrls)
            problems.Add(Error(urlsPath, PassRules.UpcomingImage,
                $"{slot}.URLs has {count} entries; Wallet takes the one that best matches the device's scale, so list one per scale (at most {MaxUpcomingImageUrls})."));
        var i = 0;
        foreach (var entry in urls.EnumerateArray())
            CheckUpcomingImageUrl(entry, $"{urlsPath}[{i++}]", problems);
    }

    private static void CheckUpcomingImageUrl(JsonElement entry, string path, List<PassProblem> problems)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            problems.Add(Error(path, PassRules.UpcomingImage, $"An image URL entry must be an object: {{\"URL\": \"https://...\", \"SHA256\": \"<64 hex digits>\"}}, not {Describe(entry)}."));
            return;
        }

        if (!entry.TryGetProperty("URL", out var url))
            problems.Add(Error($"{path}.URL", PassRules.Required, "An image URL entry needs URL: the https address Wallet downloads the image from."));
        else
            CheckLink(url, $"{path}.URL", "URL", problems, httpsOnly: true);

        if (!entry.TryGetProperty("SHA256", out var hash))
        {
            problems.Add(Error($"{path}.SHA256", PassRules.Required, "An image URL entry needs SHA256: the SHA-256 of the image file in 64 hexadecimal digits (as sha256sum prints it)."));
        }
        else if (hash.ValueKind != JsonValueKind.String || !Sha256Hex().IsMatch(hash.GetString()!))
        {
            // 32 bytes in Base64 is 44 characters: the hash in the wrong encoding, not a wrong hash.
            var hint = hash.ValueKind == JsonValueKind.String && hash.GetString()!.Length == 44 && IsBase64(hash.GetString()!)
                ? " It looks like Base64; write the same hash in hexadecimal." : "";
            problems.Add(Error($"{path}.SHA256", PassRules.UpcomingImage,
                $"SHA256 {hash.GetRawText()} is not a SHA-256 in 64 hexadecimal digits; give the image file's hash as sha256sum prints it.{hint}"));
        }

        if (entry.TryGetProperty("size", out var size))
        {
            if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var bytes) || bytes <= 0)
                problems.Add(Error($"{path}.size", PassRules.UpcomingImage, $"size must be the image file's size in bytes, a positive whole number, not {size.GetRawText()}."));
            else if (bytes > MaxUpcomingImageBytes)
                problems.Add(Error($"{path}.size", PassRules.UpcomingImage,
                    $"size says the image is {bytes} bytes; Apple allows at most {MaxUpcomingImageBytes} bytes (2 MB) for an image of an upcoming event, so shrink or recompress it."));
        }

        if (entry.TryGetProperty("scale", out var scale) && (scale.ValueKind != JsonValueKind.Number || scale.GetDouble() <= 0))
            problems.Add(Error($"{path}.scale", PassRules.UpcomingImage, $"scale must be a positive number, the image's scale (1, 2 or 3; 1 when left out), not {scale.GetRawText()}."));
    }
}
