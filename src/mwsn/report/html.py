"""HTML building blocks of the manager report: trusted fragments, tables, figures, the page.

Everything that comes from data is escaped with :func:`esc`; every table is
checked for small cells before it is rendered; the page is one self-contained
file (CSS inline, figures embedded, no scripts or external requests).
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING

import pandas as pd
from markdown_it import MarkdownIt

from mwsn import hygiene, i18n, privacy

if TYPE_CHECKING:
    from mwsn import plots

#: output metadata that marks a notebook output as a section of the report
REPORT_OUTPUT = "mwsn_report"


class Html(str):
    """A fragment of trusted HTML that notebooks display as HTML.

    Its display is marked with :data:`REPORT_OUTPUT` in the output's metadata, so the
    executed notebook tells the report's sections from anything else a cell happened
    to display (a DataFrame, a warning); the page itself is built from the sections
    (:func:`mwsn.report.publish.write_pages`), never from the notebook's outputs.
    """

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": str(self), "text/plain": ""}, {REPORT_OUTPUT: True}


def esc(value) -> str:
    """Text from data as HTML: escaped, and without bidirectional-control characters."""
    return html.escape(hygiene.strip_bidi(
        "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)))


def figure(fig: plots.Figure, source: str = "") -> Html:
    """A chart embedded as a data URI, with its alt text, caption and (optional) source."""
    data = base64.b64encode(fig.svg.encode("utf-8")).decode("ascii")
    note = f'<p class="source">{esc(source)}</p>' if source else ""
    return Html(f"<figure><figcaption>{esc(fig.title)}</figcaption>"
                f'<img src="data:image/svg+xml;base64,{data}" alt="{esc(fig.alt)}">{note}</figure>')


def quotes(texts, attributions=None) -> Html:
    """Illustrative quotes (already scrubbed of PII by ``clean``), each escaped: markup shows as text.

    ``attributions``: optional words such as a stakeholder group, one per quote.
    """
    items = []
    for k, text in enumerate(texts):
        who = attributions[k] if attributions is not None else ""
        cite = f"<figcaption>{esc(who)}</figcaption>" if who else ""
        items.append(f'<figure class="quote"><blockquote><p>{esc(text)}</p></blockquote>{cite}'
                     "</figure>")
    return Html("".join(items))


def markdown(text: str, top_level: int = 3) -> Html:
    """Markdown (CommonMark + tables) as HTML, raw HTML in the source escaped, not passed.

    Headings are shifted so the highest one in ``text`` becomes ``h{top_level}``,
    which keeps the page's heading levels in order when a document is embedded.
    """
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(text)
    levels = [int(tok.tag[1]) for tok in tokens if tok.type == "heading_open"]
    shift = top_level - min(levels) if levels else 0
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close"):
            tok.tag = f"h{min(int(tok.tag[1]) + shift, 6)}"
    return Html(parser.renderer.render(tokens, parser.options, {}))


def table(frame: pd.DataFrame, caption: str, *, name: str, lang: str, min_cell: int,
          counts: list[str] = (), formats: dict[str, str] | None = None) -> Html:
    """An accessible table: caption, header cells, numbers formatted for ``lang``.

    ``formats`` maps a column to ``"count"``, ``"pct"`` or ``"money"``; a
    suppressed (missing) cell is shown as the catalogue's suppression mark.
    Raises :class:`~mwsn.errors.DisclosureError` on an unsuppressed small count.
    """
    privacy.check_disclosure(frame, list(counts), min_cell, name)
    formats = formats or {}
    mark = i18n.t("table.suppressed", lang)

    def cell(column, value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return mark if column in formats else ""
        if isinstance(value, str):  # words in place of a figure ("not collected")
            return value
        kind = formats.get(column)
        if kind == "count":
            return i18n.number(float(value), lang)
        if kind == "pct":
            return i18n.percent(float(value), lang)
        if kind == "money":
            return i18n.money(float(value), lang)
        return value

    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = [esc(cell(c, row[c])) for c in frame.columns]
        body.append(f'<tr><th scope="row">{cells[0]}</th>'
                    + "".join(f"<td>{v}</td>" for v in cells[1:]) + "</tr>")
    note = (f'<p class="note">{esc(i18n.t("table.suppressed_note", lang, mark=mark, n=min_cell))}'
            "</p>") if counts else ""
    return Html(f'<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table>{note}')


CSS = """
:root { --ink:#1b1b1b; --muted:#555; --rule:#ccc; --accent:#26374a; --banner:#b3261e; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink);
       margin: 0; line-height: 1.5; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.5rem 2rem; }
/* sticky, not fixed: it stays in view while scrolling and never covers the text */
.banner { position: sticky; top: 0; background: var(--banner); color: #fff;
          text-align: center; font-weight: bold; padding: .4rem; letter-spacing: .05em;
          z-index: 10; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { color: var(--accent); font-size: 1.9rem; margin: .2rem 0; }
h2 { color: var(--accent); border-bottom: 2px solid var(--accent); padding-bottom: .2rem;
     margin-top: 2.2rem; }
.kicker, .period, .note { color: var(--muted); }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem; text-align: right; }
th[scope=row], thead th:first-child { text-align: left; }
thead th { border-bottom: 2px solid var(--ink); }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-weight: bold; padding: .3rem 0; }
table.facts td, table.facts thead th, table.matrix td, table.matrix th, table.dictionary td, table.dictionary th {
  text-align: left; vertical-align: top; }
table.dictionary { table-layout: fixed; } table.dictionary th:first-child { width: 30%; }
table.dictionary thead th:nth-child(2) { width: 20%; }
h3 { color: var(--accent); margin-top: 1.6rem; }
figure.quote blockquote { margin: 0; padding: .2rem 1rem; border-left: 4px solid var(--rule);
                          font-style: italic; }
figure.quote figcaption { font-weight: normal; color: var(--muted); padding-left: 1.25rem; }
/* a link to a section is not hidden by the banner */
[id] { scroll-margin-top: 4rem; }
h4 { font-size: 1.1rem; margin: 1.4rem 0 .3rem; } h5 { font-size: 1rem; margin: 1rem 0 .2rem; }
h6 { font-size: .95rem; font-style: italic; margin: .8rem 0 .2rem; }
.source { color: var(--muted); font-size: .8rem; margin: .1rem 0 0; }
nav.toc ol { padding-left: 1.4rem; } nav.toc a { color: var(--accent); }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .85em; overflow-wrap: anywhere; }
.limitations li, .considerations li { margin-bottom: .4rem; }
a { color: var(--accent); }
@page { margin: 2cm 1.8cm;
        @bottom-right { content: counter(page) " / " counter(pages); color: #555;
                        font: 9pt "DejaVu Sans", Arial, sans-serif; } }
table.summary th, table.summary td { text-align: left; vertical-align: top; }
table.summary { margin: .5rem 0; font-size: .85rem; }
table.summary th, table.summary td { padding: .15rem .4rem; }
table.summary th:first-child { width: 33%; } table.summary thead th:nth-child(2) { width: 29%; }
#executive h2 { margin-top: .8rem; }
dl.figures dt { font-weight: bold; margin-top: .4rem; } dl.figures dd { margin-left: 1rem; }
dl.figures ul { margin: 0; padding-left: 1rem; }
h4, h5, h6 { bookmark-level: none; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  section { break-before: page; }
  /* a subsection goes on under its section's heading, not alone on the next page */
  section section { break-before: auto; }
  h2, h3, h4, caption { break-after: avoid; }
  /* a table longer than what is left of a page goes on over the next (its header row
     repeated), rather than leaving its caption alone at the foot of this one */
  figure, tr { break-inside: avoid; }
  /* in print the banner is a page margin box (see page()): on every page, over no text */
  .banner { display: none; }
  nav.toc a { text-decoration: none; }
}
"""


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the style element."""
    escaped = "".join(c if c.isalnum() or c in " .,;:-()'" else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


#: the page may load nothing and run nothing: only inline CSS and embedded (data:) images
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def page(body: str, lang: str, title: str, synthetic: bool, *, banner_key: str = "banner.synthetic",
         css: str = "") -> str:
    """A whole self-contained HTML document around exported report ``body``.

    CSS is inline, figures are data URIs, and a Content-Security-Policy forbids
    scripts and any request, so the file opens offline exactly as printed.
    Printed, every page carries the banner (``banner_key`` in the catalogue) in
    its top margin and its number in the bottom one; ``css`` is added last.
    """
    banner, print_banner = "", ""
    if synthetic:
        text = i18n.t(banner_key, lang)
        banner = f'<div class="banner" role="note">{esc(text)}</div>'
        print_banner = ("@page { @top-center { content: " + _css_string(text) + "; color: #b3261e;"
                        " font: bold 9pt \"DejaVu Sans\", Arial, sans-serif; } }")
    body = hygiene.strip_bidi(body)
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}{print_banner}{css}</style>\n</head>\n<body>\n{banner}\n"
            f"<main>\n{body}\n</main>\n</body>\n</html>\n")
