"""Service records: reading, checks located at file:row:column, pseudonyms, indicators.

Expected values are counted by hand from the small files written here.
"""

from __future__ import annotations

from datetime import date

import pytest

from mwsn import services, synth
from mwsn.clean import pseudonym
from mwsn.codebook import load_codebook
from conftest import SHIPPED

HEADER = "record_id,organization,service_date,service_type,worker,sector,language,outcome\n"
# 6 services, 3 workers: W-1 three times (twice in agriculture), W-2 twice (caregiving,
# agriculture), W-3 once (no sector). Outside agriculture: services 2 (S-3 caregiving,
# S-5 hospitality) of 5 with a sector; workers 2 (W-2 and W-1) of 3.
ROWS = """S-1,Org A,2018-04-02,rights_information,W-1,agriculture,es,information_given
S-2,Org A,2018-05-10,case_support,W-1,Agriculture,es,resolved
S-3,Org B,2018-07-01,interpretation,W-2,caregiving,tl,referred
S-4,Org B,2018-08-15,case_support,w-2 ,agriculture,Tagalog,ongoing
S-5,Org A,2018-09-30,emergency_support,W-1,hospitality,es,resolved
S-6,Org B,2018-10-01,rights_information,W-3,,en,information_given
"""


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(SHIPPED)


def _read(tmp_path, text, codebook, name="services.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return services.read_service_records(path, codebook.sources["services"])


def test_indicators_counted_by_hand(tmp_path, codebook):
    spec = codebook.sources["services"]
    table = _read(tmp_path, HEADER + ROWS, codebook)
    assert services.check_service_records(table, spec, codebook, "services.csv",
                                           ("2018-03", "2020-03")) == []
    records = services.clean_service_records(table, spec, codebook, b"key")
    assert "record_id" not in records.column_names and "worker" not in records.column_names
    got = services.service_indicators(records).set_index("metric")
    assert got.loc["services_delivered", "count"] == 6
    assert got.loc["workers_served", "count"] == 3          # "w-2 " is W-2
    assert got.loc["organizations_reporting", "count"] == 2
    assert got.loc["repeat_use", "count"] == 2               # W-1 (3) and W-2 (2)
    assert got.loc["repeat_use", "base"] == 3
    assert got.loc["services_outside_agriculture", "count"] == 2
    assert got.loc["services_outside_agriculture", "base"] == 5
    assert got.loc["workers_served_outside_agriculture", "count"] == 2
    assert got.loc["workers_served_outside_agriculture", "share"] == pytest.approx(2 / 3)


def test_worker_pseudonym_is_the_survey_pseudonym(tmp_path, codebook):
    spec = codebook.sources["services"]
    records = services.clean_service_records(_read(tmp_path, HEADER + ROWS, codebook), spec,
                                             codebook, b"key")
    people = set(records.column("participant").to_pylist())
    assert people == {pseudonym(w, b"key") for w in ("W-1", "W-2", "W-3")}
    assert records.column("language").to_pylist()[3] == "tl"   # label 'Tagalog' → code


def test_by_quarter_counts_services_and_distinct_workers(tmp_path, codebook):
    spec = codebook.sources["services"]
    records = services.clean_service_records(_read(tmp_path, HEADER + ROWS, codebook), spec,
                                             codebook, b"key")
    got = services.services_by_quarter(records, by="sector")
    rows = {(r.quarter, r.sector if isinstance(r.sector, str) else None): (r.services, r.workers)
            for r in got.itertuples()}
    # Q2 2018: S-1, S-2 (W-1, agriculture); Q3: S-3 (caregiving), S-4 (agriculture),
    # S-5 (hospitality); Q4: S-6 (no sector)
    assert rows == {("2018Q2", "agriculture"): (2, 1), ("2018Q3", "agriculture"): (1, 1),
                    ("2018Q3", "caregiving"): (1, 1), ("2018Q3", "hospitality"): (1, 1),
                    ("2018Q4", None): (1, 1)}


def test_problems_name_file_row_and_column(tmp_path, codebook):
    spec = codebook.sources["services"]
    text = HEADER + ROWS.replace("interpretation", "translation").replace(
        "2018-10-01", "01/10/2018").replace("2018-04-02", "2021-04-02")
    problems = services.check_service_records(_read(tmp_path, text, codebook), spec, codebook,
                                              "services.csv", ("2018-03", "2020-03"))
    where = {(p.row, p.column) for p in problems}
    assert where == {(4, "service_type"), (7, "service_date"), (2, "service_date")}
    messages = " ".join(p.message for p in problems)
    assert "'translation' is not a known service type" in messages
    assert "YYYY-MM-DD" in messages and "outside the period 2018-03 to 2020-03" in messages


def test_quoted_cell_spanning_lines_keeps_physical_rows(tmp_path, codebook):
    spec = codebook.sources["services"]
    text = HEADER + ROWS.replace("Org B,2018-07-01", '"Org\nB",2018-07-01').replace(
        "S-6,Org B,2018-10-01,rights_information", "S-6,Org B,2018-10-01,workshop")
    problems = services.check_service_records(_read(tmp_path, text, codebook), spec, codebook,
                                              "services.csv")
    assert [(p.row, p.column) for p in problems] == [(8, "service_type")]


def test_missing_required_column_and_empty_values(tmp_path, codebook):
    spec = codebook.sources["services"]
    text = HEADER.replace(",worker", ",person") + ROWS.replace("Org A,2018-05-10", ",2018-05-10")
    problems = services.check_service_records(_read(tmp_path, text, codebook), spec, codebook,
                                              "services.csv")
    assert {(p.row, p.column) for p in problems} == {(1, "worker"), (3, "organization")}


def test_unreadable_file_is_an_input_error(tmp_path, codebook):
    from mwsn.errors import InputError

    with pytest.raises(InputError, match="missing or empty"):
        _read(tmp_path, "", codebook)
    with pytest.raises(InputError, match="3 fields but the header has 8") as ragged:
        _read(tmp_path, HEADER + ROWS + "S-7,Org A,2018-04-02\n", codebook)
    assert [p.row for p in ragged.value.problems] == [8]   # the header is line 1


def test_synthetic_records_are_valid_and_deterministic(tmp_path, codebook):
    spec = codebook.sources["services"]
    first = synth.service_records(tmp_path / "a.csv", 2000, date(2018, 3, 1), date(2020, 3, 31))
    second = synth.service_records(tmp_path / "b.csv", 2000, date(2018, 3, 1), date(2020, 3, 31))
    assert first.read_bytes() == second.read_bytes()
    table = services.read_service_records(first, spec)
    assert services.check_service_records(table, spec, codebook, "a.csv",
                                          ("2018-03", "2020-03")) == []
    shifted = synth.service_records(tmp_path / "c.csv", 2000, date(2018, 3, 1),
                                    date(2020, 3, 31), outside_agriculture=0.6)
    got = services.service_indicators(services.clean_service_records(
        services.read_service_records(shifted, spec), spec, codebook, b"k")).set_index("metric")
    assert got.loc["services_outside_agriculture", "share"] == pytest.approx(0.6, abs=0.04)


def test_a_record_repeated_with_other_answers_is_refused_at_its_rows(tmp_path, codebook):
    spec = codebook.sources["services"]
    text = HEADER + ROWS + "S-3,Org B,2018-07-01,case_support,W-2,caregiving,tl,referred\n"
    problems = services.check_service_records(_read(tmp_path, text, codebook), spec, codebook,
                                              "services.csv")
    assert [(p.row, p.column) for p in problems] == [(4, "record_id")]
    assert "rows 4, 8 with different answers (first difference in column 'service_type')" \
        in problems[0].message


def test_a_record_repeated_identically_is_counted_once(tmp_path, codebook):
    spec = codebook.sources["services"]
    text = HEADER + ROWS + ROWS.splitlines()[0] + "\n"
    table = _read(tmp_path, text, codebook)
    assert services.check_service_records(table, spec, codebook, "services.csv") == []
    records = services.clean_service_records(table, spec, codebook, b"key")
    assert records.num_rows == 6
    got = services.service_indicators(records).set_index("metric")
    assert got.loc["services_delivered", "count"] == 6
