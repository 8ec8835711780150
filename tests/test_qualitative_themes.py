"""Code frequencies per participant, evaluators' words, SWOT and agreement between coders."""

from __future__ import annotations

import pandas as pd
import pytest

from mwsn import findings, qualitative

WORDS = findings.load_matrix(findings.Path(__file__).resolve().parents[1]).words


def _excerpts(rows):
    """rows: (excerpt_id, participant, group, line, coder, code, swot)"""
    return pd.DataFrame(rows, columns=["excerpt_id", "participant", "stakeholder_group",
                                       "line_of_evidence", "coder", "code", "swot"]).assign(
        text="quote", session_id="S1")


def test_a_participant_raising_a_code_twice_counts_once():
    ex = _excerpts([
        ("E1", "P1", "employer", "interview", "A", "x", "strength"),
        ("E2", "P1", "employer", "interview", "A", "x", "strength"),
        ("E3", "P2", "employer", "interview", "A", "y", "weakness"),
    ])
    assert qualitative.code_share(ex, "x") == {"count": 1, "n": 2, "share": 0.5,
                                               "groups_mentioned": 0, "groups_total": 0}


def test_the_second_coder_does_not_add_mentions():
    ex = _excerpts([
        ("E1", "P1", "employer", "interview", "A", "x", "strength"),
        ("E1", "P1", "employer", "interview", "B", "y", "weakness"),
        ("E2", "P2", "employer", "interview", "A", "x", "strength"),
    ])
    # coder A coded the most excerpts: B's "y" on E1 is for agreement only
    assert qualitative.code_share(ex, "y")["count"] == 0
    assert qualitative.code_share(ex, "x")["count"] == 2


def test_code_share_by_group_and_only_interviews_and_focus_groups():
    ex = _excerpts([
        ("E1", "P1", "employer", "interview", "A", "x", None),
        ("E2", "P2", "migrant_worker", "focus_group", "A", "z", None),
        ("E3", "P3", "migrant_worker", "survey", "A", "x", None),
    ])
    assert qualitative.code_share(ex, "x", groups=["migrant_worker"]) == {
        "count": 0, "n": 1, "share": 0.0, "groups_mentioned": 0, "groups_total": 1}


def test_focus_groups_are_counted_by_group_as_well_as_by_participant():
    ex = _excerpts([
        ("E1", "P1", "migrant_worker", "focus_group", "A", "x", None),
        ("E2", "P2", "migrant_worker", "focus_group", "A", "x", None),
        ("E3", "P3", "migrant_worker", "focus_group", "A", "x", None),
        ("E4", "P4", "migrant_worker", "focus_group", "A", "y", None),
        ("E5", "P5", "employer", "interview", "A", "y", None),
    ])
    ex["session_id"] = ["FG-1", "FG-1", "FG-1", "FG-2", "INT-1"]
    # hand count: 3 of 5 participants raised x, all of them in one of the two focus groups
    found = qualitative.code_share(ex, "x")
    assert (found["count"], found["n"]) == (3, 5)
    assert (found["groups_mentioned"], found["groups_total"]) == (1, 2)


@pytest.mark.parametrize("share, rule, expected", [
    # one scale: a share printed "some" (25% to 50%) is never scored met under "met at most"
    (0.47, ("higher", "most", "some"), "partly"), (0.5, ("higher", "most", "some"), "partly"),
    (0.51, ("higher", "most", "some"), "met"), (0.24, ("higher", "most", "some"), "not_met"),
    # lower is better: "a few" or fewer is met, "some" partly, "most" not met
    (0.24, ("lower", "a_few", "some"), "met"), (0.25, ("lower", "a_few", "some"), "partly"),
    (0.5, ("lower", "a_few", "some"), "partly"), (0.53, ("lower", "a_few", "some"), "not_met"),
    (0.0, ("lower", "a_few", "some"), "met")])
def test_interview_shares_are_scored_on_the_words_they_are_printed_with(share, rule, expected):
    direction, met, partly = rule
    scored = findings.score_value(share, 34, findings.Rule(direction=direction, met=met,
                                                           partly=partly), 10, WORDS)
    assert scored == expected
    printed = qualitative.in_words(share, WORDS)
    rank = qualitative.word_rank
    if expected == "met":  # the printed word is at or beyond the rule's word
        assert (rank(printed, WORDS) <= rank(met, WORDS)) == (direction == "higher") or \
            printed == met


@pytest.mark.parametrize("share, word", [
    # hand-derived from params/evaluation_matrix.yaml evaluators_words
    (1.0, "all"), (0.95, "almost_all"), (0.9, "almost_all"), (0.51, "most"), (0.5, "some"),
    (0.25, "some"), (0.24, "a_few"), (0.01, "a_few"), (0.0, "none")])
def test_evaluators_words_follow_the_thresholds_in_params(share, word):
    assert qualitative.in_words(share, WORDS) == word


def test_swot_table_orders_strengths_first_and_speaks_in_words():
    ex = _excerpts([
        ("E1", "P1", "employer", "interview", "A", "t", "threat"),
        ("E2", "P2", "employer", "interview", "A", "s", "strength"),
        ("E3", "P3", "government", "interview", "A", "s", "strength"),
        ("E4", "P4", "government", "interview", "A", "w", "weakness"),
    ])
    swot = qualitative.swot_table(ex, WORDS)
    assert list(swot["swot"]) == ["strength", "weakness", "threat"]
    # 2 of 4 and 1 of 4 participants: both "some" (at least 25%, not more than 50%)
    assert list(swot["words"]) == ["some", "some", "some"]
    assert swot.iloc[0]["groups"] == "employer, government"


def test_cohen_kappa_matches_a_published_value():
    # statsmodels test_inter_rater.py TestUnweightedCohens (SAS PROC FREQ printout):
    # table [[0,4,1],[0,8,0],[0,1,5]] -> kappa 0.4842, CI 0.2137 to 0.7547
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    rows, k = [], 0
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            for _ in range(count):
                k += 1
                rows += [(f"E{k:02d}", "P", "employer", "interview", "A", f"c{i}", None),
                         (f"E{k:02d}", "P", "employer", "interview", "B", f"c{j}", None)]
    # code c0 is never given by coder B: the table must keep its empty column
    result = qualitative.coder_agreement(_excerpts(rows)).set_index("statistic")
    assert result.loc["cohen_kappa", "value"] == pytest.approx(0.4842, abs=5e-5)
    assert result.loc["cohen_kappa", "ci_low"] == pytest.approx(0.2137, abs=5e-5)
    assert result.loc["cohen_kappa", "interpretation"] == "moderate"
    assert result.loc["cohen_kappa", "excerpts"] == 19


def test_quotes_spread_across_groups_and_ignore_whether_text_was_scrubbed():
    ex = _excerpts([
        ("E1", "P1", "employer", "interview", "A", "s", "strength"),
        ("E2", "P2", "government", "interview", "A", "s", "strength"),
        ("E3", "P3", "employer", "interview", "A", "w", "weakness"),
        ("E4", "P4", "migrant_worker", "focus_group", "A", "w", "weakness"),
    ])
    ex.loc[0, "text"] = "Call [NAME] at [PHONE]."
    # every group of one person is below min_cell = 5: no quote at all
    assert qualitative.quotes(ex, ["s", "w"]).empty
    # with min_cell = 1: 's' from E1 (first by id, scrubbed or not), 'w' from the group not
    # yet quoted (migrant worker, not employer again)
    picked = qualitative.quotes(ex, ["s", "w"], min_cell=1)
    assert list(picked["stakeholder_group"]) == ["employer", "migrant_worker"]
    swot = qualitative.swot_table(ex, WORDS)
    assert qualitative.leading_codes(swot) == ["s", "w"]


def test_an_excerpt_that_named_an_employer_is_never_quoted():
    # TRIAL_PRIVACY: "Fraser Valley Berry Farms Ltd." reached the quotes; scrubbed to its tag,
    # the excerpt still says whose workplace it is about
    ex = _excerpts([(f"E{i}", f"P{i}", "migrant_worker", "focus_group", "A", "s", "strength")
                    for i in range(1, 6)])
    ex.loc[0, "text"] = "My employer [EMPLOYER] kept my pay."
    picked = qualitative.quotes(ex, ["s"], min_cell=5)
    assert list(picked["text"]) == [ex.loc[1, "text"]]
