"""The annexes, numbered as the published report numbers them, then the project's own.

1. contribution agreements (from the funding ledger); 2. the assessment matrix;
3. stakeholder participation (the methodology's participation table, as
:mod:`~mwsn.report.methodology` renders and protects it); then 4. the national
TFWP context, 5. the logic model, 6. the methods appendix, 7. provenance.
"""

from __future__ import annotations

import pandas as pd

from mwsn import i18n, privacy
from mwsn.report import annex, chart_data, regroup
from mwsn.report.html import Html, esc, table

#: (anchor, catalogue key of the heading) of each annex, in order
ANNEXES = tuple((f"annex-{n}", f"annex.{n}.heading") for n in range(1, 8))


def agreements_frame(ledger: pd.DataFrame) -> pd.DataFrame:
    """One row per contribution agreement: what was agreed, spent and sub-granted.

    Parameters
    ----------
    ledger : the cleaned funding ledger, columns ``recipient, entry_type
        (agreement | expenditure | sub_grant), date, amount_cad``.

    Returns
    -------
    ``recipient, signed, agreed, spent, share_spent, reports, first_report,
    last_report, sub_grants, sub_granted`` (amounts in the ledger's currency),
    one row per recipient with an agreement, in the ledger's order.
    """
    rows = []
    for recipient, entries in ledger.groupby("recipient", sort=False):
        agreed = entries[entries["entry_type"] == "agreement"]
        if agreed.empty:
            continue
        spent = entries[entries["entry_type"] == "expenditure"]
        grants = entries[entries["entry_type"] == "sub_grant"]
        total_agreed, total_spent = float(agreed["amount_cad"].sum()), float(spent["amount_cad"].sum())
        dates = pd.to_datetime(spent["date"])
        rows.append({
            "recipient": recipient, "signed": str(pd.to_datetime(agreed["date"]).min().date()),
            "agreed": total_agreed, "spent": total_spent,
            "share_spent": total_spent / total_agreed if total_agreed else float("nan"),
            "reports": len(spent),
            "first_report": str(dates.min().date()) if len(dates) else "",
            "last_report": str(dates.max().date()) if len(dates) else "",
            "sub_grants": len(grants), "sub_granted": float(grants["amount_cad"].sum()),
        })
    return pd.DataFrame(rows, columns=["recipient", "signed", "agreed", "spent", "share_spent",
                                       "reports", "first_report", "last_report", "sub_grants",
                                       "sub_granted"])


def _agreements(rep) -> str:
    p = rep.params
    if not p.network_in_place:
        return f"<p>{esc(rep.t('annex.agreements.none', jurisdiction=p.name(rep.lang)))}</p>"
    frame = agreements_frame(rep.processed("funding"))
    # sub-grants are program records: shown as the disclosure pass shows them, everywhere
    frame = privacy.mask(frame, rep.protected, "recipients", "recipient",
                         {"sub_grants": "sub_grants"})
    columns = {"recipient": "col.recipient", "signed": "col.signed", "agreed": "col.agreed",
               "spent": "col.spent", "share_spent": "col.share_spent",
               "reports": "annex.col.reports", "sub_grants": "col.sub_grants",
               "sub_granted": "col.sub_granted"}
    formats = {"agreed": "money", "spent": "money", "share_spent": "pct", "reports": "count",
               "sub_grants": "count", "sub_granted": "money"}
    view = frame[list(columns)].rename(columns={c: rep.t(k) for c, k in columns.items()})
    total = i18n.money(float(frame["agreed"].sum()), rep.lang, p.budget.currency)
    body = rep.t("annex.agreements.body")
    return (f"<p>{esc(body)}</p>"
            + table(view, rep.t("annex.agreements.caption"), name="agreements", lang=rep.lang,
                    min_cell=p.min_cell, formats={rep.t(columns[c]): f for c, f in formats.items()})
            + f'<p class="note">{esc(rep.t("annex.agreements.total", total=total))}</p>')


def _participation(rep) -> str:
    _, tables = regroup.take_tables(regroup.inner(rep.section("methodology")))
    return f"<p>{esc(rep.t('annex.participation.body'))}</p>{''.join(tables)}"


def _context(rep) -> str:
    return regroup.inner(rep.section("context"))


def _annex_part(block: str) -> str:
    """A part of the old single annex as a whole annex: its ``h3`` heading dropped (the
    annex's ``h2`` replaces it) and its subheadings one level up."""
    return regroup.demote(regroup.drop_heading(block), -1)


def _logic_model(rep) -> str:
    drawn = _annex_part(annex._logic_model(rep))
    model = annex._params_yaml(rep, "logic_model")
    return drawn + (chart_data.logic_model_table(rep, model) if model else "")


def _parts(rep) -> list[str]:
    return [_agreements(rep), _annex_part(annex._evaluation_matrix(rep)),
            _participation(rep), _context(rep), _logic_model(rep),
            _annex_part(annex._methods(rep)), _annex_part(annex._provenance(rep))]


def render(rep) -> Html:
    return Html("".join(regroup.section(anchor, esc(rep.t(key)), part)
                        for (anchor, key), part in zip(ANNEXES, _parts(rep), strict=True)))
