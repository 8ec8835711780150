"""More exports of the kinds new users reported (tests/data/cases/), each made the way the
tool writes it: Kobo group paths with any separator, optional columns absent, numbers stored
as doubles, date-times with offsets. Expected values are derived by hand from the rows written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import dump_yaml, load_yaml
from test_exports import CASES, add_jurisdiction, labelled_survey, run_validate, survey_frame

KOBO_CASE = CASES / "kobo-group-path-mapping-ignored" / "kobo_slash.csv"


@pytest.fixture
def root(project_root, monkeypatch):
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-test-secret")
    return project_root


def _kobo_with(tmp_path: Path, separator: str, nested: bool = False) -> Path:
    """The reported Kobo case exported with another group separator (KoboToolbox's export
    setting is free text), its profile group optionally inside another group."""
    header, *rows = KOBO_CASE.read_text(encoding="utf-8").splitlines()
    if nested:
        header = header.replace("grp_profile/", "grp_main/grp_profile/")
    path = tmp_path / "kobo_export.csv"
    path.write_text("\n".join([header.replace("/", separator), *rows]) + "\n", encoding="utf-8")
    return path


def _with_column(survey: Path, header: str, value: str) -> Path:
    """``survey`` with one more column, ``header``, holding ``value`` in every row."""
    first, *rows = survey.read_text(encoding="utf-8").splitlines()
    survey.write_text("\n".join([f"{first},{header}", *(f"{row},{value}" for row in rows)])
                      + "\n", encoding="utf-8")
    return survey


@pytest.mark.parametrize("separator", ["/", ".", "-", ":"])
def test_kobo_group_paths_are_stripped_whatever_the_separator(root, capsys, tmp_path,
                                                              separator):
    # the Likert item grp_q<sep>know_rights is not mapped: it is read only if its group path
    # is taken off; before, "-" and ":" left it whole and validation passed with the item
    # "not collected"
    survey = _kobo_with(tmp_path, separator)
    add_jurisdiction(root, "kobosep", survey, {"format": "kobo", "columns": {
        f"grp_profile{separator}who": "stakeholder_group", "email": "RecipientEmail"}})
    status, out, err = run_validate(root, "kobosep", capsys)
    assert status == 0, err
    assert "'know_rights'" not in out   # not among the items "not collected"
    frame = survey_frame(root, "kobosep")
    assert frame["know_rights"].tolist() == ["4", "5"]
    assert frame["stakeholder_group"].tolist() == ["migrant_worker", "employer"]
    assert frame.attrs["raw_names"]["know_rights"] == f"grp_q{separator}know_rights"


def test_odk_central_groups_with_a_colon_are_stripped_too(root, capsys, tmp_path):
    survey = _kobo_with(tmp_path, ":")
    add_jurisdiction(root, "odkcolon", survey, {"format": "odk", "columns": {
        "who": "stakeholder_group", "email": "RecipientEmail", "_uuid": "ResponseId",
        "_submission_time": "RecordedDate"}})
    status, out, err = run_validate(root, "odkcolon", capsys)
    assert status == 0, err
    assert survey_frame(root, "odkcolon")["know_rights"].tolist() == ["4", "5"]


def test_a_mapping_key_may_be_the_end_of_a_nested_group_path(root, capsys, tmp_path):
    survey = _kobo_with(tmp_path, "/", nested=True)
    add_jurisdiction(root, "kobonest", survey, {"format": "kobo", "columns": {
        "grp_profile/who": "stakeholder_group", "grp_profile/email": "RecipientEmail"}})
    status, _, err = run_validate(root, "kobonest", capsys)
    assert status == 0, err
    frame = survey_frame(root, "kobonest")
    assert frame["stakeholder_group"].tolist() == ["migrant_worker", "employer"]
    assert frame.attrs["raw_names"]["stakeholder_group"] == "grp_main/grp_profile/who"


def test_a_path_end_shared_by_two_columns_asks_for_the_whole_path(root, capsys, tmp_path):
    survey = _with_column(_kobo_with(tmp_path, "/"), "grp_other/who", "x")
    add_jurisdiction(root, "koboamb", survey, {"format": "kobo", "columns": {
        "who": "stakeholder_group", "email": "RecipientEmail"}})
    status, _, err = run_validate(root, "koboamb", capsys)
    assert status == 2
    assert ("'who' ends the group paths of 2 columns ('grp_profile/who', 'grp_other/who'): "
            "write the whole path") in err


@pytest.mark.parametrize("key", ["grp_consent/ok", "ok"])
def test_values_may_be_keyed_as_a_mapping_key_is_written(root, capsys, tmp_path, key):
    # the consent question "ok" answered "Oui", recoded under the column's name with or
    # without its group path (before, "ok" was refused as no column of the export)
    survey = _kobo_with(tmp_path, "/")
    text = survey.read_text(encoding="utf-8").replace("grp_consent/consent", "grp_consent/ok")
    survey.write_text(text.replace(",yes,", ",Oui,"), encoding="utf-8")
    add_jurisdiction(root, "kobovals", survey, {"format": "kobo", "columns": {
        "grp_consent/ok": "consent", "who": "stakeholder_group", "email": "RecipientEmail"},
        "values": {key: {"Oui": "yes"}}})
    status, _, err = run_validate(root, "kobovals", capsys)
    assert status == 0, err
    assert survey_frame(root, "kobovals")["consent"].tolist() == ["yes", "yes"]


# -- optional columns absent -------------------------------------------------------------------

#: optional columns of the program and interview sources (params/codebook.yaml)
OPTIONAL = {"funding_ledger.csv": ["sub_grantee", "workers_reached"],
            "coded_excerpts.csv": ["swot"], "recommendations.csv": ["addressed_to"]}


def add_without_optional_columns(root: Path, code: str = "optional") -> Path:
    """BC's synthetic sources with none of the ledger's, excerpts' and recommendations'
    optional columns (as a finance system or a coding tool exports them when the field was
    never used), and a survey without sector, comments and two Likert items."""
    import pandas as pd

    raw = add_jurisdiction(root, code, None, {})
    for name, columns in OPTIONAL.items():
        frame = pd.read_csv(raw / name, dtype=str, keep_default_na=False)
        frame.drop(columns=columns).to_csv(raw / name, index=False)
    survey = pd.read_csv(root / "data" / "raw" / "bc" / "survey_export.csv", dtype=str,
                         keep_default_na=False, skiprows=[1, 2])
    survey.drop(columns=["sector", "comments", "policy_influence", "knowledge_before"]).to_csv(
        raw / "survey.csv", index=False)
    params = root / "params" / f"{code}.yaml"
    data = load_yaml(params.read_text(encoding="utf-8"))
    data["sources"]["survey"] = {"file": "survey.csv", "format": "csv"}
    params.write_text(dump_yaml(data, allow_unicode=True), encoding="utf-8")
    return raw


def test_optional_columns_absent_are_named_by_validate(root, capsys):
    add_without_optional_columns(root)
    status, out, err = run_validate(root, "optional", capsys)
    assert status == 0, err
    assert ("funding_ledger.csv::sub_grantee: 2 optional column(s) of the codebook are not in "
            "the export and read as not collected (tables that use them leave them out): "
            "'sub_grantee', 'workers_reached'") in out
    assert "coded_excerpts.csv::swot: 1 optional column(s)" in out
    assert "'sector', 'comments'" in out


def test_a_ledger_without_workers_reached_has_no_count_of_zero():
    import numpy as np
    import pandas as pd

    from mwsn import program

    # three ledger rows, the optional columns left blank throughout (or read so when absent)
    ledger = pd.DataFrame({
        "entry_id": ["F1", "F2", "F3"], "recipient": ["A", "A", "B"],
        "entry_type": ["agreement", "sub_grant", "expenditure"],
        "amount_cad": [100.0, 40.0, 60.0], "sub_grantee": pd.array([pd.NA] * 3, "string"),
        "workers_reached": [np.nan] * 3, "fiscal_year": ["2019-20"] * 3})
    metrics = program.metrics({"funding": ledger}, budget=100.0).set_index("metric")
    assert np.isnan(metrics.loc["workers_reached", "estimate"])
    assert metrics.loc["workers_reached", "n"] == 0
    assert np.isnan(metrics.loc["sub_grantees", "estimate"])
    assert metrics.loc["funding_recipients", "estimate"] == 2
    recipients = program.recipients(ledger)
    assert recipients["workers_reached"].isna().all()
    assert recipients["sub_grants"].isna().all()
    # one value written: counted, the blanks as none
    ledger.loc[0, "workers_reached"] = 12.0
    assert program.metrics({"funding": ledger}, 100.0).set_index("metric").loc[
        "workers_reached", "estimate"] == 12


# -- numbers stored as doubles ---------------------------------------------------------------

def test_a_csv_saved_from_spss_with_codes_as_doubles_and_zero_padded_codes(root, capsys,
                                                                          tmp_path):
    # the reported SPSS case, as a CSV the statistics package writes: every code a double
    # ("1.0", "4.0"), the groups zero-padded ("03"), recoded by the params' integer codes;
    # before, Finished '1.0' was refused as "not true/false ... write 1/0"
    from test_exports import cleaned_survey

    survey = tmp_path / "spss_saved.csv"
    survey.write_text(
        "ResponseId,RecipientEmail,RecordedDate,Finished,consent,stakeholder_group,know_rights\n"
        "R_1,a.one@example.org,2019-10-01 10:00:00,1.0,1.0,03,4.0\n"
        "R_2,b.two@example.org,2019-10-02 10:00:00,0.0,1.0,03,5.0\n"
        "R_3,c.three@example.org,2019-10-03 10:00:00,1.0,0.0,04,2.0\n", encoding="utf-8")
    add_jurisdiction(root, "dbl", survey, {"format": "csv", "values": {
        "consent": {1: "yes", 0: "no"}, "stakeholder_group": {3: "employer", 4: "government"}}})
    status, _, err = run_validate(root, "dbl", capsys)
    assert status == 0, err
    cleaned = cleaned_survey(root, "dbl")   # R_3 declined (consent 0.0)
    assert cleaned["finished"].tolist() == [True, False]
    assert cleaned["know_rights"].tolist() == [4, 5]
    assert cleaned["stakeholder_group"].tolist() == ["employer", "employer"]


def test_booleans_and_codes_written_as_doubles_or_with_leading_zeros():
    import pandas as pd

    from mwsn.codebook import normalize_answer, parse_booleans

    assert parse_booleans(pd.Series(["1.0", "0.0", "1.00", " 0.0 ", "2.0", "1.5"])).tolist() \
        == [True, False, True, False, pd.NA, pd.NA]
    assert [normalize_answer(v) for v in ("04", "4.0", "+4", "4", 4.0, "A04")] == [
        "4", "4", "4", "4", "4", "a04"]


# -- dates -------------------------------------------------------------------------------------

def _optcase_with(tmp_path: Path, name: str, recorded: list) -> Path:
    """The reported optional-column case's three responses with other RecordedDate cells,
    as CSV (``name`` .csv) or as an Excel sheet (``name`` .xlsx, cells as given)."""
    import pandas as pd

    survey = pd.read_csv(CASES / "optional-column-absent-notebook-crash" / "survey_export.csv",
                         dtype=str).iloc[:len(recorded)].assign(RecordedDate=recorded)
    path = tmp_path / name
    if path.suffix == ".xlsx":
        survey.to_excel(path, index=False)
    else:
        survey.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("name, recorded", [
    ("serial.csv", ["43739.7645833333", "43740.5", "2019-10-03 10:00:00"]),
    ("serial.xlsx", [43739.7645833333, 43740.5, "2019-10-03 10:00:00"])])
def test_excel_serial_dates_are_read_as_dates(root, capsys, tmp_path, name, recorded):
    # a date cell formatted as a number (Excel's "General"), exported as its serial: 43739 is
    # 2019-10-01 (43466 is 2019-01-01, + 273 days), .7645833333 x 24 h = 18:21 (by hand)
    survey = _optcase_with(tmp_path, name, recorded)
    add_jurisdiction(root, "serial", survey, {"format": "xlsx" if name.endswith("x") else "csv"})
    status, out, err = run_validate(root, "serial", capsys)
    assert status == 0, err
    assert "2 date(s) written as Excel serial numbers (e.g. '43739.7645833333'" in out
    assert survey_frame(root, "serial")["recorded_date"].tolist() == [
        "2019-10-01 18:21:00", "2019-10-02 12:00:00", "2019-10-03 10:00:00"]


def test_a_plain_number_far_from_any_serial_date_is_still_refused(root, capsys, tmp_path):
    survey = _optcase_with(tmp_path, "n.csv", ["12345", "2019-10-02 10:00:00"])
    add_jurisdiction(root, "notserial", survey, {"format": "csv"})
    status, _, err = run_validate(root, "notserial", capsys)
    assert status == 2
    assert "'12345' is not a date" in err


def test_service_records_dated_with_a_time_an_offset_or_a_serial_are_read_as_their_day():
    # a case-management system's timestamps were refused as "not a date: write it as
    # YYYY-MM-DD" in a raw file that is never edited; the day is the one where it was written
    # (23:30 at -07:00 on 2 April is 2 April), 43192 is Excel's 2018-04-02 (43101 is
    # 2018-01-01, + 91 days)
    import pyarrow as pa

    from mwsn import services

    texts = pa.array(["2018-04-02T23:30:00-07:00", "2018-08-02T17:00:00Z",
                      "2018-04-02 10:15:00", "43192", "2018-02-30 10:00:00", "2018-6-5",
                      "02/04/2018 10:15", None, "12345"])
    days = [None if d is None else str(d.date())
            for d in services._distinct_dates(texts).to_pylist()]
    # an impossible day, a loose one and a day-month date of unknown order stay refused
    assert days == ["2018-04-02", "2018-08-02", "2018-04-02", "2018-04-02", None, None, None,
                    None, None]


@pytest.mark.parametrize("kind", ["spss", "stata"])
def test_values_keyed_by_the_code_a_labelled_variable_stores(root, capsys, tmp_path, kind):
    # stakeholder_group stored as 1 and 3 with the file's own labels "MW" and "EMP": the
    # params recode the codes (as they would REDCap's), which the labels used to hide
    # ("'MW' is not a known stakeholder_group" though 1 was mapped)
    path = labelled_survey(tmp_path, kind, {
        "Finished": [1.0, 1.0, 0.0], "consent": [1.0, 1.0, 1.0],
        "stakeholder_group": [1.0, 3.0, 1.0], "know_rights": [4.0, 5.0, 2.0]},
        {"stakeholder_group": {1: "MW", 3: "EMP"},
         "Finished": {1: "Finished", 0: "Not finished"}})
    add_jurisdiction(root, "codes", path, {"format": kind, "values": {
        "consent": {1: "yes"}, "Finished": {1: True, 0: False},
        "stakeholder_group": {1: "migrant_worker", 3: "employer"}}})
    status, _, err = run_validate(root, "codes", capsys)
    assert status == 0, err
    assert survey_frame(root, "codes")["stakeholder_group"].tolist() == [
        "migrant_worker", "employer", "migrant_worker"]
    assert survey_frame(root, "codes")["finished"].tolist() == ["True", "True", "False"]


def test_two_questions_of_one_name_in_two_groups_are_named_not_called_missing(root, capsys,
                                                                             tmp_path):
    # consent asked in two groups: each kept its whole path, and validate said "required
    # column 'consent' is missing ... map the export's name", with no word of the two
    survey = _with_column(_kobo_with(tmp_path, "/"), "grp_followup/consent", "yes")
    add_jurisdiction(root, "kobotwo", survey, {"format": "kobo", "columns": {
        "who": "stakeholder_group", "email": "RecipientEmail"}})
    status, _, err = run_validate(root, "kobotwo", capsys)
    assert status == 2
    assert ("required column 'consent' (Consent to take part): 2 columns of the export are "
            "'consent' once their group paths are taken off ('grp_consent/consent', "
            "'grp_followup/consent'), so each kept its whole path: map the one that holds it "
            "(sources.survey.columns: {'grp_consent/consent': consent})") in err
    assert "is missing" not in err


def test_the_group_separator_is_told_by_known_names_or_by_two_groups():
    from mwsn.ingest import _group_separator

    assert _group_separator(["pre-survey", "pre-test", "consent"], "kobo", {"consent"}) == "/"
    assert _group_separator(["grp_a-know_rights", "grp_b-email"], "kobo", {"know_rights"}) == "-"
    assert _group_separator(["a:q1", "a:q2", "b:q3", "b:q4"], "kobo") == ":"
    # kobocruncher's real export: one group, "." (a dot is no plain name's)
    assert _group_separator(["profile.country", "profile.reason"], "kobo") == "."
    assert _group_separator(["meta-instanceID", "grp/q1", "grp/q2"], "odk") == "/"


@pytest.mark.parametrize("separator", [".", "-", ":"])
def test_a_mapping_key_written_with_the_forms_slash_fits_an_export_made_with_another(
        root, capsys, tmp_path, separator):
    # the form's XML path (grp_profile/who, as KoboToolbox's ${} references and its default
    # export write it) in columns: and values:, over an export made with another separator:
    # refused as "not a column of this export (closest: 'grp_profile.who')"
    survey = _kobo_with(tmp_path, separator)
    add_jurisdiction(root, "koboslash", survey, {
        "format": "kobo",
        "columns": {"grp_profile/who": "stakeholder_group", "grp_profile/email": "RecipientEmail"},
        "values": {"grp_q/know_rights": {"5": "Agree"}}})
    status, _, err = run_validate(root, "koboslash", capsys)
    assert status == 0, err
    frame = survey_frame(root, "koboslash")
    assert frame["stakeholder_group"].tolist() == ["migrant_worker", "employer"]
    assert frame["know_rights"].tolist() == ["4", "Agree"]
    assert frame.attrs["raw_names"]["stakeholder_group"] == f"grp_profile{separator}who"


@pytest.mark.parametrize("columns", [{"who": "stakeholder_group", "email": "RecipientEmail"},
                                     {}])
def test_a_kobo_export_read_as_csv_is_pointed_to_format_kobo(root, capsys, columns):
    # read as csv the group paths stay: 'who' named no column, and consent was 'missing',
    # without a word of the group paths the export has, as service records say
    add_jurisdiction(root, "kobocsv", KOBO_CASE, {"format": "csv", "columns": columns})
    status, _, err = run_validate(root, "kobocsv", capsys)
    assert status == 2
    if columns:
        assert ("'who' is not a column of this export" in err and "(the export has "
                "'grp_profile/who': a KoboToolbox or ODK Central export? set "
                "sources.survey.format: kobo or odk") in err
    else:
        assert ("required column 'consent' (Consent to take part) is missing" in err
                and "the export has 'grp_consent/consent': a KoboToolbox" in err)
        assert "required column 'ResponseId'" in err and "the export has '_uuid'" in err
