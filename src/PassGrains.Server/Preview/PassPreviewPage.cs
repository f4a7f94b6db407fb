using PassGrains.Server.Http;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using PassGrains.Packaging.Validation;

namespace PassGrains.Server.Preview;

/// <summary>
/// The preview's HTML: the front of the pass laid out as Wallet lays out its style, the back, and the problems
/// beside them. Every text of pass.json goes through <see cref="E"/>; colors and sizes are numbers; the page needs
/// no script, so its Content-Security-Policy allows none. Ids, classes and <c>data-*</c> attributes are stable for tests.
/// </summary>
public static partial class PassPreviewPage
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static string Render(PassPreviewModel pass, string heading, string subject)
    {
        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"").Append(E(pass.Language ?? "und")).Append("\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(E($"{heading}: {subject}")).Append("</title><style>").Append(Stylesheet).Append(PosterStylesheet).Append("</style></head><body>");

        html.Append("<header class=\"page-header\"><h1>").Append(E(heading)).Append(" <span class=\"subject\">").Append(E(subject)).Append("</span></h1>");
        html.Append("<p class=\"meta\">").Append(E(pass.OrganizationName ?? "")).Append(pass.Description is null ? "" : " · ").Append(E(pass.Description ?? ""))
            .Append(" · style <code id=\"style\">").Append(E(pass.Style)).Append("</code></p>");
        Languages(html, pass);
        html.Append("</header><main class=\"layout\"><section class=\"pass-column\">");

        html.Append("<h2>Front</h2>");
        if (pass.Poster is { } poster)
            PosterFront(html, pass, poster);
        else
            Front(html, pass);
        html.Append("<h2>Back</h2>");
        Back(html, pass);
        html.Append("</section>");
        Problems(html, pass);
        html.Append("</main><details id=\"pass-json\" data-testid=\"pass-json\"><summary>pass.json as downloaded</summary><pre>")
            .Append(E(pass.PassJson)).Append("</pre></details></body></html>");
        return html.ToString();
    }

    private static void Languages(StringBuilder html, PassPreviewModel pass)
    {
        html.Append("<nav class=\"languages\" data-testid=\"languages\">Language: ");
        html.Append(pass.Language is null ? "<strong>untranslated</strong>" : "<a href=\"?\">untranslated</a>");
        foreach (var language in pass.Languages)
        {
            html.Append(' ');
            if (language == pass.Language)
                html.Append("<strong data-lang=\"").Append(E(language)).Append("\">").Append(E(language)).Append("</strong>");
            else
                html.Append("<a data-lang=\"").Append(E(language)).Append("\" href=\"?lang=").Append(E(Uri.EscapeDataString(language))).Append("\">").Append(E(language)).Append("</a>");
        }
        html.Append("</nav>");
    }

    private static void Front(StringBuilder html, PassPreviewModel pass)
    {
        var hasBackground = pass.Images.ContainsKey("background");
        html.Append("<article id=\"pass-front\" data-testid=\"pass-front\" class=\"pass front style-").Append(pass.Style).Append("\" data-style=\"").Append(pass.Style)
            .Append("\" data-layout=\"classic\" style=\"--background: ").Append(pass.Background.ToString()).Append("; --foreground: ").Append(pass.Foreground.ToString())
            .Append("; --label: ").Append(pass.Label.ToString()).Append(";\">");
        // A background image replaces backgroundColor; Wallet blurs it behind the whole front.
        if (hasBackground)
            Image(html, pass, "background", "background-image");
        if (pass.Voided)
            html.Append("<div id=\"voided\" class=\"voided\">VOID</div>");

        html.Append("<div class=\"top-row\">");
        Image(html, pass, "logo", "logo");
        html.Append("<div id=\"logo-text\" class=\"logo-text\">").Append(E(pass.LogoText ?? "")).Append("</div>");
        FieldList(html, pass.HeaderFields, "header-fields", "header-field");
        html.Append("</div>");

        switch (pass.Style)
        {
            case "boardingPass":
                html.Append("<div class=\"primary-fields boarding\" data-testid=\"primary-fields\">");
                for (var i = 0; i < pass.PrimaryFields.Count; i++)
                {
                    if (i == 1)
                        TransitGlyph(html, pass.TransitType);
                    Field(html, pass.PrimaryFields[i], "primary-field");
                }
                if (pass.PrimaryFields.Count < 2)
                    TransitGlyph(html, pass.TransitType);
                html.Append("</div>");
                // Boarding passes put auxiliary fields above the secondary ones.
                AuxiliaryRows(html, pass);
                FieldList(html, pass.SecondaryFields, "secondary-fields fields-row", "secondary-field");
                break;
            case "coupon" or "storeCard" or "eventTicket" when pass.Images.ContainsKey("strip"):
                html.Append("<div class=\"strip-area\">");
                Image(html, pass, "strip", "strip");
                FieldList(html, pass.PrimaryFields, "primary-fields over-strip", "primary-field");
                html.Append("</div>");
                SecondaryAndAuxiliary(html, pass);
                break;
            default:
                html.Append("<div class=\"primary-row\">");
                FieldList(html, pass.PrimaryFields, "primary-fields", "primary-field");
                Image(html, pass, "thumbnail", "thumbnail");
                html.Append("</div>");
                SecondaryAndAuxiliary(html, pass);
                break;
        }

        html.Append("<div class=\"bottom\">");
        Image(html, pass, "footer", "footer");
        Barcode(html, pass);
        html.Append("</div></article>");
    }

    private static void Barcode(StringBuilder html, PassPreviewModel pass)
    {
        if (pass.Barcode is { } barcode)
        {
            html.Append("<div id=\"barcode-box\" class=\"barcode-box\" data-testid=\"barcode-box\" data-format=\"").Append(E(barcode.Format)).Append("\">");
            if (barcode.Drawing.Svg is { } svg)
                html.Append(svg);
            else
                html.Append("<div id=\"barcode-error\" class=\"barcode-error\">").Append(E(barcode.Drawing.Error ?? "")).Append("</div>");
            if (!string.IsNullOrEmpty(barcode.AltText))
                html.Append("<div id=\"barcode-alt-text\" class=\"alt-text\">").Append(E(barcode.AltText)).Append("</div>");
            html.Append("</div>");
        }
    }

    private static void SecondaryAndAuxiliary(StringBuilder html, PassPreviewModel pass)
    {
        FieldList(html, pass.SecondaryFields, "secondary-fields fields-row", "secondary-field");
        AuxiliaryRows(html, pass);
    }

    /// <summary>Event tickets may have a second auxiliary row (<c>row: 1</c>); other styles have one.</summary>
    private static void AuxiliaryRows(StringBuilder html, PassPreviewModel pass)
    {
        foreach (var row in pass.AuxiliaryFields.GroupBy(f => f.Row).OrderBy(g => g.Key))
            FieldList(html, row.ToList(), $"auxiliary-fields fields-row row-{row.Key}", "auxiliary-field");
    }

    private static void Back(StringBuilder html, PassPreviewModel pass)
    {
        html.Append("<article id=\"pass-back\" data-testid=\"pass-back\" class=\"pass back\">");
        if (pass.BackFields.Count == 0)
            html.Append("<p class=\"empty\">No back fields.</p>");
        FieldList(html, pass.BackFields, "back-fields", "back-field");
        html.Append("</article>");
    }

    private static void FieldList(StringBuilder html, IReadOnlyList<PreviewField> fields, string listClass, string fieldClass)
    {
        html.Append("<div class=\"").Append(listClass).Append("\" data-testid=\"").Append(fieldClass).Append("s\">");
        foreach (var field in fields)
            Field(html, field, fieldClass);
        html.Append("</div>");
    }

    private static void Field(StringBuilder html, PreviewField field, string fieldClass)
    {
        html.Append("<div class=\"field ").Append(fieldClass).Append("\" data-field-key=\"").Append(E(field.Key)).Append("\" data-testid=\"field-").Append(E(field.Key)).Append('"');
        if (Alignment(field.TextAlignment) is { } alignment)
            html.Append(" style=\"text-align: ").Append(alignment).Append('"');
        if (field.BeyondLimit)
            html.Append(" data-beyond-limit=\"true\" title=\"Wallet has no room for this field in this style: it would not be shown\"");
        html.Append("><div class=\"label\">").Append(E(field.Label ?? "")).Append("</div><div class=\"value\">").Append(E(field.Value)).Append("</div></div>");
    }

    private static string? Alignment(string? textAlignment) => textAlignment switch
    {
        "PKTextAlignmentLeft" => "left",
        "PKTextAlignmentCenter" => "center",
        "PKTextAlignmentRight" => "right",
        _ => null,
    };

    private static void Image(StringBuilder html, PassPreviewModel pass, string slot, string id)
    {
        if (!pass.Images.TryGetValue(slot, out var image))
            return;
        html.Append(CultureInfo.InvariantCulture, $"<img id=\"{id}\" class=\"image-{slot}\" data-testid=\"{id}\" alt=\"{slot}\" width=\"{image.Width}\" height=\"{image.Height}\" data-source=\"")
            .Append(E(image.Path)).Append("\" src=\"").Append(image.DataUri).Append("\">");
    }

    private static void TransitGlyph(StringBuilder html, string? transitType)
    {
        // Simple line drawings of Wallet's transit symbols: no font on the server is guaranteed to have them.
        var path = transitType switch
        {
            "PKTransitTypeAir" => "M21 16v-2l-8-5V3.5a1.5 1.5 0 0 0-3 0V9l-8 5v2l8-2.5V19l-2 1.5V22l3.5-1 3.5 1v-1.5L13 19v-5.5z",
            "PKTransitTypeTrain" => "M6 3h12a2 2 0 0 1 2 2v11a3 3 0 0 1-3 3l2 2v1H5v-1l2-2a3 3 0 0 1-3-3V5a2 2 0 0 1 2-2zm0 3v5h12V6zm2 8a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm8 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
            "PKTransitTypeBus" => "M5 3h14a2 2 0 0 1 2 2v12a1 1 0 0 1-1 1h-1v2h-3v-2H8v2H5v-2H4a1 1 0 0 1-1-1V5a2 2 0 0 1 2-2zm0 3v5h14V6zm2 7a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm10 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
            "PKTransitTypeBoat" => "M4 15h16l-3 5H7zM11 3h2v3h4l1 8H6l1-8h4z",
            _ => "M3 11h14.2l-4.6-4.6L14 5l7 7-7 7-1.4-1.4 4.6-4.6H3z",
        };
        html.Append("<span id=\"transit-type\" class=\"transit-glyph\" data-testid=\"transit-type\" data-transit-type=\"").Append(E(transitType ?? ""))
            .Append("\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\" width=\"32\" height=\"32\" role=\"img\" aria-label=\"")
            .Append(E(transitType ?? "transit")).Append("\"><path fill=\"currentColor\" d=\"").Append(path).Append("\"/></svg></span>");
    }

    private static void Problems(StringBuilder html, PassPreviewModel pass)
    {
        var errors = pass.Problems.Count(p => p.IsError);
        var warnings = pass.Problems.Count - errors;
        html.Append("<aside id=\"problems\" class=\"problems\" data-testid=\"problems\" data-errors=\"").Append(errors.ToString(CultureInfo.InvariantCulture))
            .Append("\" data-warnings=\"").Append(warnings.ToString(CultureInfo.InvariantCulture)).Append("\"><h2>Validation</h2><p class=\"summary\">");
        html.Append(errors == 0 && warnings == 0
            ? "No problems: Wallet accepts this pass."
            : string.Create(CultureInfo.InvariantCulture, $"{errors} error{(errors == 1 ? "" : "s")}, {warnings} warning{(warnings == 1 ? "" : "s")}{(errors > 0 ? ": Wallet refuses this pass until the errors are fixed." : ".")}"));
        html.Append("</p><ul class=\"problem-list\">");
        foreach (var problem in pass.Problems)
            Problem(html, problem);
        html.Append("</ul>");
        if (pass.Notes.Count > 0)
        {
            html.Append("<h3>Preview notes</h3><ul class=\"notes\" data-testid=\"notes\">");
            foreach (var note in pass.Notes)
                html.Append("<li class=\"note\">").Append(E(note)).Append("</li>");
            html.Append("</ul>");
        }
        html.Append("</aside>");
    }

    private static void Problem(StringBuilder html, PassProblem problem)
    {
        var severity = problem.IsError ? "error" : "warning";
        html.Append("<li class=\"problem ").Append(severity).Append("\" data-severity=\"").Append(severity).Append("\" data-rule=\"").Append(E(problem.Rule))
            .Append("\" data-path=\"").Append(E(problem.Path)).Append("\"><span class=\"severity\">").Append(severity).Append("</span> <span class=\"file\">")
            .Append(E(problem.File)).Append("</span> ");
        // Problems of a whole file (an image, a strings file) have no JSON path.
        if (problem.Path.Length > 0)
            html.Append("<code class=\"path\">").Append(E(problem.Path)).Append("</code> ");
        html.Append("<span class=\"rule\">[").Append(E(problem.Rule)).Append("]</span> <span class=\"message\">").Append(E(problem.Message)).Append("</span></li>");
    }

    /// <summary>HTML-encodes untrusted text for element content and quoted attribute values.</summary>
    private static string E(string text) => Encoder.Encode(text);

    private const string Stylesheet = """
        :root { color-scheme: light; font-family: -apple-system, "SF Pro Text", "Helvetica Neue", "Liberation Sans", Arial, sans-serif; }
        body { margin: 0; padding: 24px; background: #f2f2f7; color: #1c1c1e; }
        .page-header h1 { font-size: 20px; margin: 0 0 4px; }
        .page-header .subject { font-weight: 400; color: #555; }
        .page-header .meta, .languages { margin: 4px 0; font-size: 13px; color: #444; }
        .languages a, .languages strong { margin-left: 6px; }
        .layout { display: flex; gap: 32px; align-items: flex-start; flex-wrap: wrap; margin-top: 16px; }
        .pass-column h2, .problems h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: #6b6b70; margin: 16px 0 8px; }
        .pass { width: 350px; box-sizing: border-box; border-radius: 14px; box-shadow: 0 6px 20px rgba(0,0,0,.18); overflow: hidden; position: relative; }
        .front { background: var(--background); color: var(--foreground); padding: 12px 14px 16px; min-height: 420px; display: flex; flex-direction: column; }
        .front > * { position: relative; z-index: 1; }
        .front > .image-background { position: absolute; inset: -20px; width: calc(100% + 40px); height: calc(100% + 40px); object-fit: cover; filter: blur(10px); z-index: 0; }
        .top-row { display: flex; align-items: center; gap: 8px; min-height: 50px; }
        .top-row .image-logo { max-width: 160px; max-height: 50px; object-fit: contain; }
        .logo-text { font-size: 17px; font-weight: 600; flex: 1 1 auto; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .header-fields { display: flex; gap: 12px; margin-left: auto; text-align: right; flex: 0 0 auto; max-width: 60%; }
        .header-field .value { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .field { min-width: 0; }
        .field .label { color: var(--label); font-size: 11px; font-weight: 600; letter-spacing: .02em; }
        .field .value { font-size: 16px; overflow-wrap: anywhere; }
        .header-field .value { font-size: 17px; }
        .primary-row { display: flex; align-items: flex-start; gap: 12px; margin-top: 12px; }
        .primary-row .primary-fields { flex: 1 1 auto; }
        .primary-field .value { font-size: 30px; font-weight: 300; line-height: 1.15; }
        .primary-field .label { font-size: 12px; }
        .image-thumbnail { max-width: 90px; max-height: 90px; object-fit: cover; border-radius: 4px; }
        .strip-area { position: relative; margin: 10px -14px 0; min-height: 98px; }
        .strip-area .image-strip { display: block; width: 100%; height: 123px; object-fit: cover; }
        .style-eventTicket .strip-area .image-strip { height: 98px; }
        .style-coupon .strip-area .image-strip, .style-storeCard .strip-area .image-strip { height: 144px; }
        .over-strip { position: absolute; left: 14px; right: 14px; bottom: 8px; text-shadow: 0 1px 3px rgba(0,0,0,.5); }
        .primary-fields.boarding { display: flex; align-items: flex-end; justify-content: space-between; margin-top: 14px; }
        .boarding .primary-field .value { font-size: 40px; }
        .boarding .primary-field:last-child { text-align: right; }
        .transit-glyph { display: inline-flex; color: var(--label); padding: 0 8px 8px; }
        .fields-row { display: flex; gap: 16px; margin-top: 12px; }
        .fields-row .field:last-child:not(:first-child) { margin-left: auto; text-align: right; }
        .bottom { margin-top: auto; padding-top: 16px; display: flex; flex-direction: column; align-items: center; gap: 10px; }
        .image-footer { max-width: 286px; max-height: 15px; object-fit: contain; }
        .barcode-box { background: #fff; color: #000; border-radius: 6px; padding: 8px; display: flex; flex-direction: column; align-items: center; gap: 4px; }
        .barcode-box svg { display: block; max-width: 100%; }
        .alt-text { font-size: 12px; }
        .barcode-error { max-width: 240px; font-size: 12px; color: #b00020; }
        .voided { position: absolute; top: 45%; left: 0; right: 0; text-align: center; font-size: 48px; font-weight: 800; color: rgba(200,0,0,.65); transform: rotate(-20deg); z-index: 2; }
        .back { background: #fff; color: #1c1c1e; padding: 8px 16px; }
        .back-field { padding: 10px 0; border-bottom: 1px solid #e5e5ea; }
        .back-field:last-child { border-bottom: 0; }
        .back-field .label { color: #6b6b70; }
        .back-field .value { font-size: 15px; white-space: pre-wrap; }
        [data-beyond-limit="true"] { opacity: .45; outline: 1px dashed currentColor; }
        .problems { flex: 1 1 360px; max-width: 640px; }
        .problems .summary { font-size: 14px; }
        .problem-list, .notes { padding: 0; list-style: none; font-size: 13px; }
        .problem, .note { background: #fff; border-radius: 8px; padding: 8px 10px; margin-bottom: 6px; border-left: 4px solid #8e8e93; }
        .problem.error { border-left-color: #d70015; }
        .problem.warning { border-left-color: #c77c02; }
        .problem .severity { font-weight: 700; text-transform: uppercase; font-size: 11px; }
        .problem .path { background: #f2f2f7; padding: 1px 4px; border-radius: 4px; }
        .problem .rule { color: #6b6b70; }
        #pass-json { margin-top: 24px; }
        #pass-json pre { background: #fff; padding: 12px; border-radius: 8px; overflow: auto; max-height: 480px; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
        """;
}
