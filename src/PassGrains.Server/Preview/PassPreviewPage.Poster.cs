using System.Text;

namespace PassGrains.Server.Preview;

/// <summary>
/// The poster front of an event ticket that qualifies for it (<see cref="PassPreviewModel.Poster"/>): the artwork fills the
/// card unblurred, the event's name, venue and start stand on it (a match's teams where the logo is, a concert's performers
/// under its name), and the barcode is at the foot, as on the classic front.
/// Like the rest of the page it is markup and inline style only, and every text goes through <see cref="E"/>.
/// </summary>
public static partial class PassPreviewPage
{
    private static void PosterFront(StringBuilder html, PassPreviewModel pass, PreviewPoster poster)
    {
        html.Append("<article id=\"pass-front\" data-testid=\"pass-front\" class=\"pass front poster style-").Append(pass.Style).Append("\" data-style=\"").Append(pass.Style)
            .Append("\" data-layout=\"poster\" style=\"--background: ").Append(pass.Background.ToString()).Append("; --foreground: ").Append(pass.Foreground.ToString())
            .Append("; --label: ").Append(pass.Label.ToString()).Append(";\">");
        html.Append("<img id=\"poster-artwork\" class=\"poster-artwork\" data-testid=\"poster-artwork\" alt=\"artwork\" data-source=\"").Append(E(poster.Artwork.Path))
            .Append("\" src=\"").Append(poster.Artwork.DataUri).Append("\">");
        if (poster.HeaderDarkening)
            html.Append("<div id=\"poster-header-shade\" class=\"poster-header-shade\"></div>");
        if (pass.Voided)
            html.Append("<div id=\"voided\" class=\"voided\">VOID</div>");

        // A poster shows eventLogoText beside the logo; logoText is for the classic layout.
        html.Append("<div class=\"top-row\">");
        if (poster.Matchup is { } matchup)
        {
            PosterLine(html, "poster-matchup", matchup);
        }
        else
        {
            Image(html, pass, "logo", "logo");
            html.Append("<div id=\"logo-text\" class=\"logo-text\">").Append(E(poster.EventLogoText ?? "")).Append("</div>");
        }
        html.Append("</div>");

        html.Append("<div class=\"poster-text\" data-testid=\"poster-text\">");
        PosterLine(html, "poster-event-name", poster.EventName);
        PosterLine(html, "poster-performers", poster.Performers);
        PosterLine(html, "poster-venue", poster.VenueName);
        PosterLine(html, "poster-venue-detail", poster.VenueDetail);
        PosterLine(html, "poster-start", poster.StartDate);
        html.Append("</div><div class=\"bottom\">");
        Barcode(html, pass);
        html.Append("</div></article>");
    }

    private static void PosterLine(StringBuilder html, string id, string? text)
    {
        if (!string.IsNullOrWhiteSpace(text))
            html.Append("<div id=\"").Append(id).Append("\" class=\"").Append(id).Append("\" data-testid=\"").Append(id).Append("\">").Append(E(text)).Append("</div>");
    }

    private const string PosterStylesheet = """
        .front.poster { min-height: 500px; padding-top: 14px; text-shadow: 0 1px 4px rgba(0,0,0,.55); }
        .front > .poster-artwork { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; z-index: 0; }
        .front > .poster-header-shade { position: absolute; left: 0; right: 0; top: 0; height: 120px; background: linear-gradient(rgba(0,0,0,.45), rgba(0,0,0,0)); z-index: 0; }
        .poster-text { margin-top: auto; padding-top: 120px; }
        .poster-event-name { font-size: 30px; font-weight: 700; line-height: 1.1; overflow-wrap: anywhere; }
        .poster-matchup { font-size: 24px; font-weight: 800; letter-spacing: .04em; }
        .poster-performers { font-size: 17px; font-weight: 600; margin-top: 4px; }
        .poster-venue { font-size: 17px; font-weight: 600; margin-top: 6px; }
        .poster-venue-detail, .poster-start { font-size: 14px; margin-top: 2px; color: var(--label); }
        .poster .bottom { margin-top: 16px; text-shadow: none; }
        """;
}
