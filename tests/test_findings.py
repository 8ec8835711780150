"""Scoring rules, the rubric, and ratings that move when the evidence moves."""

from __future__ import annotations

import csv
import itertools
from html import escape
from pathlib import Path

import pandas as pd
import pytest

from conftest import SHIPPED, make_root
from mwsn import config, findings, i18n, ingest
from mwsn.codebook import load_codebook
from mwsn.errors import InputError

ORDER = ["limited_progress", "some_progress", "strong_progress"]
MATRIX = findings.load_matrix(SHIPPED)
RUBRIC = MATRIX.rubrics["progress"]
POINTS = dict(MATRIX.scores)
CODEBOOK = load_codebook(SHIPPED)


# -- scoring rules -----------------------------------------------------------------------------

@pytest.mark.parametrize("estimate, expected", [(0.7, "met"), (0.65, "met"), (0.5, "partly"),
                                                (0.39, "not_met")])
def test_higher_is_better_rule(estimate, expected):
    rule = findings.Rule(direction="higher", met=0.65, partly=0.4)
    assert findings.score_value(estimate, 30, rule, min_n=10) == expected


@pytest.mark.parametrize("estimate, expected", [(0.05, "met"), (0.2, "partly"), (0.3, "not_met")])
def test_lower_is_better_rule(estimate, expected):
    rule = findings.Rule(direction="lower", met=0.1, partly=0.25)
    assert findings.score_value(estimate, 30, rule, min_n=10) == expected


def test_too_small_a_base_or_no_data_is_not_scored():
    rule = findings.Rule(met=0.65, partly=0.4)
    assert findings.score_value(0.9, 9, rule, min_n=10) == "insufficient"
    assert findings.score_value(float("nan"), 30, rule, min_n=10) == "insufficient"
    assert findings.score_value(None, None, rule, min_n=1) == "insufficient"


# -- the rubric ----------------------------------------------------------------------------------

def test_all_met_across_two_lines_is_strong_progress():
    result = findings.rate_question([("survey", "met"), ("program_data", "met")], RUBRIC, POINTS)
    assert result["rating"] == "strong_progress"


def test_one_indicator_not_met_rules_out_strong_progress():
    scores = [("survey", "met"), ("survey", "met"), ("program_data", "met"),
              ("program_data", "not_met")]
    assert findings.rate_question(scores, RUBRIC, POINTS)["rating"] == "some_progress"


def test_mostly_not_met_is_limited_progress():
    scores = [("survey", "not_met"), ("program_data", "partly"), ("survey", "not_met")]
    assert findings.rate_question(scores, RUBRIC, POINTS)["rating"] == "limited_progress"


def test_one_line_of_evidence_is_insufficient_evidence_however_good():
    scores = [("survey", "met"), ("survey", "met"), ("program_data", "insufficient")]
    result = findings.rate_question(scores, RUBRIC, POINTS)
    assert result["rating"] == "insufficient_evidence"
    assert result["n_scored"] == 2 and result["lines_of_evidence"] == "survey"


def test_matrix_covers_the_published_outcome_areas_and_both_components():
    ids = {q.id for q in MATRIX.questions}
    assert {"information", "collaboration", "reporting_support", "abuse_deterrence",
            "policy_influence", "funding_program_delivery", "network_meetings_delivery"} <= ids


def test_matrix_with_an_unknown_rubric_is_refused_naming_the_question(tmp_path):
    root = make_root(tmp_path, jurisdictions=())
    path = root / "params" / "evaluation_matrix.yaml"
    path.write_text(path.read_text().replace("rubric: progress\n    logic_model: collaboration",
                                             "rubric: progres\n    logic_model: collaboration"))
    with pytest.raises(InputError, match="question 'collaboration' uses unknown rubric"):
        findings.load_matrix(root)


# -- coverage: missing evidence never raises a rating ------------------------------------------

def _order(rubric) -> list[str]:
    """The rubric's ratings from lowest to highest."""
    return [r.rating for r in reversed(rubric.ratings)]


def _not_higher(after: str, before: str, rubric) -> bool:
    """``after`` is no higher than ``before``; insufficient evidence is no rating at all."""
    if after == findings.INSUFFICIENT:
        return True
    if before == findings.INSUFFICIENT:
        return False
    order = _order(rubric)
    return order.index(after) <= order.index(before)


@pytest.mark.parametrize("question", [q.id for q in MATRIX.questions])
def test_losing_any_indicators_data_never_raises_the_rating(question):
    """Every question, every combination of scores: an indicator that was scored becoming
    insufficient or not collected never gives a higher rating (a failing one included)."""
    q = MATRIX.question(question)
    rubric = MATRIX.rubrics[q.rubric]
    lines = [i.line_of_evidence for i in q.indicators]
    for combo in itertools.product(("met", "partly", "not_met"), repeat=len(lines)):
        before = findings.rate_question(list(zip(lines, combo)), rubric, POINTS)["rating"]
        for k, lost in itertools.product(range(len(lines)),
                                         (findings.INSUFFICIENT_DATA, findings.NOT_COLLECTED)):
            scores = list(combo)
            scores[k] = lost
            after = findings.rate_question(list(zip(lines, scores)), rubric, POINTS)["rating"]
            assert _not_higher(after, before, rubric), (question, combo, k, lost, after)


def test_met_met_and_missing_is_not_strong_progress_and_says_why():
    # the case of the review: met + met + not met gives some progress, so met + met + (no
    # data) must not give strong progress
    failing = [("survey", "met"), ("program_data", "met"), ("interviews_focus_groups", "not_met")]
    missing = [("survey", "met"), ("program_data", "met"),
               ("interviews_focus_groups", "insufficient")]
    assert findings.rate_question(failing, RUBRIC, POINTS)["rating"] == "some_progress"
    result = findings.rate_question(missing, RUBRIC, POINTS)
    assert result["rating"] == "some_progress"
    assert result["capped"] and result["rating_scored_only"] == "strong_progress"
    assert (result["n_scored"], result["n_indicators"]) == (2, 3)


def test_strong_progress_needs_every_indicator_scored():
    scores = [("survey", "met"), ("survey", "met"), ("program_data", "met"),
              ("interviews_focus_groups", "not_collected")]
    assert findings.rate_question(scores, RUBRIC, POINTS)["rating"] != "strong_progress"
    scores[-1] = ("interviews_focus_groups", "met")
    assert findings.rate_question(scores, RUBRIC, POINTS)["rating"] == "strong_progress"


def test_a_context_indicator_is_shown_but_neither_scored_nor_counted_missing():
    scores = [("survey", "met"), ("program_data", "met"), ("interviews_focus_groups", "context")]
    result = findings.rate_question(scores, RUBRIC, POINTS)
    assert result["rating"] == "strong_progress" and not result["capped"]
    assert (result["n_indicators"], result["n_context"]) == (2, 1)
    assert MATRIX.indicator("abuse_deterrence", "fear_of_reprisal_mentioned").context


def test_an_item_the_survey_did_not_ask_is_not_collected(project_root):
    survey = pd.DataFrame({"stakeholder_group": ["employer"] * 12,
                           "collaboration": pd.array([pd.NA] * 12, dtype="Int8"),
                           "collaboration_missing": ["not_asked"] * 12})
    m = MATRIX.indicator("collaboration", "collaboration_agree").measure
    params = config.load("bc", project_root)
    found = findings.measure_one(m, {"survey": survey}, CODEBOOK, params)
    assert found == {"status": "not_collected"}
    # a column the export never had is not collected either
    assert findings.measure_one(m, {"survey": survey.drop(columns=["collaboration"])}, CODEBOOK,
                                params) == {"status": "not_collected"}
    # answered by nobody, but asked: too few to score, not "not collected"
    asked = survey.assign(collaboration_missing="dont_know")
    assert findings.measure_one(m, {"survey": asked}, CODEBOOK, params)["n"] == 0


def test_a_survey_the_params_do_not_declare_is_not_collected(project_root):
    # a jurisdiction without a survey (sources: excerpts and program data): its cleaned
    # survey is an empty table with the codebook's columns, which read as 'no data' from a
    # base of 0 respondents in the report's evidence table, beside program data that another
    # jurisdiction lacks reading 'not collected'
    params = config.load("bc", project_root)
    params = params.model_copy(update={"sources": {
        name: source for name, source in params.sources.items() if name != "survey"}})
    empty = pd.DataFrame({"stakeholder_group": pd.Series(dtype="string"),
                          **{item: pd.Series(dtype="Int8") for item in ITEMS},
                          **{f"{item}_missing": pd.Series(dtype="string") for item in ITEMS}})
    indicators, _ = findings.assess(MATRIX, {"survey": empty}, CODEBOOK, params,
                                    robustness=False)
    survey = indicators[indicators["line_of_evidence"] == "survey"]
    assert len(survey) and set(survey["score"]) == {"not_collected"}


ITEMS = ("know_rights", "info_support", "collaboration", "reporting_support",
         "abuse_deterrence", "policy_influence", "knowledge_before", "knowledge_after")


def test_a_rule_on_interview_shares_must_use_the_evaluators_words(tmp_path):
    root = make_root(tmp_path, jurisdictions=())
    path = root / "params" / "evaluation_matrix.yaml"
    path.write_text(path.read_text().replace(
        "code: collaboration_improved}\n        rule: {direction: higher, met: most",
        "code: collaboration_improved}\n        rule: {direction: higher, met: 0.4"))
    with pytest.raises(InputError, match="collaboration_mentioned.*evaluators' words"):
        findings.load_matrix(root)


def test_a_threshold_without_a_source_is_refused(tmp_path):
    root = make_root(tmp_path, jurisdictions=())
    path = root / "params" / "evaluation_matrix.yaml"
    text = path.read_text()
    path.write_text(text.replace("met: 4, partly: 3, min_n: 1, source: demonstration",
                                 "met: 4, partly: 3, min_n: 1", 1))
    with pytest.raises(InputError, match="'groups_at_meetings': rule source None"):
        findings.load_matrix(root)


# -- evaluator overrides ---------------------------------------------------------------------------

def _with_override(tmp_path, rating="some_progress", question="abuse_deterrence"):
    root = make_root(tmp_path, jurisdictions=())
    path = root / "params" / "evaluation_matrix.yaml"
    path.write_text(path.read_text().replace("overrides: []", f"""overrides:
  - {{jurisdiction: bc, question: {question}, rating: {rating}, role: "Lead evaluator",
     reason: {{en: "Case files show referrals acted on", fr: "Les dossiers montrent des suites"}}}}"""))
    return root


def test_an_override_keeps_the_computed_rating_beside_the_final_one(tmp_path):
    matrix = findings.load_matrix(_with_override(tmp_path))
    computed = pd.DataFrame({"question_id": ["abuse_deterrence", "collaboration"],
                             "computed_rating": ["limited_progress", "strong_progress"],
                             "rating": ["limited_progress", "strong_progress"]})
    out = findings.apply_overrides(computed, matrix, "bc").set_index("question_id")
    assert out.loc["abuse_deterrence", "rating"] == "some_progress"
    assert out.loc["abuse_deterrence", "computed_rating"] == "limited_progress"
    assert out.loc["abuse_deterrence", "override_role_en"] == "Lead evaluator"
    assert out.loc["abuse_deterrence", "override_reason_fr"] == "Les dossiers montrent des suites"
    assert not out.loc["collaboration", "overridden"]
    # another jurisdiction's ratings are left alone
    assert not findings.apply_overrides(computed, matrix, "on")["overridden"].any()


def test_an_override_to_a_rating_the_rubric_does_not_have_is_refused(tmp_path):
    with pytest.raises(InputError, match="rating 'strong_case' is not one of"):
        findings.load_matrix(_with_override(tmp_path, rating="strong_case"))


# -- ratings on the synthetic data, and when the evidence moves ----------------------------------

def _tables(root, code="bc"):
    where = config.paths(code, root)
    return {name: ingest.read_processed(where.processed, name) for name in findings.INPUTS}


def _ratings(root, tables, code="bc"):
    params = config.load(code, root)
    _, ratings = findings.assess(MATRIX, tables, load_codebook(root), params, robustness=False)
    return ratings.set_index("question_id")["rating"]


@pytest.mark.integration
def test_bc_synthetic_data_reproduces_the_published_findings(bc_run):
    ratings = pd.read_parquet(bc_run / "data/processed/bc/findings.parquet")
    ratings = ratings.set_index("question_id")["rating"]
    # seed: progress on information, collaboration and support to report wrongdoing ...
    for q in ("information", "collaboration", "reporting_support"):
        assert ratings[q] in ("strong_progress", "some_progress"), q
    # ... continued improvement needed on abuse and on policy influence
    for q in ("abuse_deterrence", "policy_influence"):
        assert ratings[q] == "limited_progress", q


@pytest.mark.integration
def test_bc_ratings_say_which_are_stable(bc_run):
    ratings = pd.read_parquet(bc_run / "data/processed/bc/findings.parquet")
    ratings = ratings.set_index("question_id")
    # the seed's five published ratings all hold in at least 80% of 500 resampled samples
    # of the synthetic respondents and of threshold moves of 10 points (robustness:
    # stable_at in params); the delivery of Network Meetings does not (its migrant-worker
    # attendance share and "results not shared back" sit near their thresholds)
    stable = {q for q, r in ratings["robustness"].items() if r == "stable"}
    assert stable == {"information", "collaboration", "reporting_support", "abuse_deterrence",
                      "policy_influence", "funding_program_delivery"}
    assert ratings.loc["network_meetings_delivery", "robustness"] == "sensitive"
    assert ratings["bootstrap_share"].between(0, 1).all()
    assert (ratings["computed_rating"] == ratings["rating"]).all()  # no override in params
    assert (ratings["n_scored"] == ratings["n_indicators"]).all()   # every indicator scored


@pytest.mark.integration
def test_findings_csv_carries_coverage_robustness_and_computed_rating(bc_run):
    published = pd.read_csv(bc_run / "data/processed/bc/findings.csv")
    assert {"computed_rating", "rating", "n_scored", "n_indicators", "missing_indicators",
            "bootstrap_share", "threshold_share", "robustness", "overridden",
            "override_role", "override_reason"} <= set(published.columns)
    assert set(published["robustness"]) <= {"stable", "sensitive"}


def _agreeing_rows(survey, item, group=None):
    rows = survey[item].notna()
    return rows & (survey["stakeholder_group"] == group) if group else rows


@pytest.mark.integration
def test_collaboration_answered_strongly_disagree_or_left_blank(bc_run):
    """The review's case: all "Strongly disagree" gives some progress; blank must not be strong."""
    tables = _tables(bc_run)
    survey = tables["survey"].copy()
    answered = survey["collaboration"].notna()
    disagree = survey.copy()
    disagree.loc[answered, "collaboration"] = 1  # strongly disagree
    blank = survey.copy()
    blank["collaboration"] = pd.array([pd.NA] * len(blank), dtype=survey["collaboration"].dtype)
    rated_disagree = _ratings(bc_run, {**tables, "survey": disagree})["collaboration"]
    rated_blank = _ratings(bc_run, {**tables, "survey": blank})["collaboration"]
    assert rated_disagree == "some_progress"
    assert rated_blank != "strong_progress"
    assert ORDER.index(rated_blank) <= ORDER.index(rated_disagree)


@pytest.mark.integration
def test_for_every_question_removing_a_failing_survey_or_program_indicator_never_raises(bc_run):
    """Data, not scores: for each survey and program indicator of every question, its data
    made to fail, then removed; the rating without the data is never higher."""
    tables = _tables(bc_run)
    params = config.load("bc", bc_run)
    rubric = MATRIX.rubrics["progress"]
    checked = 0
    for q in MATRIX.for_jurisdiction(params):
        for ind in q.indicators:
            m = ind.measure
            if m.kind == "survey_agreement":
                survey = tables["survey"].copy()
                rows = _agreeing_rows(survey, m.item, m.group)
                survey.loc[rows, m.item] = 1 if ind.rule.direction == "higher" else 5
                gone = survey.drop(columns=[m.item])
                failing, removed = {**tables, "survey": survey}, {**tables, "survey": gone}
            elif m.kind == "survey_gain":
                survey = tables["survey"].copy()
                survey[m.after] = survey[m.before]
                failing = {**tables, "survey": survey}
                removed = {**tables, "survey": survey.drop(columns=[m.after])}
            elif m.kind == "program_metric":
                metrics = tables["program_metrics"].copy()
                metrics.loc[metrics["metric"] == m.metric, "estimate"] = 0.0
                failing = {**tables, "program_metrics": metrics}
                removed = {**tables, "program_metrics":
                           metrics[metrics["metric"] != m.metric]}
            else:
                continue
            before = _ratings(bc_run, failing)[q.id]
            after = _ratings(bc_run, removed)[q.id]
            assert _not_higher(after, before, rubric), (q.id, ind.id, before, after)
            checked += 1
    assert checked >= 12


@pytest.mark.integration
def test_workers_disagreeing_they_know_their_rights_rates_information_lower(bc_run):
    tables = _tables(bc_run)
    before = _ratings(bc_run, tables)["information"]
    survey = tables["survey"].copy()
    workers = survey["stakeholder_group"] == "migrant_worker"
    survey.loc[workers, "know_rights"] = 1  # strongly disagree
    after = _ratings(bc_run, {**tables, "survey": survey})["information"]
    assert ORDER.index(after) < ORDER.index(before)


@pytest.mark.integration
def test_too_few_responses_give_insufficient_evidence(bc_run):
    tables = _tables(bc_run)
    few = tables["excerpts"]["participant"].drop_duplicates().head(3)
    thin = {**tables, "survey": tables["survey"].head(4),
            "excerpts": tables["excerpts"][tables["excerpts"]["participant"].isin(few)]}
    ratings = _ratings(bc_run, thin)
    for q in ("information", "abuse_deterrence"):
        assert ratings[q] == "insufficient_evidence", q


@pytest.mark.integration
def test_justification_cites_estimate_ci_n_and_source(bc_run):
    published = pd.read_csv(bc_run / "data/processed/bc/findings.csv")
    assert {"question_id", "question", "rating", "justification", "n_indicators",
            "lines_of_evidence"} <= set(published.columns)
    why = published.set_index("question_id").loc["policy_influence", "justification"]
    assert "95% CI" in why and "n = " in why and "survey statement" in why
    # a share whose base is hidden (2 of the 26 asked gave no opinion: a count worked out by
    # subtraction) is said to be hidden, not cited
    why = published.set_index("question_id").loc["collaboration", "justification"]
    assert "Stakeholders who agree Network meetings improved collaboration: not shown" in why


@pytest.mark.integration
def test_report_shows_each_rating_with_its_evidence_in_both_languages(bc_run):
    en = (bc_run / "reports/bc/assessment.html").read_text(encoding="utf-8")
    fr = (bc_run / "reports/bc/assessment.fr.html").read_text(encoding="utf-8")
    assert 'id="finding-policy_influence"' in en and "Limited progress" in en
    assert "Progrès limités" in fr and "forces, faiblesses" in fr
    assert 'href="#finding-information"' in en  # a consideration links to its finding


def workers_disagree(root: Path) -> None:
    """Every migrant worker who answered know_rights in ``root``'s BC export now strongly
    disagrees."""
    export = root / "data/raw/bc/survey_export.csv"
    with open(export, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    group, item = rows[0].index("stakeholder_group"), rows[0].index("know_rights")
    for row in rows[3:]:  # after the Qualtrics names, question-text and ImportId rows
        if row[group] == "Migrant worker" and row[item]:
            row[item] = "Strongly disagree"
    with open(export, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


@pytest.mark.integration
def test_pipeline_on_data_where_workers_disagree_rates_information_lower(bc_rerun, bc_run):
    # the built BC project rerun after workers_disagree (and service records added, which no
    # rating reads: conftest.bc_rerun)
    moved = pd.read_parquet(bc_rerun / "data/processed/bc/findings.parquet").set_index(
        "question_id")["rating"]
    published = pd.read_parquet(bc_run / "data/processed/bc/findings.parquet").set_index(
        "question_id")["rating"]
    assert ORDER.index(moved["information"]) < ORDER.index(published["information"])
    assert moved["policy_influence"] == published["policy_influence"]


# Ontario, the second jurisdiction, runs as a consultation:
# test_exports_run.test_second_jurisdiction_runs_as_a_consultation (one run with the made
# jurisdictions)


# -- what the justification may say --------------------------------------------------------------

def _row(**values):
    base = {"question_id": "information", "indicator_id": "workers_know_rights",
            "line_of_evidence": "survey", "kind": "survey_agreement", "subject": "know_rights",
            "group": "migrant_worker", "unit": "share", "people": True, "base": "respondents",
            "status": "measured", "estimate": 0.75,
            "ci_low": 0.5, "ci_high": 0.9, "count": 15, "n": 20, "min_n": 10, "score": "met"}
    base.update(values)
    return next(pd.DataFrame([base]).itertuples())




def test_justification_cites_estimate_interval_base_and_source():
    text = findings.evidence_text(_row(), "Workers", CODEBOOK, "en", 5, MATRIX.words)
    assert text.startswith("Workers: 75% (95% CI 50% to 90%; n = 20 respondents who gave an "
                           "opinion; survey statement")
    assert text.endswith("- met.")
    fr = findings.evidence_text(_row(), "Travailleurs", CODEBOOK, "fr", 5, MATRIX.words)
    assert "75\u00a0% (IC à 95\u00a0% de 50\u00a0% à 90\u00a0%; n = 20" in fr


def test_a_share_computed_from_a_small_count_is_not_disclosed():
    text = findings.evidence_text(_row(count=3, estimate=0.15), "Workers", CODEBOOK, "en", 5,
                                  MATRIX.words)
    assert "15%" not in text and "fewer than 5 of 20" in text


def test_interview_mentions_are_given_in_evaluators_words():
    row = _row(kind="code_share", subject="abuse_persists", group=None, estimate=0.6,
               count=12, n=20, ci_low=float("nan"), ci_high=float("nan"))
    text = findings.evidence_text(row, "Abuse", CODEBOOK, "en", 5, MATRIX.words)
    assert "most of the 20 participants" in text and "60%" not in text


def test_program_metrics_are_not_suppressed_as_if_they_were_people():
    rows = pd.DataFrame([{**_row()._asdict(), "kind": "program_metric", "people": False,
                          "unit": "count", "estimate": 5.0, "count": pd.NA, "n": 24}])
    rows = rows.drop(columns="Index").astype({"count": "Int64"})
    assert findings.shown(rows, 5)["estimate"].iloc[0] == 5.0


def test_justification_states_coverage_robustness_and_override_in_both_languages():
    finding = next(pd.DataFrame([{
        "question_id": "collaboration", "rubric": "progress", "rating": "limited_progress",
        "computed_rating": "some_progress", "rating_scored_only": "strong_progress",
        "capped": True, "missing_indicators": "collaboration_agree", "n_indicators": 3,
        "n_scored": 2, "n_context": 0, "n_met": 1, "n_not_met": 0, "mean_score": 1.0,
        "lines_of_evidence": "interviews_focus_groups;program_data", "bootstrap_share": 0.62,
        "threshold_share": 1.0, "robustness": "sensitive", "overridden": True,
        "override_role_en": "Lead evaluator", "override_role_fr": "Évaluatrice principale",
        "override_reason_en": "Meetings were suspended", "override_reason_fr": "Réunions suspendues",
    }]).itertuples())
    indicators = pd.DataFrame(columns=findings.INDICATOR_COLUMNS + ["min_n", "score"])
    en = findings.justification(finding, indicators, MATRIX, CODEBOOK, "en", 5)
    assert "Capped by missing evidence: Stakeholders who agree Network meetings improved" in en
    assert "alone would give \u201cStrong progress\u201d" in en
    assert "Sensitive: the rating held in only 62% of 500 resampled samples" in en
    assert ("Computed rating \u201cSome progress\u201d; changed to \u201cLimited progress: "
            "continued improvement needed\u201d by the Lead evaluator: Meetings were suspended") in en
    fr = findings.justification(finding, indicators, MATRIX, CODEBOOK, "fr", 5)
    assert "Plafonnée faute de données" in fr and "Évaluatrice principale" in fr
    assert "Réunions suspendues" in fr and "62\u00a0%" in fr


@pytest.mark.integration
def test_bc_report_shows_coverage_and_robustness_for_every_rating(bc_run):
    ratings = pd.read_parquet(bc_run / "data/processed/bc/findings.parquet")
    for path, scored, robust, computed in (
            ("assessment.html", "indicators scored", ("Stable:", "Sensitive:"), "Computed rating"),
            ("assessment.fr.html", "indicateurs notés sur", ("Stable :", "Sensible :"),
             "Cote calculée")):
        html = (bc_run / "reports/bc" / path).read_text(encoding="utf-8")
        assert computed in html
        for q in ratings["question_id"]:
            article = html.split(f'id="finding-{q}"', 1)[1].split("</article>", 1)[0]
            assert any(word in article for word in robust), (path, q)
        # as the page writes it: "question d&#x27;évaluation"
        caption = escape(i18n.t("fnd.summary_caption", "fr" if path.endswith(".fr.html") else "en"))
        summary = html.split(caption, 1)[1].split("</table>", 1)[0]
        assert summary.count(scored) == len(ratings), path
    en = (bc_run / "reports/bc/assessment.html").read_text(encoding="utf-8")
    assert "not a random sample of their group" in en
    assert "No computed rating was changed" in en


@pytest.mark.parametrize("hide", [False, True])
def test_a_ratings_robustness_tells_nothing_of_a_hidden_estimate(hide):
    # BC's abuse question: 'agree the Network helps detect and deter abuse' not met (partly
    # from 40%), its figure hidden. Moving 'partly' 10 points down to 30% changes the rating
    # only when the hidden share is 30% or more, so 'held in 100% of threshold moves' said
    # it was below 30% (the report and findings.csv, EN/FR; BC's is 10 of 41). With the
    # figure hidden its score is held in every move
    from mwsn import robustness

    question = next(q for q in MATRIX.questions if q.id == "abuse_deterrence")
    base = {"abuse_deterrence_agree": (None, 41, "not_met"),
            "abuse_persists_mentioned": (12 / 34, 34, "partly"),
            "fear_of_reprisal_mentioned": (18 / 34, 34, "context")}

    def variants(hidden_estimate):
        rows = [{"question_id": question.id, "indicator_id": i, "unit": "share",
                 "estimate": hidden_estimate if e is None else e, "n": n, "min_n": 10,
                 "score": s} for i, (e, n, s) in base.items()]
        hidden = {(question.id, "abuse_deterrence_agree")} if hide else set()
        return robustness.threshold_variants(question, pd.DataFrame(rows), MATRIX, hidden)

    # two hidden shares with the same published score ('not met'): 10 and 14 of 41
    low, high = variants(10 / 41), variants(14 / 41)
    if hide:
        assert low == high
    else:
        assert low != high   # what a reader of the shares told apart
