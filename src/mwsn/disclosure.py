"""The jurisdiction's disclosure pass, computed once in ``01_clean`` from the cleaned tables.

Every later step (the auditor notebooks, the findings' text and ``findings.csv``, the
report in each language, the comparison pages) reads the same pass
(``data/processed/<jur>/disclosure.parquet``, see :func:`mwsn.privacy.load_pass`), so a
figure hidden in one output is hidden in all of them. The tables it protects are
computed here exactly as the later notebooks compute them (same library functions).
"""

from __future__ import annotations

import pandas as pd

from mwsn import findings, privacy, program, services, stats
from mwsn.codebook import Codebook, likert_items
from mwsn.config import Jurisdiction


def tables_for_pass(cleaned: dict[str, pd.DataFrame], participants: pd.DataFrame,
                    codebook: Codebook, params: Jurisdiction,
                    matrix: findings.Matrix) -> dict[str, pd.DataFrame]:
    """Every table the public outputs show figures from, keyed as :func:`privacy.protect_report`
    expects (``participants, survey_indicators, sectors, attendance, meetings_by_type,
    recommendation_outcomes, recipients, indicator_scores, score_limits``, and with service
    records ``service_indicators, services_by_quarter``)."""
    survey = cleaned.get("survey")
    tables: dict[str, pd.DataFrame] = {"participants": participants}
    if survey is not None:
        items = likert_items(codebook, "survey", scale="agreement", collected=survey)
        tables["survey_indicators"] = stats.agreement(survey, list(items), items,
                                                      by="stakeholder_group")
        tables["sectors"] = program.sectors(survey)
    sources = {n: cleaned[n] for n in program.sources_in(params) if n in cleaned}
    metrics = program.metrics(sources, params.budget.amount)
    tables["attendance"] = program.attendance_by_group(sources.get("meetings"))
    tables["meetings_by_type"] = program.meetings_by_type(sources.get("meetings"))
    tables["recommendation_outcomes"] = program.recommendation_outcomes(
        sources.get("recommendations"))
    tables["recipients"] = program.recipients(sources.get("funding"))
    records = cleaned.get(services.SOURCE)
    if records is not None and records.num_rows:
        tables["service_indicators"] = services.service_indicators(records)
        tables["services_by_quarter"] = services.services_by_quarter(records, totals=True)
    measured = {"survey": survey, "excerpts": cleaned.get("excerpts"),
                "participants": participants, "program_metrics": metrics}
    indicators, _ = findings.assess(matrix, measured, codebook, params, robustness=False)
    tables["indicator_scores"] = indicators
    tables["score_limits"] = score_limits(matrix)
    return tables


def score_limits(matrix: findings.Matrix) -> pd.DataFrame:
    """Each indicator's scoring limits as numbers, for the pass to read a score shown beside
    a hidden figure as the bound it is (:func:`mwsn.privacy._scores`).

    Returns
    -------
    pandas.DataFrame
        ``question_id, indicator_id, direction, met, met_strict, partly, partly_strict``
        (:func:`mwsn.findings.threshold` of the rule: a share or a count, ``inf`` where
        nothing passes).
    """
    rows = []
    for q in matrix.questions:
        for i in q.indicators:
            row = {"question_id": q.id, "indicator_id": i.id, "direction": i.rule.direction}
            for name in ("met", "partly"):
                row[name], row[f"{name}_strict"] = findings.threshold(
                    getattr(i.rule, name), i.rule.direction, matrix.words)
            rows.append(row)
    return pd.DataFrame(rows, columns=["question_id", "indicator_id", "direction", "met",
                                       "met_strict", "partly", "partly_strict"])


def compute(cleaned: dict[str, pd.DataFrame], participants: pd.DataFrame, codebook: Codebook,
            params: Jurisdiction, matrix: findings.Matrix) -> privacy.Ledger:
    """The protected ledger of one jurisdiction (write ``ledger.frame()`` as
    :data:`mwsn.privacy.PROCESSED`)."""
    return privacy.protect_report(tables_for_pass(cleaned, participants, codebook, params,
                                                  matrix), params.min_cell)
