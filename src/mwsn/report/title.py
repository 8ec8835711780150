"""The report's title block."""

from __future__ import annotations

from mwsn.report.html import Html, esc


def render(rep) -> Html:
    name = rep.params.name(rep.lang)
    return Html(f'<header><p class="kicker">{esc(rep.t("report.kicker"))}</p>'
                f"<h1>{esc(rep.t('report.title', jurisdiction=name))}</h1>"
                f'<p class="period">{esc(rep.t("report.period", start=rep.params.period.start, end=rep.params.period.end))}</p>'
                "</header>")
