"""About the program: its two components, period and budget, and what each delivered.

The Funding Program is shown as agreements and spending to date by recipient
(against the budget); Network Meetings as meetings held and attendance by
meeting type and stakeholder group. Counts of people are suppressed below
``min_cell`` before they reach a table or chart.
"""

from __future__ import annotations

import pandas as pd

from mwsn import i18n, plots, privacy
from mwsn.report.html import Html, esc, figure, table


def _funding(rep) -> str:
    ledger = rep.processed("funding")
    p = rep.params
    agreements = ledger[ledger["entry_type"] == "agreement"].groupby("recipient")["amount_cad"].sum()
    spent = ledger[ledger["entry_type"] == "expenditure"]
    by_recipient = pd.DataFrame({
        "recipient": agreements.index,
        "agreement": agreements.to_numpy(),
        "spent": spent.groupby("recipient")["amount_cad"].sum().reindex(agreements.index)
        .fillna(0.0).to_numpy(),
        "reached": spent.groupby("recipient")["workers_reached"].sum(min_count=1)
        .reindex(agreements.index).to_numpy(),
    })
    by_recipient["spent_pct"] = by_recipient["spent"] / by_recipient["agreement"]
    shown = privacy.suppress(by_recipient, ["reached"], rep.min_cell)
    columns = {"recipient": rep.t("col.recipient"), "agreement": rep.t("col.agreement"),
               "spent": rep.t("col.spent"), "spent_pct": rep.t("col.spent_pct"),
               "reached": rep.t("col.workers_reached")}
    view = shown[list(columns)].rename(columns=columns)
    view.attrs = shown.attrs
    tbl = table(view, rep.t("about.funding_caption"), name="funding_by_recipient",
                lang=rep.lang, min_cell=rep.min_cell, counts=[columns["reached"]],
                formats={columns["agreement"]: "money", columns["spent"]: "money",
                         columns["spent_pct"]: "pct", columns["reached"]: "count"})
    chart = figure(plots.spending_over_time(
        spent.rename(columns={"amount_cad": "amount"})[["date", "recipient", "amount"]],
        rep.lang, budget=p.budget.amount, currency=p.budget.currency))
    total = float(spent["amount_cad"].sum())
    text = rep.t("about.funding_body", n=len(agreements),
                 committed=i18n.money(float(agreements.sum()), rep.lang, p.budget.currency),
                 spent=i18n.money(total, rep.lang, p.budget.currency),
                 share=i18n.percent(total / p.budget.amount, rep.lang))
    return (f'<h3>{esc(rep.t("about.funding_heading"))}</h3><p>{esc(text)}</p>'
            f"{tbl}{chart}")


def _meetings(rep) -> str:
    records = rep.processed("meetings")
    order = [c for c in ("plenary", "working_group", "migrant_workers_forum",
                         "government_network") if c in set(records["meeting_type"])]
    order += sorted(set(records["meeting_type"]) - set(order))
    per_type = pd.DataFrame({
        "meeting_type": order,
        "meetings": records.groupby("meeting_type")["meeting_id"].nunique().reindex(order)
        .to_numpy(),
        "attendees": records.groupby("meeting_type")["attendees"].sum().reindex(order)
        .to_numpy(),
    })
    shown = privacy.suppress(per_type, ["attendees"], rep.min_cell)
    shown["meeting_type"] = shown["meeting_type"].map(lambda c: rep.category("meeting_type", c))
    columns = {"meeting_type": rep.t("col.meeting_type"), "meetings": rep.t("col.meetings"),
               "attendees": rep.t("col.attendees")}
    view = shown.rename(columns=columns)
    view.attrs = shown.attrs
    tbl = table(view, rep.t("about.meetings_caption"), name="meetings_by_type", lang=rep.lang,
                min_cell=rep.min_cell, counts=[columns["attendees"]],
                formats={columns["meetings"]: "count", columns["attendees"]: "count"})
    attendance = (records.groupby(["meeting_type", "stakeholder_group"], as_index=False)
                  ["attendees"].sum())
    attendance = privacy.suppress(attendance, ["attendees"], rep.min_cell)
    privacy.check_disclosure(attendance, ["attendees"], rep.min_cell, "meeting_attendance")
    attendance["rank"] = attendance["meeting_type"].map({c: i for i, c in enumerate(order)})
    attendance = attendance.sort_values(["rank", "stakeholder_group"])
    chart = figure(plots.meeting_attendance(pd.DataFrame({
        "meeting_type": attendance["meeting_type"].map(lambda c: rep.category("meeting_type", c)),
        "group": attendance["stakeholder_group"].map(rep.group_label),
        "attendees": attendance["attendees"]}), rep.lang))
    text = rep.t("about.meetings_body", n=i18n.number(records["meeting_id"].nunique(), rep.lang))
    return (f'<h3>{esc(rep.t("about.meetings_heading"))}</h3><p>{esc(text)}</p>'
            f"{tbl}{chart}")


def render(rep) -> Html:
    p = rep.params
    text = rep.t("about.body", jurisdiction=p.name(rep.lang),
                 budget=i18n.money(p.budget.amount, rep.lang, p.budget.currency),
                 start=p.period.start, end=p.period.end)
    components = "".join(f"<li>{esc(rep.t(k))}</li>"
                         for k in ("about.funding_program", "about.network_meetings"))
    return Html(f'<section id="about"><h2>{esc(rep.t("about.heading"))}</h2>'
                f"<p>{esc(text)}</p><ul>{components}</ul>{_funding(rep)}{_meetings(rep)}"
                "</section>")
