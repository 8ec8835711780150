"""About the program: its two components, period and budget."""

from __future__ import annotations

from mwsn import i18n
from mwsn.report.html import Html, esc


def render(rep) -> Html:
    p = rep.params
    text = rep.t("about.body", jurisdiction=p.name(rep.lang),
                  budget=i18n.money(p.budget.amount, rep.lang, p.budget.currency),
                  start=p.period.start, end=p.period.end)
    components = "".join(f"<li>{esc(rep.t(k))}</li>"
                         for k in ("about.funding_program", "about.network_meetings"))
    return Html(f'<section id="about"><h2>{esc(rep.t("about.heading"))}</h2>'
                f"<p>{esc(text)}</p><ul>{components}</ul></section>")
