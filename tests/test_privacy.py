"""Small-cell suppression, complementary suppression of totals, and the disclosure check."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from mwsn import privacy
from mwsn.errors import DisclosureError


def _participation() -> pd.DataFrame:
    # hand-made: who took part, by stakeholder group and line of evidence, with row totals
    table = pd.DataFrame({
        "stakeholder_group": ["employer", "government", "migrant_worker", "support_org"],
        "survey": [6, 6, 18, 14], "interview": [4, 6, 0, 8], "focus_group": [0, 0, 12, 0]})
    table["total"] = table[["survey", "interview", "focus_group"]].sum(axis=1)
    return table


LINES = ["survey", "interview", "focus_group"]


def _revealed(shown: pd.DataFrame, original: pd.DataFrame, row_total: str) -> list:
    """Suppressed cells that a row total minus the shown cells gives back exactly."""
    found = []
    for i in range(len(shown)):
        row = shown.iloc[i]
        hidden = [c for c in LINES if pd.isna(row[c])]
        if len(hidden) == 1 and pd.notna(row[row_total]):
            back = row[row_total] - sum(row[c] for c in LINES if c not in hidden)
            if back == original.iloc[i][hidden[0]]:
                found.append((i, hidden[0]))
    return found


def test_counts_below_min_cell_are_blanked_and_zero_kept():
    shown = privacy.suppress(_participation(), LINES + ["total"], 5)
    assert pd.isna(shown.loc[0, "interview"])
    assert shown.loc[0, "focus_group"] == 0
    assert shown.loc[2, "survey"] == 18


def test_row_total_would_give_a_suppressed_cell_back_without_complementary_suppression():
    table = _participation()
    shown = privacy.suppress(table, LINES + ["total"], 5)
    # employer: total 10 - survey 6 = interview 4
    assert _revealed(shown, table, "total") == [(0, "interview")]


def test_complementary_suppression_protects_the_row_total():
    table = _participation()
    shown = privacy.suppress(table, LINES + ["total"], 5, row_total="total")
    assert _revealed(shown, table, "total") == []
    # the smallest other non-zero cell of the employer row goes too; the total stays
    assert pd.isna(shown.loc[0, "survey"]) and shown.loc[0, "total"] == 10
    # rows without a small cell are untouched
    assert shown.loc[3, LINES + ["total"]].tolist() == [14, 8, 0, 22]


def test_total_is_blanked_when_no_other_cell_can_be():
    table = pd.DataFrame({"group": ["a"], "survey": [3], "interview": [0], "total": [3]})
    shown = privacy.suppress(table, ["survey", "interview", "total"], 5, row_total="total")
    assert pd.isna(shown.loc[0, "survey"]) and pd.isna(shown.loc[0, "total"])


def test_total_row_over_groups_is_protected_within_each_item():
    table = pd.DataFrame({
        "item": ["q1"] * 4 + ["q2"] * 4,
        "group": ["all", "employer", "government", "worker"] * 2,
        "n": [30, 3, 9, 18, 30, 10, 9, 11],
        "agree_pct": [0.5, 0.3, 0.4, 0.6, 0.5, 0.5, 0.5, 0.5]})
    shown = privacy.suppress(table, ["n"], 5, derived=["agree_pct"],
                             total_rows=("group", "all", ["item"]))
    q1 = shown[shown["item"] == "q1"].set_index("group")
    assert pd.isna(q1.loc["employer", "n"]) and pd.isna(q1.loc["government", "n"])
    assert pd.isna(q1.loc["employer", "agree_pct"])
    assert q1.loc["all", "n"] == 30 and q1.loc["worker", "n"] == 18
    assert shown[shown["item"] == "q2"]["n"].notna().all()


def test_no_suppressed_cell_can_be_recovered_from_any_shown_sum():
    # exhaustive over small tables: every row sum with one hidden cell is protected
    for cells in itertools.product([0, 2, 6], repeat=3):
        table = pd.DataFrame({"g": ["x"], "survey": [cells[0]], "interview": [cells[1]],
                              "focus_group": [cells[2]]})
        table["total"] = sum(cells)
        shown = privacy.suppress(table, LINES + ["total"], 5, row_total="total")
        assert _revealed(shown, table, "total") == [], cells
        assert not ((shown[LINES + ["total"]] > 0) & (shown[LINES + ["total"]] < 5)).any().any()


def test_derived_values_on_a_suppressed_row_are_blanked():
    table = pd.DataFrame({"item": ["a", "b"], "n": [4, 40], "agree": [3, 30],
                          "agree_pct": [0.75, 0.75]})
    shown = privacy.suppress(table, ["n", "agree"], 5, derived=["agree_pct"])
    assert pd.isna(shown.loc[0, "agree_pct"]) and shown.loc[1, "agree_pct"] == 0.75


def test_disclosure_check_refuses_an_unsuppressed_small_count():
    table = pd.DataFrame({"group": ["a"], "n": [3]})
    with pytest.raises(DisclosureError, match="below 5"):
        privacy.check_disclosure(table, ["n"], 5, "t")
    privacy.check_disclosure(privacy.suppress(table, ["n"], 5), ["n"], 5, "t")


def test_suppression_keeps_the_row_order_and_index():
    table = _participation().set_index(np.array([10, 20, 30, 40]))
    shown = privacy.suppress(table, LINES + ["total"], 5, row_total="total")
    assert shown.index.tolist() == [10, 20, 30, 40]


# -- the default auditor notebooks show nothing the report hides (TRIAL_PRIVACY) -------------

def test_cleaning_log_hides_one_declined_and_one_duplicate_and_the_rows_read():
    # synthetic BC survey: 46 rows read, 1 declined consent, 1 duplicate dropped, 44 kept
    from mwsn import clean

    log = pd.DataFrame({"source": ["excerpts", "survey"], "rows_in": [171, 46],
                        "declined_consent": [0, 1], "duplicates_dropped": [0, 1],
                        "rows_out": [171, 44], "dropped_columns": ["", "ip_address"]})
    shown = clean.log_as_shown(log, 5).set_index("source")
    assert shown.loc["survey", ["rows_in", "declined_consent", "duplicates_dropped"]].isna().all()
    assert shown.loc["survey", "rows_out"] == 44
    assert shown.loc["excerpts"].tolist()[:4] == [171, 0, 0, 171]


def _cleaning_log(rows: dict[str, int], dropped: list[str] | None = None) -> pd.DataFrame:
    """A cleaning log of sources that dropped no row: ``{source: rows in and out}``."""
    return pd.DataFrame({"source": list(rows), "rows_in": list(rows.values()),
                         "declined_consent": 0, "duplicates_dropped": 0,
                         "rows_out": list(rows.values()),
                         "dropped_columns": dropped or [""] * len(rows)})


def test_cleaning_log_hides_the_survey_rows_where_the_pass_hides_its_respondents():
    # a small jurisdiction: 18 took the survey, a cell secondary suppression hides (2
    # employers and 3 government respondents beside it); reporting_support shows 17
    # respondents, so a log saying 18 kept gives back the 1 with no opinion (18 - 17)
    from mwsn import clean

    log = _cleaning_log({"excerpts": 139, "survey": 18}, dropped=["", "ip_address"])
    ledger = privacy.Ledger(5)
    ledger.cell(("participants", "all", "survey"), 18, rule="secondary")
    shown = clean.log_as_shown(log, 5, ledger).set_index("source")
    assert shown.loc["survey", ["rows_in", "rows_out"]].isna().all()
    assert shown.loc["excerpts"].tolist()[:4] == [139, 0, 0, 139]
    # where the pass shows the 18, the log shows them
    ledger = privacy.Ledger(5)
    ledger.cell(("participants", "all", "survey"), 18)
    shown = clean.log_as_shown(log, 5, ledger).set_index("source")
    assert shown.loc["survey", ["rows_in", "rows_out"]].tolist() == [18, 18]


def test_code_frequencies_hide_participants_the_pass_hides():
    # 6 support-organization interviewees and 12 migrant workers in focus groups, cells the
    # pass hides by secondary suppression (beside 2 government interviewees): the auditor
    # table showed them as the participants behind each code's share
    from mwsn import qualitative

    frequencies = pd.DataFrame({
        "code": ["a", "a", "a"],
        "stakeholder_group": ["support_organization", "migrant_worker", "employer"],
        "line_of_evidence": ["interview", "focus_group", "interview"],
        "mentioned": [0, 7, 6], "participants": [6, 12, 12]})
    frequencies["share"] = frequencies["mentioned"] / frequencies["participants"]
    ledger = privacy.Ledger(5)
    ledger.cell(("participants", "support_organization", "interview"), 6, rule="secondary")
    ledger.cell(("participants", "migrant_worker", "focus_group"), 12, rule="secondary")
    ledger.cell(("participants", "employer", "interview"), 12)
    shown = qualitative.frequencies_as_shown(frequencies, 5, ledger)
    assert shown["participants"].isna().tolist() == [True, True, False]
    # 7 of 12 would give the 12 back: hidden with it; 6 of 12 where 12 is shown stays
    assert shown["share"].isna().tolist() == [True, True, False]
    # a count who mentioned a code is shown only where all but a few of the base did not:
    # 7 shown beside the hidden 12 said the 12 was 7 + 5 or more (the small jurisdiction's
    # 04_qualitative: exactly its 12); so it goes with its hidden base
    assert pd.isna(shown["mentioned"].iloc[1]) and shown["mentioned"].iloc[2] == 6


def test_swot_shares_are_shown_in_words_only_and_small_groups_are_not_named():
    # synthetic BC: funding_uncertainty raised by 0.088235 of 34 participants = exactly 3;
    # the 4 Other stakeholders interviewed are a group the report does not show
    from mwsn import qualitative

    excerpts = pd.DataFrame({"participant": [f"p{i}" for i in range(34)],
                             "stakeholder_group": ["other"] * 4 + ["support_organization"] * 30})
    swot = pd.DataFrame({"swot": ["threat"], "code": ["funding_uncertainty"],
                         "share": [3 / 34], "words": ["a_few"],
                         "groups": ["other, support_organization"]})
    shown = qualitative.swot_as_shown(swot, excerpts, 5)
    assert "share" not in shown.columns
    assert shown["groups"].tolist() == ["support_organization"]


def test_swot_names_no_group_whose_interviewees_the_pass_hides():
    # a small jurisdiction: 6 government interviewees, hidden by secondary suppression beside
    # 4 employers; naming 'Government' under a SWOT entry said its hidden interviewees were
    # 5 or more (groups are named from 5)
    from mwsn import qualitative

    people = pd.DataFrame({
        "participant": [f"p{i}" for i in range(6 + 4 + 12)],
        "stakeholder_group": ["government"] * 6 + ["employer"] * 4 + ["migrant_worker"] * 12,
        "line_of_evidence": ["interview"] * 10 + ["focus_group"] * 12})
    ledger = privacy.Ledger(5)
    ledger.cell(("participants", "government", "interview"), 6, rule="secondary")
    ledger.cell(("participants", "employer", "interview"), 4)
    ledger.cell(("participants", "migrant_worker", "focus_group"), 12)
    swot = pd.DataFrame({"swot": ["strength"], "code": ["information_gained"],
                         "share": [.6], "words": ["most"],
                         "groups": ["employer, government, migrant_worker"]})
    before = qualitative.swot_as_shown(swot, people, 5)   # by group size alone
    assert before["groups"].iloc[0] == "government, migrant_worker"
    shown = qualitative.swot_as_shown(swot, people, 5, ledger)
    # the attacker: a named group has 5 or more; none is named whose count is hidden
    named = shown["groups"].iloc[0].split(", ")
    assert [g for g in named if ledger.hidden(("participants", g, "interview"))] == []
    assert named == ["migrant_worker"]


def test_code_frequencies_hide_a_share_that_tells_what_a_whole_group_said():
    from mwsn import qualitative

    frequencies = pd.DataFrame({"code": ["a", "a", "a", "a"],
                                "stakeholder_group": ["g1", "g2", "g3", "g4"],
                                "mentioned": [0, 12, 10, 6], "participants": [12, 12, 12, 12]})
    frequencies["share"] = frequencies["mentioned"] / frequencies["participants"]
    shown = qualitative.frequencies_as_shown(frequencies, 5)
    # none of 12, all of 12, all but 2 of 12: hidden; 6 of 12 shown
    assert shown["share"].isna().tolist() == [True, True, True, False]
    assert shown["mentioned"].isna().tolist() == [True, True, True, False]


def test_auditor_indicators_show_a_code_share_in_words_not_to_six_decimals():
    words = [{"word": "all", "min_share": 1.0}, {"word": "most", "min_share": .5, "above": True},
             {"word": "some", "min_share": .25}, {"word": "a_few", "min_share": 0.0,
                                                  "above": True},
             {"word": "none", "min_share": 0.0}]
    indicators = pd.DataFrame([{
        "question_id": "q", "indicator_id": "funding_uncertainty_mentioned",
        "line_of_evidence": "interviews_focus_groups", "kind": "code_share",
        "subject": "funding_uncertainty", "group": None, "unit": "share", "people": True,
        "estimate": 3 / 34, "ci_low": np.nan, "ci_high": np.nan, "count": 3, "n": 34}])
    ledger = privacy.protect_report({"indicator_scores": indicators}, 5)
    shown = privacy.indicators_as_shown(indicators, ledger, words)
    assert pd.isna(shown["estimate"].iloc[0]) and pd.isna(shown["count"].iloc[0])
    assert shown["words"].iloc[0] == "a_few" and shown["n"].iloc[0] == 34


def _sha(path) -> str:
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _outcomes(counts) -> pd.DataFrame:
    # recommendation outcomes as 05_program writes them: 7 recommendations, 1 acted on,
    # 3 under consideration, 3 without response, each count hidden in every output
    frame = pd.DataFrame({"status": ["implemented", "under_consideration", "no_response"],
                          "recommendations": list(counts)})
    frame["share"] = frame["recommendations"] / 7
    return frame


def test_a_processed_table_cannot_be_matched_to_its_published_fingerprint(tmp_path, monkeypatch):
    # the manifest published beside the report gives each processed table's SHA-256 and the
    # versions that wrote it: written plainly, the hidden counts were the one guess of the 36
    # splits of 7 whose table had that SHA-256
    import io
    import itertools

    import pyarrow as pa
    import pyarrow.parquet as pq

    from mwsn import ingest

    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a long random secret kept outside the project")
    folder = tmp_path / "data" / "processed" / "sm"
    [path] = ingest.write_processed({"recommendation_outcomes": _outcomes([1, 3, 3])}, folder)
    published = _sha(path)
    guesses = [(a, b, 7 - a - b) for a, b in itertools.product(range(8), range(8)) if a + b <= 7]
    assert len(guesses) == 36
    matches = []
    for guess in guesses:
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(_outcomes(guess), preserve_index=False), buffer,
                       compression="zstd")
        if __import__("hashlib").sha256(buffer.getvalue()).hexdigest() == published:
            matches.append(guess)
    assert matches == []
    # the same table with the same key is the same file (mwsn verify, reuse of steps) and
    # reads back unchanged
    again = ingest.write_processed({"recommendation_outcomes": _outcomes([1, 3, 3])},
                                   tmp_path / "again")
    assert _sha(again[0]) == published
    pd.testing.assert_frame_equal(pd.read_parquet(path), _outcomes([1, 3, 3]),
                                  check_dtype=False)
    # another key, another file
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "another secret")
    other = ingest.write_processed({"recommendation_outcomes": _outcomes([1, 3, 3])},
                                   tmp_path / "other")
    assert _sha(other[0]) != published


def test_the_national_context_tables_are_not_salted(tmp_path, monkeypatch):
    # official statistics only, written by a step that does not read the key: the same bytes
    # with or without one
    from mwsn import ingest

    frame = pd.DataFrame({"province": ["British Columbia"], "positions": [49010]})
    monkeypatch.delenv("MWSN_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("MWSN_PSEUDONYM_KEY_FILE", raising=False)
    [plain] = ingest.write_processed({"example": frame}, tmp_path / "a" / "_national")
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a long random secret kept outside the project")
    [keyed] = ingest.write_processed({"example": frame}, tmp_path / "b" / "_national")
    assert _sha(plain) == _sha(keyed)


def test_a_service_type_whose_workers_are_a_few_below_its_services_hides_the_workers():
    # 2023Q1: 30 information services to 29 workers (so one worker came back: 30 - 29 = 1),
    # 20 case-support services to 20 workers (no one came back: 0 is shown), 20
    # interpretation services to 12 workers (8 came back); 2023Q2: 50 services to 47
    # distinct workers in the quarter (3 came back)
    by_quarter = pd.DataFrame({
        "quarter": ["2023Q1"] * 4 + ["2023Q2"] * 3,
        "service_type": ["rights_information", "case_support", "interpretation", "all",
                         "rights_information", "case_support", "all"],
        "services": [30, 20, 20, 70, 30, 20, 50],
        "workers": [29, 20, 12, 40, 25, 20, 47]})
    headline = pd.DataFrame({"metric": ["services_delivered", "workers_served"],
                             "count": [120, 80], "base": [pd.NA, pd.NA]})
    ledger = privacy.protect_report({"service_indicators": headline,
                                     "services_by_quarter": by_quarter}, 5)
    shown = privacy.protected_services_by_quarter(by_quarter, ledger)
    cell = {(r.quarter, r.service_type): (r.services, r.workers) for r in shown.itertuples()}
    assert cell[("2023Q1", "rights_information")][0] == 30
    assert pd.isna(cell[("2023Q1", "rights_information")][1])
    assert cell[("2023Q1", "case_support")] == (20, 20)
    assert cell[("2023Q1", "interpretation")] == (20, 12)
    assert cell[("2023Q2", "all")][0] == 50 and pd.isna(cell[("2023Q2", "all")][1])
    assert not ledger.exposed()


def test_a_note_beside_a_hidden_base_is_not_shown():
    # one employer answered the statement: stats.agreement notes "one answer only", which
    # beside a hidden n says n = 1; the note of a shown row (no answers: n = 0) stays
    from mwsn import stats

    survey = pd.DataFrame({"info_support": [4, 5, 2, 4, 4, 5, 1, 4, 5, 4, 4],
                           "stakeholder_group": ["employer"] + ["support_organization"] * 8
                           + ["migrant_worker"] * 2})
    survey.loc[survey["stakeholder_group"] == "migrant_worker", "info_support"] = np.nan
    indicators = stats.agreement(survey, ["info_support"], {"info_support": [4, 5]},
                                 by="stakeholder_group")
    assert indicators.set_index("group").loc["employer", "note"] == "one answer only"
    ledger = privacy.Ledger(5)
    for group, n, agree in [("employer", 1, 1), ("support_organization", 8, 6),
                            ("migrant_worker", 0, 0), ("all", 9, 7)]:
        ledger.cell(("survey:info_support", group, "n"), n)
        ledger.cell(("survey:info_support", group, "agree"), agree)
    shown = privacy.mask(indicators.assign(table="survey:info_support"), ledger, None, "group",
                         {"n": "n", "agree": "agree"}, table_column="table",
                         derived={"n": ["agree_pct"]}).set_index("group")
    assert pd.isna(shown.loc["employer", "n"]) and shown.loc["employer", "note"] == ""
    assert shown.loc["migrant_worker", "note"] == "no answers: nothing to estimate"
    # the answers by level: "one respondent only" goes with the counts it follows
    likert = stats.likert_summary(survey, {"info_support": [4, 5]}, by="stakeholder_group",
                                  levels=[1, 2, 3, 4, 5])
    assert (likert.loc[likert["group"] == "employer", "note"] == "one respondent only").all()
    detail = privacy.follow(likert, ledger,
                            lambda r: [("survey:info_support", str(r.group), "n")],
                            ["count", "n", "pct"])
    assert (detail.loc[detail["group"] == "employer", "note"] == "").all()
    plain = privacy.suppress(likert, ["count", "n"], 5, derived=["pct"])
    assert (plain.loc[plain["group"] == "employer", "note"] == "").all()


def test_a_raw_export_cannot_be_matched_to_its_published_fingerprint(tmp_path, monkeypatch):
    # recommendations.csv holds what the minutes of Network Meetings make public (ids, meetings,
    # dates, topics) and the statuses every output hides; the manifest and the report's annex
    # gave its plain SHA-256, which confirmed the one guess of the 3^5 ways 5 statuses fall
    import hashlib

    from mwsn import config, provenance

    statuses = ["implemented", "under_consideration", "no_response"]
    public = [("R-001", "M-001", "2018-07-18", "Inspections of employer-provided housing"),
              ("R-002", "M-004", "2019-11-23", "Information at arrival airports"),
              ("R-003", "M-005", "2019-12-02", "Open work permits for workers leaving abuse"),
              ("R-004", "M-007", "2020-01-15", "Interpreters at inspections"),
              ("R-005", "M-009", "2020-02-20", "Funding beyond one year")]

    def export(guess) -> bytes:
        lines = ["recommendation_id,meeting_id,date,topic,addressed_to,status"]
        lines += [f"{r},{m},{d},{t},Province,{s}" for (r, m, d, t), s in zip(public, guess)]
        return ("\n".join(lines) + "\n").encode("utf-8")

    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a long random secret kept outside the project")
    where = config.paths("sm", tmp_path)
    where.raw.mkdir(parents=True)
    truth = ("implemented", "no_response", "no_response", "under_consideration", "no_response")
    (where.raw / "recommendations.csv").write_bytes(export(truth))
    published = provenance.raw_inputs(where)["data/raw/sm/recommendations.csv"]
    guesses = list(itertools.product(statuses, repeat=len(public)))
    assert len(guesses) == 243
    matches = [g for g in guesses if hashlib.sha256(export(g)).hexdigest() in published]
    assert matches == []
    # the same bytes and key give the same fingerprint (reuse of steps, mwsn verify);
    # another key, another
    assert provenance.raw_inputs(where)["data/raw/sm/recommendations.csv"] == published
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "another secret")
    assert provenance.raw_inputs(where)["data/raw/sm/recommendations.csv"] != published


def test_cleaning_log_hides_the_recommendations_the_pass_hides():
    # BC: 'not met' (partly from 25%) beside 7 recommendations says 1 was acted on, so the
    # pass hides the 7; 01_clean's log still read 'recommendations: 7 rows in, 7 out'
    from mwsn import clean

    log = _cleaning_log({"funding": 50, "recommendations": 7})
    ledger = privacy.Ledger(5)
    ledger.cell(("recommendations", "total", "count"), 7, rule="secondary")
    shown = clean.log_as_shown(log, 5, ledger).set_index("source")
    assert shown.loc["recommendations", ["rows_in", "rows_out"]].isna().all()
    assert shown.loc["funding", ["rows_in", "rows_out"]].tolist() == [50, 50]


def test_the_test_chosen_is_not_named_where_its_figures_are_hidden():
    # chi-square is chosen only when every expected count reaches 5, Fisher's exact test
    # otherwise: 'fisher_exact' beside hidden figures said the smallest expected count, which
    # the pass hides, was below 5; likewise 'normal approximation' for the signed-rank test
    # of 18 pairs says some pairs did not change or changed alike
    tests = pd.DataFrame({
        "outcome": ["info_support", "policy_influence"], "test": "fisher_exact",
        "statistic_name": "none (exact r×c test)", "statistic": [float("nan"), 1.5],
        "dof": float("nan"), "p_value": [1.0, 0.46], "p_holm": [1.0, 0.92],
        "cramers_v": [0.2887, 0.33], "n": [10, 20], "min_expected": [0.4, 2.5],
        "power_medium": [0.12, 0.2], "note": ""})
    ledger = privacy.Ledger(5)
    ledger.cell(("survey:info_support", "all", "n"), 10)
    ledger.cell(("survey:info_support", "all", "agree"), 8, rule="class_complement")
    for group in ("all", "government", "support_organization"):
        n = 20 if group == "all" else 10
        ledger.cell(("survey:policy_influence", group, "n"), n)
        ledger.cell(("survey:policy_influence", group, "agree"), n // 2)
    shown = privacy.group_tests_as_shown(tests, ledger, 5).set_index("outcome")
    assert shown.loc["info_support", privacy.TEST_FIGURES].isna().all()
    assert shown.loc["info_support", ["test", "statistic_name"]].isna().all()
    assert shown.loc["policy_influence", "test"] == "fisher_exact"
    change = pd.DataFrame({
        "group": ["all", "employer"], "statistic": [153.0, None], "p_value": [0.0002, None],
        "rank_biserial": [1.0, None], "median_change": [1.5, None], "n_pairs": [18, 0],
        "method": ["normal approximation with continuity correction", ""],
        "alternative": "two-sided", "note": ["", "no complete before/after pairs"]})
    ledger.cell(("gain:knowledge_after", "migrant_worker", "n"), 18)
    ledger.cell(("gain:knowledge_after", "migrant_worker", "agree"), 17,
                rule="class_complement")
    shown = privacy.change_as_shown(change, ledger, 5)
    assert shown["statistic"].isna().all()
    assert pd.isna(shown["method"].iloc[0])
    assert shown["note"].iloc[1] == "no complete before/after pairs"
