"""Management response and action plan: one row per consideration answered (mwsn.response)."""

from __future__ import annotations

import pandas as pd

from mwsn import i18n, response
from mwsn.report import performance
from mwsn.report.html import Html, esc, table


def render(rep) -> Html:
    actions = rep.params.management_response
    heading = f'<h3 id="management-response">{esc(rep.t("response.heading"))}</h3>'
    if not actions:
        return Html(f'<section class="response">{heading}'
                    f'<p class="note">{esc(rep.t("response.none"))}</p></section>')
    as_of = rep.params.period.end
    tracked = response.progress(actions, as_of, rep.where.wave,
                                [w.id for w in rep.params.waves]).set_index("consideration")
    texts = {c.id: c.text(rep.lang) for c in rep.params.considerations}
    rows = []
    for a in actions:
        answer = rep.t(f"response.{a.response}")
        if a.reason is not None:
            answer += f" - {a.reason(rep.lang)}"
        rows.append({rep.t("response.col.consideration"): texts[a.consideration],
                     rep.t("response.col.response"): answer,
                     rep.t("response.col.action"): a.action(rep.lang),
                     rep.t("response.col.responsible"): a.responsible(rep.lang),
                     rep.t("response.col.due"): a.due,
                     rep.t("response.col.status"): rep.t(
                         f"response.status.{tracked.loc[a.consideration, 'tracking']}")})
    late = int((tracked["tracking"] == "late").sum())
    summary = rep.t("response.summary",
                    answered=i18n.plural("response.answered", rep.lang, len(actions)),
                    late=i18n.plural("response.late", rep.lang, late), as_of=as_of)
    return Html(f'<section class="response">{heading}<p>{esc(summary)}</p>'
                + table(pd.DataFrame(rows), rep.t("response.caption"), name="management_response",
                        lang=rep.lang, min_cell=rep.min_cell)
                + performance.actions_history(rep) + "</section>")
