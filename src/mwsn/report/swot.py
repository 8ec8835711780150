"""SWOT: strengths, weaknesses, opportunities and threats from interviews and focus groups.

How many participants raised each entry is said in evaluators' words (the
thresholds of ``params/evaluation_matrix.yaml``), never as a small count; a
few scrubbed quotes follow, attributed to a stakeholder group only.
"""

from __future__ import annotations

import pandas as pd

from mwsn import findings, i18n, qualitative
from mwsn.report.html import Html, esc, table


def scale_text(rep, words: list[dict]) -> str:
    """The evaluators' words and their thresholds, e.g. "most (more than 50%)"."""
    parts = []
    for w in words:
        if w["word"] == "none":
            continue
        pct = i18n.percent(w["min_share"], rep.lang)
        if w["min_share"] >= 1 and not w.get("above"):
            rule = pct
        else:
            rule = rep.t("words.rule_above" if w.get("above") else "words.rule_at_least",
                         pct=pct)
        parts.append(rep.t("words.scale", word=rep.t(f"words.{w['word']}"), rule=rule))
    return "; ".join(parts)


def render(rep) -> Html:
    matrix = rep.matrix
    swot = rep.processed("swot")
    # a theme is not tied to a group too small to show (fewer than min_cell interviewed)
    people = rep.processed("participants")
    asked = people[people["line_of_evidence"].isin(["interview", "focus_group"])]
    sizes = asked.groupby("stakeholder_group")["participant"].nunique()
    shown_groups = qualitative.nameable_groups(sizes, rep.params.min_cell, rep.protected)
    view = pd.DataFrame({
        rep.t("col.swot"): [rep.codebook.category_label("swot", s, rep.lang) for s in swot["swot"]],
        rep.t("col.code"): [findings.code_label(c, rep.lang) for c in swot["code"]],
        rep.t("col.raised_by"): [rep.t(f"words.{w}") for w in swot["words"]],
        rep.t("col.groups"): [", ".join(rep.group_label(g) for g in str(gs).split(", ")
                                        if g in shown_groups) for gs in swot["groups"]],
    })
    tbl = table(view, rep.t("swot.caption"), name="swot", lang=rep.lang,
                min_cell=rep.params.min_cell)
    parts = ([f"<p>{esc(rep.t('swot.body', scale=scale_text(rep, matrix.words)))}</p>", tbl]
             if len(swot) else [f"<p>{esc(rep.t('swot.none'))}</p>"])  # no tags: no empty table
    agreement = rep.processed("coder_agreement")
    cohen = agreement[agreement["statistic"] == "cohen_kappa"]
    if len(cohen):
        k = cohen.iloc[0]
        parts.append("<p>" + esc(rep.t(
            "swot.agreement", n=i18n.number(k["excerpts"], rep.lang),
            kappa=i18n.number(k["value"], rep.lang, 2),
            ci_low=i18n.number(k["ci_low"], rep.lang, 2),
            ci_high=i18n.number(min(k["ci_high"], 1.0), rep.lang, 2),
            band=rep.t(f"band.{k['interpretation']}"))) + "</p>")
    quotes = rep.processed("quotes")
    # attribution no finer than the report shows: the group x line count must be shown
    protected = rep.protected
    quotes = quotes[[protected.shown(("participants", q.stakeholder_group, q.line_of_evidence))
                     is not None for q in quotes.itertuples()]] if len(quotes) else quotes
    if len(quotes):
        items = "".join(
            f"<li><blockquote>{esc(q.text)}</blockquote><p class=\"note\">"
            f"{esc(rep.t('swot.quote_by', group=rep.group_label(q.stakeholder_group), line=rep.codebook.category_label('line_of_evidence', q.line_of_evidence, rep.lang)))}"
            f" - {esc(findings.code_label(q.code, rep.lang))}</p></li>"
            for q in quotes.itertuples())
        parts.append(f"<h3>{esc(rep.t('swot.quotes_heading'))}</h3><ul class=\"quotes\">"
                     f"{items}</ul>")
    return Html(f'<section id="swot"><h2>{esc(rep.t("swot.heading"))}</h2>'
                f"{''.join(parts)}</section>")
