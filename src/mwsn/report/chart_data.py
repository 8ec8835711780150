"""Data tables beside the charts whose numbers no other table of the report shows.

Every chart keeps its alt text; where the same figures are not already in a
table next to it (the evidence tables, the survey, attendance and TFWP tables
are), one of these follows it, so a reader who cannot see the chart gets its
data (WCAG 2.1, 1.1.1).
"""

from __future__ import annotations

import pandas as pd

from mwsn import i18n
from mwsn.report import annex
from mwsn.report.html import Html, esc, table


def spending_by_quarter(ledger: pd.DataFrame) -> pd.DataFrame:
    """Expenditure by report date and recipient, with the cumulative total.

    Parameters
    ----------
    ledger : the cleaned funding ledger, columns ``date, recipient, entry_type, amount_cad``.

    Returns
    -------
    ``date`` (ISO day) then one column per recipient (amount spent in the period
    that report covers) and ``cumulative`` (all recipients, to date), one row per
    report date, oldest first.
    """
    spent = ledger[ledger["entry_type"] == "expenditure"].assign(
        date=lambda f: pd.to_datetime(f["date"]).dt.date.astype(str))
    wide = spent.pivot_table(index="date", columns="recipient", values="amount_cad",
                             aggfunc="sum", fill_value=0.0, sort=True)
    wide.columns = [str(c) for c in wide.columns]
    wide["cumulative"] = wide.sum(axis=1).cumsum()
    return wide.reset_index()


def spending_table(rep) -> Html:
    frame = spending_by_quarter(rep.processed("funding"))
    recipients = [c for c in frame.columns if c not in ("date", "cumulative")]
    view = frame.rename(columns={"date": rep.t("chart_data.col.report_date"),
                                 "cumulative": rep.t("chart_data.col.cumulative")})
    money = [*recipients, rep.t("chart_data.col.cumulative")]
    return table(view, rep.t("chart_data.spending_caption"), name="spending_by_quarter",
                 lang=rep.lang, min_cell=rep.min_cell, formats={c: "money" for c in money})


def logic_model_table(rep, model: dict) -> Html:
    """The logic model's elements by stage, each with the elements it leads to."""
    elements, links = annex.logic_model_frames(model, rep.lang)
    names = dict(zip(elements["id"], elements["text"]))
    rows = []
    for element in elements.itertuples():
        targets = links.loc[links["source"] == element.id, "target"]
        rows.append(f'<tr><th scope="row">{esc(element.text)}</th>'
                    f'<td>{esc(i18n.t(f"chart.logic_model.stage.{element.stage}", rep.lang))}</td>'
                    f'<td>{esc("; ".join(names.get(t, t) for t in targets))}</td></tr>')
    head = "".join(f'<th scope="col">{esc(rep.t(k))}</th>' for k in (
        "chart_data.col.element", "chart_data.col.stage", "chart_data.col.leads_to"))
    return Html(f'<table class="facts"><caption>{esc(rep.t("chart_data.logic_model_caption"))}'
                f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
