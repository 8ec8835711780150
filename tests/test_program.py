"""Funding Program and Network Meetings metrics on small hand-made ledgers."""

from __future__ import annotations

import pandas as pd
import pytest

from mwsn import program


def _funding():
    return pd.DataFrame({
        "entry_id": ["F1", "F2", "F3", "F4", "F5"],
        "fiscal_year": ["2018-19", "2018-19", "2019-20", "2019-20", "2019-20"],
        "recipient": ["A", "A", "A", "A", "B"],
        "sub_grantee": [None, None, None, "S1", None],
        "entry_type": ["agreement", "expenditure", "expenditure", "sub_grant", "agreement"],
        "amount_cad": [600.0, 100.0, 200.0, 50.0, 400.0],
        "workers_reached": [None, 10, 20, 5, None],
    })


def _recommendations(implemented: int, total: int):
    return pd.DataFrame({"recommendation_id": [f"R{i}" for i in range(total)],
                         "status": ["implemented"] * implemented
                         + ["no_response"] * (total - implemented)})


def test_budget_spent_share_counts_expenditures_only():
    metrics = program.metrics({"funding": _funding()}, budget=1000).set_index("metric")
    # hand-derived: expenditures 100 + 200 of a 1,000 budget; agreements and sub-grants excluded
    assert metrics.loc["budget_spent_share", "estimate"] == pytest.approx(0.3)
    assert metrics.loc["sub_grantees", "estimate"] == 1
    assert metrics.loc["workers_reached", "estimate"] == 35


def test_recommendations_acted_on_is_a_complete_count_without_an_interval():
    metrics = program.metrics({"recommendations": _recommendations(81, 263)}, budget=1)
    row = metrics.set_index("metric").loc["recommendations_acted_on"]
    # every recommendation is counted: a sampling interval would describe no sampling
    assert row["estimate"] == pytest.approx(81 / 263)
    assert pd.isna(row["ci_low"]) and pd.isna(row["ci_high"])
    assert row["n"] == 263 and row["count"] == 81


def test_no_program_tables_means_no_metrics_not_zeros():
    assert program.metrics({}, budget=1).empty
    assert program.spending_by_year(None, 1).empty
    assert program.meetings_by_type(None).empty


def test_meeting_metrics_count_types_groups_and_worker_share():
    meetings = pd.DataFrame({
        "meeting_id": ["M1", "M1", "M2", "M3"],
        "meeting_type": ["plenary", "plenary", "working_group", "plenary"],
        "stakeholder_group": ["migrant_worker", "government", "government", "employer"],
        "attendees": [10, 30, 5, 0],
    })
    metrics = program.metrics({"meetings": meetings}, budget=1).set_index("metric")
    assert metrics.loc["meeting_types_held", "estimate"] == 2
    # the employer row had nobody attending: two groups attended
    assert metrics.loc["stakeholder_groups_attending", "estimate"] == 2
    assert metrics.loc["migrant_worker_attendance_share", "estimate"] == pytest.approx(10 / 45)
    by_type = program.meetings_by_type(meetings).set_index("meeting_type")
    assert by_type.loc["plenary", "meetings"] == 2
    assert by_type.loc["government_network", "meetings"] == 0


def test_spending_by_year_accumulates_against_the_budget():
    spending = program.spending_by_year(_funding(), budget=1000)
    assert list(spending["cumulative_spent"]) == [100.0, 300.0]
    assert list(spending["share_of_budget"]) == pytest.approx([0.1, 0.3])


def test_participation_against_targets_counts_people_once():
    participants = pd.DataFrame({
        "participant": ["P1", "P1", "P2", "P3"],
        "stakeholder_group": ["employer", "employer", "employer", "government"],
        "line_of_evidence": ["survey", "interview", "survey", "survey"],
    })
    rates = program.participation_against_target(participants, {"employer": 4, "government": 2})
    rates = rates.set_index("stakeholder_group")
    assert rates.loc["employer", "took_part"] == 2
    assert rates.loc["employer", "against_target"] == pytest.approx(0.5)
    assert rates.loc["all", "took_part"] == 3 and rates.loc["all", "target"] == 6
    profile = program.stakeholder_profile(participants).set_index("stakeholder_group")
    assert profile.loc["employer", "total"] == 2
