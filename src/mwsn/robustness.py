"""How firmly each rating holds: respondents resampled, thresholds moved.

Two checks, set in ``params/evaluation_matrix.yaml`` (``robustness``):

1. **Resampling** (the bootstrap, Efron & Tibshirani 1993): ``replicates`` new
   samples drawn with replacement, with a fixed ``seed``: survey respondents within
   their stakeholder group, interview and focus-group *sessions* within their line of
   evidence (a focus group is resampled whole: its participants' mentions are not
   independent). Program data are complete counts of records and stay as they are.
   Each replicate is measured, scored and rated as the data were;
   ``bootstrap_share`` is the share of replicates giving the computed rating again.
2. **Thresholds**: each scoring threshold (``met``, ``partly``) of each scored
   indicator of the question is moved, one at a time, up and down by
   ``threshold_shift`` (a share: that many points, 0.10 = 10 percentage points; a
   count: that fraction of the threshold); ``threshold_share`` is the share of these
   variants giving the computed rating again.

A rating is ``stable`` when both shares reach ``stable_at``, else ``sensitive``.
These shares are about replicates and thresholds, not about people, but how often a
rating holds tells how near its thresholds each estimate lies: "not met, held in every
threshold move" says a share below 15% where the rule's "partly" starts at 25%. So an
indicator whose figure the disclosure pass hides keeps its (published) score in every
replicate and every move: the shares reveal nothing of a hidden estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mwsn import findings, qualitative
from mwsn.codebook import Codebook, likert_items
from mwsn.config import Jurisdiction

STABLE, SENSITIVE = "stable", "sensitive"


def _draw(strata: list[list[np.ndarray]], rng: np.random.Generator) -> np.ndarray:
    """Row positions of one replicate: units drawn with replacement within each stratum."""
    rows = [stratum[k] for stratum in strata
            for k in rng.integers(0, len(stratum), size=len(stratum))]
    return np.concatenate(rows) if rows else np.array([], dtype=int)


def _strata(frame: pd.DataFrame, unit: str, strata: str) -> list[list[np.ndarray]]:
    """Row positions of each unit, grouped by stratum (computed once, drawn from many times)."""
    out = []
    for _, stratum in frame.groupby(strata, sort=True, observed=True).indices.items():
        units = frame.iloc[stratum].groupby(unit, sort=True, observed=True).indices
        out.append([stratum[rows] for rows in units.values()])
    return out


def _survey_values(survey: pd.DataFrame, m, codebook: Codebook) -> np.ndarray:
    """Per respondent: 1 (counted), 0 (in the base, not counted), NaN (not in the base)."""
    part = survey["stakeholder_group"].eq(m.group) if m.group else pd.Series(True, survey.index)
    if m.kind == "survey_agreement":
        answer = survey[m.item]
        hit = answer.isin(likert_items(codebook, "survey")[m.item])
        base = answer.notna()
    else:
        base = survey[m.before].notna() & survey[m.after].notna()
        hit = base & (survey[m.after].astype(float) > survey[m.before].astype(float))
    return np.where(base & part, hit.astype(float), np.nan)


def _mention_values(coded: pd.DataFrame, m) -> tuple[pd.DataFrame, np.ndarray]:
    """Per (session, participant) of the interviews and focus groups: 1 if they raised the
    code, 0 if not, NaN if not in the indicator's groups; rows in ``pairs``' order."""
    lines = coded[coded["line_of_evidence"].isin(qualitative.QUALITATIVE_LINES)]
    keys = ["line_of_evidence", "session_id", "participant"]
    pairs = lines.groupby(keys, sort=True, observed=True).agg(
        group=("stakeholder_group", "first"),
        hit=("code", lambda c: float((c == m.code).any()))).reset_index()
    if m.groups:
        pairs.loc[~pairs["group"].isin(m.groups), "hit"] = np.nan
    return pairs, pairs["hit"].to_numpy(dtype=float)


def _estimate(values: np.ndarray) -> tuple[float, int]:
    n = int((~np.isnan(values)).sum())
    return (float(np.nansum(values)) / n if n else float("nan")), n


def bootstrap(matrix, questions, tables: dict[str, pd.DataFrame], codebook: Codebook,
              params: Jurisdiction, hidden: dict | None = None) -> dict[str, list[str]]:
    """The rating of every question in each bootstrap replicate: ``{question_id: [rating, ...]}``.

    Each indicator is reduced once to one value per resampling unit's rows (a survey
    respondent; a participant within an interview or focus-group session), so a
    replicate is a draw of row positions and a few sums. A participant heard in two
    sessions counts once per session here (the published share counts them once).
    ``hidden``: ``{(question_id, indicator_id): score}`` of indicators whose figure the
    disclosure pass hides; each keeps that score in every replicate.
    """
    settings = matrix.robustness
    rng = np.random.default_rng(settings.seed)
    survey, excerpts = tables.get("survey"), tables.get("excerpts")
    words, points = matrix.words, dict(matrix.scores)
    resampled: dict[tuple[str, str], tuple[str, np.ndarray]] = {}
    fixed: dict[tuple[str, str], str] = {}
    survey_strata = pair_strata = None
    if survey is not None and len(survey):
        survey = survey.reset_index(drop=True)
        survey_strata = _strata(survey.assign(_row=np.arange(len(survey))), "_row",
                                "stakeholder_group")
    coded = qualitative.main_coding(excerpts) if excerpts is not None and len(excerpts) else None
    for q in questions:
        for ind in q.indicators:
            m, key = ind.measure, (q.id, ind.id)
            if key in (hidden or {}):
                fixed[key] = hidden[key]
                continue
            found = findings.measure_one(m, tables, codebook, params, with_ci=False)
            if found.get("status") == findings.NOT_COLLECTED or ind.context:
                fixed[key] = findings.NOT_COLLECTED if not ind.context else findings.CONTEXT
            elif m.kind in ("survey_agreement", "survey_gain"):
                resampled[key] = ("survey", _survey_values(survey, m, codebook))
            elif m.kind == "code_share":
                pairs, values = _mention_values(coded, m)
                if pair_strata is None:
                    pair_strata = _strata(pairs, "session_id", "line_of_evidence")
                resampled[key] = ("excerpts", values)
            else:  # program data and participation: complete counts, not resampled
                n = found.get("n")
                fixed[key] = findings.score_value(
                    found.get("estimate"), None if n is None or pd.isna(n) else int(n),
                    ind.rule, findings.min_n_for(ind.rule, m.kind != "program_metric",
                                                 params.min_cell), words)
    ratings: dict[str, list[str]] = {q.id: [] for q in questions}
    for _ in range(settings.replicates):
        draws = {"survey": _draw(survey_strata, rng) if survey_strata else None,
                 "excerpts": _draw(pair_strata, rng) if pair_strata else None}
        for q in questions:
            pairs = []
            for ind in q.indicators:
                key = (q.id, ind.id)
                if key in fixed:
                    pairs.append((ind.line_of_evidence, fixed[key]))
                    continue
                source, values = resampled[key]
                estimate, n = _estimate(values[draws[source]])
                min_n = findings.min_n_for(ind.rule, True, params.min_cell)
                pairs.append((ind.line_of_evidence,
                              findings.score_value(estimate, n, ind.rule, min_n, words)))
            ratings[q.id].append(
                findings.rate_question(pairs, matrix.rubrics[q.rubric], points)["rating"])
    return ratings


def threshold_variants(question, indicators: pd.DataFrame, matrix,
                       hidden: set | frozenset = frozenset()) -> list[str]:
    """The question's rating under each one-at-a-time threshold move (up and down); the
    thresholds of an indicator in ``hidden`` (``(question_id, indicator_id)``: its figure
    is hidden) are not moved."""
    shift = matrix.robustness.threshold_shift
    mine = indicators[indicators["question_id"] == question.id].set_index("indicator_id")
    points, words = dict(matrix.scores), matrix.words
    base = {i.id: (i.line_of_evidence, str(mine.loc[i.id, "score"])) for i in question.indicators}
    out = []
    for ind in question.indicators:
        if base[ind.id][1] not in findings.SCORED or (question.id, ind.id) in hidden:
            continue  # not scored: no threshold of it decides anything; hidden: see above
        row = mine.loc[ind.id]
        for name in ("met", "partly"):
            limit, _ = findings.threshold(getattr(ind.rule, name), ind.rule.direction, words)
            step = shift if row["unit"] == "share" else shift * abs(limit)
            for sign in (-1, 1):
                moved = findings.score_value(row["estimate"], int(row["n"]), ind.rule,
                                             int(row["min_n"]), words, {name: sign * step})
                pairs = [base[i.id] if i.id != ind.id else (i.line_of_evidence, moved)
                         for i in question.indicators]
                out.append(findings.rate_question(pairs, matrix.rubrics[question.rubric],
                                                  points)["rating"])
    return out


def _share(values: list[str], rating: str) -> float:
    return sum(v == rating for v in values) / len(values) if values else float("nan")


def add(ratings: pd.DataFrame, indicators: pd.DataFrame, matrix, questions,
        tables: dict[str, pd.DataFrame], codebook: Codebook,
        params: Jurisdiction, hidden: set | frozenset = frozenset()) -> pd.DataFrame:
    """``ratings`` with ``bootstrap_share``, ``threshold_share`` and ``robustness`` filled in.

    With no replicate (``replicates: 0``) or no threshold that could move, that share is
    NaN and does not count against stability. ``hidden``: ``(question_id, indicator_id)``
    of indicators whose figure the disclosure pass hides: their score is held as it is.
    """
    out = ratings.copy()
    scores = {(q, i): s for q, i, s in zip(indicators["question_id"],
                                           indicators["indicator_id"], indicators["score"])}
    replicates = bootstrap(matrix, questions, tables, codebook, params,
                           {k: scores[k] for k in hidden if k in scores}) \
        if matrix.robustness.replicates else {}
    by_id = {q.id: q for q in questions}
    boot, moved = [], []
    for row in out.itertuples():
        boot.append(_share(replicates.get(row.question_id, []), row.computed_rating))
        moved.append(_share(threshold_variants(by_id[row.question_id], indicators, matrix,
                                               hidden), row.computed_rating))
    out["bootstrap_share"] = pd.array(boot, dtype=float)
    out["threshold_share"] = pd.array(moved, dtype=float)
    stable_at = matrix.robustness.stable_at
    out["robustness"] = [STABLE if all(pd.isna(v) or v >= stable_at for v in (b, t))
                         else SENSITIVE for b, t in zip(boot, moved)]
    return out
