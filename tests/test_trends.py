"""Change between waves and indicators against their targets.

Expected values are published ones (R's mcnemar.test and fisher.test examples, see
../shared/reference/stat_refs.json) or counted by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mwsn import stats, trends
from mwsn.register import Target

AGREE = [4, 5]


def _panel():
    """1,600 people in both waves: R's mcnemar.test example (Agresti 1990 p.350), approve
    = agree: 794 approve twice, 150 approve then disapprove, 86 the reverse, 570 neither;
    plus 4 people only in the first wave (3 agree) and 4 only in the second (1 agrees):
    Fisher's tea-tasting table [[3, 1], [1, 3]] (Agresti 2002 p.91)."""
    pairs = [(5, 4)] * 794 + [(5, 2)] * 150 + [(1, 4)] * 86 + [(2, 1)] * 570
    earlier = pd.DataFrame({"participant": [f"P-{i}" for i in range(len(pairs))],
                            "know_rights": [a for a, _ in pairs]})
    later = pd.DataFrame({"participant": [f"P-{i}" for i in range(len(pairs))],
                          "know_rights": [b for _, b in pairs]})
    earlier = pd.concat([earlier, pd.DataFrame({"participant": ["A1", "A2", "A3", "A4"],
                                                "know_rights": [4, 5, 4, 2]})])
    later = pd.concat([later, pd.DataFrame({"participant": ["B1", "B2", "B3", "B4"],
                                            "know_rights": [4, 1, 2, 3]})])
    return earlier, later


def test_mcnemar_matches_r_example():
    # R: mcnemar.test(Performance): McNemar's chi-squared = 16.818, df = 1, p-value = 4.115e-05
    got = stats.mcnemar([[794, 150], [86, 570]]).iloc[0]
    assert got.statistic == pytest.approx(16.818, abs=5e-4)
    assert got.p_value == pytest.approx(4.115e-05, abs=5e-09)
    assert got.dof == 1 and got.n_discordant == 236


def test_mcnemar_refuses_a_table_that_is_not_counts():
    with pytest.raises(ValueError, match="'table'"):
        stats.mcnemar([[1, -2], [3, 4]])
    assert "no one changed" in stats.mcnemar([[5, 0], [0, 5]]).iloc[0].note


def test_wave_change_keeps_matched_and_independent_people_apart():
    earlier, later = _panel()
    got = trends.wave_change(earlier, later, "know_rights", AGREE).set_index("design")
    matched, independent = got.loc["matched"], got.loc["independent"]
    assert matched.n == 1600 and matched.test == "mcnemar"
    assert matched.statistic == pytest.approx(16.818, abs=5e-4)          # R mcnemar.test
    assert matched.share_earlier == pytest.approx(944 / 1600)
    assert matched.share_later == pytest.approx(880 / 1600)
    assert independent.n == 8 and independent.test == "fisher_exact"
    assert independent.p_value == pytest.approx(0.4857, abs=5e-5)          # tea tasting
    assert independent.share_earlier == 0.75 and independent.share_later == 0.25


def test_no_opinion_is_left_out_of_the_base():
    earlier = pd.DataFrame({"participant": ["a", "b", "c"], "know_rights": [5, None, 2]})
    later = pd.DataFrame({"participant": ["a", "b", "c"], "know_rights": [5, 4, None]})
    got = trends.wave_change(earlier, later, "know_rights", AGREE).set_index("design")
    assert got.loc["matched", "n"] == 1            # only 'a' gave an opinion both times
    assert "no one changed" in got.loc["matched", "note"]


def test_targets_met_and_missed_from_the_baseline_wave():
    by_wave = pd.DataFrame({
        "wave": ["pilot", "2024q2", "2025q2"] * 2,
        "indicator_id": ["workers_know_rights"] * 3 + ["services_outside_agriculture"] * 3,
        "estimate": [0.6, 0.7, 0.8, 0.38, None, 0.41]})
    targets = {"workers_know_rights": Target(value=0.75, by="2024-03"),
               "services_outside_agriculture": Target(value=0.5, by="2025-03"),
               "repeat_use": Target(value=0.5, by="2024-03")}
    got = trends.against_target(by_wave, targets).set_index("indicator_id")
    assert got.loc["workers_know_rights", "target_status"] == "met"        # 0.80 >= 0.75
    assert got.loc["workers_know_rights", "change"] == pytest.approx(0.2)
    assert got.loc["workers_know_rights", "baseline_wave"] == "pilot"
    assert got.loc["services_outside_agriculture", "target_status"] == "not_met"  # 0.41 < 0.5
    assert got.loc["services_outside_agriculture", "latest_wave"] == "2025q2"
    assert got.loc["repeat_use", "target_status"] == "no_data"
    lower = trends.against_target(by_wave, targets, directions={
        "services_outside_agriculture": "lower"}).set_index("indicator_id")
    assert lower.loc["services_outside_agriculture", "target_status"] == "met"
    second = trends.against_target(by_wave, targets, baselines={
        "workers_know_rights": "2024q2"}).set_index("indicator_id")
    assert second.loc["workers_know_rights", "change"] == pytest.approx(0.1)
