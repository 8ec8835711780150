"""Executive summary: the program and scope, every question's rating with why, the considerations.

Generated from the same processed tables as the findings, and every figure in
it is one the body shows: a question's main figures are its indicators as the
evidence table renders them from the jurisdiction's disclosure pass
(:func:`mwsn.privacy.protected_indicators` over ``rep.protected``), so a
withheld figure reads "fewer than ``min_cell``" here where the body shows the mark.
Each reason gives the rating's coverage (indicators scored) and, where the
findings carry it, its robustness (whether it survives resampling and moved
thresholds), in the words of the findings' own table.
"""

from __future__ import annotations

import pandas as pd

from mwsn import findings, i18n, privacy
from mwsn.report.findings import _estimate
from mwsn.report.html import Html, esc

#: how many figures carry each finding in the summary
FIGURES_PER_QUESTION = 2
#: lines of evidence in the order the scope sentence names them
LINES = ("document_review", "interview", "focus_group", "survey")


def _scope(rep) -> str:
    p = rep.params
    lang = rep.lang
    name = p.name(lang)
    key = "exec.program" if p.network_in_place else "exec.program_consultation"
    program = rep.t(key, jurisdiction=name, start=p.period.start, end=p.period.end,
                    budget=i18n.money(p.budget.amount, lang, p.budget.currency))
    lines = LINES if p.network_in_place else LINES[1:]
    people = rep.processed("participants")
    scope = rep.t("exec.scope",
                  lines=_join([rep.t(f"exec.line.{x}") for x in lines], lang),
                  n=i18n.number(people["participant"].nunique(), lang))
    return f"<p>{esc(program)} {esc(scope)}</p>"


def _join(items: list[str], lang: str) -> str:
    from babel.lists import format_list

    return format_list(items, locale="en_CA" if lang == "en" else "fr_CA")


def _reason(rep, finding) -> str:
    """One line: coverage (indicators scored), indicators met and robustness, in the words
    of the findings' own table (their numbers are the table's)."""
    coverage = findings.coverage_text(finding, rep.lang)
    if finding.rating == findings.INSUFFICIENT:
        text = rep.t("exec.reason_insufficient", coverage=coverage)
    else:
        text = rep.t("exec.reason", coverage=coverage, n_met=finding.n_met)
    robust = getattr(finding, "robustness", None)
    if isinstance(robust, str) and robust:
        text += rep.t("exec.robustness", word=rep.t(f"robust.{robust}"))
    text += "."
    return text


def main_figures(rep, question, indicators: pd.DataFrame, words) -> list[str]:
    """The figures that carry one question's finding, as the evidence table shows them.

    Figures that may be shown first; among them survey shares (largest base
    first), then program data, then interview mentions (in evaluators' words). A
    withheld figure is replaced by words saying a cell behind it is below ``min_cell``.
    """
    mine = indicators[indicators["question_id"] == question.id]
    shown = privacy.protected_indicators(mine, rep.protected)
    labels = {i.id: i.label(rep.lang) for i in question.indicators}
    order = {"survey": 0, "program_data": 1}
    # figures that may be shown first, then by line of evidence and base
    ranked = sorted(zip(shown.itertuples(), mine.itertuples()),
                    key=lambda pair: (pd.isna(pair[0].estimate),
                                      order.get(pair[1].line_of_evidence, 2),
                                      -(pair[1].n if not pd.isna(pair[1].n) else 0)))
    texts = []
    for row, raw in ranked[:FIGURES_PER_QUESTION]:
        label = labels.get(row.indicator_id, row.indicator_id)
        if row.kind == "code_share":
            value = _estimate(raw, rep.lang, words)
        else:
            value = _estimate(row, rep.lang, words)
        if not value:
            # blanked by suppression (the raw estimate exists), or never measured
            # in the words the evidence table uses for the same indicator
            key = ("exec.figure_suppressed" if not pd.isna(raw.estimate) else
                   "exec.figure_not_collected" if raw.score == findings.NOT_COLLECTED else
                   "exec.figure_none")
            texts.append(rep.t(key, label=label, min_cell=rep.min_cell))
        elif row.people and not pd.isna(row.n) and row.kind != "code_share":
            texts.append(rep.t("exec.figure_base", label=label, value=value,
                               n=i18n.number(row.n, rep.lang)))
        else:
            texts.append(rep.t("exec.figure", label=label, value=value))
    return texts


def area(rep, question) -> str:
    """A question's short name (``exec.area.<id>``), else the question itself."""
    key = f"exec.area.{question.id}"
    return rep.t(key) if key in i18n.catalogue(rep.lang) else question.question(rep.lang)


def _ratings(rep) -> str:
    """A compact table (all ratings fit the first screen), then the figures behind each."""
    matrix = rep.matrix
    ratings = rep.processed("findings")
    indicators = rep.processed("indicator_scores")
    rows, figures = [], []
    for finding in ratings.itertuples():
        question = matrix.question(finding.question_id)
        name = esc(area(rep, question))
        rows.append(
            f'<tr><th scope="row"><a href="#finding-{esc(question.id)}">{name}</a></th>'
            f'<td class="rating rating-{esc(finding.rating)}">'
            f"<strong>{esc(findings.rating_label(finding.rating, rep.lang))}</strong></td>"
            f"<td>{esc(_reason(rep, finding))}</td></tr>")
        items = "".join(f"<li>{esc(t)}</li>"
                        for t in main_figures(rep, question, indicators, matrix.words))
        figures.append(f"<dt>{name}</dt><dd><ul>{items}</ul></dd>")
    head = "".join(f'<th scope="col">{esc(rep.t(k))}</th>' for k in (
        "exec.col.question", "exec.col.rating", "exec.col.reason"))
    return (f'<table class="summary"><caption>{esc(rep.t("exec.ratings_caption"))}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f'<h3>{esc(rep.t("exec.figures_heading"))}</h3>'
            f'<dl class="figures">{"".join(figures)}</dl>'
            f'<p class="note">{esc(rep.t("exec.details"))}</p>')


def _considerations(rep) -> str:
    items = "".join(f'<li><a href="#consideration-{esc(c.id)}">{esc(c.text(rep.lang))}</a></li>'
                    for c in rep.params.considerations)
    return (f'<h3>{esc(rep.t("exec.considerations_heading"))}</h3>'
            f"<p>{esc(rep.t('exec.considerations_body'))}</p><ol>{items}</ol>")


def render(rep) -> Html:
    return Html(f'<section id="executive">'
                f'<h2>{esc(rep.t("section.summary"))}</h2>'
                f"{_scope(rep)}{_ratings(rep)}{_considerations(rep)}</section>")
