"""Findings: per evaluation question, its rating, the justification and the evidence behind it.

Ratings come from ``06_findings`` (``findings`` and ``indicator_scores``);
the justification is generated here in the report's language from the same
evidence, and each question's survey indicators are drawn with their confidence
intervals against the scoring thresholds. The survey indicator chart follows the
questions.
"""

from __future__ import annotations

import pandas as pd

from mwsn import findings, i18n, plots, privacy, qualitative
from mwsn.report.html import Html, esc, figure, table


def _estimate(row, lang: str, words: list[dict]) -> str:
    """An indicator's estimate as shown: words for interview mentions, blank if suppressed."""
    if pd.isna(row.estimate):
        return ""
    if row.kind == "code_share":
        return i18n.t(f"words.{qualitative.in_words(row.estimate, words)}", lang)
    text = findings.format_value(row.estimate, row.unit, lang)
    if not pd.isna(row.ci_low):
        text += f" ({findings.format_value(row.ci_low, row.unit, lang)}-" \
                f"{findings.format_value(row.ci_high, row.unit, lang)})"
    return text


def evidence_table(rep, question, indicators: pd.DataFrame, matrix) -> Html:
    mine = indicators[indicators["question_id"] == question.id]
    shown = privacy.protected_indicators(mine, rep.protected)
    labels = {i.id: i.label(rep.lang) for i in question.indicators}
    mark = rep.t("table.suppressed")
    # an item not collected, or a program metric with no data, says so in words as the
    # justification does: the mark x would say a small count was hidden
    absent = {"not_collected": rep.t("score.not_collected"),
              "no_data": rep.t("evidence.no_data_cell")}
    why = ["not_collected" if raw.score == findings.NOT_COLLECTED else
           "no_data" if pd.isna(raw.estimate) and (pd.isna(raw.n) or raw.n == 0) else None
           for raw in mine.itertuples()]
    view = pd.DataFrame({
        rep.t("col.indicator"): shown["indicator_id"].map(labels),
        rep.t("col.line_of_evidence"): [rep.t(f"line.{x}") for x in shown["line_of_evidence"]],
        # interview mentions are shown in evaluators' words, which protect small counts
        rep.t("col.estimate"): [absent[w] if w else _estimate(
            r if r.kind != "code_share" else raw, rep.lang, matrix.words) or mark
            for r, raw, w in zip(shown.itertuples(), mine.itertuples(), why)],
        # and so does its base: 0 records of a metric whose column the ledger lacks is no
        # count (23 sub-grant entries without the sub-grantee named showed a base of 0)
        rep.t("col.base"): [absent[w] if w else n for n, w in zip(shown["n"], why)],
        rep.t("col.base_counts"): [rep.t(f"base.{b}") for b in shown["base"]],
        rep.t("col.score"): [rep.t(f"score.{s}") for s in shown["score"]],
    })
    view.attrs = shown.attrs
    return table(view, rep.t("fnd.evidence_caption"), name=f"evidence_{question.id}",
                 lang=rep.lang, min_cell=rep.params.min_cell, counts=[rep.t("col.base")],
                 formats={rep.t("col.base"): "count"})


def indicator_chart(rep, question, indicators: pd.DataFrame) -> str:
    """Indicators of one question that have a 95% CI, as dots with whiskers, each against
    its own scoring thresholds (partly met, met); empty when no interval can be shown."""
    mine = privacy.protected_indicators(indicators[indicators["question_id"] == question.id],
                                        rep.protected)
    with_ci = mine.dropna(subset=["estimate", "ci_low", "ci_high"])
    rules = {i.id: i.rule for i in question.indicators}
    numeric = with_ci["indicator_id"].map(
        lambda i: not isinstance(rules[i].met, str) and not isinstance(rules[i].partly, str))
    with_ci = with_ci[(with_ci["unit"] == "share") & numeric.astype(bool)]
    if with_ci.empty:
        return ""
    labels = {i.id: i.label(rep.lang) for i in question.indicators}
    ids = with_ci["indicator_id"]
    data = pd.DataFrame({"indicator": ids.map(labels), "estimate": with_ci["estimate"],
                         "ci_low": with_ci["ci_low"], "ci_high": with_ci["ci_high"],
                         "partly": [rules[i].partly for i in ids],
                         "met": [rules[i].met for i in ids]})
    return figure(plots.indicator_dots(data, rep.lang))


def robustness_cell(finding, lang: str) -> str:
    """``stable (97% resampled, 100% thresholds)``: shares of replicates, not of people."""
    word = getattr(finding, "robustness", None)
    if not isinstance(word, str) or not word:
        return ""
    return i18n.t("col.robustness_value", lang, word=i18n.t(f"robust.{word}", lang),
                  boot=findings.format_share_of_replicates(finding.bootstrap_share, lang),
                  moved=findings.format_share_of_replicates(finding.threshold_share, lang))


def summary_table(rep, ratings: pd.DataFrame, matrix) -> Html:
    """Every question with its computed and final rating, coverage and robustness."""
    computed = ratings["computed_rating"] if "computed_rating" in ratings else ratings["rating"]
    summary = pd.DataFrame({
        rep.t("col.question"): [matrix.question(q).question(rep.lang)
                                for q in ratings["question_id"]],
        rep.t("col.computed_rating"): [findings.rating_label(r, rep.lang) for r in computed],
        rep.t("col.final_rating"): [findings.rating_label(r, rep.lang)
                                    for r in ratings["rating"]],
        rep.t("col.coverage"): [findings.coverage_text(f, rep.lang)
                                for f in ratings.itertuples()],
        rep.t("col.robustness"): [robustness_cell(f, rep.lang) for f in ratings.itertuples()],
    })
    return table(summary, rep.t("fnd.summary_caption"), name="ratings", lang=rep.lang,
                 min_cell=rep.params.min_cell)


def _rating_line(rep, finding) -> str:
    final = findings.rating_label(finding.rating, rep.lang)
    computed = getattr(finding, "computed_rating", finding.rating)
    if bool(getattr(finding, "overridden", False)):
        return rep.t("fnd.rating_line_override", rating=final,
                     role=findings.override_text(finding, "role", rep.lang),
                     computed=findings.rating_label(computed, rep.lang))
    return rep.t("fnd.rating_line", rating=final)


def render(rep) -> Html:
    matrix = rep.matrix
    ratings = rep.processed("findings")
    indicators = rep.processed("indicator_scores")
    parts = [summary_table(rep, ratings, matrix)]
    for finding in ratings.itertuples():
        question = matrix.question(finding.question_id)
        why = findings.justification(finding, privacy.protected_indicators(
            indicators, rep.protected), matrix, rep.codebook, rep.lang, rep.params.min_cell)
        parts.append(
            f'<article id="finding-{esc(question.id)}" class="finding">'
            f"<h3>{esc(question.question(rep.lang))}</h3>"
            f'<p class="rating rating-{esc(finding.rating)}"><strong>'
            f"{esc(_rating_line(rep, finding))}</strong></p>"
            f"<p>{esc(why)}</p>{indicator_chart(rep, question, indicators)}"
            f"{evidence_table(rep, question, indicators, matrix)}</article>")
    parts.append(f'<p class="note">{esc(rep.t("fnd.document_review_note"))}</p>')
    if any(i.context for q in matrix.questions for i in q.indicators):
        parts.append(f'<p class="note">{esc(rep.t("fnd.context_note"))}</p>')
    parts.append(_survey(rep))
    return Html(f'<section id="findings"><h2>{esc(rep.t("fnd.heading"))}</h2>'
                f"<p>{esc(rep.t('fnd.body'))}</p>"
                f'<p class="note">{esc(rep.t("fnd.interval_note"))}</p>{"".join(parts)}</section>')


def _survey(rep) -> str:
    """The survey indicators: chart of overall agreement, then the table by group."""
    indicators = rep.processed("survey_indicators")
    indicators = indicators[indicators["n"] > 0]
    if indicators.empty:  # no statement asked (or none answered): no empty chart or table
        return (f'<h3>{esc(rep.t("fnd.survey_heading"))}</h3>'
                f'<p>{esc(rep.t("findings.none_collected"))}</p>')
    # figures of the one disclosure pass: a share hidden by class disclosure or secondarily
    shown = privacy.mask(indicators.assign(table="survey:" + indicators["item"]), rep.protected,
                         None, "group", {"n": "n", "agree": "agree"},
                         derived={"agree": ["agree_pct", "ci_low", "ci_high"],
                                  "n": ["agree_pct", "ci_low", "ci_high"]},
                         table_column="table")
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
    return (f'<h3>{esc(rep.t("fnd.survey_heading"))}</h3><p>{esc(rep.t("findings.body"))}</p>'
            f"{chart}{tbl}")
