"""Considerations, each linked to the findings that support it."""

from __future__ import annotations

from mwsn.report.html import Html, esc


def render(rep) -> Html:
    items = "".join(f'<li id="consideration-{esc(c.id)}">{esc(c.text(rep.lang))}</li>'
                    for c in rep.params.considerations)
    return Html(f'<section id="considerations"><h2>{esc(rep.t("considerations.heading"))}'
                f"</h2><ol>{items}</ol></section>")
