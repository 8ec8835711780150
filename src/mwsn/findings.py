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

from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, ValidationError

from mwsn import i18n, privacy, qualitative, stats
from mwsn.codebook import Codebook, likert_items
from mwsn.config import Bilingual, Jurisdiction, Strict, validation_problems, read_yaml
from mwsn.errors import InputError, Problem

SCORES = ("met", "partly", "not_met", "insufficient")
#: the processed tables the findings read (written by notebooks 01, 02 and 05)
INPUTS = ("survey", "excerpts", "participants", "program_metrics")
INSUFFICIENT = "insufficient_evidence"


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


class Rule(Strict):
    direction: Literal["higher", "lower"] = "higher"
    met: float
    partly: float
    min_n: int = Field(default=1, ge=1)


class Indicator(Strict):
    id: str
    label: Bilingual
    line_of_evidence: str
    measure: Measure
    rule: Rule


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


class Matrix(Strict):
    lines_of_evidence: list[str]
    scores: dict[Literal["met", "partly", "not_met"], float]
    rubrics: dict[str, Rubric]
    evaluators_words: list[Word]
    questions: list[Question]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def for_jurisdiction(self, params: Jurisdiction) -> list[Question]:
        """The questions that apply: outcomes where a Network is in place, else consultation."""
        scope = "network" if params.network_in_place else "consultation"
        return [q for q in self.questions if q.scope == scope]

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
    if problems:
        raise InputError(problems)
    return matrix


# -- 1. measure -----------------------------------------------------------------------------

INDICATOR_COLUMNS = ["question_id", "indicator_id", "line_of_evidence", "kind", "subject",
                     "group", "unit", "people", "estimate", "ci_low", "ci_high", "count", "n"]


def _share(count: int, n: int) -> dict:
    ci = stats.proportion_ci(count, n).iloc[0]
    return {"estimate": ci.estimate, "ci_low": ci.ci_low, "ci_high": ci.ci_high,
            "count": count, "n": n, "unit": "share"}


def _survey_agreement(survey, codebook: Codebook, m: Measure) -> dict:
    if survey is None or m.item not in survey.columns:
        return {}
    part = survey if m.group is None else survey[survey["stakeholder_group"] == m.group]
    answered = part[m.item].dropna()
    agree_codes = likert_items(codebook, "survey")[m.item]
    return _share(int(answered.isin(agree_codes).sum()), len(answered))


def _survey_gain(survey, m: Measure) -> dict:
    if survey is None or m.before not in survey.columns or m.after not in survey.columns:
        return {}
    part = survey if m.group is None else survey[survey["stakeholder_group"] == m.group]
    pairs = part[[m.before, m.after]].dropna()
    return _share(int((pairs[m.after] > pairs[m.before]).sum()), len(pairs))


def _code_share(excerpts, m: Measure) -> dict:
    if excerpts is None or excerpts.empty:
        return {}
    found = qualitative.code_share(excerpts, m.code, m.groups)
    if not found["n"]:
        return {}
    return {"estimate": found["share"], "count": found["count"], "n": found["n"],
            "unit": "share"}


def _program_metric(program_metrics, m: Measure) -> dict:
    if program_metrics is None:
        return {}
    row = program_metrics[program_metrics["metric"] == m.metric]
    if row.empty:
        return {}
    r = row.iloc[0]
    return {"estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
            "count": r["count"], "n": r["n"], "unit": r["unit"]}


def _participation(participants, targets: dict[str, int]) -> dict:
    total = sum(targets.values())
    if participants is None or not total:
        return {}
    took_part = int(participants["participant"].nunique())
    return {"estimate": took_part / total, "count": took_part, "n": took_part,
            "unit": "share"}


def measure(matrix: Matrix, questions: list[Question], tables: dict[str, pd.DataFrame],
            codebook: Codebook, params: Jurisdiction) -> pd.DataFrame:
    """Every indicator's estimate, interval, count and base, one row per indicator.

    ``tables`` may hold ``survey``, ``excerpts``, ``program_metrics`` and
    ``participants``; an indicator whose data is absent gets no estimate.
    """
    rows = []
    for q in questions:
        for ind in q.indicators:
            m = ind.measure
            if m.kind == "survey_agreement":
                found = _survey_agreement(tables.get("survey"), codebook, m)
                subject, people, group = m.item, True, m.group
            elif m.kind == "survey_gain":
                found = _survey_gain(tables.get("survey"), m)
                subject, people, group = m.after, True, m.group
            elif m.kind == "code_share":
                found = _code_share(tables.get("excerpts"), m)
                subject, people = m.code, True
                group = ",".join(m.groups) if m.groups else None
            elif m.kind == "program_metric":
                found = _program_metric(tables.get("program_metrics"), m)
                subject, people, group = m.metric, False, None
            else:
                found = _participation(tables.get("participants"), params.sample_targets)
                subject, people, group = "participation", True, None
            rows.append({"question_id": q.id, "indicator_id": ind.id,
                         "line_of_evidence": ind.line_of_evidence, "kind": m.kind,
                         "subject": subject, "group": group, "people": people,
                         "unit": found.get("unit", "share"), **{
                             k: found.get(k) for k in ("estimate", "ci_low", "ci_high",
                                                       "count", "n")}})
    out = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    return out.astype({"estimate": float, "ci_low": float, "ci_high": float,
                       "count": "Int64", "n": "Int64", "people": bool})


# -- 2. score ---------------------------------------------------------------------------------

def score_value(estimate: float | None, n: int | None, rule: Rule, min_n: int) -> str:
    """One indicator's score under its rule: met, partly, not_met or insufficient."""
    if estimate is None or pd.isna(estimate) or n is None or pd.isna(n) or n < min_n:
        return "insufficient"
    if rule.direction == "higher":
        return "met" if estimate >= rule.met else "partly" if estimate >= rule.partly \
            else "not_met"
    return "met" if estimate <= rule.met else "partly" if estimate <= rule.partly \
        else "not_met"


def score(indicators: pd.DataFrame, matrix: Matrix, min_cell: int) -> pd.DataFrame:
    """Add ``min_n`` (the rule's, never below ``min_cell`` for people) and ``score``."""
    out = indicators.copy()
    rules = {(q.id, i.id): i.rule for q in matrix.questions for i in q.indicators}
    min_ns, scores = [], []
    for row in out.itertuples():
        rule = rules[(row.question_id, row.indicator_id)]
        min_n = max(rule.min_n, min_cell) if row.people else rule.min_n
        min_ns.append(min_n)
        n = None if pd.isna(row.n) else int(row.n)
        scores.append(score_value(row.estimate, n, rule, min_n))
    out["min_n"] = min_ns
    out["score"] = pd.array(scores, dtype="string")
    return out


# -- 3. rate ----------------------------------------------------------------------------------

FINDING_COLUMNS = ["question_id", "rubric", "rating", "n_indicators", "n_scored", "n_met",
                   "n_not_met", "mean_score", "lines_of_evidence"]


def rate_question(scores: list[tuple[str, str]], rubric: Rubric,
                  points: dict[str, float]) -> dict:
    """Rate one question from its ``(line_of_evidence, score)`` pairs under ``rubric``."""
    scored = [(line, s) for line, s in scores if s in points]
    lines = sorted({line for line, _ in scored})
    result = {"n_indicators": len(scores), "n_scored": len(scored),
              "n_met": sum(s == "met" for _, s in scored),
              "n_not_met": sum(s == "not_met" for _, s in scored),
              "lines_of_evidence": ";".join(lines), "mean_score": float("nan")}
    if len(scored) < rubric.min_indicators or len(lines) < rubric.min_lines_of_evidence:
        return {**result, "rating": INSUFFICIENT}
    mean = sum(points[s] for _, s in scored) / len(scored)
    result["mean_score"] = mean
    for rule in rubric.ratings:
        if mean >= rule.min_mean_score and (rule.max_not_met is None
                                            or result["n_not_met"] <= rule.max_not_met):
            return {**result, "rating": rule.rating}
    return {**result, "rating": rubric.ratings[-1].rating}


def rate(scored: pd.DataFrame, matrix: Matrix, questions: list[Question]) -> pd.DataFrame:
    """One rating per question, in the matrix's order."""
    rows = []
    for q in questions:
        mine = scored[scored["question_id"] == q.id]
        pairs = list(zip(mine["line_of_evidence"], mine["score"]))
        rows.append({"question_id": q.id, "rubric": q.rubric,
                     **rate_question(pairs, matrix.rubrics[q.rubric], dict(matrix.scores))})
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def assess(matrix: Matrix, tables: dict[str, pd.DataFrame], codebook: Codebook,
           params: Jurisdiction) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Measure, score and rate every question that applies: ``(indicators, findings)``."""
    questions = matrix.for_jurisdiction(params)
    indicators = score(measure(matrix, questions, tables, codebook, params), matrix,
                       params.min_cell)
    return indicators, rate(indicators, matrix, questions)


def shown(indicators: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Indicators as they may be shown: estimates from fewer than ``min_cell`` people blanked.

    A metric that counts no people (a program metric) has no ``count``; it is
    taken as 0 here so that suppression leaves it alone.
    """
    table = indicators.assign(count=indicators["count"].fillna(0))
    return privacy.suppress(table, ["count", "n"], min_cell,
                            derived=["estimate", "ci_low", "ci_high"])


# -- 4. justify -----------------------------------------------------------------------------

def _fmt(value: float, unit: str, lang: str) -> str:
    return i18n.percent(value, lang) if unit == "share" else i18n.number(value, lang)


def source_text(row, codebook: Codebook, lang: str) -> str:
    """Where an indicator's number comes from, in words."""
    group = ""
    if isinstance(row.group, str) and row.group:
        group = ", ".join(codebook.category_label("stakeholder_group", g, lang)
                          for g in row.group.split(","))
    if row.kind in ("survey_agreement", "survey_gain"):
        label = codebook.sources["survey"].variable(row.subject).label(lang)
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


def evidence_text(row, label: str, codebook: Codebook, lang: str, min_cell: int,
                  words: list[dict]) -> str:
    """What one indicator shows, with its estimate, CI, base and source; never a small count."""
    source = source_text(row, codebook, lang)
    score_word = i18n.t(f"score.{row.score}", lang)
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
    n_text = i18n.number(n, lang)
    if row.score == "insufficient":
        return i18n.t("evidence.too_few", lang, label=label, source=source, n=n_text,
                      min_n=i18n.number(row.min_n, lang))
    if row.kind == "code_share":
        word = i18n.t(f"words.{qualitative.in_words(row.estimate, words)}", lang)
        return i18n.t("evidence.words", lang, label=label, words=word, n=n_text,
                      source=source, score=score_word)
    count = None if pd.isna(row.count) else int(row.count)
    if row.people and count is not None and 0 < count < min_cell:
        return i18n.t("evidence.suppressed", lang, label=label, n=n_text, source=source,
                      min_cell=min_cell, score=score_word)
    if pd.isna(row.ci_low):
        return i18n.t("evidence.value", lang, label=label,
                      estimate=_fmt(row.estimate, row.unit, lang), source=source,
                      score=score_word)
    return i18n.t("evidence.share", lang, label=label,
                  estimate=_fmt(row.estimate, row.unit, lang),
                  ci_low=_fmt(row.ci_low, row.unit, lang),
                  ci_high=_fmt(row.ci_high, row.unit, lang), n=n_text, source=source,
                  score=score_word)


def rating_label(rating: str, lang: str) -> str:
    return i18n.t(f"rating.{rating}", lang)


def justification(finding, indicators: pd.DataFrame, matrix: Matrix, codebook: Codebook,
                  lang: str, min_cell: int) -> str:
    """Why a question got its rating: the rubric's reading, then every indicator's evidence."""
    q = matrix.question(finding.question_id)
    rubric = matrix.rubrics[q.rubric]
    lines = [line for line in str(finding.lines_of_evidence).split(";") if line]
    line_names = ", ".join(i18n.t(f"line.{line}", lang) for line in lines) or "-"
    if finding.rating == INSUFFICIENT:
        head = i18n.t("justify.insufficient", lang, n_scored=finding.n_scored,
                      n_indicators=finding.n_indicators, n_lines=len(lines),
                      min_indicators=rubric.min_indicators,
                      min_lines=rubric.min_lines_of_evidence)
    else:
        head = i18n.t("justify.rated", lang, rating=rating_label(finding.rating, lang),
                      n_scored=finding.n_scored, n_indicators=finding.n_indicators,
                      n_met=finding.n_met, n_lines=len(lines), lines=line_names,
                      mean=i18n.number(finding.mean_score, lang, 1),
                      top=i18n.number(max(matrix.scores.values()), lang))
    labels = {i.id: i.label(lang) for i in q.indicators}
    mine = indicators[indicators["question_id"] == finding.question_id]
    parts = [evidence_text(row, labels[row.indicator_id], codebook, lang, min_cell,
                           matrix.words) for row in mine.itertuples()]
    return " ".join([head, *parts])


def findings_table(findings: pd.DataFrame, indicators: pd.DataFrame, matrix: Matrix,
                   codebook: Codebook, lang: str, min_cell: int) -> pd.DataFrame:
    """The published findings: ``question_id, question, rating, rating_label,
    justification, n_indicators, n_scored, lines_of_evidence``."""
    rows = []
    for f in findings.itertuples():
        rows.append({
            "question_id": f.question_id,
            "question": matrix.question(f.question_id).question(lang),
            "rating": f.rating,
            "rating_label": rating_label(f.rating, lang),
            "justification": justification(f, indicators, matrix, codebook, lang, min_cell),
            "n_indicators": int(f.n_indicators),
            "n_scored": int(f.n_scored),
            "lines_of_evidence": f.lines_of_evidence,
        })
    return pd.DataFrame(rows, columns=["question_id", "question", "rating", "rating_label",
                                       "justification", "n_indicators", "n_scored",
                                       "lines_of_evidence"])
