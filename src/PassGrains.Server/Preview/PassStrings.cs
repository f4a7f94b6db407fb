using PassGrains.Packaging.PassModels;

namespace PassGrains.Server.Preview;

/// <summary>
/// A pass model's localization for one language, looked up the way Wallet does: a localizable text of
/// pass.json is a key into <c>xx.lproj/pass.strings</c>, and a text that is no key there shows as it is.
/// Localized images come from the same <c>.lproj</c> folder.
/// </summary>
public sealed class PassStrings
{
    private static readonly IReadOnlyDictionary<string, string> NoStrings = new Dictionary<string, string>(StringComparer.Ordinal);

    private readonly PassModel _model;
    private readonly IReadOnlyDictionary<string, string> _strings;

    private PassStrings(PassModel model, string? language, IReadOnlyDictionary<string, string> strings, string? note)
    {
        _model = model;
        Language = language;
        _strings = strings;
        Note = note;
    }

    /// <summary>The model's <c>.lproj</c> language in use (<c>de</c>, <c>zh-Hans</c>), or null for the untranslated texts.</summary>
    public string? Language { get; }

    /// <summary>Why the requested language is not (fully) used, for the issuer; null when all went as asked.</summary>
    public string? Note { get; }

    /// <summary>Every language the model has, in package order.</summary>
    public IReadOnlyList<string> Languages => _model.Languages.ToList();

    /// <summary>
    /// The localization for <paramref name="requested"/> (<c>de</c>, <c>de-AT</c>): that folder, else its base language's
    /// (<c>de</c>), else none. Without a request nothing is translated, as the preview shows pass.json's own texts.
    /// </summary>
    public static PassStrings For(PassModel model, string? requested)
    {
        if (requested is null)
            return new PassStrings(model, null, NoStrings, null);
        var languages = model.Languages.ToList();
        var language = languages.FirstOrDefault(l => string.Equals(l, requested, StringComparison.OrdinalIgnoreCase));
        var prefix = requested.Split('-')[0];
        language ??= languages.FirstOrDefault(l => string.Equals(l, prefix, StringComparison.OrdinalIgnoreCase));
        language ??= languages.FirstOrDefault(l => l.StartsWith(prefix + "-", StringComparison.OrdinalIgnoreCase));
        if (language is null)
        {
            var available = languages.Count == 0 ? "the pass has no localizations" : $"it has {string.Join(", ", languages)}";
            return new PassStrings(model, null, NoStrings, $"no {requested}.lproj in the pass ({available}): Wallet shows another language or the untranslated texts, as here");
        }
        var note = string.Equals(language, requested, StringComparison.OrdinalIgnoreCase) ? null : $"no {requested}.lproj in the pass: showing {language}.lproj, as Wallet falls back to it";
        if (model.Find($"{language}.lproj/pass.strings") is not { } file)
            return new PassStrings(model, language, NoStrings, note);
        try
        {
            return new PassStrings(model, language, StringsFile.Parse(file.Content.Span), note);
        }
        catch (FormatException e)
        {
            // The upload check refuses unreadable strings files; a preview still shows the rest of the pass.
            return new PassStrings(model, language, NoStrings, $"{language}.lproj/pass.strings cannot be read ({e.Message}): texts are not translated");
        }
    }

    /// <summary>The translation of a localizable text, or the text itself when it is no key.</summary>
    public string Translate(string text) => _strings.TryGetValue(text, out var translated) ? translated : text;

    /// <summary>
    /// The file of an image (<c>strip</c>) at the best scale for a preview (@2x, then 1x, then @3x), chosen as
    /// Wallet chooses: the top-level image wins; the language's folder supplies only
    /// images the top level lacks; without a language, the first language that has it.
    /// </summary>
    public PassModelFile? Image(string name)
    {
        if (Find("", name) is { } top)
            return top;
        if (Language is not null)
            return Find($"{Language}.lproj/", name);
        return _model.Languages.Select(l => Find($"{l}.lproj/", name)).FirstOrDefault(f => f is not null);
    }

    private PassModelFile? Find(string folder, string name) =>
        _model.Find($"{folder}{name}@2x.png") ?? _model.Find($"{folder}{name}.png") ?? _model.Find($"{folder}{name}@3x.png");
}
