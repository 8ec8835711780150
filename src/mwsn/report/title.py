"""The report's title block and its table of contents."""

from __future__ import annotations

from mwsn import i18n
from mwsn.report.html import Html, esc

#: the catalogue key of each section's heading, where it is not ``<section>.heading``
HEADING_KEYS = {"methodology": "method.heading", "findings": "fnd.heading",
                "program": "prog.heading"}


def contents(rep) -> str:
    """Links to every section after the title that has a heading in the catalogue."""
    from mwsn.report import SECTIONS

    known = i18n.catalogue(rep.lang)
    items = []
    for name in SECTIONS[1:]:
        key = next((k for k in (HEADING_KEYS.get(name), f"{name}.heading") if k in known), None)
        if key:
            items.append(f'<li><a href="#{esc(name)}">{esc(known[key])}</a></li>')
    return (f'<nav class="toc" aria-labelledby="toc-heading"><h2 id="toc-heading">'
            f'{esc(rep.t("report.contents"))}</h2><ol>{"".join(items)}</ol></nav>')


def render(rep) -> Html:
    p = rep.params
    name = p.name(rep.lang)
    return Html(f'<header><p class="kicker">{esc(rep.t("report.kicker"))}</p>'
                f"<h1>{esc(rep.t('report.title', jurisdiction=name))}</h1>"
                f'<p class="period">{esc(rep.t("report.period", start=p.period.start, end=p.period.end))}</p>'
                f"</header>{contents(rep)}")
