"""Ingest adapters read real exports (tests/data/, see SOURCES.md) with types, labels and
the physical line of every record."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd
import pytest

from conftest import SHIPPED
from mwsn import ingest
from mwsn.codebook import SourceSpec, Variable, load_codebook, parse_numbers
from mwsn.config import Bilingual, Source
from mwsn.errors import InputError

DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parents[1]


def _line_starting(path: Path, prefix: bytes) -> int:
    """1-based physical line of the first line starting with ``prefix`` (counted by hand)."""
    for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        if line.startswith(prefix):
            return number
    raise AssertionError(prefix)


# -- Qualtrics ---------------------------------------------------------------------------------

def test_qualtrics_new_export_has_three_header_rows_and_import_ids():
    frame = ingest.read_qualtrics(DATA / "qualtrics" / "sample.csv")
    assert len(frame) == 1
    row = frame.iloc[0]
    # values as in the file's fourth line
    assert row["ResponseId"] == "R_2YPOQ602ER1jkf1"
    assert row["StartDate"] == "2017-07-18 08:28:09"
    assert row["Q1"] == "2" and row["Q2"] == "Hello World!"
    assert row[ingest.ROW] == 4
    assert frame.attrs["import_ids"]["Q1"] == "QID1"
    assert frame.attrs["labels"]["RecipientLastName"] == "Nachname des Empfängers"


def test_qualtrics_legacy_export_with_bom_and_trailing_comma():
    frame = ingest.read_qualtrics(DATA / "qualtrics" / "sample_legacy.csv")
    assert len(frame) == 1
    assert frame.columns[2] == "ResponseId"  # V1 named by its label, BOM gone
    assert "RecipientEmail" in frame.columns  # legacy EmailAddress under today's name
    assert not [c for c in frame.columns if c.startswith("column_")]  # trailing comma dropped
    row = frame.iloc[0]
    assert row["ResponseId"] == "R_2YPOQ602ER1jkf1"
    assert row["Q2"] == "Hello World!" and row["LocationAccuracy"] == "-1"
    assert row[ingest.ROW] == 3


# -- CSV: encodings, delimiters, thousands, multi-line cells ------------------------------------

ESDC = DATA / "esdc" / "tfwp2023_annual_table_3_e.2016-2020_subset.csv"


def test_windows_1252_csv_keeps_french_accents():
    frame = ingest.read_csv(ESDC)
    assert frame.attrs["encoding"] == "cp1252"
    regions = set(frame.iloc[:, 2])
    assert "2435 - Montérégie " in regions
    assert "2410 - Gaspésie -- Îles-de-la-Madeleine " in regions


def test_rows_are_physical_lines_even_after_a_cell_spanning_lines():
    frame = ingest.read_csv(ESDC)
    first = frame.iloc[:, 2]
    # note 4 is a quoted cell spanning three lines; the records after it keep their lines
    assert frame.loc[first.str.startswith("4. Each LMIA").fillna(False), ingest.ROW].item() == \
        _line_starting(ESDC, b'"4. Each LMIA')
    assert frame.loc[first.str.startswith("7. As of").fillna(False), ingest.ROW].item() == \
        _line_starting(ESDC, b'"7. As of')
    assert frame.loc[first == "2435 - Montérégie ", ingest.ROW].item() == \
        _line_starting(ESDC, b"2435 - Mont")


def test_thousands_separators_in_quoted_numbers():
    frame = ingest.read_csv(ESDC)
    other = frame[frame.iloc[:, 2] == "Other "].iloc[0]
    # the file's first "Other" row: "1,454","1,018",258,312,763 (Newfoundland and Labrador)
    assert parse_numbers(other.iloc[3:8]).tolist() == [1454, 1018, 258, 312, 763]


def test_number_formats_with_grouping_and_decimal_comma():
    values = pd.Series(["1,234", "1 234,5", "1\u00a0000", "2,5", "1.234,5", "-3.5", "", "n/a"])
    parsed = parse_numbers(values).tolist()
    assert parsed[:6] == [1234, 1234.5, 1000, 2.5, 1234.5, -3.5]
    assert math.isnan(parsed[6]) and math.isnan(parsed[7])


def test_real_worker_survey_reads_with_published_country_counts():
    frame = ingest.read_csv(DATA / "workforce_robotics" / "WorkerSurveyDataRelease.csv")
    # the dataset's README: Canada 130, UK 101, USA 82, Australia 24
    assert frame["Country"].value_counts().to_dict() == {
        "Canada": 130, "UK": 101, "USA": 82, "Australia": 24}
    assert frame[ingest.ROW].iloc[-1] == 338


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_any_common_delimiter_and_encoding(tmp_path, delimiter, encoding):
    rows = [["name", "comment", "amount"], ["Hélène", "déjà vu; à l'œil, «oui»", "1,234"],
            ["Zoë", "line one\nline two", "5"], ["Noël", "fin", "7"]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "export.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    frame = ingest.read_csv(path)
    assert frame.attrs["delimiter"] == delimiter
    assert frame["name"].tolist() == ["Hélène", "Zoë", "Noël"]
    assert frame["comment"].iloc[0] == "déjà vu; à l'œil, «oui»"
    assert frame["comment"].iloc[1].splitlines() == ["line one", "line two"]
    assert frame[ingest.ROW].tolist() == [2, 3, 5]


def test_blank_lines_do_not_shift_row_numbers(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,2\n\n3,4\n", encoding="utf-8")
    assert ingest.read_csv(path)[ingest.ROW].tolist() == [2, 4]


# -- Excel, SPSS, Stata --------------------------------------------------------------------------

def test_xlsx_header_not_on_first_row_is_found():
    frame = ingest.read_xlsx(DATA / "ircc" / "EN_ODP_annual-TR-work-TFW_PT_program_year_end.xlsx")
    assert frame.attrs["header_row"] == 3
    assert frame.columns[2] == "Province/territory and program"
    assert "2024" in frame.columns
    bc = frame[frame.iloc[:, 2:5].apply(lambda r: "British Columbia Total" in set(r), axis=1)]
    # SOURCES.md: BC Total 2016 11,225; 2020 23,760; 2024 50,905 (numbers stored as text)
    assert bc[["2016", "2020", "2024"]].iloc[0].tolist() == ["11,225", "23,760", "50,905"]
    assert frame[ingest.ROW].iloc[0] == 4


def test_spss_values_types_and_ordered_labels_match_the_expected_csv():
    frame = ingest.read_stat(DATA / "spss" / "sample.sav", "spss")
    expected = pd.read_csv(DATA / "spss" / "sample.csv", encoding="utf-8-sig")
    assert frame["mychar"].tolist() == expected["mychar"].tolist()
    assert frame["mynum"].tolist() == expected["mynum"].tolist()
    assert pd.api.types.is_datetime64_any_dtype(frame["dtime"])
    assert frame["dtime"].iloc[0] == pd.Timestamp(expected["dtime"].iloc[0])
    # value labels: mylabl 1=Male 2=Female; myord 1=low 2=medium 3=high (ordinal)
    assert frame["mylabl"].tolist() == ["Male", "Female", "Male", "Female", "Male"]
    assert frame["myord"].cat.ordered
    assert list(frame["myord"].cat.categories) == ["low", "medium", "high"]
    assert frame["myord"].tolist() == ["low", "medium", "high", "low", "low"]
    assert (frame["myord"] > "low").tolist() == [False, True, True, False, False]
    assert frame[ingest.ROW].tolist() == [1, 2, 3, 4, 5]


def test_stata_value_labels_become_ordered_categories():
    frame = ingest.read_stat(DATA / "stata" / "sample.dta", "stata")
    assert frame["myord"].tolist() == ["low", "medium", "high", "low", "low"]
    assert list(frame["myord"].cat.categories) == ["low", "medium", "high"]
    assert frame["mylabl"].cat.ordered


# -- KoboToolbox ------------------------------------------------------------------------------

def _kobo_spec():
    label = Bilingual(en="x", fr="x")
    return SourceSpec(label=label, variables=[
        Variable(name="services_used", type="multi", values="service", label=label)])


def test_kobo_group_prefixes_stripped_and_select_multiple_split():
    frame = ingest.read_kobo(DATA / "kobo" / "kobo_export.csv", _kobo_spec())
    for name in ("consent", "stakeholder_group", "know_rights", "email", "comments", "_uuid",
                 "_submission_time", "_index"):
        assert name in frame.columns, name
    assert not [c for c in frame.columns if "/" in c]
    assert frame["services_used_legal_clinic"].tolist() == [True, False, False, False]
    assert frame["services_used_hotline"].tolist() == [False, True, False, True]
    assert frame["services_used"].iloc[0] == "legal_clinic workshop"
    assert frame["comments"].iloc[0].startswith("L'atelier sur les normes d'emploi était")
    assert frame[ingest.ROW].tolist() == [2, 3, 4, 5]


def test_kobo_select_multiple_without_option_columns_is_split_from_the_codebook(tmp_path):
    path = tmp_path / "kobo.csv"
    path.write_text("grp/services_used;_uuid\nhotline workshop;a\n;b\n", encoding="utf-8")
    frame = ingest.read_kobo(path, _kobo_spec())
    assert frame["services_used_hotline"].tolist() == [True, False]
    assert frame["services_used_workshop"].tolist() == [True, False]


# -- read_source maps the export's names onto the codebook's ---------------------------------

def test_read_source_renames_and_remembers_the_exports_names(tmp_path):
    codebook = load_codebook(SHIPPED)
    path = tmp_path / "ledger.csv"
    path.write_text("entry_id;Montant\nF-1;\"1 234,50\"\n", encoding="cp1252")
    frame = ingest.read_source(path, Source(file="ledger.csv", columns={"Montant": "amount_cad"}),
                               codebook.sources["funding"])
    assert frame["amount_cad"].tolist() == ["1 234,50"]
    assert frame.attrs["raw_names"]["amount_cad"] == "Montant"


# -- unreadable files ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, reader, words", [
    ("empty.csv", ingest.read_csv, "empty"),
    ("truncated.xlsx", ingest.read_xlsx, "not a readable Excel"),
    ("funding_mixed_encoding.csv", ingest.read_csv, "mixes encodings"),
])
def test_unreadable_files_are_input_errors(name, reader, words):
    with pytest.raises(InputError) as err:
        reader(DATA / "broken" / name)
    assert words in str(err.value)


def test_truncated_sav_is_an_input_error():
    with pytest.raises(InputError, match="not a readable SPSS"):
        ingest.read_stat(DATA / "broken" / "truncated.sav", "spss")


def test_binary_file_is_not_text():
    with pytest.raises(InputError, match="binary"):
        ingest.read_csv(DATA / "spss" / "sample.sav")



def test_xlsx_header_found_by_the_codebooks_column_names(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Funding ledger, fiscal years 2018-19 and 2019-20"])
    sheet.append(["Prepared for the assessment", None, None, "draft", "v2", "x", "y"])
    sheet.append(["entry_id", "fiscal_year", "date", "recipient", "entry_type", "amount_cad"])
    sheet.append(["F-001", "2018-19", pd.Timestamp("2018-04-01").to_pydatetime(),
                  "Recipient A", "agreement", 1_700_000])
    sheet.append(["F-002", "2018-19", "2018-06-30", "Recipient A", "expenditure", 1234.5])
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    codebook = load_codebook(SHIPPED)
    frame = ingest.read_source(path, Source(file="ledger.xlsx", format="xlsx"),
                               codebook.sources["funding"])
    assert frame.attrs["header_row"] == 3
    assert frame[ingest.ROW].tolist() == [4, 5]
    assert frame["amount_cad"].tolist() == ["1700000", "1234.5"]
    assert frame["date"].tolist() == ["2018-04-01 00:00:00", "2018-06-30"]


def test_spss_likert_labels_and_missing_codes_recode_to_the_scale(tmp_path):
    import pyreadstat

    from mwsn import clean

    labels = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree",
              4: "Agree", 5: "Strongly agree", 8: "Don't know", 9: "Prefer not to say"}
    data = pd.DataFrame({"know_rights": [1.0, 5.0, 8.0, 9.0, 4.0]})
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(data, str(path), variable_value_labels={"know_rights": labels})
    frame = ingest.read_stat(path, "spss")
    assert list(frame["know_rights"].cat.categories)[:2] == ["Strongly disagree", "Disagree"]
    codebook = load_codebook(SHIPPED)
    label = Bilingual(en="x", fr="x")
    spec = SourceSpec(label=label, variables=[
        Variable(name="know_rights", type="likert", scale="agreement", label=label)])
    out = clean.recode(frame, spec, codebook)
    assert out["know_rights"].tolist()[:2] == [1, 5] and out["know_rights"].iloc[4] == 4
    assert out["know_rights_missing"].tolist()[2:4] == ["dont_know", "refused"]


def test_a_large_export_with_a_bom_and_accents_opens_as_the_whole_decoded_text_would(tmp_path):
    # the fast path checks UTF-8 without decoding the whole file: same bytes, same head
    # (the first 2**20 characters, not bytes), same encoding as decoding it all
    line = "Répondant,Société,Ville\r\n"
    text = line * ((1 << 20) // len(line) + 500)
    path = tmp_path / "big.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    utf8, encoding, head = ingest.open_text(path)
    assert encoding == "utf-8-sig" and utf8 == text.encode("utf-8")
    assert head == text[:1 << 20]
    # not UTF-8 at the end: the full check, with its message and line
    path.write_bytes(text.encode("utf-8") + b"\xff,x,y\r\n")
    with pytest.raises(ingest.InputError, match="mixes encodings") as error:
        ingest.open_text(path)
    assert error.value.problems[0].row == text.count("\n") + 1


def test_a_large_export_read_batch_by_batch_has_the_categories_of_a_whole_read(
        tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    lines = ["id,answer,note"]
    for i in range(30_000):  # answers seen only after the rows that decide the encoding
        answer = ("Agree", "Disagree")[i % 2] if i < 20_000 else ("Neutral", "Agree", "Other")[
            i % 3]
        lines.append(f'{i},{answer},"note {i % 7}, line\nbreak"' if i == 15_000
                     else f"{i},{answer},note {i % 7}")
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(ingest, "CSV_BLOCK_BYTES", 1 << 16)  # many batches
    frame = ingest.read_delimited(path)
    whole = ingest._compact(pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={n: pa.string() for n in ("id", "answer", "note")}))).to_pandas()
    assert isinstance(frame["answer"].dtype, pd.CategoricalDtype)
    # in order of first appearance, as the whole column's dictionary encoding gives them
    assert list(frame["answer"].cat.categories) == ["Agree", "Disagree", "Other", "Neutral"]
    assert list(frame["answer"].cat.categories) == list(whole["answer"].cat.categories)
    assert list(frame["note"].cat.categories) == list(whole["note"].cat.categories)
    for column in ("id", "answer", "note"):
        assert frame[column].astype(str).tolist() == whole[column].astype(str).tolist()
    # the record spanning two lines moves the row numbers after it by one
    assert frame[ingest.ROW].iloc[[0, 15_000, 15_001, -1]].tolist() == [2, 15_002, 15_004,
                                                                          30_002]


@pytest.mark.parametrize("values, all_iso", [
    (["2019-10-01 09:00:00", "2019-10-01T09:00", "2019-10-01", ""], True),
    ([None, "2019-10-01 09:00:00"], True),
    (["2019-10-01 09:00:00", " 2019-10-01 09:00:00"], False),  # stripped by the full check
    (["2019-10-01 09:00:00", "01/10/2019 09:00"], False),
    (["2019-10-01 09:00:00", "2019-10-01T09:00:00Z"], False),
    (["2019-10-01 09:00:00\n"], False),
])
def test_a_date_column_all_iso_is_told_in_one_pass_as_the_full_check_tells_it(values, all_iso):
    column = pd.Series(values, dtype="string[pyarrow]")
    assert ingest._all_iso_or_empty(column) is all_iso
    # the full check (stripped text, full match): nothing to rewrite where the pass says so
    text = column.str.strip()
    todo = ~text.str.fullmatch(ingest.ISO_DATE).fillna(True) & (text != "").fillna(False)
    assert not (all_iso and todo.any())
    # a column that is not Arrow text is left to the full check
    assert not ingest._all_iso_or_empty(column.astype(object))


def test_arrow_memory_pool_left_as_the_environment_chooses(monkeypatch):
    import pyarrow as pa

    chosen = []
    monkeypatch.setattr(pa, "set_memory_pool", chosen.append)
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    ingest.use_jemalloc()
    assert chosen == []
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
    monkeypatch.setattr(pa, "default_memory_pool", pa.system_memory_pool)
    ingest.use_jemalloc()
    try:
        expected = [pa.jemalloc_memory_pool().backend_name]
    except NotImplementedError:  # a pyarrow without jemalloc: the default stays
        expected = []
    assert [pool.backend_name for pool in chosen] == expected


@pytest.mark.parametrize("reader, name", [
    (ingest.read_qualtrics, "qualtrics/sample.csv"),
    (ingest.read_qualtrics, "qualtrics/sample_legacy.csv"),  # BOM, trailing comma
    (ingest.read_surveymonkey, "exports/surveymonkey_export.csv"),
    (ingest.read_google_forms, "exports/google_forms_export.csv"),
    (ingest.read_csv, "redcap/survey_data.csv"),
    (ingest.read_csv, "broken/funding_mixed_encoding.csv"),
    (ingest.read_csv, "broken/funding_ragged.csv"),
    (ingest.read_csv, "broken/empty.csv"),
])
def test_a_mapped_export_reads_as_the_same_export_read_into_memory(
        tmp_path, monkeypatch, reader, name):
    path = tmp_path / Path(name).name  # a copy: the test's own file is mapped, then removed
    path.write_bytes((DATA / name).read_bytes())

    def read():
        try:
            frame = reader(path)
        except InputError as error:
            return [str(p) for p in error.problems]
        return frame, frame.attrs

    in_memory = read()
    monkeypatch.setattr(ingest, "MAP_BYTES", 1)  # every file mapped
    mapped = read()
    if isinstance(in_memory, list):
        assert mapped == in_memory
    else:
        pd.testing.assert_frame_equal(mapped[0], in_memory[0])
        assert mapped[1] == in_memory[1]
    path.unlink()  # the map is closed: the export can be removed (or replaced)


@pytest.mark.parametrize("size", [50, 12_000])  # read whole; read again past the sample
def test_records_of_another_width_are_found_in_an_export_of_any_length(tmp_path, size):
    lines = ["id,answer,status"] + [f"{i},Agree,done" for i in range(size)]
    lines[3] = "2,Agree,done,extra"  # a record wider than the header, within the first rows
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        ingest.read_delimited(path)
    assert [(p.row, "has 4 fields" in p.message) for p in raised.value.problems] == [(4, True)]
    # every record stops before the header's last column: that column is read as empty
    short = tmp_path / "short.csv"
    short.write_text("\n".join(["id,answer,status"] + [f"{i},Agree" for i in range(size)])
                     + "\n", encoding="utf-8")
    frame = ingest.read_delimited(short)
    assert len(frame) == size and (frame["status"] == "").all()
    assert frame["answer"].astype(str).eq("Agree").all()


def test_a_missing_processed_table_names_the_run_that_writes_it(tmp_path):
    processed = tmp_path / "data" / "processed"
    with pytest.raises(FileNotFoundError, match=r"first \(mwsn run bc\)$"):
        ingest.read_processed(processed / "bc", "survey")
    with pytest.raises(FileNotFoundError, match=r"first \(mwsn run bc --wave 2024q2\)$"):
        ingest.read_processed_arrow(processed / "bc" / "2024q2", "services")
    with pytest.raises(FileNotFoundError, match=r"\(mwsn run <jurisdiction> \(any: each run"):
        ingest.read_processed(processed / "_national", "tfwp_positions")


@pytest.mark.parametrize("dtype", ["category", "string", "object", "str"])
def test_seen_but_not_answered_is_found_in_every_storage_of_a_column(dtype):
    # Qualtrics' -99 with spaces around it, beside answers that only contain it or look like it
    values = pd.Series([" -99", "Agree", None, "-99 ", "-990", "x -99", "-99"], dtype=dtype)
    found = ingest._answered(values, ingest.QUALTRICS_SEEN_NOT_ANSWERED)
    assert found.tolist() == [True, False, False, True, False, False, True]


@pytest.mark.parametrize("dtype", ["category", "string", "object", "str"])
def test_a_column_is_blank_throughout_in_every_storage(dtype):
    blank = ["", " ", "\u00a0", None]                # empty, spaces, a no-break space, missing
    assert ingest._blank_throughout(pd.Series(blank, dtype=dtype))
    assert not ingest._blank_throughout(pd.Series([*blank, "x@example.org"], dtype=dtype))
    # row by row, as a REDCap event's rows are told apart
    assert ingest.blank_cells(pd.Series([*blank, " x "], dtype=dtype)).tolist() == [
        True, True, True, True, False]
