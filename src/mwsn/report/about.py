"""About the program: its two components, period and budget, and what each delivered.

The Funding Program is shown as spending to date by recipient against the
budget; Network Meetings as attendance by meeting type and stakeholder group
(counts of people suppressed below ``min_cell`` before they reach the chart).
The detailed tables are in the program section.
"""

from __future__ import annotations

import pandas as pd

from mwsn import i18n, plots, privacy
from mwsn.report.html import Html, esc, figure


def _funding(rep) -> str:
    ledger = rep.processed("funding")
    p = rep.params
    agreements = ledger.loc[ledger["entry_type"] == "agreement", "amount_cad"]
    spent = ledger[ledger["entry_type"] == "expenditure"]
    chart = figure(plots.spending_over_time(
        spent.rename(columns={"amount_cad": "amount"})[["date", "recipient", "amount"]],
        rep.lang, budget=p.budget.amount, currency=p.budget.currency))
    total = float(spent["amount_cad"].sum())
    text = rep.t("about.funding_body",
                 n=i18n.number(ledger.loc[ledger["entry_type"] == "agreement", "recipient"]
                               .nunique(), rep.lang),
                 committed=i18n.money(float(agreements.sum()), rep.lang, p.budget.currency),
                 spent=i18n.money(total, rep.lang, p.budget.currency),
                 share=i18n.percent(total / p.budget.amount, rep.lang))
    return f'<h3>{esc(rep.t("about.funding_heading"))}</h3><p>{esc(text)}</p>{chart}'


def _meetings(rep) -> str:
    records = rep.processed("meetings")
    order = [c for c in rep.codebook.category_codes("meeting_type")
             if c in set(records["meeting_type"])]
    order += sorted(set(records["meeting_type"]) - set(order))
    attendance = (records.groupby(["meeting_type", "stakeholder_group"], as_index=False)
                  ["attendees"].sum())
    # the figures of the disclosure pass: segments, bar labels (type totals) and the total
    protected = rep.protected
    attendance["attendees"] = [protected.shown(("attendance", t, g)) for t, g in
                               zip(attendance["meeting_type"], attendance["stakeholder_group"])]
    attendance.attrs[privacy.MARK] = rep.min_cell
    totals = {rep.category("meeting_type", t): protected.shown(("attendance", t, "total"))
              for t in order}
    attendance["rank"] = attendance["meeting_type"].map({c: i for i, c in enumerate(order)})
    attendance = attendance.sort_values(["rank", "stakeholder_group"])
    chart = figure(plots.meeting_attendance(pd.DataFrame({
        "meeting_type": attendance["meeting_type"].map(lambda c: rep.category("meeting_type", c)),
        "group": attendance["stakeholder_group"].map(rep.group_label),
        "attendees": attendance["attendees"]}), rep.lang, totals=totals,
        total=protected.shown(("attendance", "total", "total"))))
    text = rep.t("about.meetings_body", n=i18n.number(records["meeting_id"].nunique(), rep.lang))
    return f'<h3>{esc(rep.t("about.meetings_heading"))}</h3><p>{esc(text)}</p>{chart}'


def render(rep) -> Html:
    """With a Network in place: what it is and what its two components delivered; without
    one (a consultation before any expansion): what the Network would be, and no program data."""
    p = rep.params
    key = "about.body" if p.network_in_place else "about.body_consultation"
    text = rep.t(key, jurisdiction=p.name(rep.lang),
                 budget=i18n.money(p.budget.amount, rep.lang, p.budget.currency),
                 start=p.period.start, end=p.period.end)
    components = "".join(f"<li>{esc(rep.t(k))}</li>"
                         for k in ("about.funding_program", "about.network_meetings"))
    delivered = f"{_funding(rep)}{_meetings(rep)}" if p.network_in_place else ""
    return Html(f'<section id="about"><h2>{esc(rep.t("about.heading"))}</h2>'
                f"<p>{esc(text)}</p><ul>{components}</ul>{delivered}</section>")
