"""The report's title block (the executive summary and the contents follow it)."""

from __future__ import annotations

from mwsn.report.html import Html, esc


def render(rep) -> Html:
    p = rep.params
    name = p.name(rep.lang)
    return Html(f'<header><p class="kicker">{esc(rep.t("report.kicker"))}</p>'
                f"<h1>{esc(rep.t('report.title', jurisdiction=name))}</h1>"
                f'<p class="period">{esc(rep.t("report.period", start=p.period.start, end=p.period.end))}</p>'
                "</header>")
