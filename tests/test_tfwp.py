"""The TFWP reader on the real published files, and on copies reshaped to break it.

Expected values are the published figures themselves (ESDC TFWP annual statistics, 2023
edition, and IRCC work-permit holders, data to December 31 2024; see
data/external/SOURCES.md), read off the files by eye, not produced by the code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from mwsn import ingest, tfwp
from mwsn.errors import InputError

PROJECT = Path(__file__).resolve().parents[1]
ESDC = PROJECT / "data/external/esdc_tfwp_annual_2016_2020"
IRCC = PROJECT / "data/external/ircc_tfwp_work_permits/EN_ODP_annual-TR-work-TFW_PT_program_year_end.xlsx"
ALL_YEARS = PROJECT / "tests/data/tfwp2023_all_years"
BC = "British Columbia"


def esdc(number: int) -> Path:
    return ESDC / f"tfwp2023_annual_table_{number}_e.2016-2020_subset.csv"


def values(frame: pd.DataFrame, **where) -> list:
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return rows.sort_values("year")["value"].tolist()


@pytest.fixture(scope="module")
def t13():
    return tfwp.read_tfwp_table(esdc(13))


@pytest.fixture(scope="module")
def permits():
    return tfwp.read_ircc_work_permits(IRCC)


def test_reader_is_reachable_from_ingest():
    assert ingest.read_tfwp_table is tfwp.read_tfwp_table
    assert ingest.read_ircc_work_permits is tfwp.read_ircc_work_permits


def test_table_13_published_values_for_british_columbia(t13):
    # ESDC table 13 (2023 edition), British Columbia block
    assert values(t13, province=BC, stream="Primary Agriculture") == [
        9674, 10800, 16790, 13251, 15753]
    total = t13[(t13["province"] == BC) & (t13["stream"] == "Total")].set_index("year")["value"]
    assert total[2018] == 28739 and total[2019] == 32284
    assert t13.loc[(t13["province"] == BC) & (t13["stream"] == "Total"), "is_total"].all()
    assert not t13.loc[(t13["province"] == BC) & (t13["stream"] != "Total"), "is_total"].any()


def test_tidy_columns_and_every_province(t13):
    for column in ("year", "province", "stream", "measure", "value", "is_total", "suppressed",
                   "reason"):
        assert column in t13.columns
    assert t13["province"].nunique() == 14  # 13 provinces and territories + Canada
    assert sorted(t13["year"].unique()) == [2016, 2017, 2018, 2019, 2020]
    assert t13.attrs["table"] == 13 and t13.attrs["publisher"] == "ESDC"
    assert t13.attrs["notes"][0].startswith("1. The source for all information")


@pytest.mark.parametrize("number,province,where,year,expected", [
    (3, BC, {"region": "Other"}, 2016, 410),                          # "Other" region row
    (3, "Quebec", {"code": "2435"}, 2019, 11078),                      # Montérégie
    (4, "Canada", {"code": "C"}, 2018, 79759),                          # skill level C
    (7, BC, {"code": "8431"}, 2020, 10799),                             # general farm workers
    (11, BC, {}, 2019, 11012),                                          # employers
    (12, "Canada", {}, 2020, 140014),                                   # requested positions
    (26, BC, {"region": "Total", "measure": "positions_positive"}, 2018, 11460),
    (25, "Canada", {"region": "Total", "measure": "lmias_negative"}, 2016, 213),
    (27, BC, {"code": "8432", "measure": "positions_negative"}, 2016, 163),
])
def test_every_table_reads_published_values(number, province, where, year, expected):
    frame = tfwp.read_tfwp_table(esdc(number))
    rows = frame[(frame["province"] == province) & (frame["year"] == year)]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert rows["value"].tolist() == [expected]


def test_windows_1252_names_are_decoded():
    t3 = tfwp.read_tfwp_table(esdc(3))
    assert "2410 - Gaspésie -- Îles-de-la-Madeleine" in set(t3["region"])
    assert "2435 - Montérégie" in set(t3["region"])  # trailing space stripped


def test_ircc_published_values_for_british_columbia(permits):
    # IRCC, "British Columbia Total" row
    total = permits[(permits["province"] == BC) & (permits["level"] == "province")]
    assert total.set_index("year")["value"][[2016, 2020, 2024]].tolist() == [11225, 23760, 50905]
    assert permits["year"].min() == 2000 and permits["year"].max() == 2024
    canada = permits[permits["level"] == "canada"].set_index("year")["value"]
    assert canada[2024] == 236130


def test_ircc_suppressed_values_stay_missing_with_their_reason(permits):
    # Newfoundland and Labrador, Live-In Caregiver Program, 2000 is published as "--"
    cell = permits[(permits["province"] == "Newfoundland and Labrador")
                   & (permits["program"] == "Live-In Caregiver Program") & (permits["year"] == 2000)]
    assert cell["value"].isna().all() and cell["suppressed"].all()
    assert "0 and 5" in cell["reason"].iloc[0]
    assert not (permits.loc[permits["suppressed"], "value"] == 0).any()


def test_ircc_groups_programs_under_the_group_that_follows_them(permits):
    bc = permits[(permits["province"] == BC) & (permits["year"] == 2024)]
    farm = bc[bc["program_group"] == "Agricultural Workers"]
    assert set(farm["program"].dropna()) == {"Seasonal Agricultural Worker Program",
                                             "Agricultural Stream", "Other Agricultural Workers"}
    group = farm[farm["level"] == "program_group"]
    assert group["value"].tolist() == [10235] and group["is_total"].all()


def test_totals_that_do_not_add_up_are_reported_not_hidden(t13):
    checks = tfwp.check_totals(t13)
    alberta = checks[(checks["province"] == "Alberta") & (checks["year"] == 2016)
                     & (checks["check"] == "stream within province")].iloc[0]
    # 0 + 2,096 + 5,072 + 746 + 2,311 = 10,225 against a published total of 10,232
    assert (alberta["published"], alberta["sum_of_detail"], alberta["difference"]) == (
        10232, 10225, 7)
    assert not alberta["agrees"]
    bc = checks[(checks["province"] == BC) & (checks["check"] == "stream within province")]
    assert bc["agrees"].all()  # e.g. 2016: 0 + 6,218 + 3,259 + 850 + 9,674 = 20,001
    assert t13.attrs["total_mismatches"] == int((~checks["agrees"]).sum()) > 0


def test_provinces_that_do_not_add_up_to_canada_are_reported():
    checks = tfwp.check_totals(tfwp.read_tfwp_table(esdc(12)))
    canada = checks[(checks["check"] == "provinces within Canada") & (checks["year"] == 2016)]
    # 13 provinces and territories sum to 103,210; published Canada 103,232 (note 2 of table 12)
    assert canada[["published", "sum_of_detail"]].values.tolist() == [[103232, 103210]]


def test_ircc_rounding_is_named_as_the_reason_for_differences(permits):
    checks = tfwp.check_totals(permits)
    off = checks[~checks["agrees"] & (checks["n_missing"] == 0)]
    assert len(off) and set(off["explanation"]) == {
        "values rounded to a multiple of 5 by the publisher"}


# -- new editions and renamed labels ---------------------------------------------------------

def test_the_full_2016_2023_edition_reads_and_agrees_with_the_subset(t13):
    full = tfwp.read_tfwp_table(ALL_YEARS / "tfwp2023_annual_table_13_e.csv")
    assert sorted(full["year"].unique()) == list(range(2016, 2024))
    assert values(full, province=BC, stream="Total")[-1] == 53295  # 2023, published
    same = full[full["year"] <= 2020].reset_index(drop=True)
    pd.testing.assert_frame_equal(same.drop(columns="line"), t13.drop(columns="line"),
                                  check_like=True)


def test_sawp_header_with_inconsistent_labels_reads():
    # the published 2016-2023 table 25 labels one column "2022Negative" (no hyphen)
    full = tfwp.read_tfwp_table(ALL_YEARS / "tfwp2023_annual_table_25_e.csv")
    assert set(full.loc[full["year"] == 2022, "measure"]) == {"lmias_positive", "lmias_negative"}
    assert values(full, province="Canada", region="Total", measure="lmias_positive")[:5] == [
        5408, 5078, 5441, 5074, 4690]


def _copy(tmp_path: Path, source: Path, edit) -> Path:
    text = source.read_bytes().decode("cp1252")
    target = tmp_path / source.name
    target.write_bytes(edit(text).encode("cp1252"))
    return target


def test_renamed_header_labels_read_the_same(tmp_path, t13):
    renamed = _copy(tmp_path, esdc(13), lambda t: t.replace("\r\nStream,", "\r\nProgram Stream,"))
    frame = tfwp.read_tfwp_table(renamed)
    assert values(frame, province=BC, stream="Primary Agriculture") == values(
        t13, province=BC, stream="Primary Agriculture")
    t26 = _copy(tmp_path, esdc(26), lambda t: t.replace("Province/Territories,,",
                                                        "Province or territory,Location,"))
    assert values(tfwp.read_tfwp_table(t26), province=BC, region="Total",
                  measure="positions_positive")[2] == 11460


def test_an_added_year_column_reads(tmp_path):
    def add_2021(text: str) -> str:
        head, notes = text.split("\r\nNotes:", 1)
        out = []
        for k, line in enumerate(head.split("\r\n")):
            if k == 0:
                line += ","  # the title row is padded to the width of the table
            elif line.startswith("Province/Territory,2016"):
                line += ",2021"
            else:
                line += ",99" if line.startswith(BC + ",") else ",1"
            out.append(line)
        return "\r\n".join(out) + "\r\nNotes:" + notes
    frame = tfwp.read_tfwp_table(_copy(tmp_path, esdc(11), add_2021))
    assert values(frame, province=BC) == [6146, 6980, 7380, 11012, 8493, 99]


# -- files it does not understand ------------------------------------------------------------

def test_a_truncated_table_fails_naming_the_open_block(tmp_path):
    cut = _copy(tmp_path, esdc(13), lambda t: t[:t.index(BC + " - Total")])
    with pytest.raises(InputError, match=r"British Columbia.*Total.*truncated"):
        tfwp.read_tfwp_table(cut)


def test_a_table_with_a_missing_total_row_fails(tmp_path):
    reshaped = _copy(tmp_path, esdc(13), lambda t: t.replace(
        'Alberta - Total,"10,232","9,579","9,024","12,940","8,118"\r\n', ""))
    with pytest.raises(InputError, match=r"Alberta - Total"):
        tfwp.read_tfwp_table(reshaped)


def test_an_unknown_table_fails_saying_what_was_expected(tmp_path):
    other = tmp_path / "positive_employers.csv"
    other.write_text("Positive Labour Market Impact Assessment Employers List,,,\r\n"
                     "Province/Territory,Employer,Occupation,Approved Positions\r\n", "cp1252")
    with pytest.raises(InputError) as err:
        tfwp.read_tfwp_table(other)
    assert "title row" in str(err.value) and "table 13" in str(err.value)


def test_a_value_that_is_not_a_count_fails_with_row_and_column(tmp_path):
    bad = _copy(tmp_path, esdc(13), lambda t: t.replace("Primary Agriculture,36,36,",
                                                        "Primary Agriculture,n/a,36,"))
    with pytest.raises(InputError, match=r":\d+:2016: expected a count"):
        tfwp.read_tfwp_table(bad)


def test_reshaped_year_header_fails(tmp_path):
    bad = _copy(tmp_path, esdc(4), lambda t: t.replace(
        "Management Occupations and Skill Level (A - D),2016", "Management Occupations,Year 1", 1))
    with pytest.raises(InputError, match="expected a header row of years"):
        tfwp.read_tfwp_table(bad)


def _workbook(tmp_path: Path, edit) -> Path:
    book = openpyxl.load_workbook(IRCC)
    edit(book.active)
    target = tmp_path / "permits.xlsx"
    book.save(target)
    return target


def test_a_truncated_workbook_fails(tmp_path):
    path = _workbook(tmp_path, lambda ws: ws.delete_rows(100, ws.max_row))
    with pytest.raises(InputError, match=r"Total.*truncated"):
        tfwp.read_ircc_work_permits(path)


def test_a_workbook_with_a_column_inserted_fails_saying_what_it_found(tmp_path):
    path = _workbook(tmp_path, lambda ws: ws.insert_cols(2))
    with pytest.raises(InputError, match=r"years from column D, found .* column E"):
        tfwp.read_ircc_work_permits(path)


def test_a_file_that_is_not_a_workbook_fails(tmp_path):
    fake = tmp_path / "permits.xlsx"
    shutil.copy(esdc(13), fake)
    with pytest.raises(InputError, match="not an xlsx workbook"):
        tfwp.read_ircc_work_permits(fake)


# -- positive LMIA employer lists, whose column names differ between releases ----------------

EMPLOYERS = PROJECT / "data/external/esdc_tfwp_employer_lists"


def test_employer_lists_with_renamed_columns_read_into_the_same_frame():
    y2016 = tfwp.read_employer_list(EMPLOYERS / "2016_positive_employer_en.csv")
    q2020 = tfwp.read_employer_list(EMPLOYERS / "tfwp_2020q1_positive_en.csv")
    # "Positions Approved" (2016) and "Approved Positions", "Employer " (2020) both read
    assert list(y2016.columns) == list(q2020.columns)
    assert y2016["period"].unique().tolist() == ["2016"]
    assert q2020["period"].unique().tolist() == ["January to March 2020"]
    # 2016, third data row: ",,Happy Valley Goose Bay, NL A0P 1C0,6312-Executive
    # housekeepers,2" continues "10565 NFLD. Inc." in Newfoundland and Labrador
    row = y2016.iloc[2]
    assert (row["province"], row["employer"], row["code"], row["value"]) == (
        "Newfoundland and Labrador", "10565 NFLD. Inc.", "6312", 2)
    assert y2016["stream"].isna().all()  # the 2016 release has no stream column
    # 2020: "    High Wage" published with leading spaces
    assert set(q2020["stream"]) == {"High Wage", "Low Wage", "Primary Agriculture",
                                    "Global Talent Stream"}
    first = q2020.iloc[0]
    assert (first["employer"], first["code"], first["value"]) == (
        "Anglo Eastern Ship Managment Ltd", "2273", 4)


def test_an_employer_list_with_an_unknown_column_fails(tmp_path):
    bad = _copy(tmp_path, EMPLOYERS / "tfwp_2020q1_positive_en.csv",
                lambda t: t.replace("Approved Positions", "Positions (approx.)", 1))
    with pytest.raises(InputError, match=r"unknown column 'Positions \(approx.\)'"):
        tfwp.read_employer_list(bad)


def test_numbers_with_space_thousands_separators_read(tmp_path):
    # French-style "39 187" (space or no-break space) as well as "39,187"
    spaced = _copy(tmp_path, esdc(13), lambda t: t.replace(
        '"9,674","10,800"', '"9 674","10\u00a0800"'))
    frame = tfwp.read_tfwp_table(spaced)
    assert values(frame, province=BC, stream="Primary Agriculture")[:2] == [9674, 10800]
