"""Findings: outcome indicators from the survey, with their confidence intervals."""

from __future__ import annotations

import pandas as pd

from mwsn import plots, privacy
from mwsn.report.html import Html, esc, figure, table


def render(rep) -> Html:
    indicators = rep.processed("survey_indicators")
    shown = privacy.suppress(indicators, ["n", "agree"], rep.params.min_cell,
                             derived=["agree_pct", "ci_low", "ci_high"])
    labels = {v: rep.label("survey", v) for v in shown["item"].unique()}
    overall = shown[shown["group"] == "all"]
    chart = figure(plots.agreement_dots(overall, labels, rep.lang))
    view = pd.DataFrame({
        rep.t("col.item"): shown["item"].map(labels),
        rep.t("col.stakeholder_group"): shown["group"].map(rep.group_label),
        rep.t("col.n"): shown["n"],
        rep.t("col.agree_pct"): shown["agree_pct"],
        rep.t("col.ci_low"): shown["ci_low"],
        rep.t("col.ci_high"): shown["ci_high"],
    })
    view.attrs = shown.attrs
    tbl = table(view, rep.t("findings.table_caption"), name="survey_indicators",
                lang=rep.lang, min_cell=rep.params.min_cell, counts=[rep.t("col.n")],
                formats={rep.t("col.n"): "count", rep.t("col.agree_pct"): "pct",
                         rep.t("col.ci_low"): "pct", rep.t("col.ci_high"): "pct"})
    return Html(f'<section id="findings"><h2>{esc(rep.t("findings.heading"))}</h2>'
                f"<p>{esc(rep.t('findings.body'))}</p>{chart}{tbl}</section>")
