"""Evaluation matrix + scoring rules + rubric -> one rating per question, with its evidence.

``params/evaluation_matrix.yaml`` is the evaluation design: questions, their
indicators (line of evidence, measure, scoring rule) and the rubrics that
triangulate indicator scores into a rating. Nothing here writes a rating down:

1. :func:`measure` computes every indicator's estimate, interval and base from
   the processed tables (survey, excerpts, program metrics, participants);
2. :func:`score` applies each indicator's rule: ``met``, ``partly``, ``not_met``,
   or ``insufficient`` when the base is too small or the data absent;
3. :func:`rate` applies the question's rubric: too few scored indicators or
   lines of evidence give ``insufficient_evidence`` (never a guess);
4. :func:`justification` writes, in EN or FR, why: every indicator with its
   estimate, 95% CI, base and source, small counts in words or suppressed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, ValidationError, field_validator

from mwsn import i18n, privacy, qualitative, stats
from mwsn.codebook import Codebook, likert_items, was_collected
from mwsn.config import Bilingual, Jurisdiction, Strict, validation_problems, read_yaml
from mwsn.errors import InputError, Problem

#: what an indicator can end as: scored (met, partly, not_met), or not scored
SCORES = ("met", "partly", "not_met", "insufficient", "not_collected", "context")
SCORED = ("met", "partly", "not_met")
#: not scored: fewer answers than the rule's minimum (or no answer at all)
INSUFFICIENT_DATA = "insufficient"
#: not scored: the data were not collected (item not asked, source not supplied)
NOT_COLLECTED = "not_collected"
#: not scored: a contextual indicator, shown beside the rating, not a Network outcome
CONTEXT = "context"
#: the processed tables the findings read (written by notebooks 01, 02 and 05)
INPUTS = ("survey", "excerpts", "participants", "program_metrics")
INSUFFICIENT = "insufficient_evidence"
#: measures whose estimate is a share of people, shown as a percentage
SHARE_KINDS = ("survey_agreement", "survey_gain", "code_share", "participation")


class Measure(Strict):
    kind: Literal["survey_agreement", "survey_gain", "code_share", "program_metric",
                  "participation"]
    item: str | None = None
    group: str | None = None
    before: str | None = None
    after: str | None = None
    code: str | None = None
    groups: list[str] | None = None
    metric: str | None = None
    #: a program metric's unit; every other measure is a share
    unit: Literal["share", "count"] | None = None

    @property
    def value_unit(self) -> str:
        return self.unit or ("share" if self.kind in SHARE_KINDS else "count")


class Rule(Strict):
    """A scoring rule: thresholds are numbers, or evaluators' words for interview shares."""

    direction: Literal["higher", "lower"] = "higher"
    met: float | str
    partly: float | str
    min_n: int = Field(default=1, ge=1)
    source: str | None = None


class Indicator(Strict):
    id: str
    label: Bilingual
    line_of_evidence: str
    measure: Measure
    rule: Rule
    context: bool = False


class Question(Strict):
    id: str
    scope: Literal["network", "consultation"]
    rubric: str
    logic_model: str | None = None
    question: Bilingual
    indicators: list[Indicator] = Field(min_length=1)


class RatingRule(Strict):
    rating: str
    min_mean_score: float
    max_not_met: int | None = None


class Rubric(Strict):
    min_indicators: int = Field(ge=1)
    min_lines_of_evidence: int = Field(ge=1)
    ratings: list[RatingRule] = Field(min_length=1)


class Word(Strict):
    word: str
    min_share: float
    above: bool = False


class ThresholdSource(Strict):
    en: str
    fr: str
    date: dt.date

    def __call__(self, lang: str) -> str:
        return getattr(self, lang)


class Coverage(Strict):
    unscored_counts_as: Literal["not_met"] = "not_met"


class Robustness(Strict):
    replicates: int = Field(default=500, ge=0)
    seed: int = 20180301
    threshold_shift: float = Field(default=0.10, ge=0, le=1)
    stable_at: float = Field(default=0.8, gt=0, le=1)


class Override(Strict):
    jurisdiction: str
    question: str
    rating: str
    #: who decided, by role (a name of a role, not of a person): one string or EN/FR
    role: Bilingual | str
    reason: Bilingual

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _code(cls, value):
        if isinstance(value, bool):
            raise ValueError("put the jurisdiction code in quotes (jurisdiction: \"on\"): "
                             "YAML reads on, off, yes and no as true or false")
        return value

    def role_in(self, lang: str) -> str:
        return self.role if isinstance(self.role, str) else self.role(lang)
    date: dt.date | None = None


class Matrix(Strict):
    lines_of_evidence: list[str]
    scores: dict[Literal["met", "partly", "not_met"], float]
    threshold_sources: dict[str, ThresholdSource] = Field(default_factory=dict)
    coverage: Coverage = Coverage()
    robustness: Robustness = Robustness()
    overrides: list[Override] = Field(default_factory=list)
    rubrics: dict[str, Rubric]
    evaluators_words: list[Word]
    questions: list[Question]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def indicator(self, question_id: str, indicator_id: str) -> Indicator:
        return next(i for i in self.question(question_id).indicators if i.id == indicator_id)

    def for_jurisdiction(self, params: Jurisdiction) -> list[Question]:
        """The questions that apply: outcomes where a Network is in place, else consultation."""
        scope = "network" if params.network_in_place else "consultation"
        return [q for q in self.questions if q.scope == scope]

    def overrides_for(self, jurisdiction: str) -> dict[str, Override]:
        return {o.question: o for o in self.overrides if o.jurisdiction == jurisdiction}

    @property
    def words(self) -> list[dict]:
        return [w.model_dump() for w in self.evaluators_words]


def logic_model_ids(model: dict) -> set[str]:
    """Every element id of the logic model (inputs, activities, outputs, outcomes)."""
    ids = set()
    for part in ("inputs", "activities", "outputs"):
        ids.update(e["id"] for e in model.get(part) or [])
    for level in (model.get("outcomes") or {}).values():
        ids.update(e["id"] for e in level or [])
    return ids


def load_logic_model(root: str | Path = ".") -> dict:
    path = Path(root) / "params" / "logic_model.yaml"
    model = read_yaml(path)
    ids = logic_model_ids(model)
    problems = []
    for part in ("inputs", "activities", "outputs"):
        for element in model.get(part) or []:
            problems += [Problem(str(path), f"{part}: '{element['id']}' leads to unknown "
                                 f"element '{target}': add it or fix the id")
                         for target in element.get("leads_to", []) if target not in ids]
    for level, elements in (model.get("outcomes") or {}).items():
        for element in elements or []:
            problems += [Problem(str(path), f"outcomes.{level}: '{element['id']}' leads to "
                                 f"unknown element '{target}': add it or fix the id")
                         for target in element.get("leads_to", []) if target not in ids]
    if problems:
        raise InputError(problems)
    return model


def _rule_problems(path, matrix: Matrix, where: str, ind: Indicator) -> list[Problem]:
    """A rule's thresholds: words for interview shares (one scale with the text), else numbers."""
    words = [w.word for w in matrix.evaluators_words]
    rule, problems = ind.rule, []
    for name in ("met", "partly"):
        value = getattr(rule, name)
        if ind.measure.kind == "code_share" and value not in words:
            problems.append(Problem(str(path), f"{where}: rule {name} must be one of the "
                                    f"evaluators' words {words}, as the report prints them, "
                                    f"not {value!r}"))
        if ind.measure.kind != "code_share" and isinstance(value, str):
            problems.append(Problem(str(path), f"{where}: rule {name} must be a number, "
                                    f"not {value!r} (words are for interview shares only)"))
    if rule.source is None or rule.source not in matrix.threshold_sources:
        problems.append(Problem(str(path), f"{where}: rule source {rule.source!r} is not in "
                                f"threshold_sources {sorted(matrix.threshold_sources)}: "
                                "say where the thresholds come from"))
    if ind.measure.kind == "program_metric" and not ind.measure.unit:
        problems.append(Problem(str(path), f"{where}: a program_metric needs `unit: share` "
                                "or `unit: count`"))
    return problems


def _override_problems(path, matrix: Matrix) -> list[Problem]:
    problems = []
    ids = {q.id: q for q in matrix.questions}
    for o in matrix.overrides:
        where = f"override of '{o.question}' ({o.jurisdiction})"
        if o.question not in ids:
            problems.append(Problem(str(path), f"{where}: no such question"))
            continue
        allowed = [r.rating for r in matrix.rubrics[ids[o.question].rubric].ratings
                   ] if ids[o.question].rubric in matrix.rubrics else []
        if o.rating not in allowed + [INSUFFICIENT]:
            problems.append(Problem(str(path), f"{where}: rating {o.rating!r} is not one of "
                                    f"{allowed + [INSUFFICIENT]}"))
        if not o.reason.en.strip() or not o.reason.fr.strip():
            problems.append(Problem(str(path), f"{where}: give the reason in English and French"))
    return problems


def load_matrix(root: str | Path = ".") -> Matrix:
    """Load ``params/evaluation_matrix.yaml``; every inconsistency is an InputError."""
    path = Path(root) / "params" / "evaluation_matrix.yaml"
    try:
        matrix = Matrix.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise InputError(validation_problems(path, exc)) from None
    model_ids = logic_model_ids(load_logic_model(root))
    problems, seen = [], set()
    for q in matrix.questions:
        where = f"question '{q.id}'"
        if q.id in seen:
            problems.append(Problem(str(path), f"{where} is defined twice: rename one"))
        seen.add(q.id)
        if q.rubric not in matrix.rubrics:
            problems.append(Problem(str(path), f"{where} uses unknown rubric '{q.rubric}'"))
        if q.logic_model and q.logic_model not in model_ids:
            problems.append(Problem(str(path), f"{where} links to '{q.logic_model}', which is "
                                    "not in params/logic_model.yaml"))
        for ind in q.indicators:
            if ind.line_of_evidence not in matrix.lines_of_evidence:
                problems.append(Problem(str(path), f"{where}, indicator '{ind.id}': unknown "
                                        f"line of evidence '{ind.line_of_evidence}'"))
            if ind.measure.kind in ("survey_agreement",) and not ind.measure.item:
                problems.append(Problem(str(path), f"{where}, indicator '{ind.id}': "
                                        "survey_agreement needs an item"))
            problems += _rule_problems(path, matrix, f"{where}, indicator '{ind.id}'", ind)
    problems += _override_problems(path, matrix)
    if problems:
        raise InputError(problems)
    return matrix


# -- 1. measure -----------------------------------------------------------------------------

INDICATOR_COLUMNS = ["question_id", "indicator_id", "line_of_evidence", "kind", "subject",
                     "group", "unit", "people", "base", "status", "estimate", "ci_low",
                     "ci_high", "count", "n", "groups_mentioned", "groups_total"]


def _share(count: int, n: int, with_ci: bool = True) -> dict:
    if not with_ci:
        return {"estimate": count / n if n else float("nan"), "count": count, "n": n}
    ci = stats.proportion_ci(count, n).iloc[0]
    return {"estimate": ci.estimate, "ci_low": ci.ci_low, "ci_high": ci.ci_high,
            "count": count, "n": n}


def _not_asked(part: pd.DataFrame, item: str) -> bool:
    """Whether ``item`` was never asked of these respondents (every reason is ``not_asked``)."""
    reason = f"{item}_missing"
    if not was_collected(part, item):  # not in the instrument, or declared absent
        return True
    if reason not in part.columns or part[item].notna().any() or part.empty:
        return False
    return bool((part[reason].astype("string") == "not_asked").all())


def _survey_part(survey, m: Measure) -> pd.DataFrame | None:
    if survey is None:
        return None
    return survey if m.group is None else survey[survey["stakeholder_group"] == m.group]


def _survey_agreement(survey, codebook: Codebook, m: Measure, with_ci: bool = True) -> dict:
    part = _survey_part(survey, m)
    if part is None or _not_asked(part, m.item):
        return {"status": NOT_COLLECTED}
    answered = part[m.item].dropna()
    agree_codes = likert_items(codebook, "survey")[m.item]
    return _share(int(answered.isin(agree_codes).sum()), len(answered), with_ci)


def _survey_gain(survey, m: Measure, with_ci: bool = True) -> dict:
    part = _survey_part(survey, m)
    if part is None or _not_asked(part, m.before) or _not_asked(part, m.after):
        return {"status": NOT_COLLECTED}
    pairs = part[[m.before, m.after]].dropna()
    return _share(int((pairs[m.after] > pairs[m.before]).sum()), len(pairs), with_ci)


def _code_share(excerpts, m: Measure, coded: bool = False) -> dict:
    if excerpts is None or excerpts.empty:
        return {"status": NOT_COLLECTED}
    found = qualitative.code_share(excerpts, m.code, m.groups, coded=coded)
    return {"estimate": found["share"], "count": found["count"], "n": found["n"],
            "groups_mentioned": found["groups_mentioned"],
            "groups_total": found["groups_total"]}


def _program_metric(program_metrics, m: Measure) -> dict:
    """A program metric: a complete count of records, so no interval (not a sample)."""
    if program_metrics is None:
        return {"status": NOT_COLLECTED}
    row = program_metrics[program_metrics["metric"] == m.metric]
    if row.empty:
        return {"status": NOT_COLLECTED}
    r = row.iloc[0]
    return {"estimate": r["estimate"], "count": r["count"], "n": r["n"]}


def _participation(participants, targets: dict[str, int]) -> dict:
    total = sum(targets.values())
    if participants is None or not total:
        return {"status": NOT_COLLECTED}
    took_part = int(participants["participant"].nunique())
    return {"estimate": took_part / total, "count": took_part, "n": total}


#: what each measure's base counts (catalogue key ``base.<name>``)
PROGRAM_BASES = {"budget_spent_share": "ledger_rows", "sub_grantees": "sub_grants",
                 "funding_recipients": "ledger_rows", "workers_reached": "recipient_reports",
                 "meetings_held": "meetings", "meeting_types_held": "meetings",
                 "stakeholder_groups_attending": "meetings",
                 "migrant_worker_attendance_share": "attendances",
                 "recommendations_acted_on": "recommendations",
                 "recommendations_made": "recommendations"}


def base_of(m: Measure) -> str:
    """What an indicator's base ``n`` counts, as a catalogue key suffix (``base.<key>``)."""
    if m.kind == "survey_agreement":
        return "respondents"
    if m.kind == "survey_gain":
        return "respondent_pairs"
    if m.kind == "code_share":
        return "participants"
    if m.kind == "participation":
        return "target"
    return PROGRAM_BASES.get(m.metric or "", "records")


def measure_one(m: Measure, tables: dict[str, pd.DataFrame], codebook: Codebook,
                params: Jurisdiction, with_ci: bool = True, coded: bool = False) -> dict:
    """One measure's ``estimate, count, n`` (and interval), or ``status: not_collected``."""
    if m.kind == "survey_agreement":
        return _survey_agreement(tables.get("survey"), codebook, m, with_ci)
    if m.kind == "survey_gain":
        return _survey_gain(tables.get("survey"), m, with_ci)
    if m.kind == "code_share":
        return _code_share(tables.get("excerpts"), m, coded)
    if m.kind == "program_metric":
        return _program_metric(tables.get("program_metrics"), m)
    return _participation(tables.get("participants"), params.sample_targets)


def measure(matrix: Matrix, questions: list[Question], tables: dict[str, pd.DataFrame],
            codebook: Codebook, params: Jurisdiction) -> pd.DataFrame:
    """Every indicator's estimate, interval, count and base, one row per indicator.

    ``tables`` may hold ``survey``, ``excerpts``, ``program_metrics`` and
    ``participants``. An indicator whose data were not collected (the table is
    absent, the survey item missing or never asked) has ``status`` ``not_collected``
    and no estimate. Only survey shares carry a 95% Wilson interval: program
    metrics are complete counts of records, and interview mentions are given in
    words (``groups_mentioned`` of ``groups_total`` focus groups beside them).
    """
    rows = []
    for q in questions:
        for ind in q.indicators:
            m = ind.measure
            found = measure_one(m, tables, codebook, params)
            subject = {"survey_agreement": m.item, "survey_gain": m.after, "code_share": m.code,
                       "program_metric": m.metric}.get(m.kind, "participation")
            group = ",".join(m.groups) if m.groups else m.group
            rows.append({"question_id": q.id, "indicator_id": ind.id,
                         "line_of_evidence": ind.line_of_evidence, "kind": m.kind,
                         "subject": subject, "group": group, "people": m.kind != "program_metric",
                         "unit": m.value_unit, "base": base_of(m),
                         "status": found.get("status", "measured"), **{
                             k: found.get(k) for k in ("estimate", "ci_low", "ci_high",
                                                       "count", "n", "groups_mentioned",
                                                       "groups_total")}})
    out = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    return out.astype({"estimate": float, "ci_low": float, "ci_high": float,
                       "count": "Int64", "n": "Int64", "people": bool,
                       "groups_mentioned": "Int64", "groups_total": "Int64"})


# -- 2. score ---------------------------------------------------------------------------------

def threshold(value: float | str, direction: str, words: list[dict]) -> tuple[float, bool]:
    """A rule's threshold as ``(limit, strict)``: an estimate passes it when it is at or beyond
    ``limit`` (strictly beyond when ``strict``) in the rule's direction.

    A number is itself, reached inclusively. A word of the evaluators' scale stands for
    its band: with ``higher``, "most" is passed by any share the word "most" (or a word
    above it) describes; with ``lower``, "a_few" is passed by any share described by
    "a few" or a word below it, that is, any share that does not reach the band above.
    """
    if not isinstance(value, str):
        return float(value), False
    return qualitative.word_threshold(value, direction, words)


def passes(estimate: float, limit: float, strict: bool, direction: str) -> bool:
    if direction == "higher":
        return estimate > limit if strict else estimate >= limit
    return estimate < limit if strict else estimate <= limit


def score_value(estimate: float | None, n: int | None, rule: Rule, min_n: int,
                words: list[dict] | None = None, shift: dict[str, float] | None = None) -> str:
    """One indicator's score under its rule: met, partly, not_met or insufficient.

    ``shift`` moves the ``met`` and/or ``partly`` threshold by the amount given (in the
    estimate's units), for the robustness check.
    """
    if estimate is None or pd.isna(estimate) or n is None or pd.isna(n) or n < min_n:
        return INSUFFICIENT_DATA
    shift = shift or {}
    for name in ("met", "partly"):
        limit, strict = threshold(getattr(rule, name), rule.direction, words or [])
        if passes(estimate, limit + shift.get(name, 0.0), strict, rule.direction):
            return name
    return "not_met"


def min_n_for(rule: Rule, people: bool, min_cell: int) -> int:
    """The smallest base an indicator is scored on: never below ``min_cell`` for people."""
    return max(rule.min_n, min_cell) if people else rule.min_n


def score(indicators: pd.DataFrame, matrix: Matrix, min_cell: int) -> pd.DataFrame:
    """Add ``min_n`` (the rule's, never below ``min_cell`` for people) and ``score``.

    ``score`` is ``met``, ``partly`` or ``not_met``; ``insufficient`` with too small a
    base; ``not_collected`` when the data were not collected; ``context`` for a
    contextual indicator (measured and shown, never scored).
    """
    out = indicators.copy()
    found = {(q.id, i.id): i for q in matrix.questions for i in q.indicators}
    min_ns, scores = [], []
    for row in out.itertuples():
        ind = found[(row.question_id, row.indicator_id)]
        min_n = min_n_for(ind.rule, row.people, min_cell)
        min_ns.append(min_n)
        status = getattr(row, "status", "measured")
        if status == NOT_COLLECTED:
            scores.append(NOT_COLLECTED)
        elif ind.context:
            scores.append(CONTEXT)
        else:
            n = None if pd.isna(row.n) else int(row.n)
            scores.append(score_value(row.estimate, n, ind.rule, min_n, matrix.words))
    out["min_n"] = min_ns
    out["score"] = pd.array(scores, dtype="string")
    return out


# -- 3. rate ----------------------------------------------------------------------------------

FINDING_COLUMNS = ["question_id", "rubric", "rating", "computed_rating", "rating_scored_only",
                   "capped", "missing_indicators", "n_indicators", "n_scored", "n_context",
                   "n_met", "n_not_met", "mean_score", "lines_of_evidence",
                   "bootstrap_share", "threshold_share", "robustness",
                   "overridden", "override_role_en", "override_role_fr", "override_reason_en",
                   "override_reason_fr"]


def _apply_rubric(points: list[float], n_not_met: int, rubric: Rubric) -> tuple[str, float]:
    mean = sum(points) / len(points)
    for rule in rubric.ratings:
        if mean >= rule.min_mean_score and (rule.max_not_met is None
                                            or n_not_met <= rule.max_not_met):
            return rule.rating, mean
    return rubric.ratings[-1].rating, mean


def rate_question(scores: list[tuple[str, str]], rubric: Rubric,
                  points: dict[str, float]) -> dict:
    """Rate one question from its ``(line_of_evidence, score)`` pairs under ``rubric``.

    Coverage rule: every indicator that is not scored (``insufficient``,
    ``not_collected``) counts as ``not_met``, so missing evidence can never raise a
    rating; ``context`` indicators are left out altogether. A question with fewer
    than the rubric's scored indicators or lines of evidence gets
    ``insufficient_evidence``. ``rating_scored_only`` is what the scored indicators
    alone would give; ``capped`` says the missing ones held the rating below it.
    """
    counted = [(line, s) for line, s in scores if s != CONTEXT]
    scored = [(line, s) for line, s in counted if s in points]
    lines = sorted({line for line, _ in scored})
    lowest = min(points, key=points.get)
    result = {"n_indicators": len(counted), "n_scored": len(scored),
              "n_context": len(scores) - len(counted),
              "n_met": sum(s == "met" for _, s in scored),
              "n_not_met": sum(s == "not_met" for _, s in scored),
              "lines_of_evidence": ";".join(lines), "mean_score": float("nan"),
              "rating_scored_only": INSUFFICIENT, "capped": False}
    if len(scored) < rubric.min_indicators or len(lines) < rubric.min_lines_of_evidence:
        return {**result, "rating": INSUFFICIENT}
    alone, _ = _apply_rubric([points[s] for _, s in scored], result["n_not_met"], rubric)
    pessimistic = [points[s] if s in points else points[lowest] for _, s in counted]
    unscored = len(counted) - len(scored)
    rating, mean = _apply_rubric(pessimistic, result["n_not_met"] + unscored, rubric)
    return {**result, "rating": rating, "mean_score": mean, "rating_scored_only": alone,
            "capped": rating != alone}


def rate(scored: pd.DataFrame, matrix: Matrix, questions: list[Question]) -> pd.DataFrame:
    """One computed rating per question, in the matrix's order (no robustness, no override)."""
    rows = []
    for q in questions:
        mine = scored[scored["question_id"] == q.id]
        pairs = list(zip(mine["line_of_evidence"], mine["score"]))
        result = rate_question(pairs, matrix.rubrics[q.rubric], dict(matrix.scores))
        missing = mine.loc[mine["score"].isin([INSUFFICIENT_DATA, NOT_COLLECTED]),
                           "indicator_id"]
        rows.append({"question_id": q.id, "rubric": q.rubric, **result,
                     "computed_rating": result["rating"],
                     "missing_indicators": ";".join(missing)})
    return pd.DataFrame(rows).reindex(columns=FINDING_COLUMNS)


def apply_overrides(ratings: pd.DataFrame, matrix: Matrix, jurisdiction: str) -> pd.DataFrame:
    """The final rating: the computed one, or the evaluator's override with its reason and role.

    ``rating`` becomes the final rating; ``computed_rating`` stays what the rubric gave;
    ``override_role_<lang>`` and ``override_reason_<lang>`` say who (by role) and why,
    in English and French.
    """
    out = ratings.copy()
    found = matrix.overrides_for(jurisdiction)
    out["overridden"] = out["question_id"].isin(found)
    out["rating"] = [found[q].rating if q in found else r
                     for q, r in zip(out["question_id"], out["computed_rating"])]
    for lang in ("en", "fr"):
        out[f"override_role_{lang}"] = [found[q].role_in(lang) if q in found else ""
                                        for q in out["question_id"]]
        out[f"override_reason_{lang}"] = [found[q].reason(lang) if q in found else ""
                                          for q in out["question_id"]]
    return out


def assess(matrix: Matrix, tables: dict[str, pd.DataFrame], codebook: Codebook,
           params: Jurisdiction, robustness: bool = True,
           disclosure=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Measure, score and rate every question that applies: ``(indicators, findings)``.

    With ``robustness`` (the default), each computed rating also gets the share of
    bootstrap replicates and of threshold shifts that give it again
    (:mod:`mwsn.robustness`); then evaluator overrides give the final ``rating``.
    ``disclosure``: the jurisdiction's pass (:class:`mwsn.privacy.Ledger`); an indicator
    whose figure it hides keeps its score in every replicate and threshold move (how often
    a rating holds tells how near a threshold the hidden estimate lies).
    """
    questions = matrix.for_jurisdiction(params)
    # a source the params do not declare was not collected: its cleaned table is an empty
    # one with the codebook's columns, which would read as no data from 0 respondents
    tables = {name: None if name in ("survey", "excerpts") and name not in params.sources
              else table for name, table in tables.items()}
    indicators = score(measure(matrix, questions, tables, codebook, params), matrix,
                       params.min_cell)
    ratings = rate(indicators, matrix, questions)
    if robustness:
        from mwsn import robustness as robust  # it builds on this module
        hidden = set()
        if disclosure is not None:
            shown = privacy.protected_indicators(indicators, disclosure)
            hidden = {(q, i) for q, i, w in zip(shown["question_id"], shown["indicator_id"],
                                                shown["withheld"]) if w}
        ratings = robust.add(ratings, indicators, matrix, questions, tables, codebook, params,
                             hidden=hidden)
    return indicators, apply_overrides(ratings, matrix, params.code)


def shown(indicators: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Indicators as they may be shown: estimates from fewer than ``min_cell`` people blanked.

    A metric that counts no people (a program metric) has no ``count``; it is
    taken as 0 here so that suppression leaves it alone.
    """
    table = indicators.assign(count=indicators["count"].fillna(0))
    return privacy.suppress(table, ["count", "n"], min_cell,
                            derived=["estimate", "ci_low", "ci_high"])


# -- 4. justify: one formatter for a value, a rule, a base ------------------------------------

def format_value(value: float, unit: str, lang: str) -> str:
    """A share as a percentage, a count as a number: the one way every output writes a value."""
    return i18n.percent(value, lang) if unit == "share" else i18n.number(value, lang)


_fmt = format_value  # the name the report modules used


def format_base(n, base: str, lang: str) -> str:
    """A base with what it counts: ``n = 34 participants``, ``7 recommendations``."""
    return i18n.t("base.n", lang, n=i18n.number(int(n), lang),
                  what=i18n.t(f"base.{base}", lang))


def format_rule(rule: Rule, measure: Measure, lang: str, words: list[dict],
                min_cell: int | None = None) -> str:
    """A scoring rule in words, on the scale its indicator is shown on.

    Numbers are written in the indicator's unit (``65%``, ``2,000``); interview
    shares in the evaluators' words they are printed with ("most", "a few").
    """
    unit = measure.value_unit

    def value(v) -> str:
        if isinstance(v, str):
            return "\u201c" + i18n.t(f"words.{v}", lang) + "\u201d"
        return format_value(float(v), unit, lang)

    kind = "words" if isinstance(rule.met, str) else "value"
    text = i18n.t(f"rule.{rule.direction}_{kind}", lang, met=value(rule.met),
                  partly=value(rule.partly))
    min_n = rule.min_n if min_cell is None else min_n_for(
        rule, measure.kind != "program_metric", min_cell)
    if min_n > 1:
        text += " " + i18n.t("rule.min_n", lang, n=i18n.number(min_n, lang),
                             what=i18n.t(f"base.{base_of(measure)}", lang))
    return text


def format_share_of_replicates(share: float, lang: str) -> str:
    return "-" if share is None or pd.isna(share) else i18n.percent(share, lang)


def source_text(row, codebook: Codebook, lang: str) -> str:
    """Where an indicator's number comes from, in words."""
    group = ""
    if isinstance(row.group, str) and row.group:
        group = ", ".join(codebook.category_label("stakeholder_group", g, lang)
                          for g in row.group.split(","))
    if row.kind in ("survey_agreement", "survey_gain"):
        try:
            label = codebook.sources["survey"].variable(row.subject).label(lang)
        except KeyError:  # an item this survey's codebook does not have
            label = str(row.subject)
        text = i18n.t("source.survey", lang, item=label)
    elif row.kind == "code_share":
        text = i18n.t("source.code", lang, code=code_label(row.subject, lang))
    elif row.kind == "program_metric":
        text = i18n.t("source.program", lang, metric=i18n.t(f"metric.{row.subject}", lang))
    else:
        text = i18n.t("source.participation", lang)
    return f"{text} ({group})" if group else text


def code_label(code: str, lang: str) -> str:
    """A qualitative code's label from the catalogue; the code itself when it has none."""
    try:
        return i18n.t(f"code.{code}", lang)
    except KeyError:
        return code.replace("_", " ")


def _focus_groups(row, lang: str, words: list[dict]) -> str:
    """"; raised in some of the 6 focus groups": focus groups counted as units too."""
    total = getattr(row, "groups_total", None)
    if total is None or pd.isna(total) or int(total) == 0:
        return ""
    word = qualitative.in_words(int(row.groups_mentioned) / int(total), words)
    return i18n.t("evidence.focus_groups", lang, words=i18n.t(f"words.{word}", lang),
                  n=i18n.number(int(total), lang))


def evidence_text(row, label: str, codebook: Codebook, lang: str, min_cell: int,
                  words: list[dict]) -> str:
    """What one indicator shows, with its estimate, CI, base and source; never a small count."""
    source = source_text(row, codebook, lang)
    status = str(row.score)
    score_word = i18n.t(f"score.{status}", lang)
    if status == NOT_COLLECTED:
        return i18n.t("evidence.not_collected", lang, label=label, source=source)
    n = None if pd.isna(row.n) else int(row.n)
    withheld = getattr(row, "withheld", "")
    if isinstance(withheld, str) and withheld:
        # hidden by the disclosure pass: say so in words, never a number
        kind = "class" if withheld.startswith("class") and n is not None else (
            "small_count" if withheld == "small_count" else "secondary")
        return i18n.t(f"evidence.withheld.{kind}", lang, label=label, source=source,
                      min_cell=min_cell, n=i18n.number(n, lang) if n is not None else "",
                      score=score_word)
    if pd.isna(row.estimate) or n is None or n == 0:
        return i18n.t("evidence.none", lang, label=label, source=source)
    if row.people and n < min_cell:
        return i18n.t("evidence.too_few_small", lang, label=label, source=source,
                      min_cell=min_cell)
    base = getattr(row, "base", "records")
    n_text = format_base(n, base, lang)
    if status == INSUFFICIENT_DATA:
        return i18n.t("evidence.too_few", lang, label=label, source=source, n=n_text,
                      min_n=i18n.number(row.min_n, lang))
    if row.kind == "code_share":
        word = i18n.t(f"words.{qualitative.in_words(row.estimate, words)}", lang)
        return i18n.t("evidence.words", lang, label=label, words=word,
                      n=i18n.number(n, lang), groups=_focus_groups(row, lang, words),
                      source=source, score=score_word)
    count = None if pd.isna(row.count) else int(row.count)
    if row.people and count is not None and 0 < count < min_cell:
        return i18n.t("evidence.suppressed", lang, label=label, n=i18n.number(n, lang),
                      source=source,
                      min_cell=min_cell, score=score_word)
    if pd.isna(row.ci_low):
        return i18n.t("evidence.value", lang, label=label,
                      estimate=format_value(row.estimate, row.unit, lang), n=n_text,
                      source=source, score=score_word)
    return i18n.t("evidence.share", lang, label=label,
                  estimate=format_value(row.estimate, row.unit, lang),
                  ci_low=format_value(row.ci_low, row.unit, lang),
                  ci_high=format_value(row.ci_high, row.unit, lang), n=n_text, source=source,
                  score=score_word)


def rating_label(rating: str, lang: str) -> str:
    return i18n.t(f"rating.{rating}", lang)


def _labels(q: Question, ids: str, lang: str) -> str:
    names = {i.id: i.label(lang) for i in q.indicators}
    return "; ".join(names.get(i, i) for i in str(ids or "").split(";") if i)


def override_text(finding, field: str, lang: str) -> str:
    """An override's ``role`` or ``reason`` in ``lang`` (empty when the rating was not changed)."""
    if not bool(getattr(finding, "overridden", False)):
        return ""
    return str(getattr(finding, f"override_{field}_{lang}", "") or "")


def coverage_text(finding, lang: str) -> str:
    """``4 of 4 indicators scored``: the evidence a rating rests on (indicators, not people)."""
    return i18n.t("coverage.scored", lang, n_scored=int(finding.n_scored),
                  n_indicators=int(finding.n_indicators))


def robustness_text(finding, matrix: Matrix, lang: str) -> str:
    """``Stable: the rating held in 97% of 500 resampled samples and 100% of threshold moves``."""
    robust = getattr(finding, "robustness", None)
    if not isinstance(robust, str) or not robust:
        return ""
    return i18n.t(f"robustness.{robust}", lang,
                  boot=format_share_of_replicates(finding.bootstrap_share, lang),
                  replicates=i18n.number(matrix.robustness.replicates, lang),
                  moved=format_share_of_replicates(finding.threshold_share, lang),
                  shift=i18n.number(matrix.robustness.threshold_shift * 100, lang))


def justification(finding, indicators: pd.DataFrame, matrix: Matrix, codebook: Codebook,
                  lang: str, min_cell: int) -> str:
    """Why a question got its rating: the rubric's reading, coverage, robustness, any
    override, then every indicator's evidence."""
    q = matrix.question(finding.question_id)
    rubric = matrix.rubrics[q.rubric]
    computed = getattr(finding, "computed_rating", None) or finding.rating
    lines = [line for line in str(finding.lines_of_evidence or "").split(";") if line]
    line_names = ", ".join(i18n.t(f"line.{line}", lang) for line in lines) or "-"
    if computed == INSUFFICIENT:
        parts = [i18n.t("justify.insufficient", lang, n_scored=finding.n_scored,
                        n_indicators=finding.n_indicators, n_lines=len(lines),
                        min_indicators=rubric.min_indicators,
                        min_lines=rubric.min_lines_of_evidence)]
    else:
        parts = [i18n.t("justify.rated", lang, rating=rating_label(computed, lang),
                        n_scored=finding.n_scored, n_indicators=finding.n_indicators,
                        n_met=finding.n_met, n_lines=len(lines), lines=line_names,
                        mean=i18n.number(finding.mean_score, lang, 1),
                        top=i18n.number(max(matrix.scores.values()), lang))]
    missing = _labels(q, getattr(finding, "missing_indicators", ""), lang)
    if missing and computed != INSUFFICIENT:
        if bool(getattr(finding, "capped", False)):
            parts.append(i18n.t("justify.capped", lang, missing=missing, alone=rating_label(
                finding.rating_scored_only, lang)))
        else:
            parts.append(i18n.t("justify.missing", lang, missing=missing))
    parts.append(robustness_text(finding, matrix, lang))
    if bool(getattr(finding, "overridden", False)):
        parts.append(i18n.t("justify.override", lang, computed=rating_label(computed, lang),
                            final=rating_label(finding.rating, lang),
                            role=override_text(finding, "role", lang),
                            reason=override_text(finding, "reason", lang)))
    labels = {i.id: i.label(lang) for i in q.indicators}
    mine = indicators[indicators["question_id"] == finding.question_id]
    parts += [evidence_text(row, labels[row.indicator_id], codebook, lang, min_cell,
                            matrix.words) for row in mine.itertuples()]
    return " ".join(p for p in parts if p)


PUBLISHED_COLUMNS = ["question_id", "question", "rating", "rating_label", "computed_rating",
                     "overridden", "override_role", "override_reason", "n_indicators",
                     "n_scored", "missing_indicators", "capped", "bootstrap_share",
                     "threshold_share", "robustness", "lines_of_evidence", "justification"]


def findings_table(findings: pd.DataFrame, indicators: pd.DataFrame, matrix: Matrix,
                   codebook: Codebook, lang: str, min_cell: int) -> pd.DataFrame:
    """The published findings (``findings.csv``), one row per question.

    ``rating`` is the final rating (an evaluator's override when there is one),
    ``computed_rating`` the rubric's; ``n_scored`` of ``n_indicators`` is the
    coverage and ``missing_indicators`` names those not scored; ``bootstrap_share``
    and ``threshold_share`` are shares of replicates (not of people) giving the
    computed rating again, read as ``robustness`` (stable / sensitive).
    """
    rows = []
    for f in findings.itertuples():
        rows.append({
            "question_id": f.question_id,
            "question": matrix.question(f.question_id).question(lang),
            "rating": f.rating,
            "rating_label": rating_label(f.rating, lang),
            "computed_rating": getattr(f, "computed_rating", f.rating),
            "overridden": bool(getattr(f, "overridden", False)),
            "override_role": override_text(f, "role", lang),
            "override_reason": override_text(f, "reason", lang),
            "n_indicators": int(f.n_indicators),
            "n_scored": int(f.n_scored),
            "missing_indicators": getattr(f, "missing_indicators", "") or "",
            "capped": bool(getattr(f, "capped", False)),
            "bootstrap_share": getattr(f, "bootstrap_share", float("nan")),
            "threshold_share": getattr(f, "threshold_share", float("nan")),
            "robustness": getattr(f, "robustness", "") or "",
            "lines_of_evidence": f.lines_of_evidence,
            "justification": justification(f, indicators, matrix, codebook, lang, min_cell),
        })
    return pd.DataFrame(rows, columns=PUBLISHED_COLUMNS)
