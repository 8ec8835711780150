"""Funding Program and Network Meetings: spending, recipients, meetings, recommendations.

Where no Network is in place there are no program data: the section says so.
Charts of spending over time and of meeting attendance belong here, above the
tables, once ``mwsn.plots`` draws them.
"""

from __future__ import annotations

from mwsn import i18n, privacy
from mwsn.report.html import Html, esc, table


def _table(rep, frame, columns: dict, caption: str, name: str, counts=(), formats=None,
           people=(), cells=None) -> str:
    """``cells=(ledger table, row column, {column: ledger column}, derived)``: figures of the
    jurisdiction's disclosure pass; otherwise ``people`` columns are suppressed here."""
    if cells is not None:
        table_name, row_column, mapping, derived = cells
        shown = privacy.mask(frame, rep.protected, table_name, row_column, mapping, derived)
        people = list(mapping)
    else:
        shown = privacy.suppress(frame, list(people), rep.params.min_cell)
    view = shown[list(columns)].rename(columns={c: rep.t(k) for c, k in columns.items()})
    view.attrs = shown.attrs
    return table(view, caption, name=name, lang=rep.lang, min_cell=rep.params.min_cell,
                 counts=[rep.t(columns[c]) for c in people],
                 formats={rep.t(columns[c]): f for c, f in (formats or {}).items()})


def render(rep) -> Html:
    p = rep.params
    heading = f'<section id="program"><h2>{esc(rep.t("prog.heading"))}</h2>'
    if not p.network_in_place:
        return Html(f"{heading}<p>{esc(rep.t('prog.no_network', jurisdiction=p.name(rep.lang)))}"
                    "</p></section>")
    body = rep.t("prog.body", budget=i18n.money(p.budget.amount, rep.lang, p.budget.currency))
    spending = rep.processed("spending")
    recipients = rep.processed("recipients")
    meetings = rep.processed("meetings_by_type")
    attendance = rep.processed("attendance")
    outcomes = rep.processed("recommendation_outcomes")
    # a column the ledger never filled in (or lacks) is left out, not shown as hidden
    collected = [c for c in ("sub_grants", "workers_reached") if recipients[c].notna().any()]
    meetings = meetings.assign(meeting_code=meetings["meeting_type"], meeting_type=[
        rep.codebook.category_label("meeting_type", t, rep.lang) for t in meetings["meeting_type"]])
    outcomes = outcomes.assign(status_code=outcomes["status"], status=[
        rep.codebook.category_label("recommendation_status", s, rep.lang)
        for s in outcomes["status"]])
    groups = [c for c in attendance.columns if c != "meeting_type"]
    shown = privacy.mask(attendance, rep.protected, "attendance", "meeting_type",
                         {g: g for g in groups})
    shown = shown.assign(meeting_type=[
        rep.codebook.category_label("meeting_type", t, rep.lang)
        for t in shown["meeting_type"]])
    view = shown.rename(columns={"meeting_type": rep.t("col.meeting_type"),
                                 **{g: rep.group_label(g) for g in groups}})
    view.attrs = shown.attrs
    attendance_table = table(view, rep.t("prog.attendance_caption"), name="attendance",
                             lang=rep.lang, min_cell=p.min_cell,
                             counts=[rep.group_label(g) for g in groups],
                             formats={rep.group_label(g): "count" for g in groups})
    parts = [
        _table(rep, spending, {"fiscal_year": "col.fiscal_year", "agreed": "col.agreed",
                               "spent": "col.spent", "share_of_budget": "col.share_of_budget"},
               rep.t("prog.spending_caption"), "spending",
               formats={"agreed": "money", "spent": "money", "share_of_budget": "pct"}),
        _table(rep, recipients, {"recipient": "col.recipient", "agreed": "col.agreed",
                                 "spent": "col.spent", "share_spent": "col.share_spent",
                                 **{c: f"col.{c}" for c in collected}},
               rep.t("prog.recipients_caption"), "recipients",
               formats={"agreed": "money", "spent": "money", "share_spent": "pct",
                        **{c: "count" for c in collected}},
               cells=("recipients", "recipient", {c: c for c in collected}, {})),
        _table(rep, meetings, {"meeting_type": "col.meeting_type", "meetings": "col.meetings",
                               "attendees": "col.attendees"},
               rep.t("prog.meetings_caption"), "meetings",
               formats={"meetings": "count", "attendees": "count"},
               cells=("attendance", "meeting_code", {"attendees": "total"}, {})),
        attendance_table,
        _table(rep, outcomes, {"status": "col.status", "recommendations": "col.recommendations",
                               "share": "col.share"},
               rep.t("prog.recommendations_caption"), "recommendations",
               formats={"recommendations": "count", "share": "pct"},
               cells=("recommendations", "status_code", {"recommendations": "count"},
                      {"count": ["share"]})),
    ]
    return Html(f"{heading}<p>{esc(body)}</p>{''.join(parts)}</section>")
