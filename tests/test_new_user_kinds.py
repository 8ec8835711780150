"""Exports a new user made the way each tool writes them, of the kinds reported in
tests/data/cases/ (date-times with offsets, optional columns absent, numbers stored as
doubles, group paths) and disclosure by subtraction or by a quote. Expected values are
derived by hand from the rows written, never from the code's output.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
import yaml

from mwsn import config, services, validate
from mwsn.codebook import load_codebook

from test_exports import add_jurisdiction, labelled_survey, run_validate


@pytest.fixture
def root(project_root, monkeypatch):
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-test-secret")
    return project_root


def _like_bc(root, code: str, **sources):
    """Jurisdiction ``code`` with BC's synthetic exports, its survey read as a Qualtrics
    export; ``sources``: further keys of a source's params (``funding={"format": "kobo"}``).
    Returns its raw data folder."""
    raw = add_jurisdiction(root, code, None, {})
    (raw / "survey_export.csv").write_bytes(
        (root / "data" / "raw" / "bc" / "survey_export.csv").read_bytes())
    params = root / "params" / f"{code}.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["sources"]["survey"] = {"file": "survey_export.csv", "format": "qualtrics"}
    for source, keys in sources.items():
        data["sources"][source].update(keys)
    params.write_text(yaml.safe_dump(data), encoding="utf-8")
    return raw


def _with_meeting_times(root, code: str, times: list[str]) -> list[str]:
    """Jurisdiction ``code`` (BC's synthetic exports) whose meeting records carry, after
    each day, one of ``times`` in turn; returns the days as written."""
    raw = _like_bc(root, code)
    meetings = raw / "meeting_records.csv"
    header, *rows = meetings.read_text(encoding="utf-8").splitlines()
    cells = [row.split(",") for row in rows]
    days = [c[2] for c in cells]
    rows = [",".join([*c[:2], f'"{c[2]}{times[i % len(times)]}"', *c[3:]])
            for i, c in enumerate(cells)]
    meetings.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return days


@pytest.mark.parametrize("time", [
    "T23:30:00-07:00",                        # ISO 8601
    "T23:30:00-07",                           # ISO 8601 offset in hours only
    " 23:30:00 -0700",                        # offset after a space, no colon
    " 11:30:00 p.m. GMT-7",                   # Canadian English a.m./p.m. (Google Sheets)
    " 11:30:00 PM UTC\u22127",                # CLDR's minus sign (French locales: UTC−7)
    " 23:30:00 PDT",                          # a zone's abbreviation
    " 23:30:00 GMT-0700 (Pacific Daylight Time)",  # JavaScript's Date.toString()
])
def test_a_meeting_at_2330_in_vancouver_stays_on_its_day_however_the_offset_is_written(
        root, capsys, time):
    # 23:30 at UTC-7 is 06:30 the next day in UTC: the first four forms used to move every
    # meeting to the next day (silently; a 31 March meeting to the next fiscal year), the
    # last three were refused as "not a date"
    days = _with_meeting_times(root, "dayoff", [time])
    status, out, err = run_validate(root, "dayoff", capsys)
    assert status == 0, err
    assert "read as the day where they were written" in out
    frames = validate.read_and_check(config.load("dayoff", root), load_codebook(root),
                                     config.paths("dayoff", root))
    assert frames["meetings"]["date"].tolist() == days


def test_survey_timestamps_with_these_offsets_are_converted_to_utc():
    from mwsn.codebook import has_utc_offset, parse_datetimes
    import pandas as pd

    written = pd.Series(["2019/10/01 6:21:00 p.m. UTC\u22127",   # 18:21 + 7 h
                         "2019-10-01 18:21:00 -0700",
                         "2019-10-01T18:21:00+08",                # 18:21 - 8 h
                         "2019-11-03 01:30:00 PST",               # 01:30 + 8 h
                         "Tue Oct 01 2019 18:21:00 GMT-0400 (Eastern Daylight Time)",
                         "2019-10-01 18:21:00 UTC"], dtype="string")
    assert has_utc_offset(written)
    assert [str(t) for t in parse_datetimes(written)] == [
        "2019-10-02 01:21:00", "2019-10-02 01:21:00", "2019-10-01 10:21:00",
        "2019-11-03 09:30:00", "2019-10-01 22:21:00", "2019-10-01 18:21:00"]


@pytest.mark.parametrize("time", [" 23:30:00,250", "T23:30:00,250-07:00", " 11:30:05.5 PM"])
def test_fractions_of_a_second_pandas_reads_only_in_its_mixed_form_give_the_day(root, capsys,
                                                                                 time):
    # ISO 8601's decimal comma (Python's logging writes 23:30:00,250) and a fraction after a
    # 12-hour time are read by pandas' mixed parser only, in microseconds, which could not be
    # put into the seconds of a column whose other dates (none here) were whole seconds:
    # validate stopped with a TypeError traceback
    days = _with_meeting_times(root, "fraction", [time])
    status, _, err = run_validate(root, "fraction", capsys)
    assert status == 0, err
    frames = validate.read_and_check(config.load("fraction", root), load_codebook(root),
                                     config.paths("fraction", root))
    assert frames["meetings"]["date"].tolist() == days


def test_a_survey_time_with_a_decimal_comma_keeps_its_fraction():
    from mwsn.codebook import parse_datetimes
    import pandas as pd

    written = pd.Series(["2019-06-03T21:14:05,123Z", "2019-06-03 9:14:05.5 PM"],
                        dtype="string")
    assert [str(t) for t in parse_datetimes(written)] == [
        "2019-06-03 21:14:05.123000", "2019-06-03 21:14:05.500000"]
    assert str(parse_datetimes(written[1:]).iloc[0]) == "2019-06-03 21:14:05.500000"


def test_a_date_format_with_an_offset_reads_service_days_without_a_traceback():
    # sources.services.date_format: "%Y-%m-%dT%H:%M:%S%z" raised TypeError (one offset) or
    # ValueError "Mixed timezones" (two); the day is the one where each was written
    texts = pa.array(["2018-07-18T23:30:00-07:00", "2018-11-04T01:30:00-08:00",
                      "2018-11-04T01:30:00-07:00"])
    days = [str(d.date()) for d in
            services._distinct_dates(texts, date_format="%Y-%m-%dT%H:%M:%S%z").to_pylist()]
    assert days == ["2018-07-18", "2018-11-04", "2018-11-04"]


def test_a_date_format_with_an_offset_reads_a_ledger_day_where_it_was_written(root, capsys):
    raw = _like_bc(root, "ledgerfmt", funding={"date_format": "%d/%m/%Y %H:%M %z"})
    ledger = raw / "funding_ledger.csv"
    header, *rows = ledger.read_text(encoding="utf-8").splitlines()
    cells = [row.split(",") for row in rows]
    days = [c[2] for c in cells]
    # 2018-04-01 -> 01/04/2018 23:30 -0700
    rows = [",".join([*c[:2], f"{c[2][8:]}/{c[2][5:7]}/{c[2][:4]} 23:30 -0700", *c[3:]])
            for c in cells]
    ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    status, _, err = run_validate(root, "ledgerfmt", capsys)
    assert status == 0, err
    frames = validate.read_and_check(config.load("ledgerfmt", root), load_codebook(root),
                                     config.paths("ledgerfmt", root))
    assert frames["funding"]["date"].tolist() == days


def test_a_date_that_cannot_be_read_is_fixed_at_the_source_or_described_in_the_params(
        root, capsys):
    _with_meeting_times(root, "badday", [" 23:30 heure du Pacifique"])
    status, _, err = run_validate(root, "badday", capsys)
    assert status == 2
    assert "is not a date" in err and "sources.meetings.date_format" in err
    assert "write it as" not in err  # raw exports are never edited


def test_service_records_without_their_optional_columns_are_named_in_a_note(project_root,
                                                                            capsys):
    # a case-management export with the four required columns and the worker only: sector,
    # language and outcome (the codebook's optional ones) were left out without a word,
    # while every other source's absent optional columns are named
    from test_services_source import with_services

    with_services(project_root, "record_id,organization,service_date,service_type,worker\n"
                                "S-1,Org A,2018-04-02,rights_information,W-1\n"
                                "S-2,Org A,2018-04-03,case_support,W-2\n")
    status, out, err = run_validate(project_root, "bc", capsys)
    assert status == 0, err
    assert ("data/raw/bc/service_records.csv::sector: 3 optional column(s) of the codebook "
            "are not in the export and read as not collected (tables that use them leave "
            "them out): 'sector', 'language', 'outcome'") in out


#: the survey's statements and knowledge items (every Likert item of the codebook)
STATEMENTS = ["know_rights", "info_support", "collaboration", "reporting_support",
              "abuse_deterrence", "policy_influence", "knowledge_before", "knowledge_after"]


def add_without_statements_or_excerpt_text(root, code: str = "unasked"):
    """BC's synthetic sources, the survey without a single Likert item (a short intake
    form: consent, group, e-mail), the coded excerpts without their text and SWOT tags (a
    coding tool's export of codes only)."""
    import pandas as pd

    raw = add_jurisdiction(root, code, None, {})
    survey = pd.read_csv(root / "data" / "raw" / "bc" / "survey_export.csv", dtype=str,
                         keep_default_na=False, skiprows=[1, 2])
    survey.drop(columns=[*STATEMENTS, "sector", "comments"]).to_csv(raw / "survey.csv",
                                                                     index=False)
    excerpts = pd.read_csv(raw / "coded_excerpts.csv", dtype=str, keep_default_na=False)
    excerpts.drop(columns=["text", "swot"]).to_csv(raw / "coded_excerpts.csv", index=False)
    params = root / "params" / f"{code}.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["sources"]["survey"] = {"file": "survey.csv", "format": "csv"}
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return raw


def test_no_quote_and_no_crash_from_excerpts_without_text():
    # 04_qualitative stopped at KeyError: 'text' when no excerpt had text: the groups
    # allowed were picked with a list, and an empty list selects no columns
    import pandas as pd

    from mwsn import qualitative

    excerpts = pd.DataFrame({
        "excerpt_id": [f"E{i}" for i in range(6)], "coder": "A", "code": "collaboration",
        "participant": [f"P{i}" for i in range(6)], "stakeholder_group": "employer",
        "line_of_evidence": "interview", "text": pd.array([pd.NA] * 6, dtype="string")})
    quotes = qualitative.quotes(excerpts, ["collaboration"], min_cell=5)
    assert quotes.empty
    assert list(quotes.columns) == ["code", "stakeholder_group", "line_of_evidence", "text"]


def test_no_quote_from_a_group_whose_count_the_pass_hides_even_in_the_auditor_notebook():
    # a small jurisdiction: 5 support-organization interviewees (enough for a quote by
    # min_cell) whose count the pass hides by secondary suppression, 6 government ones
    # shown. 04_qualitative quoted the support organizations (the report alone filtered
    # them out), attributing a quote to a group every public figure hides
    import pandas as pd

    from mwsn import privacy, qualitative

    rows = [("support_organization", f"S{i}", f"E{i}", "information_gained") for i in range(5)]
    rows += [("government", f"G{i}", f"E{10 + i}", "information_gained") for i in range(6)]
    excerpts = pd.DataFrame(rows, columns=["stakeholder_group", "participant", "excerpt_id",
                                           "code"]).assign(
        coder="A", line_of_evidence="interview",
        text=lambda f: "Sessions helped, said " + f["excerpt_id"])
    ledger = privacy.Ledger(5)
    ledger.value[("participants", "support_organization", "interview")] = 5.0
    ledger.rule[("participants", "support_organization", "interview")] = "secondary"
    ledger.value[("participants", "government", "interview")] = 6.0
    without = qualitative.quotes(excerpts, ["information_gained"], min_cell=5)
    assert without["stakeholder_group"].tolist() == ["support_organization"]  # E0 first
    quoted = qualitative.quotes(excerpts, ["information_gained"], min_cell=5,
                                disclosure=ledger)
    assert quoted[["stakeholder_group", "text"]].values.tolist() == [
        ["government", "Sessions helped, said E10"]]


@pytest.mark.parametrize("text, kinds", [
    ("I am the only Tigrinya speaker on the farm.", ["LANGUAGE", "ONLY"]),
    ("We speak Mixtec at home; the crew boss speaks Spanish.", ["LANGUAGE"]),
    ("J'ai 54 ans et je parle tigrigna.", ["LANGUAGE", "AGE"]),
    ("I was 61 years old when I came with the program.", ["AGE"]),
    ("Je suis la seule femme de l'équipe.", ["ONLY"]),
    # a town of the ESDC employer lists' business locations (bundled official data)
    ("The packing house in Keremeos keeps our passports.", ["PLACE"]),
    # the program's own languages and everyday French single no one out
    ("The hub speaks Spanish, Tagalog and Punjabi; mon mari aussi.", []),
])
def test_what_a_quote_says_of_its_speaker_is_found(text, kinds):
    from mwsn import identifiers

    assert identifiers.quasi_identifiers(text) == kinds


def test_a_quote_that_would_single_its_speaker_out_gives_way_to_another():
    # six employers interviewed: the first excerpt on the code tells the reader of
    # "Employer, Interview" who spoke (the only Tigrinya speaker); the next one is quoted
    import pandas as pd

    from mwsn import clean, qualitative

    texts = ["As the only Tigrinya speaker here I explain the rules to the others.",
             "The sessions explained the rules to us.", *(["Useful."] * 4)]
    excerpts = pd.DataFrame({
        "excerpt_id": [f"E{i}" for i in range(6)], "coder": "A", "code": "information_gained",
        "participant": [f"P{i}" for i in range(6)], "stakeholder_group": "employer",
        "line_of_evidence": "interview", "text": texts})
    quoted = qualitative.quotes(excerpts, ["information_gained"], min_cell=5,
                                residual=clean.residual_identifiers)
    assert quoted["text"].tolist() == ["The sessions explained the rules to us."]


def test_codes_saved_by_spss_with_a_decimal_comma_are_codes(root, capsys, tmp_path):
    # SPSS (or Excel) in a French locale saves a CSV with ";" and the variables' format
    # F8.2 as 4,00: every code was refused ("'4,00' is not on the agreement scale",
    # "'1,00' is not true/false"); 1,000 stays a thousand, never code 1
    survey = tmp_path / "export_spss.csv"
    survey.write_text(
        "ResponseId;RecipientEmail;RecordedDate;Finished;consent;stakeholder_group;"
        "know_rights\n"
        "R_1;ana@example.org;2019-10-01 10:00;1,00;1,00;1,00;4,00\n"
        "R_2;ben@example.org;2019-10-02 10:00;0,00;1,00;3,00;-99,00\n"
        "R_3;cy@example.org;2019-10-03 10:00;1,0;1,00;1,00;5,0\n", encoding="cp1252")
    add_jurisdiction(root, "spssfr", survey, {"format": "csv", "values": {
        "consent": {1: "yes", 0: "no"},
        "stakeholder_group": {1: "migrant_worker", 3: "employer"},
        "know_rights": {-99: "Don't know"}}})
    status, _, err = run_validate(root, "spssfr", capsys)
    assert status == 0, err
    from test_exports import cleaned_survey

    survey = cleaned_survey(root, "spssfr").sort_values("recorded_date")
    assert survey["finished"].tolist() == [True, False, True]
    assert survey["stakeholder_group"].tolist() == ["migrant_worker", "employer",
                                                    "migrant_worker"]
    assert survey["know_rights"].fillna(0).tolist() == [4, 0, 5]
    assert survey["know_rights_missing"].tolist()[1] == "dont_know"


def test_a_thousand_with_a_comma_is_not_a_whole_double():
    from mwsn.codebook import answer_text

    assert [answer_text(v) for v in ["4,00", "4,0", "4.000", "1,000", "12,50"]] == [
        "4", "4", "4", "1,000", "12,50"]


def test_service_records_codes_saved_as_doubles_and_typographic_labels_are_read(
        project_root, capsys):
    # a case-management export saved through Excel: service types as codes 1.0, 02 and
    # 1,00 (recoded by values: keys 1 and 2), a French label with a typographic apostrophe
    # (Aide d’urgence, the codebook's Aide d'urgence): all were refused as unknown
    from test_services_source import with_services

    from mwsn import config, services, validate
    from mwsn.codebook import load_codebook

    with_services(project_root,
                  "record_id,organization,service_date,service_type,worker\n"
                  "S-1,Org A,2018-04-02,1.0,W-1\n"
                  "S-2,Org A,2018-04-03,02,W-2\n"
                  "S-3,Org A,2018-04-04,\"1,00\",W-3\n"
                  "S-4,Org A,2018-04-05,Aide d\u2019urgence,W-1\n",
                  "  services: {file: service_records.csv, format: csv, values: "
                  "{service_type: {1: rights_information, 2: case_support}}}\n")
    status, out, err = run_validate(project_root, "bc", capsys)
    assert status == 0, err
    codebook = load_codebook(project_root)
    frames = validate.read_and_check(config.load("bc", project_root), codebook,
                                     config.paths("bc", project_root))
    records = services.clean_service_records(frames["services"],
                                             codebook.sources["services"], codebook, b"k")
    assert records.column("service_type").to_pylist() == [
        "rights_information", "case_support", "rights_information", "emergency_support"]


def test_synthetic_waves_for_a_new_project_without_considerations(tmp_path):
    # `mwsn init` then `mwsn synth ab --waves 2` wrote "management_response:" with no item
    # (the new params have no considerations to answer) and refused its own params file:
    # "key 'management_response': Input should be a valid list"
    from mwsn import cli

    assert cli.main(["init", str(tmp_path / "p"), "--jurisdiction", "ab",
                     "--name", "Alberta"]) == 0
    assert cli.main(["synth", "ab", "--root", str(tmp_path / "p"), "--waves", "2",
                     "--services", "50"]) == 0
    params = config.load("ab", tmp_path / "p")
    assert params.management_response == [] and len(params.waves) == 2


#: service records as a KoboToolbox form of services exports them (";", group paths, the
#: submission's metadata): 3 records, 2 workers, 2 organizations
KOBO_SERVICES = (
    "start;grp_record/record_id;grp_record/organization;grp_record/service_date;"
    "grp_service/service_type;grp_service/grp_worker/worker;grp_service/grp_worker/sector;"
    "_uuid;_submission_time\n"
    "2018-04-02T09:00:00.000-07:00;S-1;Org A;2018-04-02;case_support;W-1;caregiving;u1;"
    "2018-04-02T17:00:00\n"
    "2018-04-03T09:00:00.000-07:00;S-2;Org A;2018-04-03;rights_information;W-2;agriculture;"
    "u2;2018-04-03T17:00:00\n"
    "2018-04-04T09:00:00.000-07:00;S-3;Org B;2018-04-04;case_support;W-1;caregiving;u3;"
    "2018-04-04T17:00:00\n")


def test_service_records_from_a_kobo_form_with_group_paths_and_mapping_keys_either_way(
        project_root, capsys):
    # refused as "read as CSV, not kobo"; read as csv, the group paths stayed and the
    # mapping keys (a bare name, a path end) were ignored without a word
    from test_services_source import with_services

    from mwsn import config, services, validate
    from mwsn.codebook import load_codebook

    with_services(project_root, KOBO_SERVICES,
                  "  services: {file: service_records.csv, format: kobo, columns: "
                  "{grp_worker/worker: worker, service_type: service_type, "
                  "grp_record/record_id: record_id}}\n")
    status, out, err = run_validate(project_root, "bc", capsys)
    assert status == 0, err
    codebook = load_codebook(project_root)
    frames = validate.read_and_check(config.load("bc", project_root), codebook,
                                     config.paths("bc", project_root))
    records = frames["services"]
    assert records.column("service_type").to_pylist() == [
        "case_support", "rights_information", "case_support"]
    assert records.column("sector").to_pylist() == ["caregiving", "agriculture", "caregiving"]
    cleaned = services.clean_service_records(records, codebook.sources["services"], codebook,
                                             b"k")
    indicators = services.service_indicators(cleaned).set_index("metric")["count"]
    assert (indicators["services_delivered"], indicators["workers_served"],
            indicators["organizations_reporting"], indicators["repeat_use"]) == (3, 2, 2, 1)


def test_a_service_records_mapping_key_that_is_no_column_is_named(project_root, capsys):
    # a key matching no header was dropped silently and validate then blamed the missing
    # column; as a plain CSV, the Kobo export's group paths are pointed out
    from test_services_source import with_services

    with_services(project_root, KOBO_SERVICES,
                  "  services: {file: service_records.csv, format: csv, columns: "
                  "{service_type: service_type, Organisation: organization}}\n")
    status, _, err = run_validate(project_root, "bc", capsys)
    assert status == 2
    assert ("service_records.csv:1:service_type: sources.services.columns: 'service_type' is "
            "not a column of this export (closest: 'grp_service/service_type')") in err
    assert "set sources.services.format: kobo" in err
    assert "'Organisation' is not a column of this export" in err


def test_a_ledger_exported_from_kobo_gets_no_note_about_finished(root, capsys, tmp_path):
    # Kobo's default "Finished is absent" is the survey's: a ledger exported from Kobo was
    # told "finished: declared absent: a KoboToolbox submission is complete"
    _like_bc(root, "kobolegder", funding={"format": "kobo"})
    status, out, err = run_validate(root, "kobolegder", capsys)
    assert status == 0, err
    assert "funding_ledger.csv::finished" not in out


def test_service_records_values_keys_as_the_export_names_them_or_no_column(project_root,
                                                                           capsys):
    # a values: key written as the Kobo export's path recodes its column; one naming no
    # column recoded nothing without a word (every other source refuses it)
    from test_services_source import with_services

    with_services(project_root, KOBO_SERVICES.replace(";case_support;", ";2;"),
                  "  services: {file: service_records.csv, format: kobo, values: "
                  "{grp_service/service_type: {2: case_support}}}\n")
    status, _, err = run_validate(project_root, "bc", capsys)
    assert status == 0, err
    params = project_root / "params" / "bc.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace(
        "{grp_service/service_type: {2: case_support}}",
        "{grp_service/service_type: {2: case_support}, Outcome: {1: resolved}}"),
        encoding="utf-8")
    status, _, err = run_validate(project_root, "bc", capsys)
    assert status == 2
    assert "sources.services.values: 'Outcome' is not a column of this export" in err


@pytest.mark.parametrize("kind", ["spss", "stata"])
def test_value_labels_that_start_with_their_code_are_read(root, capsys, tmp_path, kind):
    # labels written "4 - Agree", "1. Migrant worker", "2. No" (Stata's numlabel, SPSS
    # habits) were each refused as not on the scale or not a known category
    path = labelled_survey(tmp_path, kind, {
        "Finished": [1.0, 1.0, 1.0], "consent": [1.0, 1.0, 2.0],
        "stakeholder_group": [1.0, 3.0, 1.0], "know_rights": [4.0, 98.0, 1.0]},
        {"consent": {1: "1. Yes", 2: "2. No"},
         "stakeholder_group": {1: "1. Migrant worker", 3: "3. Employer"},
         "know_rights": {1: "1 - Strongly disagree", 4: "4 - Agree", 98: "98 - Don't know"}})
    add_jurisdiction(root, "numlabel", path, {"format": kind})
    status, _, err = run_validate(root, "numlabel", capsys)
    assert status == 0, err
    from test_exports import cleaned_survey

    survey = cleaned_survey(root, "numlabel").sort_values("recorded_date")
    # the third respondent declined: dropped
    assert survey["stakeholder_group"].tolist() == ["migrant_worker", "employer"]
    assert survey["know_rights"].fillna(0).tolist() == [4, 0]
    assert survey["know_rights_missing"].tolist()[1] == "dont_know"


def test_a_label_is_read_without_its_code_only_when_the_whole_label_is_unknown():
    from mwsn.codebook import load_codebook
    from pathlib import Path

    codebook = load_codebook(Path(__file__).parents[1])
    scale = codebook.scales["agreement"]
    assert [scale.parse(a) for a in ["5. Strongly agree", "2) Disagree", "3: Neither agree "
                                     "nor disagree", "4 Agree", "4 - Maybe", "4"]] == [
        (5, None), (2, None), (3, None), (4, None), None, (4, None)]
    assert codebook.parse_category("sector", "6 - Other sector") == "other_sector"


def _ledger(cells: dict, min_cell: int = 5):
    from mwsn import privacy

    ledger = privacy.Ledger(min_cell)
    for key, (value, rule) in cells.items():
        ledger.value[key] = float(value)
        if rule:
            ledger.rule[key] = rule
    return ledger


def test_a_group_test_is_shown_only_where_every_count_behind_it_is():
    # 10 respondents, groups of 3, 2 and 5, 8 agree (2 do not): the pass shows the 10 and
    # hides the rest. Cramér's V 0.2887 and a smallest expected count of 0.4 (2 x 2 / 10)
    # were printed beside n = 10 in 03_survey, and 0.4 x 10 = 4 gives back a group of 2
    import pandas as pd

    from mwsn import privacy

    tests = pd.DataFrame({
        "outcome": ["info_support", "policy_influence"], "test": "fisher_exact",
        "statistic_name": "", "statistic": [float("nan"), 1.5], "dof": float("nan"),
        "p_value": [1.0, 0.46], "p_holm": [1.0, 0.92], "cramers_v": [0.2887, 0.33],
        "n": [10, 20], "min_expected": [0.4, 2.5], "power_medium": [0.12, 0.2], "note": ""})
    ledger = _ledger({
        ("survey:info_support", "all", "n"): (10, None),
        ("survey:info_support", "all", "agree"): (8, "class_complement"),
        ("survey:info_support", "government", "n"): (2, "small_count"),
        ("survey:policy_influence", "all", "n"): (20, None),
        ("survey:policy_influence", "all", "agree"): (10, None),
        ("survey:policy_influence", "government", "n"): (10, None),
        ("survey:policy_influence", "government", "agree"): (5, None),
        ("survey:policy_influence", "support_organization", "n"): (10, None),
        ("survey:policy_influence", "support_organization", "agree"): (5, None)})
    shown = privacy.group_tests_as_shown(tests, ledger, 5).set_index("outcome")
    assert shown.loc["info_support", "n"] == 10
    assert shown.loc["info_support", privacy.TEST_FIGURES].isna().all()
    assert shown.loc["policy_influence", ["cramers_v", "min_expected", "p_value"]].tolist() \
        == [0.33, 2.5, 0.46]


def test_a_knowledge_change_test_is_hidden_where_how_many_improved_is():
    # 17 of 18 migrant workers improved, 1 did not change: the pass hides 17 (class
    # disclosure); the signed-rank statistic 153 = 1 + 2 + ... + 17 and a rank-biserial of 1
    # printed in 03_survey gave back that all 17 who changed went up
    import pandas as pd

    from mwsn import privacy

    change = pd.DataFrame({
        "group": ["all", "migrant_worker", "employer"], "statistic": [153.0, 153.0, None],
        "p_value": [0.0002, 0.0002, None], "rank_biserial": [1.0, 1.0, None],
        "median_change": [1.5, 1.5, None], "n_pairs": [18, 18, 0]})
    ledger = _ledger({("gain:knowledge_after", "migrant_worker", "n"): (18, None),
                      ("gain:knowledge_after", "migrant_worker", "agree"):
                          (17, "class_complement")})
    shown = privacy.change_as_shown(change, ledger, 5)
    assert shown["n_pairs"].tolist() == [18, 18, 0]
    assert shown[privacy.CHANGE_FIGURES].isna().all().all()
    ledger.rule.clear()   # 17 shown: the test is too
    assert privacy.change_as_shown(change, ledger, 5)["statistic"].tolist()[:2] == [153, 153]


def test_a_sector_column_left_blank_throughout_is_not_collected_never_zero():
    # a reporting system that exported an empty "sector" column: the report read
    # "Services outside agriculture: 0" and hid the workers' share as a class disclosure
    # ("not shown to protect privacy") where there was no sector at all
    import pyarrow as pa

    from mwsn import services

    records = pa.table({"participant": pa.array(["P1", "P2", "P1"]).dictionary_encode(),
                        "organization": pa.array(["A", "A", "B"]).dictionary_encode(),
                        "sector": pa.array([None, None, None], pa.string())
                        .dictionary_encode()})
    metrics = services.service_indicators(records).set_index("metric")
    assert "services_outside_agriculture" not in metrics.index
    assert "workers_served_outside_agriculture" not in metrics.index
    assert metrics.loc["services_delivered", "count"] == 3
    assert metrics.loc["repeat_use", "count"] == 1   # P1 twice


def test_a_change_from_a_round_that_did_not_collect_the_indicator_says_so():
    # the pilot had no service records: "Workers served: change between rounds" read
    # "not shown" (a hidden figure) where there was nothing to compare
    from types import SimpleNamespace

    from mwsn import i18n
    from mwsn.report.performance import _change_text

    rep = SimpleNamespace(t=lambda key, **kw: i18n.t(key, "en", **kw), lang="en")
    row = SimpleNamespace(change=float("nan"), wave_from="pilot", wave_to="2022q1")
    assert _change_text(rep, row, "count", {"pilot": "not_collected",
                                            "2022q1": "measured"}) == "not collected"
    assert _change_text(rep, row, "count", {"pilot": "measured",
                                            "2022q1": "measured"}) == "not shown"


def test_qualtrics_minus_99_for_a_question_seen_but_not_answered_is_no_answer(root, capsys):
    # Qualtrics' export option "Recode seen but unanswered questions as -99": a Likert item
    # and the sector left unanswered by the first two respondents read -99, which was
    # refused as "not on the agreement scale" / "not a category"; it is no answer
    import csv
    import io

    raw = _like_bc(root, "seen99")
    text = (raw / "survey_export.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    know, sector = rows[0].index("know_rights"), rows[0].index("sector")
    for row in rows[3:5]:
        row[know], row[sector] = "-99", "-99"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (raw / "survey_export.csv").write_text(out.getvalue(), encoding="utf-8")
    status, printed, err = run_validate(root, "seen99", capsys)
    assert status == 0, err
    assert "seen but not answered" in printed and "'know_rights' (2)" in printed
    survey = validate.read_and_check(config.load("seen99", root), load_codebook(root),
                                     config.paths("seen99", root))["survey"]
    assert survey["know_rights"].iloc[:2].isna().all()
    assert survey["sector"].iloc[:2].isna().all()
    assert not (survey["know_rights"].astype("string") == "-99").any()


def test_a_kobo_form_drafts_params_its_export_validates_against(tmp_path):
    # an XLSForm with KoboToolbox's start and end and an agreement list coding "Don't know"
    # as 98: the draft declared the export's own start, end, _uuid and _submission_time
    # absent (validate then refused each: 'declared absent but the export has it'), added
    # start and end as new variables, and left 98 to be refused on every row that has it
    import pandas as pd

    from conftest import PROJECT
    from mwsn import codebook_import
    from mwsn.config import read_yaml

    form = tmp_path / "form.xlsx"
    with pd.ExcelWriter(form) as sheets:
        pd.DataFrame({"type": ["start", "end", "begin_group", "select_one agree", "end_group",
                               "select_one agree", "select_one words", "select_one who"],
                      "name": ["start", "end", "grp_likert", "know_rights", "", "answered",
                               "collaboration", "who"],
                      "label::English (en)": ["", "", "Statements", "I know more about my "
                                              "rights at work because of Network activities",
                                              "", "The Network answered my questions",
                                              "Network meetings improved collaboration",
                                              "Which best describes you?"],
                      }).to_excel(sheets, sheet_name="survey", index=False)
        levels = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
                  "Strongly agree", "Don't know"]
        pd.DataFrame({"list_name": ["agree"] * 6 + ["words"] * 6 + ["who"] * 3,
                      "name": ["1", "2", "3", "4", "5", "98",
                               "sd", "d", "n", "a", "sa", "dk", "mw", "emp", "other"],
                      "label::English (en)": levels * 2 + ["Migrant worker", "Employer",
                                                           "Other"],
                      }).to_excel(sheets, sheet_name="choices", index=False)
    result = codebook_import.draft(codebook_import.read_instrument(form),
                                   read_yaml(PROJECT / "params" / "codebook.yaml"), "survey")
    assert result.params["format"] == "kobo"
    assert result.matched["start"] == "start_date" and result.matched["end"] == "end_date"
    assert "start" not in result.added and "end" not in result.added
    assert not ({"start_date", "end_date", "response_id", "recorded_date"}
                & set(result.params["absent"]))
    # choices named by words (sd ... sa, dk), as many forms name them: each was refused as
    # not on the agreement scale
    assert result.params["values"] == {
        "know_rights": {"98": "Don't know"}, "answered": {"98": "Don't know"},
        "collaboration": {"sd": "Strongly disagree", "d": "Disagree",
                          "n": "Neither agree nor disagree", "a": "Agree",
                          "sa": "Strongly agree", "dk": "Don't know"},
        "stakeholder_group": {"mw": "migrant_worker", "emp": "employer"}}
    # a question named otherwise whose choices are labelled as the stakeholder groups are:
    # it was added as a new variable, and validate then asked for the required
    # stakeholder_group the draft had not mapped
    assert result.params["columns"] == {"who": "stakeholder_group"}
    assert "who" not in result.added


def test_unix_time_is_read_as_utc_in_a_date_time_column_and_named_in_a_column_of_days(
        root, capsys, tmp_path):
    # 1570725240 s after 1970-01-01 00:00 UTC: 18,179 days (2019-10-10: 17,897 days to
    # 2019-01-01, then 282 more) and 59,640 s (16:34:00); 1570725240000 is the same in ms
    odk = tmp_path / "odk.csv"
    odk.write_text("SubmissionDate,consent,group,email,meta-instanceID\n"
                   "1570725240,yes,migrant_worker,a.one@example.org,uuid:1\n"
                   "1570725240000,yes,employer,b.two@example.org,uuid:2\n", encoding="utf-8")
    add_jurisdiction(root, "unixtime", odk, {"format": "odk", "columns": {
        "group": "stakeholder_group", "email": "RecipientEmail"}})
    status, out, err = run_validate(root, "unixtime", capsys)
    assert status == 0, err
    assert "2 date-time(s) written as Unix time" in out
    frame = validate.read_and_check(config.load("unixtime", root), load_codebook(root),
                                    config.paths("unixtime", root))["survey"]
    assert frame["recorded_date"].tolist() == ["2019-10-10 16:34:00"] * 2
    # a meeting's day: 1531956600 is 2018-07-18 23:30 UTC, the 18th in UTC but 16:30 in
    # Vancouver; whether it is the day where the meeting was is not said: refused, named
    _with_meeting_times(root, "unixday", [""])
    meetings = root / "data" / "raw" / "unixday" / "meeting_records.csv"
    header, first, *rest = meetings.read_text(encoding="utf-8").splitlines()
    cells = first.split(",")
    cells[2] = "1531956600"
    meetings.write_text("\n".join([header, ",".join(cells), *rest]) + "\n", encoding="utf-8")
    status, _, err = run_validate(root, "unixday", capsys)
    assert status == 2
    assert ("meeting_records.csv:2:date: '1531956600' is Unix time (seconds since 1970-01-01 "
            "UTC: 2018-07-18 23:30:00 UTC)") in err
    assert "export the column from its tool as dates" in err


def test_a_service_day_in_unix_time_is_named_as_such():
    texts = pa.array(["2018-04-02", "1522711800"])
    days = services._distinct_dates(texts).to_pylist()
    assert days[0].isoformat() == "2018-04-02T00:00:00" and days[1] is None
    problems = services._date_problems(pa.array(texts).dictionary_encode(), pa.array(days),
                                       pa.array([2, 3]), "records.csv", "service_date", {})
    # 1522711800 = 17,623 days (2018-04-02) and 84,600 s (23:30:00) after 1970-01-01 UTC:
    # 16:30 on the 2nd in Vancouver, but 1 a.m. on the 3rd in Halifax (UTC-3)
    assert [p.row for p in problems] == [3]
    assert problems[0].message.startswith(
        "'1522711800' is Unix time (seconds since 1970-01-01 UTC: 2018-04-02 23:30:00 UTC)")


def test_a_participant_code_saved_as_a_double_is_the_same_person():
    # participant 1001 in one round's REDCap CSV, 1001.0 (or 1001,00 in a French locale)
    # in the next round's CSV saved from SPSS: one person, whose answers the rounds' matched
    # pairs link (they were two pseudonyms, and the pair was lost without a word)
    import pandas as pd

    from mwsn.clean import pseudonym, pseudonyms

    key = b"a-test-secret"
    written = pd.Series(["1001", "1001.0", " 1001.00", "1001,00", "1,000", "1001.5", "0012.0"],
                        dtype="string")
    got = pseudonyms(written, key).tolist()
    assert got[:4] == [pseudonym("1001", key)] * 4
    assert got[4] != pseudonym("1", key) and got[5] != got[0]   # a thousand; a fraction
    assert got[6] == pseudonym("0012", key)                     # its zeros are its own
    records = pa.array(["1001", "1001.0"]).dictionary_encode()
    assert services._pseudonyms(records, key).to_pylist() == [pseudonym("1001", key)] * 2


@pytest.mark.parametrize("declared", [False, True])
def test_a_qualtrics_anonymous_link_survey_with_recipient_columns_left_empty(root, capsys,
                                                                              declared):
    # an anonymous link leaves RecipientEmail (and the names) empty in every row: each row
    # was refused as 'required value is empty: complete it in the tool', which no tool can;
    # absent: [email] was refused as 'declared absent but the export has it'
    import csv

    raw = _like_bc(root, "anonymous", survey={"absent": ["email"]} if declared else {})
    path = raw / "survey_export.csv"
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    blank = [rows[0].index(c) for c in ("RecipientEmail", "RecipientFirstName",
                                        "RecipientLastName")]
    for row in rows[3:]:
        for i in blank:
            row[i] = ""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    status, out, err = run_validate(root, "anonymous", capsys)
    assert status == 0, err
    said = ("declared absent" if declared else "empty in every row, so read as absent (as if "
            "listed in sources.survey.absent)")
    assert f"RecipientEmail: {said}: a person cannot be recognized" in out
    frame = validate.read_and_check(config.load("anonymous", root), load_codebook(root),
                                    config.paths("anonymous", root))["survey"]
    assert "email" not in frame.columns and len(frame) == len(rows) - 3


def test_a_column_with_a_value_is_still_not_declared_absent(root, capsys):
    _like_bc(root, "notanon", survey={"absent": ["email"]})
    status, _, err = run_validate(root, "notanon", capsys)
    assert status == 2
    assert "'email' is declared absent but the export has it" in err


@pytest.mark.parametrize("kind", ["spss", "stata"])
def test_a_double_that_is_no_whole_number_in_a_true_false_column_is_named(root, capsys,
                                                                          tmp_path, kind):
    # Finished stored as 1.0, 0.5, 1.0 (a proportion mapped onto it, or a slip at entry):
    # validate stopped with a TypeError traceback ("cannot safely cast non-equivalent")
    path = labelled_survey(tmp_path, kind, {
        "Finished": [1.0, 0.5, 1.0], "consent": [1.0, 1.0, 1.0],
        "stakeholder_group": [1.0, 3.0, 1.0]},
        {"consent": {1: "Yes"}, "stakeholder_group": {1: "Migrant worker", 3: "Employer"}})
    add_jurisdiction(root, "halfdone", path, {"format": kind})
    status, _, err = run_validate(root, "halfdone", capsys)
    assert status == 2
    assert f"survey.{'sav' if kind == 'spss' else 'dta'}:2:Finished: '0.5' is not true/false" \
        in err
    assert err.count("is not true/false") == 1


def test_a_number_with_decimals_is_no_code_followed_by_its_label(root, capsys, tmp_path):
    # 4.5 on an agreement item (an average typed in, a slider's value) was read as "4." and
    # the label "5": Strongly agree, without a word; 3.2 as Disagree
    from mwsn.codebook import load_codebook as codebook_of

    scale = codebook_of(root).scales["agreement"]
    assert scale.parse("4.5") is None and scale.parse("3,2") is None
    assert scale.parse("4.0") == (4, None) and scale.parse("4 - Agree") == (4, None)
    path = labelled_survey(tmp_path, "spss", {
        "Finished": [1.0, 1.0, 1.0], "consent": [1.0, 1.0, 1.0],
        "stakeholder_group": [1.0, 1.0, 1.0], "know_rights": [4.5, 4.0, 1.0]},
        {"consent": {1: "Yes"}, "stakeholder_group": {1: "Migrant worker"}})
    add_jurisdiction(root, "slider", path, {"format": "spss"})
    status, _, err = run_validate(root, "slider", capsys)
    assert status == 2
    assert "survey.sav:1:know_rights: '4.5' is not on the agreement scale" in err
    assert err.count("is not on the agreement scale") == 1


@pytest.mark.parametrize("separator", ["/", "."])
def test_service_records_values_keys_as_a_group_path_end_or_with_the_forms_slash(
        tmp_path, separator):
    # grp_worker/sector for grp_service/grp_worker/sector (a path end, which a survey's
    # values: key may be), and the form's slash over an export made with '.': each was
    # refused as "not a column of this export"
    path = tmp_path / "service_records.csv"
    path.write_text(KOBO_SERVICES.replace("/", separator).replace(
        "caregiving", "care").replace("agriculture", "agri"), encoding="utf-8")
    from conftest import PROJECT

    codebook = load_codebook(PROJECT)
    records = services.read_service_records(
        path, codebook.sources["services"], {"grp_record/record_id": "record_id"},
        {"grp_worker/sector": {"care": "caregiving", "agri": "agriculture"},
         "grp_service/service_type": {"case_support": "case_support"}}, fmt="kobo")
    assert records.column("sector").to_pylist() == ["caregiving", "agriculture", "caregiving"]
    assert records.column("service_type").to_pylist() == [
        "case_support", "rights_information", "case_support"]


@pytest.mark.parametrize("written", [
    # Excel's CSV of a ledger whose amounts are formatted as currency: it writes what the
    # cell shows, in English Canada and in French Canada (narrow no-break space)
    lambda amount: f"${amount:,.2f}",
    lambda amount: f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",") + "\u00a0$",
])
def test_ledger_amounts_formatted_as_currency_are_amounts(root, capsys, written):
    # each was refused as "'$118,575.00' is not a number: write digits such as 1234"
    import csv

    import pandas as pd

    raw = _like_bc(root, "currency")
    ledger = raw / "funding_ledger.csv"
    rows = list(csv.reader(ledger.open(encoding="utf-8", newline="")))
    amount = rows[0].index("amount_cad")
    expected = [float(row[amount]) for row in rows[1:]]
    for row in rows[1:]:
        row[amount] = written(float(row[amount]))
    with ledger.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, delimiter=";").writerows(rows)
    status, _, err = run_validate(root, "currency", capsys)
    assert status == 0, err
    frame = validate.read_and_check(config.load("currency", root), load_codebook(root),
                                    config.paths("currency", root))["funding"]
    from mwsn.codebook import parse_numbers

    assert parse_numbers(frame["amount_cad"]).tolist() == expected
    assert parse_numbers(pd.Series(["(1,234.50)", "-$5.00", "1,234.50 CAD"])).tolist() == [
        -1234.5, -5.0, 1234.5]


def test_a_longitudinal_redcap_export_reads_the_rows_of_the_surveys_event(root, capsys,
                                                                           tmp_path):
    # REDCap writes one row per record and event: the follow-up event's rows hold the record
    # id alone, and each was refused ("required value is empty", "missing consent ... remove
    # the row") although the survey's own rows were complete
    export = tmp_path / "redcap.csv"
    export.write_text(
        "record_id,redcap_event_name,survey_timestamp,email,consent___1,group,"
        "survey_complete\n"
        "1,baseline_arm_1,2019-10-01 10:00,a.one@example.org,1,1,2\n"
        "1,followup_arm_1,,,,,\n"
        "2,baseline_arm_1,2019-10-02 11:00,b.two@example.org,1,3,2\n"
        "2,followup_arm_1,,,,,\n"
        "3,baseline_arm_1,2019-10-03 12:00,c.three@example.org,1,1,2\n", encoding="utf-8")
    add_jurisdiction(root, "events", export, {
        "format": "redcap",
        "columns": {"email": "RecipientEmail", "survey_timestamp": "RecordedDate",
                    "survey_complete": "Finished", "consent___1": "consent",
                    "group": "stakeholder_group"},
        "values": {"Finished": {2: True, 0: False}, "consent": {1: "yes", 0: "no"},
                   "stakeholder_group": {1: "migrant_worker", 3: "employer"}}})
    status, out, err = run_validate(root, "events", capsys)
    assert status == 0, err
    assert ("redcap.csv:3: 2 row(s) hold the record's id and none of this source's answers"
            in out) and "('followup_arm_1')" in out
    frame = validate.read_and_check(config.load("events", root), load_codebook(root),
                                    config.paths("events", root))["survey"]
    assert frame["stakeholder_group"].tolist() == ["migrant_worker", "employer",
                                                   "migrant_worker"]
    assert frame["_row"].tolist() == [2, 4, 6]


def test_codebook_names_in_another_case_are_read_without_a_mapping(root, capsys, tmp_path):
    # a spreadsheet's header written "Consent", "Stakeholder_Group": both were called
    # missing, although mapping keys are matched in any case
    export = tmp_path / "survey.csv"
    export.write_text(
        "ResponseId,RecordedDate,Finished,RecipientEmail,Consent,Stakeholder_Group,KNOW_RIGHTS\n"
        "R_1,2019-10-01 10:00,True,a.one@example.org,yes,migrant_worker,Agree\n"
        "R_2,2019-10-02 10:00,True,b.two@example.org,yes,employer,Disagree\n", encoding="utf-8")
    add_jurisdiction(root, "casing", export, {"format": "csv"})
    status, out, err = run_validate(root, "casing", capsys)
    assert status == 0, err
    assert "'know_rights'" not in out        # not among the items "not collected"
    frame = validate.read_and_check(config.load("casing", root), load_codebook(root),
                                    config.paths("casing", root))["survey"]
    assert frame["stakeholder_group"].tolist() == ["migrant_worker", "employer"]
    assert frame["know_rights"].tolist() == ["Agree", "Disagree"]
    assert frame.attrs["raw_names"]["consent"] == "Consent"


def test_service_records_headers_in_another_case_are_the_codebooks_names(tmp_path):
    from conftest import PROJECT

    path = tmp_path / "service_records.csv"
    path.write_text("Record_ID,Organization,Service_Date,SERVICE_TYPE,Worker,Sector\n"
                    "S-1,Org A,2018-04-02,case_support,W-1,caregiving\n"
                    "S-2,Org B,2018-04-03,rights_information,W-2,agriculture\n",
                    encoding="utf-8")
    codebook = load_codebook(PROJECT)
    records = services.read_service_records(path, codebook.sources["services"], {}, {})
    assert records.column_names[:6] == ["record_id", "organization", "service_date",
                                        "service_type", "worker", "sector"]
    assert records.column("service_type").to_pylist() == ["case_support",
                                                          "rights_information"]


def test_a_day_written_with_a_time_is_only_the_day_once_cleaned(root, capsys):
    # a meeting log's date column (type: date) with times typed after the day, without an
    # offset or with one: the cleaned table kept 23:30 on the first (processed data keep
    # times only to the day) and only the day on the second
    from mwsn import clean

    days = _with_meeting_times(root, "daytime", [" 23:30", "T23:30:00-07:00"])
    status, _, err = run_validate(root, "daytime", capsys)
    assert status == 0, err
    where = config.paths("daytime", root)
    codebook = load_codebook(root)
    raw = validate.read_and_check(config.load("daytime", root), codebook, where)
    cleaned, _ = clean.clean_all(raw, codebook, config.pseudonym_key(where))
    assert [str(d) for d in cleaned["meetings"]["date"]] == [f"{d} 00:00:00" for d in days]


def test_date_times_without_an_offset_beside_others_with_one_are_named(root, capsys):
    # a survey's RecordedDate from two tools: the offset ones converted to UTC, the others
    # taken as written, silently; 2019-10-01T18:21:00-07:00 is 2019-10-02 01:21 UTC
    import csv
    import io

    raw = _like_bc(root, "naivemix")
    export = raw / "survey_export.csv"
    rows = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8-sig"))))
    at = rows[0].index("RecordedDate")
    first = rows[3][at]
    rows[3][at] = first.replace(" ", "T") + "-07:00"
    naive = rows[4][at]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    export.write_text(out.getvalue(), encoding="utf-8")
    status, text, err = run_validate(root, "naivemix", capsys)
    assert status == 0, err
    assert (f"survey_export.csv:5:RecordedDate: {len(rows) - 4} date-time(s) have no UTC "
            f"offset where the others have one (first on row 5: '{naive}')") in text
    frames = validate.read_and_check(config.load("naivemix", root), load_codebook(root),
                                     config.paths("naivemix", root))
    assert first == "2019-10-01 18:21:00"  # BC's first response, as the export writes it
    assert str(frames["survey"]["recorded_date"].iloc[0]) == "2019-10-02 01:21:00"


@pytest.mark.parametrize("key", [99, "Refused"])
def test_a_declared_missing_code_of_a_category_may_be_recoded_in_the_params(root, capsys,
                                                                           key):
    # an SPSS meeting log whose stakeholder group 99 "Refused" is declared missing (a user-
    # missing range 90-99): it read as blank before values: were applied, so the advice to
    # recode it there ('required value is empty ... sources.meetings.values') could not work;
    # BC's first meeting record is a support organization's (M-001 has an 'other' already)
    import pandas as pd
    import pyreadstat

    raw = _like_bc(root, "refused")
    meetings = pd.read_csv(raw / "meeting_records.csv", dtype=str, keep_default_na=False)
    groups = ["migrant_worker", "support_organization", "employer", "government", "other"]
    meetings["stakeholder_group"] = meetings["stakeholder_group"].map(
        {g: float(i + 1) for i, g in enumerate(groups)})
    meetings.loc[0, "stakeholder_group"] = 99.0
    meetings["attendees"] = meetings["attendees"].astype(float)
    labels = {float(i + 1): g for i, g in enumerate(groups)} | {99.0: "Refused"}
    pyreadstat.write_sav(meetings, raw / "meetings.sav",
                         variable_value_labels={"stakeholder_group": labels},
                         missing_ranges={"stakeholder_group": [{"lo": 90.0, "hi": 99.0}]})
    params = root / "params" / "refused.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["sources"]["meetings"] = {"file": "meetings.sav", "format": "spss"}
    params.write_text(yaml.safe_dump(data), encoding="utf-8")
    status, _, err = run_validate(root, "refused", capsys)
    assert status == 2
    assert "meetings.sav:1:stakeholder_group: required value is empty" in err
    data["sources"]["meetings"]["values"] = {"stakeholder_group": {key: "support_organization"}}
    params.write_text(yaml.safe_dump(data), encoding="utf-8")
    status, out, err = run_validate(root, "refused", capsys)
    assert status == 0, err
    assert "read as blank" not in out   # the one declared missing code was recoded
    frames = validate.read_and_check(config.load("refused", root), load_codebook(root),
                                     config.paths("refused", root))
    assert frames["meetings"]["stakeholder_group"].iloc[:2].tolist() == [
        "support_organization", "government"]


def test_a_labelled_stata_extended_missing_value_is_recoded_by_its_code(root, capsys):
    # coded excerpts from Stata whose SWOT tag .a is labelled "Not tagged": values: {swot:
    # {.a: threat}}, written as Stata writes the code (DATA.md's own example for a Likert
    # item), recoded nothing, only the label "Not tagged" or the bare letter a did
    import pandas as pd
    import pyreadstat

    raw = _like_bc(root, "dota")
    excerpts = pd.read_csv(raw / "coded_excerpts.csv", dtype=str, keep_default_na=False)
    tags = ["strength", "weakness", "opportunity", "threat"]
    excerpts["swot"] = excerpts["swot"].map({t: float(i + 1) for i, t in enumerate(tags)}
                                            ).astype(object)
    excerpts.loc[0, "swot"] = "a"
    labels = {float(i + 1): t for i, t in enumerate(tags)} | {"a": "Not tagged"}
    pyreadstat.write_dta(excerpts, raw / "excerpts.dta", variable_value_labels={"swot": labels},
                         missing_user_values={"swot": ["a"]})
    params = root / "params" / "dota.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["sources"]["excerpts"] = {"file": "excerpts.dta", "format": "stata",
                                   "values": {"swot": {".a": "threat"}}}
    params.write_text(yaml.safe_dump(data), encoding="utf-8")
    status, out, err = run_validate(root, "dota", capsys)
    assert status == 0, err
    assert "read as blank" not in out
    frames = validate.read_and_check(config.load("dota", root), load_codebook(root),
                                     config.paths("dota", root))
    assert frames["excerpts"]["swot"].iloc[0] == "threat"
    assert frames["excerpts"]["swot"].iloc[1:].tolist() == excerpts["swot"].iloc[1:].map(
        dict(zip(map(float, range(1, 5)), tags))).tolist()


def test_a_values_table_that_recodes_no_answer_of_its_column_is_named(root, capsys):
    # values: written otherwise than the export writes its answers (another language's
    # label, .a for a labelled code before it was read so) recoded nothing, without a word
    _like_bc(root, "norecode", excerpts={"values": {"swot": {"Fuerza": "strength"}},
                                         "format": "csv"})
    status, out, err = run_validate(root, "norecode", capsys)
    assert status == 0, err
    assert ("coded_excerpts.csv::swot: sources.excerpts.values.swot: none of its answers "
            "('Fuerza') is one of this column, so it recodes nothing") in out
    # a table that recodes one answer of the column is not named
    _like_bc(root, "recodes", excerpts={"values": {"swot": {"Fuerza": "strength",
                                                            "strength": "strength"}}})
    status, out, err = run_validate(root, "recodes", capsys)
    assert status == 0, err
    assert "recodes nothing" not in out


def test_a_number_with_value_labels_on_some_codes_is_its_number(root, capsys):
    # an SPSS meeting log labelling attendance 0 as "None" (and 999 "Not recorded",
    # declared missing): every 0 was refused as "'None' is not a number ... correct it in
    # the tool that made the export", where the file is right
    import pandas as pd
    import pyreadstat

    raw = _like_bc(root, "numlab")
    meetings = pd.read_csv(raw / "meeting_records.csv", dtype=str, keep_default_na=False)
    written = meetings["attendees"].astype(float).tolist()
    meetings["attendees"] = written
    meetings.loc[1, "attendees"] = 0.0
    meetings.loc[2, "attendees"] = 999.0
    pyreadstat.write_sav(meetings, raw / "meetings.sav",
                         variable_value_labels={"attendees": {0.0: "None",
                                                              999.0: "Not recorded"}},
                         missing_ranges={"attendees": [999.0]})
    params = root / "params" / "numlab.yaml"
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["sources"]["meetings"] = {"file": "meetings.sav", "format": "spss"}
    params.write_text(yaml.safe_dump(data), encoding="utf-8")
    status, _, err = run_validate(root, "numlab", capsys)
    assert status == 2   # attendees is required: the declared missing 999 is no count
    assert "meetings.sav:3:attendees: required value is empty" in err
    assert "is not a number" not in err
    data["sources"]["meetings"]["values"] = {"attendees": {"Not recorded": 4}}
    params.write_text(yaml.safe_dump(data), encoding="utf-8")
    status, _, err = run_validate(root, "numlab", capsys)
    assert status == 0, err
    frames = validate.read_and_check(config.load("numlab", root), load_codebook(root),
                                     config.paths("numlab", root))
    assert frames["meetings"]["attendees"].astype(float).tolist() == [
        written[0], 0.0, 4.0, *written[3:]]


@pytest.mark.parametrize("kind", ["spss", "stata"])
def test_a_true_false_column_labelled_otherwise_than_yes_and_no_is_read_by_its_codes(
        root, capsys, tmp_path, kind):
    # Finished labelled 1 = "Finished", 0 = "Not finished" (as Qualtrics' own SPSS export
    # labels it): each was refused as not true/false, where its code says; "Yes" coded 1
    # and "No" coded 2, as SPSS users often code them, still read by their labels
    path = labelled_survey(tmp_path, kind, {
        "Finished": [1.0, 0.0, 1.0], "consent": [1.0, 2.0, 1.0],
        "stakeholder_group": [1.0, 3.0, 1.0]},
        {"Finished": {1: "Finished", 0: "Not finished"}, "consent": {1: "Yes", 2: "No"},
         "stakeholder_group": {1: "Migrant worker", 3: "Employer"}})
    add_jurisdiction(root, "finlab", path, {"format": kind, "values": {
        "consent": {"Yes": "yes", "No": "no"}}})
    status, _, err = run_validate(root, "finlab", capsys)
    assert status == 0, err
    frames = validate.read_and_check(config.load("finlab", root), load_codebook(root),
                                     config.paths("finlab", root))
    assert frames["survey"]["finished"].astype("string").tolist() == ["1", "0", "1"]
