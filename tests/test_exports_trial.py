"""Faults a new-user trial of real exports found (issue #15, second round), each a kind.

The jurisdictions are made as in test_exports.py: the committed params with another code and
survey source, BC's synthetic files for the other sources.
"""

from __future__ import annotations

import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import dump_yaml, load_yaml
from mwsn import config, findings, ingest, privacy, project
from mwsn.codebook import load_codebook
from mwsn.config import Source
from test_exports import CASES, add_jurisdiction, cleaned_survey, run_validate

SMALL = CASES / "optional-column-absent-notebook-crash" / "survey_export.csv"


@pytest.fixture
def root(project_root, monkeypatch):
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-test-secret")
    return project_root


def _redcap_incomplete(path: Path) -> Path:
    """REDCap-style: b.two submitted twice, the first time without finishing, and REDCap wrote
    ``[not completed]`` where the timestamp would be."""
    path.write_text(
        "ResponseId,RecipientEmail,RecordedDate,Finished,consent,stakeholder_group,know_rights\n"
        "R_1,a.one@example.org,2019-10-01 10:00:00,True,yes,employer,4\n"
        "R_2,b.two@example.org,[not completed],False,yes,employer,1\n"
        "R_3,b.two@example.org,2019-10-02 10:00:00,True,yes,employer,5\n"
        "R_4,d.four@example.org,[not completed],False,yes,migrant_worker,2\n",
        encoding="utf-8")
    return path


# -- 1. validate passes, run fails -------------------------------------------------------------

def test_a_blank_timestamp_is_allowed_in_an_incomplete_response(root, capsys, tmp_path):
    survey = _redcap_incomplete(tmp_path / "redcap.csv")
    add_jurisdiction(root, "notdone", survey, {
        "format": "csv", "values": {"RecordedDate": {"[not completed]": ""}}})
    status, _, err = run_validate(root, "notdone", capsys)
    assert status == 0, err
    cleaned = cleaned_survey(root, "notdone")
    # b.two's complete submission is kept, d.four's only (incomplete) one too
    assert sorted(cleaned["know_rights"].tolist()) == [2, 4, 5]


def test_a_blank_timestamp_in_a_complete_response_is_refused_without_editing_advice(
        root, capsys, tmp_path):
    survey = _redcap_incomplete(tmp_path / "redcap.csv")
    survey.write_text(survey.read_text().replace("[not completed],False,yes,migrant",
                                                 "[not completed],True,yes,migrant"))
    add_jurisdiction(root, "notdone", survey, {
        "format": "csv", "values": {"RecordedDate": {"[not completed]": ""}}})
    status, _, err = run_validate(root, "notdone", capsys)
    assert status == 2
    assert "redcap.csv:5:RecordedDate: required value is empty" in err
    assert "redcap.csv:3:" not in err  # R_2 did not finish: its blank timestamp is allowed
    assert "remove the row" not in err and "export again" in err


def test_a_timestamp_declared_absent_is_cleaned_by_row_order(root, capsys, tmp_path):
    survey = tmp_path / "no_date.csv"
    table = pd.read_csv(_redcap_incomplete(tmp_path / "redcap.csv"))
    table.drop(columns=["RecordedDate"]).to_csv(survey, index=False)
    add_jurisdiction(root, "nodate", survey, {"format": "csv", "absent": ["RecordedDate"]})
    status, out, err = run_validate(root, "nodate", capsys)
    assert status == 0, err
    assert "told apart by their row only" in out
    cleaned = cleaned_survey(root, "nodate")
    # b.two: the complete submission (row 4) wins over the incomplete one (row 3)
    assert sorted(cleaned["know_rights"].tolist()) == [2, 4, 5]


def test_a_required_column_the_analyses_cannot_do_without_cannot_be_declared_absent(
        root, capsys):
    # meetings.attendees is required and nothing stands in for it: refused, not a crash later
    params = root / "params" / "bc.yaml"
    data = load_yaml(params.read_text(encoding="utf-8"))
    name = next(n for n in data["sources"] if n == "meetings")
    data["sources"][name]["absent"] = ["attendees"]
    params.write_text(dump_yaml(data, allow_unicode=True), encoding="utf-8")
    status, _, err = run_validate(root, "bc", capsys)
    assert status == 2 and "'attendees' cannot be absent" in err


# -- 2. a mapping onto no codebook variable ----------------------------------------------------

def test_a_columns_value_that_is_no_codebook_variable_names_the_closest(root, capsys):
    add_jurisdiction(root, "typo", SMALL, {"format": "csv", "columns": {"know_rights": "know_right"}})
    status, _, err = run_validate(root, "typo", capsys)
    assert status == 2
    assert "'know_right' is not a variable" in err and "(closest: 'know_rights')" in err


# -- 3. columns read by nothing are named ------------------------------------------------------

def test_columns_neither_mapped_nor_in_the_codebook_are_noted(root, capsys, tmp_path):
    survey = tmp_path / "google_forms_like.csv"
    table = pd.read_csv(SMALL)
    table["Which services did you use?"] = "Legal aid, Housing"
    table["today"] = "2019-10-07"
    table.to_csv(survey, index=False)
    add_jurisdiction(root, "extra", survey, {"format": "csv"})
    status, out, err = run_validate(root, "extra", capsys)
    assert status == 0, err
    assert "2 column(s) of the export are neither mapped nor in the codebook" in out
    assert "'Which services did you use?'" in out and "'today'" in out


def test_a_kobo_select_multiple_the_codebook_lacks_is_noted_by_its_export_name(root, tmp_path):
    survey = tmp_path / "kobo.csv"
    survey.write_text(
        "start,today,grp_consent/consent,grp_profil/who,grp_profil/services,"
        "grp_profil/services/legal,grp_profil/services/housing,_uuid,_submission_time\n"
        "2019-10-01T10:00:00,2019-10-01,yes,employer,legal housing,1,1,u1,"
        "2019-10-01T10:05:00\n", encoding="utf-8")
    spec = load_codebook(root).sources["survey"]
    frame = ingest.read_source(survey, Source(file="kobo.csv", format="kobo",
                                              columns={"grp_profil/who": "stakeholder_group"}),
                               spec, load_codebook(root))
    notes = [n.message for n in frame.attrs["notes"] if "not read" in n.message]
    assert len(notes) == 1
    assert notes[0].startswith("4 column(s)")
    for name in ("'today'", "'grp_profil/services'", "'grp_profil/services/legal'",
                 "'grp_profil/services/housing'"):
        assert name in notes[0]
    assert "'start'" not in notes[0] and "_uuid" not in notes[0]


# -- 4. an indicator's label says whom its measure counts ---------------------------------------

def test_survey_indicator_labels_name_a_group_only_when_the_measure_keeps_only_it(root):
    matrix = findings.load_matrix(root)
    groups = {"Migrant workers": "migrant_worker", "Travailleurs migrants": "migrant_worker"}
    for question in matrix.questions:
        for ind in question.indicators:
            if not ind.measure.kind.startswith("survey_"):
                continue
            for lang in ("en", "fr"):
                label = ind.label(lang)
                named = next((g for text, g in groups.items() if label.startswith(text)), None)
                assert named == ind.measure.group, (ind.id, lang, label)
                assert not label.startswith(("Other", "Autres")) or ind.measure.groups, ind.id


# -- 5. a source with no records ------------------------------------------------------------------

def test_an_export_with_a_header_and_no_responses_is_refused(root, capsys, tmp_path):
    survey = tmp_path / "empty.csv"
    survey.write_text(SMALL.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    add_jurisdiction(root, "norec", survey, {"format": "csv"})
    status, _, err = run_validate(root, "norec", capsys)
    assert status == 2
    assert "empty.csv:1:" in err and "no records" in err


# -- 7. the smaller ones ---------------------------------------------------------------------------

def test_a_date_written_the_other_way_is_named_by_its_row(root, capsys, tmp_path):
    # row 2 is day first (25/10/2019), the others month first (10/2x/2019)
    survey = tmp_path / "mixed.csv"
    table = pd.read_csv(SMALL)
    table["RecordedDate"] = ["25/10/2019"] + [f"10/{20 + i}/2019" for i in range(1, 6)]
    table.to_csv(survey, index=False)
    add_jurisdiction(root, "mixed", survey, {"format": "csv"})
    status, _, err = run_validate(root, "mixed", capsys)
    assert status == 2
    line = next(li for li in err.splitlines() if "read only" in li)
    assert "mixed.csv:2:RecordedDate" in line.replace(" ", "")
    assert "row(s) 2 " in line and "'25/10/2019'" in line and "dayfirst: false" in line


def test_a_record_exported_twice_differently_is_fixed_at_the_source(root, capsys, tmp_path):
    survey = tmp_path / "dup.csv"
    table = pd.read_csv(SMALL)
    table.loc[1, "ResponseId"] = "R_1"
    table.to_csv(survey, index=False)
    add_jurisdiction(root, "dup", survey, {"format": "csv"})
    status, _, err = run_validate(root, "dup", capsys)
    assert status == 2 and "the same record" in err
    assert "delete" not in err and "export again" in err


def test_counts_of_categories_are_not_small_counts():
    rows = [{"question_id": "q", "indicator_id": metric, "line_of_evidence": "program_data",
             "kind": "program_metric", "subject": metric, "group": None, "unit": "count",
             "people": False, "estimate": 4.0, "ci_low": np.nan, "ci_high": np.nan,
             "count": pd.NA, "n": 4}
            for metric in ("meeting_types_held", "stakeholder_groups_attending")]
    indicators = pd.DataFrame(rows)
    ledger = privacy.protect_report({"indicator_scores": indicators}, 5)
    shown = privacy.protected_indicators(indicators, ledger)
    assert shown["estimate"].tolist() == [4.0, 4.0]
    assert shown["withheld"].tolist() == ["", ""]


def test_an_unknown_jurisdiction_points_to_mwsn_init(root, capsys):
    status, _, err = run_validate(root, "xx", capsys)
    assert status == 2 and "mwsn init . --jurisdiction xx" in err
    assert "params/bc.yaml" not in err


def test_the_params_template_lists_every_export_format():
    text = project.template_params()
    for fmt in typing.get_args(config.Format):
        assert fmt in text, fmt


# -- 6. an SPSS instrument labelled in French ------------------------------------------------------

def _french_sav(path: Path) -> Path:
    import pyreadstat

    frame = pd.DataFrame({"consentement": [1.0, 1.0], "groupe": [1.0, 2.0],
                          "connait_droits": [4.0, 8.0], "secteur_autre": ["", "Pêche"]})
    agreement = {1.0: "Fortement en désaccord", 2.0: "En désaccord",
                 3.0: "Ni en accord ni en désaccord", 4.0: "D’accord",
                 5.0: "Fortement d'accord", 8.0: "Je ne sais pas"}
    pyreadstat.write_sav(
        frame, str(path),
        column_labels=["Consentement à participer", "Groupe d'intervenants",
                       "Je connais mieux mes droits au travail", "Autre secteur"],
        variable_value_labels={"consentement": {1.0: "Oui", 0.0: "Non"},
                               "groupe": {1.0: "Travailleur migrant", 2.0: "Employeur"},
                               "connait_droits": agreement})
    return path


def test_a_french_spss_instrument_drafts_french_labels_a_likert_item_and_no_bad_absences(
        tmp_path, capsys):
    import shutil

    from conftest import PROJECT
    from mwsn import cli

    project_dir = tmp_path / "project"
    shutil.copytree(PROJECT / "params", project_dir / "params")
    sav = _french_sav(tmp_path / "sondage.sav")
    assert cli.main(["codebook", "import", str(sav), "--source", "survey",
                     "--root", str(project_dir)]) == 0
    out = capsys.readouterr().out
    assert "no French label" not in out and "no English label (French used" in out
    drafted = load_yaml((project_dir / "drafts" / "codebook.yaml").read_text("utf-8"))
    variables = {v["name"]: v for v in drafted["sources"]["survey"]["variables"]}
    # matched by their French labels, so mapped, never declared absent
    params = load_yaml((project_dir / "drafts" / "survey.params.yaml").read_text("utf-8"))
    survey = params["sources"]["survey"]
    assert survey["columns"]["consentement"] == "consent"
    assert survey["columns"]["groupe"] == "stakeholder_group"
    assert not {"consent", "stakeholder_group"} & set(survey.get("absent", []))
    # the agreement scale's French levels (curly apostrophe, "Je ne sais pas" as code 8)
    assert variables["connait_droits"]["type"] == "likert"
    assert variables["connait_droits"]["scale"] == "agreement"
    assert variables["secteur_autre"]["label"]["fr"] == "Autre secteur"


def test_required_variables_the_instrument_lacks_are_named_not_declared_absent(tmp_path):
    from conftest import PROJECT
    from mwsn import codebook_import
    from mwsn.config import read_yaml

    sav = tmp_path / "bare.sav"
    import pyreadstat

    pyreadstat.write_sav(pd.DataFrame({"q1": [1.0]}), str(sav), column_labels=["Question un"])
    result = codebook_import.draft(codebook_import.read_instrument(sav),
                                   read_yaml(PROJECT / "params" / "codebook.yaml"), "survey")
    assert not {"consent", "stakeholder_group"} & set(result.params.get("absent", []))
    assert "finished" in result.params["absent"]
    assert any("cannot be absent" in n and "consent" in n for n in result.notes)


# -- a run over what validate passed -----------------------------------------------------------

def add_no_date_jurisdiction(root: Path, code: str = "nodate") -> Path:
    """A survey export without its timestamp column (declared absent) and with an incomplete
    response: validate passes it, and ``mwsn run`` builds it (test_exports_run runs it with
    the other made jurisdictions)."""
    survey = root / "no_date.csv"
    table = pd.read_csv(SMALL)
    table.loc[2, "Finished"] = False
    table.drop(columns=["RecordedDate"]).to_csv(survey, index=False)
    raw = add_jurisdiction(root, code, survey, {"format": "csv", "absent": ["RecordedDate"]})
    survey.unlink()
    return raw
