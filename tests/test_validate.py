"""`mwsn validate` fed real broken files (tests/data/broken/, see SOURCES.md): exit status 2,
every problem as file:row:column: message, no traceback, nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mwsn import cli, config, validate
from mwsn.codebook import load_codebook

DATA = Path(__file__).parent / "data"
BROKEN = DATA / "broken"
RAW = "data/raw/bc"


def _snapshot(root: Path) -> dict:
    """Every path under ``root`` with its modification time; the runner's lock file (which
    says a run is under way, not an output) aside."""
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns if p.is_file() else None)
            for p in root.rglob("*") if not p.name.endswith(".lock")
            and not (p.name == "reports" and not any(
                q for q in p.iterdir() if not q.name.endswith(".lock")))}


def _validate(root: Path, capsys, *extra: str, command: str = "validate"):
    before = _snapshot(root)
    code = cli.main([command, "bc", "--root", str(root), *extra])
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    assert _snapshot(root) == before, "nothing may be written"
    return code, out.err, out.out


def _use(root: Path, broken: str, target: str) -> None:
    shutil.copyfile(BROKEN / broken, root / RAW / target)


def _params(root: Path, old: str, new: str) -> None:
    path = root / "params" / "bc.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_synthetic_data_validates(project_root, capsys):
    code, err, out = _validate(project_root, capsys)
    assert code == 0, err
    assert "no problems" in out


# -- files and folders ---------------------------------------------------------------------

def test_missing_raw_folder(project_root, capsys):
    shutil.rmtree(project_root / RAW)
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}: raw data folder not found" in err


def test_missing_file(project_root, capsys):
    (project_root / RAW / "meeting_records.csv").unlink()
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/meeting_records.csv: file not found" in err


def test_folder_where_a_file_is_expected(project_root, capsys):
    (project_root / RAW / "meeting_records.csv").unlink()
    (project_root / RAW / "meeting_records.csv").mkdir()
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/meeting_records.csv: this is a folder" in err


def test_empty_file(project_root, capsys):
    _use(project_root, "empty.csv", "funding_ledger.csv")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/funding_ledger.csv: the file is empty" in err


# -- not the format it claims --------------------------------------------------------------

def test_binary_file_claimed_as_qualtrics_csv(project_root, capsys):
    shutil.copyfile(DATA / "spss" / "sample.sav", project_root / RAW / "survey_export.csv")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/survey_export.csv:1: this is a binary file" in err


def test_truncated_xlsx(project_root, capsys):
    _params(project_root, "funding: {file: funding_ledger.csv, format: csv}",
            "funding: {file: funding.xlsx, format: xlsx}")
    _use(project_root, "truncated.xlsx", "funding.xlsx")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/funding.xlsx: not a readable Excel .xlsx workbook" in err


def test_truncated_sav(project_root, capsys):
    _params(project_root, "funding: {file: funding_ledger.csv, format: csv}",
            "funding: {file: funding.sav, format: spss}")
    _use(project_root, "truncated.sav", "funding.sav")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/funding.sav: not a readable SPSS .sav file" in err


# -- cut short (an interrupted download or copy) ----------------------------------------------

def _cut_after(path: Path, lines: int, then: bytes) -> int:
    """Keep the first ``lines`` lines of ``path`` and ``then`` (the start of the next record,
    no line break after it); the row (1-based line) of that cut record."""
    kept = path.read_bytes().splitlines(keepends=True)[:lines]
    path.write_bytes(b"".join(kept) + then)
    return lines + 1


def test_a_csv_cut_in_the_middle_of_a_record(project_root, capsys):
    ledger = project_root / RAW / "funding_ledger.csv"
    row = _cut_after(ledger, 10, b"F-010,2019-20,2019-")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert (f"{RAW}/funding_ledger.csv:{row}: the file ends in the middle of this record (3 of "
            "the header's 8 fields, and no line break after it): it was cut short") in err
    assert "export or download it again" in err and "fields but the header" not in err


def test_a_csv_cut_inside_a_quoted_field(project_root, capsys):
    excerpts = project_root / RAW / "coded_excerpts.csv"
    lines = excerpts.read_bytes().splitlines(keepends=True)
    # a record whose text is quoted (it holds a comma), cut within its quotes
    at = next(i for i, line in enumerate(lines) if i and b',"' in line)
    row = _cut_after(excerpts, at, lines[at][:lines[at].index(b',"') + 12])
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/coded_excerpts.csv:{row}: the file ends inside a quoted field of this " \
        "record" in err


def test_a_csv_cut_after_a_field_is_noted_without_failing(project_root, capsys):
    # a cut at a delimiter cannot be told from an export without a final line break (a
    # spreadsheet's download): the last record is named for a look, the file read
    ledger = project_root / RAW / "funding_ledger.csv"
    lines = [line.rstrip(b"\r\n") for line in ledger.read_bytes().splitlines(keepends=True)]
    at = next(i for i, line in enumerate(lines) if i and line[-2:].isdigit())
    row = _cut_after(ledger, at, lines[at][:-1])      # 87 workers reached read as 8
    code, err, out = _validate(project_root, capsys)
    assert code == 0, err
    assert (f"note: {RAW}/funding_ledger.csv:{row}: the file does not end with a line break: "
            "check that its last record is whole") in out + err


def _stata(project_root: Path, cut: int | None) -> None:
    _params(project_root, "funding: {file: funding_ledger.csv, format: csv}",
            "funding: {file: funding.dta, format: stata}")
    data = (DATA / "stata" / "sample.dta").read_bytes()
    (project_root / RAW / "funding.dta").write_bytes(data if cut is None else data[:cut])


@pytest.mark.parametrize("keep", [0.5, -16])
def test_a_stata_file_cut_short(project_root, capsys, keep):
    # cut in its last section (value labels) ReadStat reads it without a word: the labels lost
    size = (DATA / "stata" / "sample.dta").stat().st_size
    _stata(project_root, int(size * keep) if keep > 0 else keep)
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert (f"{RAW}/funding.dta: the Stata file ends before its closing </stata_dta> tag: it "
            "was cut short") in err


def test_a_whole_stata_file_is_not_taken_for_a_cut_one(project_root, capsys):
    _stata(project_root, None)
    code, err, _ = _validate(project_root, capsys)
    assert "</stata_dta>" not in err and "not a readable" not in err


@pytest.mark.parametrize("name, fmt", [("funding_ledger.csv", "csv"), ("funding.xlsx", "xlsx"),
                                       ("funding.sav", "spss"), ("funding.dta", "stata"),
                                       ("funding.csv", "kobo")])
def test_a_zero_byte_export_of_any_format(project_root, capsys, name, fmt):
    _params(project_root, "funding: {file: funding_ledger.csv, format: csv}",
            f"funding: {{file: {name}, format: {fmt}}}")
    (project_root / RAW / name).write_bytes(b"")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/{name}: the file is empty: export the data again" in err


def test_a_run_stops_on_a_cut_export_and_writes_nothing(project_root, capsys):
    row = _cut_after(project_root / RAW / "meeting_records.csv", 5, b"M-005,2019")
    code, err, _ = _validate(project_root, capsys, command="run")
    assert code == 2
    assert f"{RAW}/meeting_records.csv:{row}: the file ends in the middle of this record" in err
    assert not (project_root / "reports" / "bc").exists()


def test_wrong_delimiter(project_root, capsys):
    _use(project_root, "funding_colon_delimited.csv", "funding_ledger.csv")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/funding_ledger.csv:1:entry_id:fiscal_year:date:" in err
    assert "the file has a single column, so its delimiter is probably none of" in err
    assert "1 problem(s)" in err


def test_unquoted_delimiter_in_a_cell(project_root, capsys):
    _use(project_root, "funding_ragged.csv", "funding_ledger.csv")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/funding_ledger.csv:6: this record has 9 fields but the header has 8" in err


def test_undecodable_text(project_root, capsys):
    _use(project_root, "funding_mixed_encoding.csv", "funding_ledger.csv")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/funding_ledger.csv:7: undecodable text" in err
    assert "UTF-8" in err


# -- contents against the codebook ---------------------------------------------------------

def test_missing_required_column(project_root, capsys):
    _use(project_root, "funding_missing_column.csv", "funding_ledger.csv")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/funding_ledger.csv:1:amount_cad: required column 'amount_cad'" in err


def test_values_outside_the_codebook_are_all_reported(project_root, capsys):
    _use(project_root, "funding_bad_values.csv", "funding_ledger.csv")
    _use(project_root, "survey_bad_values.csv", "survey_export.csv")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    funding, survey = f"{RAW}/funding_ledger.csv", f"{RAW}/survey_export.csv"
    assert f"{funding}:5:date: '31/31/2019' is not a date" in err
    assert f"{funding}:6:amount_cad: 'about 20 thousand' is not a number" in err
    assert f"{funding}:7:entry_type: 'loan' is not a known funding_entry" in err
    assert f"{survey}:6:know_rights: 'Strongly agreee' is not on the agreement scale" in err
    assert f"{survey}:7:stakeholder_group: 'Farmer' is not a known stakeholder_group" in err
    assert f"{survey}:8:RecordedDate: '2019-13-45 10:00:00' is not a date" in err
    assert "6 problem(s); nothing was written." in err


def test_out_of_range_number(project_root, capsys):
    path = project_root / RAW / "meeting_records.csv"
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    fields = lines[2].split(",")
    fields[4] = "-3"
    lines[2] = ",".join(fields)
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/meeting_records.csv:3:attendees: -3 is outside the allowed range 0 to 10000" \
        in err


def test_duplicate_response_with_conflicting_answers(project_root, capsys):
    _use(project_root, "survey_duplicate_conflict.csv", "survey_export.csv")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/survey_export.csv:9:ResponseId: the same record" in err
    assert "rows 9, 50 with different answers" in err
    assert "abuse_deterrence" in err


def test_identical_repeat_of_a_response_is_left_to_cleaning(project_root, capsys):
    path = project_root / RAW / "survey_export.csv"
    text = path.read_bytes()
    path.write_bytes(text + text.split(b"\r\n")[8] + b"\r\n")
    code, err, _ = _validate(project_root, capsys)
    assert code == 0, err


def test_missing_consent(project_root, capsys):
    _use(project_root, "survey_missing_consent.csv", "survey_export.csv")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert f"{RAW}/survey_export.csv:10:consent: missing consent" in err


def test_json_format_gives_the_same_problems(project_root, capsys):
    _use(project_root, "survey_missing_consent.csv", "survey_export.csv")
    code, _, out = _validate(project_root, capsys, "--format", "json")
    assert code == 2
    report = json.loads(out)
    assert report["ok"] is False
    assert report["problems"] == [{"file": f"{RAW}/survey_export.csv", "row": 10,
                                   "column": "consent", "message": report["problems"][0][
                                       "message"]}]
    assert report["problems"][0]["message"].startswith("missing consent")


# -- params and the jurisdiction code ------------------------------------------------------

@pytest.mark.parametrize("broken, words, line_of", [
    ("params_invalid_yaml.yaml", "not valid YAML", "min_cell: [5"),
    ("params_unknown_key.yaml", "unknown key 'min_cel'", "min_cel: 3"),
    ("params_missing_key.yaml", "missing key 'budget'", None),
])
def test_params_problems(project_root, capsys, broken, words, line_of):
    shutil.copyfile(BROKEN / broken, project_root / "params" / "bc.yaml")
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    assert "params/bc.yaml" in err and words in err
    if line_of:
        lines = (BROKEN / broken).read_text(encoding="utf-8").splitlines()
        row = int(err.split("params/bc.yaml:")[1].split(":")[0])
        assert line_of in "\n".join(lines[row - 2:row + 1])


@pytest.mark.parametrize("code_", ["../x", "BC", "bc/..", "a b"])
def test_jurisdiction_code_that_is_not_plain(project_root, capsys, code_):
    before = _snapshot(project_root)
    assert cli.main(["validate", code_, "--root", str(project_root)]) == 2
    err = capsys.readouterr().err
    assert "<command line>: jurisdiction code" in err and "Traceback" not in err
    assert _snapshot(project_root) == before


def test_run_validates_first_and_stops(project_root, capsys):
    _use(project_root, "survey_bad_values.csv", "survey_export.csv")
    code, err, _ = _validate(project_root, capsys, command="run")
    assert code == 2
    assert f"{RAW}/survey_export.csv:6:know_rights:" in err
    assert not (project_root / "reports" / "bc").exists()
    assert not (project_root / "data" / "processed" / "bc").exists()


# -- limits --------------------------------------------------------------------------------

def test_many_bad_rows_are_summed_up_after_the_first_ones(project_root):
    params = config.load("bc", project_root)
    codebook = load_codebook(project_root)
    frames = validate.read_and_check(params, codebook, config.paths("bc", project_root))
    survey = frames["survey"]
    broken = pd.concat([survey] * 3, ignore_index=True)
    broken["response_id"] = [f"R_{i}" for i in range(len(broken))]
    broken["know_rights"] = "Sort of"
    problems = validate.check_frame(broken, codebook.sources["survey"], codebook, "s.csv")
    about = [p for p in problems if p.column == "know_rights"]
    assert len(about) == validate.MAX_ROWS_PER_PROBLEM + 1
    assert f"{len(broken) - validate.MAX_ROWS_PER_PROBLEM} more rows" in about[-1].message


def test_a_date_column_is_parsed_once_and_a_changed_column_anew(monkeypatch):
    from mwsn import codebook as cb

    parses = []
    parse = cb._parse_datetimes
    monkeypatch.setattr(cb, "_parse_datetimes", lambda *a: parses.append(1) or parse(*a))
    column = pd.Series(["2019-10-01 09:00:00", "01/10/2019", "not a date", None], dtype="str")
    first = cb.parse_datetimes(column)
    again = cb.parse_datetimes(column.iloc[:])  # the same column: served from the first parse
    pd.testing.assert_series_equal(first, again)
    assert len(parses) == 1
    again.iloc[0] = pd.NaT  # a caller's copy: the parse kept for the column is untouched
    assert cb.parse_datetimes(column).iloc[0] == pd.Timestamp("2019-10-01 09:00:00")
    assert cb.parse_datetimes(column, dayfirst=True).iloc[1] == pd.Timestamp("2019-10-01")
    assert cb.parse_datetimes(column, dayfirst=False).iloc[1] == pd.Timestamp("2019-01-10")
    changed = column.copy()
    changed.iloc[2] = "2020-02-29"
    assert cb.parse_datetimes(changed).iloc[2] == pd.Timestamp("2020-02-29")
    assert pd.isna(cb.parse_datetimes(column).iloc[2])


@pytest.mark.parametrize("values", [
    ["R_1", "R_2", "R_2", "R_3", "R_3", "R_3", "R_4"],  # in order: neighbours compared
    ["R_3", "R_1", "R_3", "R_2", "R_2", "", ""],  # any order: Arrow's hash table
    ["R_1", None, "R_2", None, "R_1"],  # missing keys are alike, as pandas has them
    ["R_1", "R_1"], ["R_1"], [],
])
def test_repeated_record_keys_are_those_pandas_finds(values):
    keys = pd.DataFrame({"response_id": pd.Series(values, dtype="str")})
    expected = keys.astype(object).duplicated(keep=False).to_numpy()
    assert validate._repeated(keys).tolist() == expected.tolist()
    assert validate._repeated(keys.astype(object)).tolist() == expected.tolist()


def test_record_keys_in_order_past_the_sample_are_checked_whole(monkeypatch):
    monkeypatch.setattr(validate, "ORDER_SAMPLE", 3)
    values = ["R_1", "R_2", "R_3", "R_5", "R_4", "R_5"]  # in order only in the sample
    keys = pd.DataFrame({"response_id": pd.Series(values, dtype="str")})
    assert validate._repeated(keys).tolist() == [False] * 3 + [True, False, True]


def test_a_date_is_read_only_where_its_first_ten_characters_are_the_day_read():
    # Arrow's strptime rolls 2023-02-30 over and reads unpadded fields: the fast pass
    # refuses a date whose first ten characters are not the day it read (pandas then reads
    # it, or not, as any other text); the day is compared with the text's first ten bytes,
    # which hold the same characters, or one that is not ASCII, as its first ten characters
    from mwsn import codebook as cb

    values = ["2023-02-30 10:00:00", "2019-10-01 09:00:00", "2019-1-05 10:00:00",
              "2019-10-1\u00e9 09:00:00", "\u00e92019-10-01", "2019-10-01\u00a009:00:00",
              "2020-02-29", "2019-10-01T09:00", "", None, " 2019-10-02 08:00:00 "]
    column = pd.Series(values, dtype="str")
    parsed = cb._parse_datetimes(column, None, None)
    when = pd.Timestamp
    assert parsed.tolist() == [pd.NaT, when("2019-10-01 09:00"), when("2019-01-05 10:00"),
                               pd.NaT, pd.NaT, when("2019-10-01 09:00"), when("2020-02-29"),
                               when("2019-10-01 09:00"), pd.NaT, pd.NaT,
                               when("2019-10-02 08:00")]
    # validation hands over the text it stripped: the same dates
    stripped = column.astype("string").str.strip()
    pd.testing.assert_series_equal(cb._parse_datetimes(column, None, None, stripped), parsed)


def test_a_required_text_is_blank_where_its_stripped_text_is_empty():
    # told by Arrow in place for text read by Arrow: what stripping the column tells
    values = ["", " ", "\u3000\u2003", "\t\n", "a ", " b", "\u00a0", None, "d", "\x1c"]
    column = pd.Series(values, dtype="str")
    _, _, blank = validate._domain(column.astype(object), by_value=False)
    assert validate._blank_text(column).tolist() == blank.tolist()
    assert validate._blank_text(column.astype(object)) is None


def test_a_missing_column_is_told_the_ways_out_it_has(project_root, capsys):
    # a column the assessment cannot do without (consent) is not told to be declared absent,
    # which the params would refuse; one it can do without (Finished) is
    import csv

    survey = project_root / RAW / "survey_export.csv"
    with survey.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    drop = [rows[0].index("consent"), rows[0].index("Finished")]
    with survey.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[v for i, v in enumerate(row) if i not in drop]
                                 for row in rows])
    code, err, _ = _validate(project_root, capsys)
    assert code == 2
    consent = next(line for line in err.splitlines() if "required column 'consent'" in line)
    finished = next(line for line in err.splitlines() if "required column 'Finished'" in line)
    assert "absent" not in consent and "needs it for every response" in consent
    assert "declare it absent" in finished and "sources.survey.absent" in finished
    assert "<name>" not in err


def test_free_text_without_any_name_column_is_noted(project_root):
    # an SPSS or REDCap export without the name columns: a respondent's own name written in
    # a comment ("Ask Miguel Diaz about the housing") stayed in the processed data, unsaid
    root = project_root
    params, where = config.load("bc", root), config.paths("bc", root)
    codebook = load_codebook(root)
    comments = pd.DataFrame({"comments": ["Ask Miguel Diaz about the housing", None]})
    frames = {"survey": comments.copy()}
    validate._note_no_roster(frames, codebook, where, params)
    (note,) = frames["survey"].attrs["notes"]
    assert note.file == str(where.raw / params.sources["survey"].file)
    assert note.column == "comments" and "no source has a name column" in note.message
    # a name column with a name in it, in any source: its names are scrubbed everywhere
    frames = {"survey": comments.copy(), "excerpts": pd.DataFrame(
        {"participant_name": ["Miguel Diaz"], "text": ["..."]})}
    validate._note_no_roster(frames, codebook, where, params)
    assert not frames["survey"].attrs.get("notes")


@pytest.mark.parametrize("budget, refused", [(600, False), (400, True)])
def test_a_budget_the_ledgers_agreements_exceed_twice_over_is_refused(project_root, budget,
                                                                      refused):
    # agreements of $700.50 and 300 (labels and codes, a currency cell) = 1,000.50, beside
    # an expenditure of 5,000 that is not an agreement: twice a budget of 600 is 1,200
    # (kept), twice 400 is 800 (refused)
    params = config.load("bc", project_root).model_copy(
        update={"budget": config.Budget(amount=budget)})
    ledger = pd.DataFrame({"entry_type": ["Contribution agreement", "agreement", "expenditure"],
                           "amount_cad": ["$700.50", "300", "5000"]})
    found = validate.budget_problems(ledger, params, load_codebook(project_root),
                                     config.paths("bc", project_root))
    assert bool(found) == refused
    if refused:
        assert found[0].column == "budget.amount" and "1,000" in found[0].message
