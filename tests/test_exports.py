"""Real survey exports read as they are (the cases new users reported, each a kind of fault).

Each jurisdiction here is made from the committed params (bc.yaml with another code and survey
source) and the synthetic BC data for the other sources; its survey is one of the files in
tests/data/cases/ (copied from the reported cases), tests/data/exports/ (made by us following
each tool's documented layout) or a real public fixture (see tests/data/SOURCES.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import dump_yaml, load_yaml
from mwsn import clean, cli, config, context, ingest, validate
from mwsn.codebook import date_order, load_codebook, normalize_answer, parse_datetimes
from mwsn.config import Source
from mwsn.errors import InputError

DATA = Path(__file__).parent / "data"
CASES = DATA / "cases"
EXPORTS = DATA / "exports"


def add_jurisdiction(root: Path, code: str, survey: Path | None, source: dict,
                     **params) -> Path:
    """A jurisdiction ``code`` whose survey is ``survey`` read with ``source`` (the other
    sources are BC's synthetic files; the raw folder is not marked synthetic)."""
    raw = root / "data" / "raw" / code
    raw.mkdir(parents=True)
    for path in (root / "data" / "raw" / "bc").glob("*.csv"):
        if path.name != "survey_export.csv":
            shutil.copy(path, raw / path.name)
    if survey is not None:
        shutil.copy(survey, raw / survey.name)
    data = load_yaml((root / "params" / "bc.yaml").read_text(encoding="utf-8"))
    data["code"] = code
    data["sources"]["survey"] = {"file": survey.name if survey else "survey.csv", **source}
    data.update(params)
    (root / "params" / f"{code}.yaml").write_text(dump_yaml(data, allow_unicode=True),
                                                 encoding="utf-8")
    return raw


def labelled_survey(folder: Path, kind: str, answers: dict[str, list], labels: dict) -> Path:
    """An SPSS (``kind`` "spss") or Stata file of three respondents written by pyreadstat:
    ids, e-mails and dates, then ``answers`` (``{column: three values}``, numbers stored as
    doubles as both tools store them) with the value ``labels``."""
    import pyreadstat

    frame = pd.DataFrame({
        "ResponseId": ["R_1", "R_2", "R_3"],
        "RecipientEmail": ["a.one@example.org", "b.two@example.org", "c.three@example.org"],
        "RecordedDate": ["2019-10-01 10:00:00", "2019-10-02 10:00:00", "2019-10-03 10:00:00"],
        **answers})
    path = folder / f"survey.{'sav' if kind == 'spss' else 'dta'}"
    (pyreadstat.write_sav if kind == "spss" else pyreadstat.write_dta)(
        frame, str(path), variable_value_labels=labels)
    return path


@pytest.fixture
def root(project_root, monkeypatch):
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-test-secret")
    return project_root


def run_validate(root: Path, code: str, capsys) -> tuple[int, str, str]:
    status = cli.main(["validate", code, "--root", str(root)])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return status, out.out, out.err


def survey_frame(root: Path, code: str) -> pd.DataFrame:
    frames = validate.read_and_check(config.load(code, root), load_codebook(root),
                                     config.paths(code, root))
    return frames["survey"]


def cleaned_survey(root: Path, code: str) -> pd.DataFrame:
    frames = validate.read_and_check(config.load(code, root), load_codebook(root),
                                     config.paths(code, root))
    cleaned, _ = clean.clean_all(frames, load_codebook(root), b"a-test-secret")
    return cleaned["survey"]


# -- dates --------------------------------------------------------------------------------------

def test_timestamps_with_utc_offsets_are_read_in_utc(root, capsys):
    # tz-aware-datetime-crash: ODK/Kobo-style "Z" and "+08:00" in one column
    add_jurisdiction(root, "tzcase", CASES / "tz-aware-datetime-crash" / "survey_export.csv",
                     {"format": "csv"})
    status, out, err = run_validate(root, "tzcase", capsys)
    assert status == 0, err
    assert "converted to UTC" in out
    # 08:51:07.481Z is 08:51:07 UTC; 14:08:43.257+08:00 is 06:08:43 UTC (hand-derived)
    assert survey_frame(root, "tzcase")["recorded_date"].tolist() == [
        "2019-09-18 08:51:07", "2019-09-18 06:08:43"]


def test_one_offset_or_a_google_sheets_gmt_offset_also_reads_in_utc():
    values = pd.Series(["2019-09-18T08:51:07.481Z", None, "2019/09/18 8:51:07 AM GMT-4"])
    parsed = parse_datetimes(values)
    assert parsed.iloc[0] == pd.Timestamp("2019-09-18 08:51:07.481")
    assert pd.isna(parsed.iloc[1])
    assert parsed.iloc[2] == pd.Timestamp("2019-09-18 12:51:07")  # 8:51 at UTC-4


def test_day_month_order_is_inferred_from_the_unambiguous_dates():
    # a French-Canadian Excel CSV: 13/01/2019 can only be day first, so 01/02/2019 is 1 February
    assert date_order(pd.Series(["13/01/2019", "01/02/2019"]))[0] == "dayfirst"
    assert parse_datetimes(pd.Series(["13/01/2019", "01/02/2019"])).tolist() == [
        pd.Timestamp("2019-01-13"), pd.Timestamp("2019-02-01")]
    assert parse_datetimes(pd.Series(["01/13/2019", "02/01/2019 14:30"])).tolist() == [
        pd.Timestamp("2019-01-13"), pd.Timestamp("2019-02-01 14:30")]
    assert date_order(pd.Series(["13/01/2019", "01/13/2019"]))[0] == "mixed"
    assert date_order(pd.Series(["01/02/2019", "03/04/2019"])) == ("ambiguous", 0)
    assert parse_datetimes(pd.Series(["01/02/2019"]), dayfirst=True).iloc[0] == pd.Timestamp(
        "2019-02-01")


def _french_survey(tmp_path: Path, dates: list[str]) -> Path:
    bc = pd.read_csv(CASES / "optional-column-absent-notebook-crash" / "survey_export.csv")
    bc = bc.iloc[:len(dates)].assign(RecordedDate=dates)
    path = tmp_path / "sondage.csv"
    bc.to_csv(path, sep=";", index=False, encoding="cp1252")
    return path


def test_an_ambiguous_date_column_is_refused_with_file_row_column(root, capsys, tmp_path):
    survey = _french_survey(tmp_path, ["01/10/2019", "02/10/2019", "03/10/2019"])
    add_jurisdiction(root, "ambig", survey, {"format": "csv"})
    status, _, err = run_validate(root, "ambig", capsys)
    assert status == 2
    assert "data/raw/ambig/sondage.csv:2:RecordedDate: the dates in this column" in err
    assert "sources.survey.dayfirst" in err and "<name>" not in err


def test_dayfirst_in_the_params_reads_them_and_dates_outside_the_period_are_noted(
        root, capsys, tmp_path):
    survey = _french_survey(tmp_path, ["01/10/2019", "02/10/2019", "03/10/2025"])
    add_jurisdiction(root, "dayfirst", survey, {"format": "csv", "dayfirst": True})
    status, out, err = run_validate(root, "dayfirst", capsys)
    assert status == 0, err
    assert ("sondage.csv:4:RecordedDate: 1 of 3 dates fall outside the period 2018-03 to "
            "2020-03 (first: 2025-10-03)") in out
    assert survey_frame(root, "dayfirst")["recorded_date"].tolist()[:2] == [
        "2019-10-01 00:00:00", "2019-10-02 00:00:00"]


def test_an_explicit_date_format_wins(root, capsys, tmp_path):
    survey = _french_survey(tmp_path, ["01/10/2019", "02/10/2019"])
    add_jurisdiction(root, "datefmt", survey, {"format": "csv", "date_format": "%m/%d/%Y"})
    assert run_validate(root, "datefmt", capsys)[0] == 0
    assert survey_frame(root, "datefmt")["recorded_date"].tolist() == [
        "2019-01-10 00:00:00", "2019-02-10 00:00:00"]


# -- numbers stored as doubles; declared missing codes ----------------------------------------

def test_spss_codes_stored_as_doubles_are_judged_as_numbers(root, capsys):
    # spss-numeric-codes-read-as-x.0: Likert 4.0 and Finished 1.0 without value labels
    add_jurisdiction(root, "spssnum", CASES / "spss-numeric-codes-read-as-x.0" /
                     "likert_numeric.sav", {"format": "spss"})
    status, out, err = run_validate(root, "spssnum", capsys)
    assert status == 0, err
    survey = cleaned_survey(root, "spssnum")
    # the file holds know_rights 4, 5, 2 and Finished 1 (README of the case)
    assert survey["know_rights"].tolist() == [4, 5, 2]
    assert survey["finished"].tolist() == [True, True, True]


def test_answers_like_4_point_0_match_code_4_and_curly_apostrophes_match():
    assert normalize_answer(4.0) == "4"
    assert normalize_answer("D\u2019accord") == normalize_answer("D'accord")
    assert normalize_answer("Fortement\u00a0d'accord ") == "fortement d'accord"
    codebook = load_codebook(Path(__file__).parents[1])
    assert codebook.scales["agreement"].parse("D\u2019accord") == (4, None)
    assert codebook.scales["agreement"].parse("Je ne sais pas") == (None, "dont_know")


def _spss_with_user_missing(path: Path) -> Path:
    import pyreadstat

    frame = pd.DataFrame({
        "ResponseId": ["R1", "R2", "R3", "R4"],
        "RecipientEmail": ["a@example.org", "b@example.org", "c@example.org", "d@example.org"],
        "RecordedDate": ["2019-10-01 10:00:00"] * 4, "Finished": [1.0, 1.0, 1.0, 1.0],
        "consent": ["yes"] * 4, "stakeholder_group": ["employer"] * 4,
        "know_rights": [4.0, 8.0, 9.0, 5.0], "progress": [100.0, 99.0, 100.0, 100.0]})
    pyreadstat.write_sav(frame, str(path),
                         variable_value_labels={"know_rights": {8.0: "Don't know",
                                                                9.0: "No answer"},
                                                "progress": {99.0: "System error"}},
                         missing_ranges={"know_rights": [8.0, 9.0], "progress": [99.0]})
    return path


def test_spss_user_missing_values_keep_their_label_as_a_missing_reason(root, capsys, tmp_path):
    survey = _spss_with_user_missing(tmp_path / "user_missing.sav")
    add_jurisdiction(root, "usermiss", survey, {"format": "spss",
                                                "columns": {"progress": "Progress"}})
    status, _, err = run_validate(root, "usermiss", capsys)
    assert status == 2
    # 8 "Don't know" is a reason the codebook knows; 9 "No answer" is not: say how to map it
    assert "user_missing.sav:3:know_rights: 'No answer' is a missing code of the file" in err
    assert "Don't know" not in err.split("'No answer'")[0]
    data = load_yaml((root / "params" / "usermiss.yaml").read_text(encoding="utf-8"))
    data["sources"]["survey"]["values"] = {"know_rights": {"No answer": "Prefer not to say"}}
    (root / "params" / "usermiss.yaml").write_text(dump_yaml(data), encoding="utf-8")
    assert run_validate(root, "usermiss", capsys)[0] == 0
    survey = cleaned_survey(root, "usermiss")
    assert survey["know_rights"].tolist()[::3] == [4, 5]
    assert survey["know_rights_missing"].tolist()[1:3] == ["dont_know", "refused"]
    # a declared missing code of a number is blank, never the number 99
    assert pd.isna(survey["progress"].iloc[1]) and survey["progress"].iloc[0] == 100


def test_stata_extended_missing_values_keep_their_labels():
    # tidyverse/haven tests/testthat/stata/tagged-na-double.dta: 1..5, then .a "apple", .h, .z
    frame = ingest.read_stat(DATA / "stata" / "tagged-na-double.dta", "stata")
    assert frame["x"].astype(str).tolist() == ["1", "2", "3", "4", "5", "apple", ".h", ".zebra"]
    assert frame.attrs["user_missing"] == {"x": {"apple", ".h", ".zebra"}}


def test_stata_numbers_are_numbers():
    # tidyverse/haven tests/testthat/stata/types.dta: vdouble 7.0 and vint 7 both read as 7
    frame = ingest.read_stat(DATA / "stata" / "types.dta", "stata")
    assert validate._domain(frame["vdouble"], True)[1].tolist()[1] == "7"
    assert validate._domain(frame["vint"], True)[1].tolist()[1] == "7"


# -- names: group paths, mapping keys, absent columns ------------------------------------------

def test_kobo_mapping_keys_written_as_the_export_shows_them(root, capsys):
    # kobo-group-path-mapping-ignored: grp_profile/who -> stakeholder_group
    add_jurisdiction(root, "koboslash", CASES / "kobo-group-path-mapping-ignored" /
                     "kobo_slash.csv",
                     {"format": "kobo", "columns": {
                         "grp_profile/who": "stakeholder_group",
                         "grp_profile/email": "RecipientEmail", "_uuid": "ResponseId",
                         "_submission_time": "RecordedDate"}})
    status, out, err = run_validate(root, "koboslash", capsys)
    assert status == 0, err
    assert "a KoboToolbox submission is complete" in out
    frame = survey_frame(root, "koboslash")
    assert frame["stakeholder_group"].tolist() == ["migrant_worker", "employer"]
    assert frame["know_rights"].tolist() == ["4", "5"]
    assert frame.attrs["raw_names"]["stakeholder_group"] == "grp_profile/who"


def test_a_mapping_key_that_matches_no_column_names_the_closest_header(root, capsys):
    add_jurisdiction(root, "typo", CASES / "kobo-group-path-mapping-ignored" / "kobo_slash.csv",
                     {"format": "kobo", "columns": {"grp_profile/whoo": "stakeholder_group",
                                                    "courriell": "RecipientEmail"}})
    status, _, err = run_validate(root, "typo", capsys)
    assert status == 2
    assert ("kobo_slash.csv:1:grp_profile/whoo: sources.survey.columns: 'grp_profile/whoo' is "
            "not a column of this export (closest: 'grp_profile/who')") in err
    assert "'courriell' is not a column of this export" in err


def test_kobo_xlsx_with_dot_groups_select_multiple_and_a_repeat_group_sheet():
    # Edouard-Legoupil/kobocruncher inst/data.xlsx: "." separator, a "members" repeat group
    frame = ingest.read_kobo(DATA / "kobo" / "kobocruncher_data.xlsx")
    assert {"country", "occupation", "reason", "HHSize", "_uuid"} <= set(frame.columns)
    assert frame.attrs["select_multiple"]["reason"][:3] == ["accomodation", "employment",
                                                           "education"]
    # first record: "accomodation employment education community", each option column 1
    first = frame.iloc[0]
    assert first["reason"] == "accomodation employment education community"
    assert [bool(first[f"reason_{o}"]) for o in ("accomodation", "community", "safety")] == [
        True, True, False]
    assert any("sheet 'members'" in note.message for note in frame.attrs["notes"])
    members = ingest.read_kobo(DATA / "kobo" / "kobocruncher_data.xlsx", sheet="members")
    assert {"age", "sex", "_parent_index"} <= set(members.columns)


def test_odk_dash_groups_are_stripped(tmp_path):
    path = tmp_path / "odk.csv"
    path.write_text("SubmissionDate,location-area_name,grp-consent,meta-instanceID,KEY\n"
                    "2019-09-18T08:51:07.481Z,North,yes,uuid:1,uuid:1\n", encoding="utf-8")
    frame = ingest.read_kobo(path, fmt="odk")
    assert list(frame.columns[2:]) == ["SubmissionDate", "area_name", "consent",
                                       "meta-instanceID", "KEY"]


def test_declared_absences_and_their_consequences(root, capsys, tmp_path):
    survey = tmp_path / "anonymous.csv"
    table = pd.read_csv(CASES / "optional-column-absent-notebook-crash" / "survey_export.csv")
    table.drop(columns=["RecipientEmail", "Finished"]).to_csv(survey, index=False)
    add_jurisdiction(root, "anon", survey, {"format": "csv"})
    status, _, err = run_validate(root, "anon", capsys)
    assert status == 2 and "required column 'RecipientEmail'" in err and "absent" in err
    add_jurisdiction(root, "anon2", survey, {"format": "csv",
                                             "absent": ["email", "Finished"]})
    status, out, err = run_validate(root, "anon2", capsys)
    assert status == 0, err
    assert "each response counts as one participant" in out
    assert "every response counts as complete" in out
    cleaned = cleaned_survey(root, "anon2")
    assert cleaned["participant"].nunique() == 6
    add_jurisdiction(root, "anon3", survey, {"format": "csv", "absent": ["emial", "consent"]})
    status, _, err = run_validate(root, "anon3", capsys)
    assert status == 2
    assert "'emial' is not a variable" in err and "(closest: 'email')" in err
    assert "'consent' cannot be absent" in err


def test_values_recoded_per_column_as_the_params_say(root, capsys, tmp_path):
    # REDCap-style codes and Kobo-style French answers, mapped without editing the file
    survey = tmp_path / "codes.csv"
    survey.write_text(
        "ResponseId,RecipientEmail,RecordedDate,survey_complete,consent,stakeholder_group,"
        "know_rights\n"
        "1,a@example.org,2019-10-01 10:00:00,2,Oui,1,D\u2019accord\n"
        "2,b@example.org,2019-10-02 10:00:00,0,Non,2,Tout à fait d'accord\n", encoding="utf-8")
    add_jurisdiction(root, "recode", survey, {
        "format": "redcap", "columns": {"survey_complete": "Finished"},
        "values": {"Finished": {2: True, 0: False, 1: False},
                   "consent": {"Oui": "yes", "Non": "no"},
                   "stakeholder_group": {1: "migrant_worker", 2: "employer"},
                   "know_rights": {"Tout à fait d'accord": "Strongly agree"}}})
    status, _, err = run_validate(root, "recode", capsys)
    assert status == 0, err
    frame = survey_frame(root, "recode")
    assert frame["finished"].tolist() == ["True", "False"]
    assert frame["stakeholder_group"].tolist() == ["migrant_worker", "employer"]
    cleaned = cleaned_survey(root, "recode")
    assert cleaned["know_rights"].tolist() == [4]  # the second row declined consent


def test_a_values_key_that_is_no_column_is_refused(root, capsys, tmp_path):
    add_jurisdiction(root, "badval", CASES / "optional-column-absent-notebook-crash" /
                     "survey_export.csv", {"format": "csv", "values": {"consentt": {"Oui": "yes"}}})
    status, _, err = run_validate(root, "badval", capsys)
    assert status == 2 and "'consentt' is not a column of this export (closest: 'consent')" in err


def test_values_keys_are_read_as_text():
    source = Source.model_validate({"file": "x.csv", "values": {"c": {2: True, 1.0: "a"}}})
    assert source.values == {"c": {"2": True, "1": "a"}}


# -- spreadsheets ---------------------------------------------------------------------------------

def _workbook(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Notes"
    sheet.append(["Read me first"])
    data = book.create_sheet("Réponses")
    data.append(["ResponseId", "stakeholder_group", "know_rights"])
    data.append(["R1", "employer", "Agree"])
    data.append(["R2", None, "Disagree"])
    data.append(["R3", None, "Agree"])
    data.merge_cells("B2:B4")   # one group typed once over three rows
    book.save(path)
    return path


def test_merged_cells_fill_every_cell_and_sheets_are_chosen_by_name_or_number(tmp_path):
    path = _workbook(tmp_path / "book.xlsx")
    for sheet in ("Réponses", 2):
        frame = ingest.read_xlsx(path, sheet=sheet)
        assert frame["stakeholder_group"].tolist() == ["employer"] * 3
        assert [n.message.split(" was")[0] for n in frame.attrs["notes"]] == [
            "sheet 'Notes' (1 rows with data)"]
    with pytest.raises(InputError, match="did you mean 'Réponses'"):
        ingest.read_xlsx(path, sheet="Reponses")
    with pytest.raises(InputError, match="sheet 3 does not exist"):
        ingest.read_xlsx(path, sheet=3)


# -- what was not collected -------------------------------------------------------------------

def test_other_jurisdictions_broken_params_leave_this_one_alone(root):
    (root / "params" / "zz.yaml").write_text("code: zz\nname: [\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="params/zz.yaml was left out"):
        assert context.network_provinces(root) == ["British Columbia"]


def test_real_data_without_a_pseudonym_key_is_refused_by_validate(root, capsys, monkeypatch):
    monkeypatch.delenv("MWSN_PSEUDONYM_KEY")
    monkeypatch.delenv("MWSN_PSEUDONYM_KEY_FILE", raising=False)
    add_jurisdiction(root, "nokey", CASES / "optional-column-absent-notebook-crash" /
                     "survey_export.csv", {"format": "csv"})
    status, _, err = run_validate(root, "nokey", capsys)
    assert status == 2
    assert "data/raw/nokey: no pseudonym key: set MWSN_PSEUDONYM_KEY" in err


def test_items_the_matrix_needs_but_the_export_lacks_are_named(root, capsys):
    add_jurisdiction(root, "optcase", CASES / "optional-column-absent-notebook-crash" /
                     "survey_export.csv", {"format": "csv"})
    status, out, err = run_validate(root, "optcase", capsys)
    assert status == 0, err
    assert "7 item(s) the evaluation matrix reads are not in the export" in out
    assert "'info_support' (others_informed)" in out
    survey = cleaned_survey(root, "optcase")
    assert (survey["info_support_missing"] == "not_collected").all()
    assert survey["know_rights"].tolist() == [4, 5, 2, 4, 3, 5]


# -- SurveyMonkey and Google Forms (files made following each tool's documented layout) -------

SURVEYMONKEY_COLUMNS = {
    "Do you agree to take part in this assessment?": "consent",
    "Which best describes you?": "stakeholder_group",
    "How much do you agree with each statement? | I know more about my rights at work because "
    "of Network activities": "know_rights",
    "How much do you agree with each statement? | Network meetings improved collaboration "
    "among stakeholders": "collaboration",
    "Anything else you would like to tell us?": "comments"}


def test_surveymonkey_two_header_rows_and_month_first_dates(root, capsys):
    add_jurisdiction(root, "smonkey", EXPORTS / "surveymonkey_export.csv",
                     {"format": "surveymonkey", "columns": SURVEYMONKEY_COLUMNS})
    status, out, err = run_validate(root, "smonkey", capsys)
    assert status == 0, err
    frame = survey_frame(root, "smonkey")
    assert frame["response_id"].tolist() == ["11493271830", "11493290114", "11493301552"]
    # 10/13/2019 02:25:13 PM: month first, afternoon
    assert frame["recorded_date"].tolist() == ["2019-10-01 10:02:41", "2019-10-13 14:25:13",
                                               "2019-10-20 08:07:30"]
    assert frame[ingest.ROW].tolist() == [3, 4, 5]
    cleaned = cleaned_survey(root, "smonkey")
    assert cleaned["know_rights"].tolist() == [4, 3]
    assert cleaned["collaboration_missing"].tolist() == [pd.NA, "not_asked"]


def test_google_forms_timestamp_with_offset_and_rows_as_ids(root, capsys):
    add_jurisdiction(root, "gforms", EXPORTS / "google_forms_export.csv", {
        "format": "google_forms", "columns": {
            "Do you agree to take part in this assessment?": "consent",
            "Which best describes you?": "stakeholder_group",
            "I know more about my rights at work because of Network activities":
                "know_rights"}})
    status, out, err = run_validate(root, "gforms", capsys)
    assert status == 0, err
    assert "each response is numbered by its row" in out
    frame = survey_frame(root, "gforms")
    # 9:51:07 AM at GMT-4 is 13:51:07 UTC
    assert frame["recorded_date"].tolist() == ["2019-10-01 13:51:07", "2019-10-13 18:10:00"]
    assert frame["response_id"].tolist() == ["row-2", "row-3"]


def test_checkbox_answers_joined_with_comma_space_become_codes():
    codebook = load_codebook(Path(__file__).parents[1])
    answers = pd.Series(["Agriculture, Food processing", "Caregiving", None, "Mining, Agriculture"])
    codes = ingest._multi_codes(answers, ", ", lambda a: codebook.parse_category("sector", a))
    assert codes.tolist()[:2] == ["agriculture food_processing", "caregiving"]
    assert pd.isna(codes.iloc[2]) and codes.iloc[3] == "Mining, Agriculture"  # left to validate


def test_real_odk_central_export_groups_and_offsets():
    # ropensci/ruODK's Flora Quadrat export: "-" groups, "Z" and "+08:00" in one file
    spec = load_codebook(Path(__file__).parents[1]).sources["survey"]
    frame = ingest.read_source(DATA / "odk" / "build_Flora-Quadrat-0-4_1564384341.csv",
                               Source(file="x.csv", format="odk"), spec)
    assert frame["recorded_date"].tolist() == ["2019-09-18 08:51:07", "2019-09-18 06:20:25"]
    assert frame["response_id"].iloc[0] == "uuid:d5e78a78-34db-483d-978f-d9c9a3bc7b69"
    assert {"area_name", "morphological_type", "mudmap_photo"} <= set(frame.columns)
    # corner1..4 share their question names: those keep their full paths
    assert "location-corner1-Latitude" in frame.columns
    assert frame.attrs["absent"] == {"finished": "an ODK submission is complete"}


def test_real_spss_user_missing_value_is_kept():
    # tidyverse/haven tests/testthat/spss/labelled-num-na.sav: 1 "This is one", 9 user-missing
    frame = ingest.read_stat(DATA / "spss" / "labelled-num-na.sav", "spss")
    assert frame["VAR00002"].astype(str).tolist() == ["This is one", "9"]
    assert frame.attrs["user_missing"] == {"VAR00002": {"9"}}


def test_a_one_column_stata_file_is_not_told_about_delimiters(root, capsys):
    import pyreadstat

    path = Path(root) / "one.dta"
    pyreadstat.write_dta(pd.DataFrame({"know_rights": [4.0, 5.0]}), str(path))
    add_jurisdiction(root, "onecol", path, {"format": "stata"})
    status, _, err = run_validate(root, "onecol", capsys)
    assert status == 2 and "delimiter" not in err
    assert "required column 'ResponseId'" in err


def test_sources_a_jurisdiction_does_not_have_are_empty_tables():
    codebook = load_codebook(Path(__file__).parents[1])
    cleaned, log = clean.clean_all({}, codebook, b"a-test-secret")
    assert sorted(cleaned) == ["excerpts", "funding", "meetings", "recommendations", "services",
                               "survey"]
    assert cleaned["services"].num_rows == 0       # an Arrow table, like the records it stands for
    assert cleaned["excerpts"].empty and "stakeholder_group" in cleaned["excerpts"].columns
    assert {"participant", "know_rights", "know_rights_missing"} <= set(cleaned["survey"].columns)
    assert log.empty


def test_a_title_merged_across_the_table_is_not_taken_for_its_header(tmp_path):
    # the layout of readxl's Ekaterinburg_IP_9.xlsx (tidyverse/readxl tests/testthat/sheets):
    # a title merged over A2:K2, a blank row, then the header (not copied: it names people)
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([None, None, None])
    sheet.append(["Survey export - all responses", None, None])
    sheet.merge_cells("A2:C2")
    sheet.append([None, None, None])
    sheet.append(["ResponseId", "stakeholder_group", "know_rights"])
    sheet.append(["R1", "employer", "Agree"])
    book.save(tmp_path / "titled.xlsx")
    frame = ingest.read_xlsx(tmp_path / "titled.xlsx")
    assert frame.attrs["header_row"] == 4
    assert frame["stakeholder_group"].tolist() == ["employer"]
