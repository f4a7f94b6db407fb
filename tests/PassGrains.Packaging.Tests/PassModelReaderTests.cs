using System.IO.Compression;
using System.Text;
using PassGrains.Packaging.PassModels;
using PassGrains.Packaging.Validation;

namespace PassGrains.Packaging.Tests;

/// <summary>Pass models (templates) read from folders and uploaded zips: images, localizations and hostile input.</summary>
public sealed class PassModelReaderTests
{
    private static List<(string Name, byte[] Data)> ValidEntries() =>
    [
        ("pass.json", PassJson.BaseBytes),
        ("icon.png", Png.Icon1x),
        ("icon@2x.png", Png.Icon2x),
        ("icon@3x.png", Png.Icon3x),
    ];

    private static PassModelReadResult FromZip(byte[] zip, PassModelLimits? limits = null)
    {
        using var stream = new MemoryStream(zip);
        return PassModelReader.ReadZip(stream, limits);
    }

    private static PassModelReadResult FromZip(IEnumerable<(string Name, byte[] Data)> entries, PassModelLimits? limits = null) =>
        FromZip(Zip.Create(entries), limits);

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Every_sample_model_loads_without_errors(string name)
    {
        var result = PassModelReader.Read(TestPaths.Model(name));
        result.Problems.AssertNoErrors();
        Assert.True(result.Succeeded);
        Assert.NotNull(result.Model!.Find("icon.png"));
        Assert.DoesNotContain(result.Model.Files, f => f.Path == "pass.json");
    }

    public static TheoryData<string> ModelNames => new(TestPaths.ModelNames);

    [Fact]
    public void A_minimal_model_loads_with_no_problems()
    {
        var result = PassModelReader.FromEntries(ValidEntries());
        Assert.True(result.Succeeded, result.Problems.Describe());
        Assert.Empty(result.Problems);
        Assert.Equal(["icon.png", "icon@2x.png", "icon@3x.png"], result.Model!.Files.Select(f => f.Path));
        Assert.Equal(PassJson.BaseBytes, result.Model.PassJson.ToArray());
    }

    [Fact]
    public void A_model_folder_and_a_zip_of_its_contents_give_the_same_model()
    {
        var folder = TestPaths.Model("storecard");
        var fromFolder = PassModel.Load(folder);
        var entries = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => (Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllBytes(f)));
        using var zip = new MemoryStream(Zip.Create(entries));
        var fromZip = PassModel.FromZip(zip);

        Assert.Equal(fromFolder.Files.Select(f => f.Path), fromZip.Files.Select(f => f.Path));
        Assert.Equal(["en", "fr"], fromZip.Languages.Order(StringComparer.Ordinal));
        Assert.Contains("fr.lproj/pass.strings", fromZip.Files.Select(f => f.Path));
    }

    [Fact]
    public void A_missing_icon_is_an_error()
    {
        var entries = ValidEntries().Where(e => !e.Name.StartsWith("icon", StringComparison.Ordinal)).ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.Icon, "icon.png");
        Assert.Contains("icon.png", problem.Message, StringComparison.Ordinal);
        Assert.Throws<PassValidationException>(() => result.GetModelOrThrow());
    }

    [Fact]
    public void An_icon_only_inside_an_lproj_folder_is_an_error()
    {
        var entries = ValidEntries().Where(e => e.Name != "icon.png").Append(("en.lproj/icon.png", Png.Icon1x)).ToList();
        var problem = PassModelReader.FromEntries(entries).Problems.AssertError(PassRules.Icon, "icon.png");
        Assert.Contains("top level", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_high_resolution_icons_are_warnings()
    {
        var result = PassModelReader.FromEntries(ValidEntries().Where(e => e.Name is "pass.json" or "icon.png").ToList());
        Assert.True(result.Succeeded);
        result.Problems.AssertWarning(PassRules.Icon, "icon@2x.png");
        result.Problems.AssertWarning(PassRules.Icon, "icon@3x.png");
    }

    [Theory]
    [InlineData("logo.png")]
    [InlineData("icon.png")]
    [InlineData("en.lproj/logo.png")]
    public void A_png_that_is_not_a_png_is_an_error(string name)
    {
        var entries = ValidEntries().Where(e => e.Name != name).Append((name, "GIF89a this is a gif"u8.ToArray())).ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.Image, name);
        Assert.Contains("PNG", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_jpeg_renamed_to_png_is_an_error()
    {
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        var entries = ValidEntries().Append(("logo.png", jpeg)).ToList();
        PassModelReader.FromEntries(entries).Problems.AssertError(PassRules.Image, "logo.png");
    }

    [Theory]
    [InlineData("logo.png", 400, 200)]        // logo is at most 160×50
    [InlineData("logo@2x.png", 400, 120)]     // at most 320×100
    [InlineData("strip.png", 100, 300)]       // event ticket strip 375×98
    [InlineData("thumbnail.png", 200, 200)]   // at most 90×90
    [InlineData("background.png", 30, 30)]   // 180×220
    public void Badly_sized_images_are_warnings_not_errors(string name, int width, int height)
    {
        var entries = ValidEntries().Append((name, Png.Create(width, height))).ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.True(result.Succeeded, result.Problems.Describe());
        var warning = result.Problems.AssertWarning(PassRules.ImageSize, name);
        Assert.Contains($"{width}×{height}", warning.Message, StringComparison.Ordinal);
        Assert.Contains(warning, result.Model!.Warnings);
    }

    [Fact]
    public void Well_sized_images_give_no_size_warnings()
    {
        var entries = ValidEntries()
            .Append(("logo.png", Png.Create(120, 40)))
            .Append(("logo@2x.png", Png.Create(240, 80)))
            .Append(("strip.png", Png.Create(375, 98)))
            .Append(("thumbnail.png", Png.Create(90, 90)))
            .ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.True(result.Succeeded);
        Assert.DoesNotContain(result.Problems, p => p.Rule == PassRules.ImageSize);
    }

    [Fact]
    public void A_2x_image_that_is_not_twice_the_1x_image_is_a_warning()
    {
        var entries = ValidEntries().Append(("logo.png", Png.Create(100, 40))).Append(("logo@2x.png", Png.Create(150, 60))).ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.True(result.Succeeded);
        result.Problems.AssertWarning(PassRules.ImageSize, "logo@2x.png");
    }

    [Fact]
    public void An_image_the_style_does_not_show_is_a_warning()
    {
        // an event ticket has no footer (boarding passes only)
        var result = PassModelReader.FromEntries(ValidEntries().Append(("footer.png", Png.Create(286, 15))).ToList());
        Assert.True(result.Succeeded);
        result.Problems.AssertWarning(PassRules.Image, "footer.png");
    }

    // ---- hostile uploads ----

    [Theory]
    [InlineData("../evil.png", "'..'")]
    [InlineData("en.lproj/../../evil.png", "'..'")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("C:/Windows/evil.png", "absolute")]
    [InlineData("en.lproj\\logo.png", "backslash")]
    [InlineData("icon\u0001.png", "control characters")]
    public void A_zip_entry_with_a_dangerous_name_is_refused(string name, string reason)
    {
        var result = FromZip(ValidEntries().Append((name, Png.Icon1x)));
        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.ModelEntry);
        Assert.Contains(reason, problem.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("tooling.json", "Apple's pass tools")]
    [InlineData("foo/bar.png", "localization folders")]
    [InlineData("en.lproj/sub/logo.png", "localization folders")]
    [InlineData("run.sh", "Wallet does not read 'run.sh'")]
    [InlineData("logo.jpg", "PNG images")]
    [InlineData("en.lproj/run.sh", "a localization folder holds")]
    [InlineData("manifest.json", "generated when the pass is signed")]
    [InlineData("signature", "generated when the pass is signed")]
    public void A_file_Wallet_does_not_read_is_left_out_of_the_model_with_a_warning(string name, string reason)
    {
        var result = FromZip(ValidEntries().Append((name, "{}"u8.ToArray())));
        Assert.True(result.Succeeded, result.Problems.Describe());
        var warning = result.Problems.AssertWarning(PassRules.ModelEntry, name);
        Assert.Contains(reason, warning.Message, StringComparison.Ordinal);
        Assert.Contains("left out of the signed pass", warning.Message, StringComparison.Ordinal);
        Assert.Equal(["icon.png", "icon@2x.png", "icon@3x.png"], result.Model!.Files.Select(f => f.Path));
    }

    [Fact]
    public void A_model_made_with_Apples_tools_signs_without_its_tooling_json()
    {
        // As Apple's pass tools export a template: the model's files, tooling.json beside them, all in the pass's folder.
        var tooling = """{"version":1,"tool":"Pass Designer","style":"eventTicket"}"""u8.ToArray();
        var entries = ValidEntries().Select(e => ($"Concert.pass/{e.Name}", e.Data)).Append(("Concert.pass/tooling.json", tooling));
        var result = FromZip(entries);
        Assert.True(result.Succeeded, result.Problems.Describe());
        result.Problems.AssertWarning(PassRules.ModelEntry, "tooling.json");

        var pass = TestChains.Packager.Build(Building.CompiledPassTemplate.Compile(result.Model!), "S-1");
        using var zip = new ZipArchive(new MemoryStream(pass.ToArray()), ZipArchiveMode.Read);
        Assert.Equal(["icon.png", "icon@2x.png", "icon@3x.png", "manifest.json", "pass.json", "signature"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("tooling", Encoding.UTF8.GetString(pass.Manifest), StringComparison.Ordinal);
    }

    [Fact]
    public void A_pass_json_saved_with_a_byte_order_mark_is_repaired_with_a_warning()
    {
        var withMark = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(PassJson.BaseBytes).ToArray();
        var result = FromZip(ValidEntries().Where(e => e.Name != "pass.json").Append(("pass.json", withMark)));
        Assert.True(result.Succeeded, result.Problems.Describe());
        var warning = result.Problems.AssertWarning(PassRules.Json, "pass.json");
        Assert.Contains("byte-order mark", warning.Message, StringComparison.Ordinal);
        Assert.Equal(PassJson.BaseBytes, result.Model!.PassJson.ToArray());

        var pass = TestChains.Packager.Build(Building.CompiledPassTemplate.Compile(result.Model), "S-1");
        Assert.Equal((byte)'{', pass.PassJson[0]);
        Assert.DoesNotContain(PassJsonValidator.Validate(pass.PassJson), p => p.IsError);
    }

    [Fact]
    public void A_poster_event_ticket_model_without_artwork_is_warned_that_Wallet_falls_back()
    {
        var poster = PassJson.PatchedBytes("{'preferredStyleSchemes': ['posterEventTicket', 'eventTicket'], " +
            "'semantics': {'eventName': 'Concert', 'venueName': 'Main Hall', 'venueRegionName': 'Berlin', 'venueRoom': 'Hall A'}}");
        var entries = ValidEntries().Where(e => e.Name != "pass.json").Append(("pass.json", poster)).ToList();

        var without = PassModelReader.FromEntries(entries);
        Assert.True(without.Succeeded, without.Problems.Describe());
        var warning = without.Problems.AssertWarning(PassRules.PosterEventTicket, "pass.json");
        Assert.Contains("artwork.png", warning.Message, StringComparison.Ordinal);
        Assert.Contains("classic event ticket", warning.Message, StringComparison.Ordinal);

        var with = PassModelReader.FromEntries([.. entries, ("artwork@2x.png", Png.Create(750, 1000))]);
        Assert.True(with.Succeeded, with.Problems.Describe());
        Assert.DoesNotContain(with.Problems, p => p.Rule == PassRules.PosterEventTicket);
    }

    [Fact]
    public void A_signed_pass_json_with_a_byte_order_mark_is_refused_naming_the_mark()
    {
        var withMark = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(PassJson.BaseBytes).ToArray();
        var problem = Assert.Single(PassJsonValidator.Validate(withMark), p => p.IsError);
        Assert.Equal(PassRules.Json, problem.Rule);
        Assert.Contains("byte-order mark", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_entries_are_refused()
    {
        var entries = ValidEntries().Concat(Enumerable.Range(0, 10).Select(i => ($"logo{i}.png", Png.Icon1x)));
        var result = FromZip(entries, new PassModelLimits { MaxEntries = 8 });
        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.ModelLimit);
        Assert.Contains("8", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_file_is_refused_and_named()
    {
        var big = Png.Create(400, 400);
        var limits = new PassModelLimits { MaxFileBytes = 1024 };
        Assert.True(big.Length > 1024);
        var result = FromZip(ValidEntries().Append(("background.png", big)), limits);
        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.ModelLimit);
        Assert.Contains("background.png", problem.File + problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_pass_json_is_refused()
    {
        var padded = PassJson.Patched("{}");
        padded["userInfo"] = new string('x', 4000);
        var entries = ValidEntries().Where(e => e.Name != "pass.json").Append(("pass.json", Encoding.UTF8.GetBytes(padded.ToJsonString())));
        var result = FromZip(entries, new PassModelLimits { MaxJsonBytes = 2000 });
        Assert.False(result.Succeeded);
        result.Problems.AssertError(PassRules.ModelLimit, "pass.json");
    }

    [Fact]
    public void A_model_larger_than_the_total_limit_is_refused()
    {
        var entries = ValidEntries().Concat(Enumerable.Range(0, 5).Select(i => ($"en.lproj/logo{i}.png", Png.Create(300, 300))));
        var result = FromZip(entries, new PassModelLimits { MaxFileBytes = 100_000, MaxTotalBytes = 2_000 });
        Assert.False(result.Succeeded);
        result.Problems.AssertError(PassRules.ModelLimit);
    }

    [Fact]
    public void A_zip_bomb_is_refused_without_unpacking_it()
    {
        // 256 MB of zeros deflates to about 256 KB
        var bomb = Zip.WithBomb(ValidEntries(), "background.png", 256L * 1024 * 1024);
        Assert.True(bomb.Length < 1024 * 1024);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = FromZip(bomb);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.ModelLimit);
        Assert.Contains("background.png", problem.File + problem.Message, StringComparison.Ordinal);
        Assert.True(allocated < 32L * 1024 * 1024, $"reading the bomb allocated {allocated / 1024 / 1024} MB");
    }

    [Fact]
    public void A_zip_bomb_that_lies_about_its_size_is_refused_without_unpacking_it()
    {
        // the central directory and local header say 100 bytes; the data unpacks to 64 MB
        var lying = Zip.LieAboutSize(Zip.WithBomb(ValidEntries(), "background.png", 64L * 1024 * 1024), "background.png", 100);
        var limits = new PassModelLimits { MaxFileBytes = 1024 * 1024, MaxTotalBytes = 4 * 1024 * 1024 };

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = FromZip(lying, limits);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(result.Succeeded);
        var problem = result.Problems.FirstOrDefault(p => p.IsError);
        Assert.True(problem is not null && (problem.File + problem.Message).Contains("background.png", StringComparison.Ordinal), result.Problems.Describe());
        Assert.True(allocated < 16L * 1024 * 1024, $"reading the bomb allocated {allocated / 1024 / 1024} MB");
    }

    [Theory]
    [InlineData("not a zip at all")]
    [InlineData("")]
    [InlineData("PK\u0003\u0004 truncated local header")]
    public void An_upload_that_is_not_a_zip_is_refused_with_a_clear_message(string content)
    {
        var result = FromZip(Encoding.ASCII.GetBytes(content));
        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.Zip);
        Assert.Contains("zip", problem.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_truncated_zip_is_refused_with_a_clear_message()
    {
        var zip = Zip.Create(ValidEntries());
        var result = FromZip(zip[..(zip.Length / 2)]);
        Assert.False(result.Succeeded);
        result.Problems.AssertError(PassRules.Zip);
    }

    [Fact]
    public void A_zip_with_corrupted_data_is_refused_with_a_clear_message()
    {
        var zip = Zip.Create([("pass.json", PassJson.BaseBytes), ("icon.png", Png.Icon1x)], CompressionLevel.Optimal);
        var headers = Zip.LocalHeaders(zip);
        // flip bytes inside the deflated pass.json data (just after its 30-byte header and name)
        var dataStart = 30 + "pass.json".Length;
        for (var i = dataStart + 5; i < dataStart + 40; i++)
            zip[i] ^= 0x5A;
        Assert.Equal("pass.json", headers[0].Name);
        var result = FromZip(zip);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Problems, p => p.IsError && p.Rule is PassRules.Zip or PassRules.Json);
    }

    [Theory]
    [InlineData("icon.png", "icon.png")]
    [InlineData("icon.png", "Icon.png")]
    [InlineData("pass.json", "pass.json")]
    public void Duplicate_names_are_refused(string first, string second)
    {
        var entries = ValidEntries().Where(e => e.Name != first).ToList();
        var data = first == "pass.json" ? PassJson.BaseBytes : Png.Icon1x;
        entries.Add((first, data));
        entries.Add((second, data));
        var result = FromZip(entries);
        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.ModelEntry);
        Assert.Contains("twice", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Operating_system_metadata_is_ignored_with_a_warning()
    {
        var entries = ValidEntries()
            .Append((".DS_Store", new byte[] { 0, 0, 0, 1, (byte)'B', (byte)'u', (byte)'d', (byte)'1' }))
            .Append(("__MACOSX/._icon.png", new byte[] { 0, 5, 22, 7 }))
            .Append(("en.lproj/.DS_Store", new byte[] { 0, 0, 0, 1 }));
        var result = FromZip(entries);
        Assert.True(result.Succeeded, result.Problems.Describe());
        result.Problems.AssertWarning(PassRules.ModelEntry, ".DS_Store");
        result.Problems.AssertWarning(PassRules.ModelEntry, "__MACOSX/._icon.png");
        Assert.DoesNotContain(result.Model!.Files, f => f.Path.Contains("DS_Store", StringComparison.Ordinal) || f.Path.Contains("MACOSX", StringComparison.Ordinal));
        Assert.Empty(result.Model.Languages);
    }

    [Fact]
    public void A_zip_of_the_folder_is_accepted_with_a_warning()
    {
        var entries = new List<(string, byte[])> { ("Concert.pass/", []) }
            .Concat(ValidEntries().Select(e => ("Concert.pass/" + e.Name, e.Data)))
            .Append(("Concert.pass/en.lproj/pass.strings", "\"EVENT\" = \"Event\";"u8.ToArray()))
            .Append(("__MACOSX/Concert.pass/._pass.json", new byte[] { 0, 5, 22, 7 }));
        var result = FromZip(entries);
        Assert.True(result.Succeeded, result.Problems.Describe());
        var warning = result.Problems.AssertWarning(PassRules.ModelEntry, "Concert.pass");
        Assert.Contains("contents", warning.Message, StringComparison.Ordinal);
        Assert.Equal(["en.lproj/pass.strings", "icon.png", "icon@2x.png", "icon@3x.png"], result.Model!.Files.Select(f => f.Path));
    }

    [Fact]
    public void A_zip_of_the_folder_with_metadata_beside_it_is_accepted_and_names_the_metadata_entries()
    {
        // what Finder's "Compress" plus a stray top-level .DS_Store produce
        var entries = ValidEntries().Select(e => ("Concert.pass/" + e.Name, e.Data))
            .Append(("__MACOSX/Concert.pass/._pass.json", new byte[] { 0, 5, 22, 7 }))
            .Append((".DS_Store", new byte[] { 0, 0, 0, 1 }));
        var result = FromZip(entries);
        Assert.True(result.Succeeded, result.Problems.Describe());
        result.Problems.AssertWarning(PassRules.ModelEntry, "Concert.pass");
        result.Problems.AssertWarning(PassRules.ModelEntry, "__MACOSX/Concert.pass/._pass.json");
        result.Problems.AssertWarning(PassRules.ModelEntry, ".DS_Store");
    }

    [Fact]
    public void A_zip_with_two_top_folders_is_not_unwrapped()
    {
        var entries = ValidEntries().Select(e => ("a/" + e.Name, e.Data)).Append(("b/pass.json", PassJson.BaseBytes));
        var result = FromZip(entries);
        Assert.False(result.Succeeded);
        // Neither folder is taken for the model: both are files Wallet would not read, and the top level has no pass.json.
        result.Problems.AssertError(PassRules.Required, "pass.json");
        result.Problems.AssertWarning(PassRules.ModelEntry, "a/pass.json");
        result.Problems.AssertWarning(PassRules.ModelEntry, "b/pass.json");
    }

    [Fact]
    public void A_model_without_pass_json_is_refused()
    {
        var result = FromZip(ValidEntries().Where(e => e.Name != "pass.json"));
        Assert.False(result.Succeeded);
        result.Problems.AssertError(PassRules.Required, "pass.json");
    }

    [Fact]
    public void Pass_json_errors_are_reported_by_the_model_reader()
    {
        var entries = ValidEntries().Where(e => e.Name != "pass.json")
            .Append(("pass.json", PassJson.PatchedBytes("{'backgroundColor': '#000000'}"))).ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.False(result.Succeeded);
        result.Problems.AssertError(PassRules.Color, "pass.json", "$.backgroundColor");
    }

    [Fact]
    public void Too_many_localizations_are_refused()
    {
        var entries = ValidEntries().Concat(new[] { "de", "fr", "it", "es" }.Select(l => ($"{l}.lproj/pass.strings", "\"A\" = \"B\";"u8.ToArray()))).ToList();
        var result = PassModelReader.FromEntries(entries, new PassModelLimits { MaxLocalizations = 3 });
        Assert.False(result.Succeeded);
        result.Problems.AssertError(PassRules.ModelLimit);
    }

    [Fact]
    public void A_folder_with_a_symbolic_link_is_refused()
    {
        using var dir = new TempDirectory();
        foreach (var (name, data) in ValidEntries())
            dir.Write(name, data);
        File.CreateSymbolicLink(Path.Combine(dir.Path, "logo.png"), "/etc/passwd");
        var result = PassModelReader.Read(dir.Path);
        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.ModelEntry, "logo.png");
        Assert.Contains("symbolic link", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_that_does_not_exist_is_a_clear_error()
    {
        var result = PassModelReader.Read(Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid()));
        Assert.False(result.Succeeded);
        var problem = Assert.Single(result.Problems);
        Assert.Contains("no pass model", problem.Message, StringComparison.Ordinal);
    }

    // ---- personalization ----

    [Fact]
    public void Personalization_needs_valid_fields_and_a_logo()
    {
        var storeCard = PassJson.PatchedBytes("{'eventTicket': null, 'storeCard': {'primaryFields': [{'key': 'points', 'value': 0}]}}");
        var good = "{\"requiredPersonalizationFields\": [\"PKPassPersonalizationFieldName\", \"PKPassPersonalizationFieldEmailAddress\"], \"description\": \"Join our rewards\"}"u8.ToArray();
        var bad = "{\"requiredPersonalizationFields\": [\"PKPassPersonalizationFieldShoeSize\"]}"u8.ToArray();
        List<(string, byte[])> Model(byte[] personalization, bool logo)
        {
            var entries = ValidEntries().Where(e => e.Name != "pass.json").Append(("pass.json", storeCard)).Append(("personalization.json", personalization)).ToList();
            if (logo)
                entries.Add(("personalizationLogo.png", Png.Create(150, 40)));
            return entries;
        }

        PassModelReader.FromEntries(Model(good, logo: true)).Problems.AssertNoErrors();
        PassModelReader.FromEntries(Model(good, logo: false)).Problems.AssertError(PassRules.Personalization, "personalizationLogo.png");
        var problems = PassModelReader.FromEntries(Model(bad, logo: true)).Problems;
        problems.AssertError(PassRules.Personalization, "personalization.json", "$.requiredPersonalizationFields[0]");
        problems.AssertError(PassRules.Personalization, "personalization.json", "$.description");
        PassModelReader.FromEntries(Model("{not json"u8.ToArray(), logo: true)).Problems.AssertError(PassRules.Json, "personalization.json");
    }

    // ---- localizations and .strings ----

    [Fact]
    public void Strings_files_in_utf8_utf16le_and_utf16be_all_parse()
    {
        const string text = "/* Deutsch */\n\"EVENT\" = \"Veranstaltung\";\n\"GREETING\" = \"Grüße \\\"aus\\\" Köln\\n\";\n// done\nUNQUOTED = \"ok\";\n";
        var utf8 = Encoding.UTF8.GetBytes(text);
        var utf8Bom = Encoding.UTF8.GetPreamble().Concat(utf8).ToArray();
        var utf16LeBom = new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes(text)).ToArray();
        var utf16BeBom = new byte[] { 0xFE, 0xFF }.Concat(Encoding.BigEndianUnicode.GetBytes(text)).ToArray();
        var utf16LeNoBom = Encoding.Unicode.GetBytes(text);
        var utf16BeNoBom = Encoding.BigEndianUnicode.GetBytes(text);

        foreach (var data in new[] { utf8, utf8Bom, utf16LeBom, utf16BeBom, utf16LeNoBom, utf16BeNoBom })
        {
            var strings = StringsFile.Parse(data);
            Assert.Equal(3, strings.Count);
            Assert.Equal("Veranstaltung", strings["EVENT"]);
            Assert.Equal("Grüße \"aus\" Köln\n", strings["GREETING"]);
            Assert.Equal("ok", strings["UNQUOTED"]);
        }
    }

    [Fact]
    public void The_sample_utf16_strings_file_parses()
    {
        var path = Path.Combine(TestPaths.Model("storecard"), "fr.lproj", "pass.strings");
        var strings = StringsFile.Parse(File.ReadAllBytes(path));
        Assert.Equal("Points fidélité", strings["POINTS"]);
    }

    [Fact]
    public void Unicode_escapes_in_strings_are_decoded()
    {
        var strings = StringsFile.Parse("\"A\" = \"caf\\U00e9\";"u8);
        Assert.Equal("café", strings["A"]);
    }

    [Theory]
    [InlineData("\"A\" = \"B\";\n\"C\" = \"D\";\n\"E\" = \"F\" x\n", 3)]   // junk instead of ';'
    [InlineData("\"A\" = \"B\";\n\n\"C\" \"D\";\n", 3)]                 // missing '='
    [InlineData("\"A\" = \"B\";\n\"C\" = \"unterminated;", 2)]
    [InlineData("\"A\" = \"B\";\n/* open comment\n\"C\" = \"D\";\n", 2)]
    [InlineData("\"A\" = ;\n", 1)]
    public void Invalid_strings_report_the_line(string text, int line)
    {
        var e = Assert.Throws<FormatException>(() => StringsFile.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Contains($"line {line}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_bytes_in_strings_are_a_format_error()
    {
        byte[] latin1 = [(byte)'"', (byte)'A', (byte)'"', (byte)'=', (byte)'"', 0xE9, 0xE9, 0xE9, (byte)'"', (byte)';', (byte)'\n'];
        var e = Assert.Throws<FormatException>(() => StringsFile.Parse(latin1));
        Assert.Contains("UTF", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_strings_file_in_a_model_is_an_error_with_its_line()
    {
        var entries = ValidEntries().Append(("de.lproj/pass.strings", "\"EVENT\" = \"Konzert\";\n\"GATE\" \"Eingang\";\n\"SEAT\" = \"Platz\";\n"u8.ToArray())).ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.False(result.Succeeded);
        var problem = result.Problems.AssertError(PassRules.Localization, "de.lproj/pass.strings");
        Assert.Contains("line 2", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Localizations_with_different_keys_or_images_get_warnings()
    {
        var entries = ValidEntries()
            .Append(("en.lproj/pass.strings", "\"EVENT\" = \"Event\";\n\"GATE\" = \"Gate\";\n"u8.ToArray()))
            .Append(("de.lproj/pass.strings", "\"EVENT\" = \"Konzert\";\n"u8.ToArray()))
            .Append(("en.lproj/logo.png", Png.Create(100, 40)))
            .ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.True(result.Succeeded, result.Problems.Describe());
        var missingKey = result.Problems.AssertWarning(PassRules.Localization, "de.lproj/pass.strings");
        Assert.Contains("GATE", missingKey.Message, StringComparison.Ordinal);
        var missingImage = result.Problems.AssertWarning(PassRules.Localization, "de.lproj");
        Assert.Contains("logo.png", missingImage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_localized_image_shadowed_by_a_top_level_one_is_a_warning()
    {
        var entries = ValidEntries().Append(("logo.png", Png.Create(100, 40))).Append(("de.lproj/logo.png", Png.Create(100, 40))).ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.True(result.Succeeded);
        result.Problems.AssertWarning(PassRules.Localization, "de.lproj/logo.png");
    }

    [Fact]
    public void Consistent_localizations_have_no_warnings()
    {
        var entries = ValidEntries()
            .Append(("en.lproj/pass.strings", "\"EVENT\" = \"Event\";"u8.ToArray()))
            .Append(("zh-Hans.lproj/pass.strings", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("\"EVENT\" = \"活动\";")).ToArray()))
            .ToList();
        var result = PassModelReader.FromEntries(entries);
        Assert.True(result.Succeeded);
        Assert.Empty(result.Problems);
        Assert.Equal(["en", "zh-Hans"], result.Model!.Languages.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PngInfo_reads_dimensions_and_rejects_other_data()
    {
        Assert.True(PngInfo.TryRead(Png.Create(375, 98), out var info));
        Assert.Equal(new PngInfo(375, 98), info);
        Assert.False(PngInfo.TryRead(Png.Create(375, 98).AsSpan(0, 20), out _));
        Assert.False(PngInfo.TryRead("hello world, this is not an image"u8, out _));
    }
}
