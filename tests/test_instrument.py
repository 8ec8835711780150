"""The instrument as data: codebook import (XLSForm, REDCap, SPSS/Stata) and XLSForm export.

Real instruments: a field form from pyxform's own tests (English and Swahili labels, groups,
repeats, required, relevant, external choice files) and a REDCap data dictionary from
REDCapR's tests (radio, dropdown, checkbox, yesno, calc, slider, branching logic,
identifiers); see tests/data/SOURCES.md. Plus one XLSForm we made (bilingual EN/FR, a
Likert list, a question named otherwise than the codebook).
"""

from __future__ import annotations

import copy
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest

from conftest import PROJECT, load_yaml
from mwsn import cli, codebook_import, instrument
from mwsn.codebook import Codebook, load_codebook
from mwsn.config import read_yaml

DATA = Path(__file__).parent / "data"
UCL_FORM = DATA / "instruments" / "UCL_Biomass_Plot_Form.xlsx"
REDCAP = DATA / "instruments" / "redcap_longitudinal_dictionary.csv"
MADE_FORM = DATA / "instruments" / "worker_survey_made.xlsx"


@pytest.fixture
def book() -> dict:
    return read_yaml(PROJECT / "params" / "codebook.yaml")


def _variables(result, source="survey") -> dict[str, dict]:
    return {v["name"]: v for v in result.codebook["sources"][source]["variables"]}


def _imported(path: Path, book: dict, tmp_path: Path) -> tuple:
    result = codebook_import.draft(codebook_import.read_instrument(path), book, "survey")
    codebook_import.validate_draft(result.codebook, tmp_path / "codebook.yaml")
    return result, _variables(result)


# -- XLSForm (real) ----------------------------------------------------------------------------

def test_real_xlsform_imports_into_a_codebook_that_validates(book, tmp_path):
    result, variables = _imported(UCL_FORM, book, tmp_path)
    # English labels chosen among English and Swahili (pyxform's own parse of the form)
    assert variables["leader_name"]["label"]["en"] == "Your Name"
    assert variables["any_trees"]["label"]["en"] == "Are there any trees to measure in the plot?"
    assert variables["disturbance"]["type"] == "multi"
    assert [c["code"] for c in result.codebook["categories"]["disturbance"]] == [
        "burning", "grazing", "cutting", "farming", "charcoal_making", "traps", "none"]
    # relevant -> skip pattern; required kept
    assert variables["leader_name_other"]["asked_if"] == "${leader_name} = 'other'"
    assert variables["leader_name_other"]["required"] is True
    # a location and a photo identify a person
    assert variables["center_point"]["pii"] == "drop"
    assert variables["center_image"]["pii"] == "drop"
    # choices in an external file are not in the form: text, with a note
    assert variables["region_id"]["type"] == "text"
    assert any("UCL_regions.csv" in note for note in result.notes)
    # repeats are not one row per respondent: said, not silently dropped
    assert any("repeat group 'trees'" in note for note in result.notes)
    assert "leader_name" in result.untranslated  # no French label in the form


# -- REDCap data dictionary (real) -------------------------------------------------------------

def test_real_redcap_dictionary_imports_with_branching_logic_and_identifiers(book, tmp_path):
    result, variables = _imported(REDCAP, book, tmp_path)
    assert variables["num_children"]["asked_if"] == "${sex} = '0' and ${given_birth} = '1'"
    assert variables["num_children"]["type"] == "number"
    assert variables["meds"]["type"] == "multi"
    assert [(c["code"], c["en"]) for c in result.codebook["categories"]["meds_choices"]] == [
        ("1", "Lexapro"), ("2", "Celexa"), ("3", "Prozac"), ("4", "Paxil"), ("5", "Zoloft")]
    assert variables["height"]["range"] == [130.0, 215.0]
    assert variables["dob"]["type"] == "date"
    assert variables["telephone_1"]["pii"] == "drop"  # REDCap's "Identifier?" = y
    # known to the codebook: kept as the codebook defines them (PII treatment included)
    assert result.matched["first_name"] == "first_name"
    assert variables["email"]["pii"] == "pseudonymize"
    assert variables["study_comments"]["pii"] == "scrub"  # free text until reviewed
    assert any("meds___<code>" in note for note in result.notes)
    # read as a REDCap export (its other events' rows left out); the first field, study_id,
    # is the record id, never declared absent
    assert result.params["format"] == "redcap"
    assert result.matched["study_id"] == "response_id"
    assert result.params["columns"]["study_id"] == "response_id"
    assert "response_id" not in result.params["absent"]
    assert any("demographics_complete" in note and "Finished" in note
               for note in result.notes)


def test_redcap_branching_logic_becomes_xlsform_expressions():
    assert codebook_import.redcap_condition('[sex] = "0"') == "${sex} = '0'"
    assert codebook_import.redcap_condition("[meds(2)] = '1' or [age] <> ''") == (
        "selected(${meds}, '2') or ${age} != ''")


# -- XLSForm (made: bilingual, Likert, renamed question) ---------------------------------------

def test_made_xlsform_maps_renamed_questions_and_keeps_unknown_ones(book, tmp_path):
    result, variables = _imported(MADE_FORM, book, tmp_path)
    assert result.params["file"] == "survey_export.csv"
    assert result.params["format"] == "kobo"
    assert result.params["columns"] == {"who": "stakeholder_group"}
    # what the codebook has and the form does not: kept, and declared absent from the export
    assert {"sector", "info_support", "ip_address"} <= set(result.params["absent"])
    assert "sector" in variables
    # the codebook's Likert scale recognised from the list's levels; skip pattern renamed
    assert variables["know_rights"]["type"] == "likert"
    assert variables["know_rights"]["scale"] == "agreement"
    assert variables["know_rights"]["asked_if"] == "${stakeholder_group} = 'migrant_worker'"
    # a group's relevant applies to the questions in it (here: consent, implied)
    assert "asked_if" not in variables["languages_spoken"]  # consent gates everything anyway
    assert variables["languages_spoken"]["type"] == "multi"
    assert variables["languages_spoken"]["label"]["fr"] == "Langues que vous parlez"
    # yes/no is not the consent list, although the codes are the same
    assert variables["help_received"]["values"] == "yn"
    assert variables["help_details"]["asked_if"] == "${help_received} = 'yes'"
    assert set(result.added) >= {"languages_spoken", "help_received", "help_details",
                                 "months_in_canada"}
    assert result.codebook["sources"]["survey"]["consent"] == "consent"


# -- SPSS / Stata value labels -----------------------------------------------------------------

@pytest.mark.parametrize("path", [DATA / "spss" / "sample.sav", DATA / "stata" / "sample.dta"])
def test_spss_and_stata_value_labels_become_category_lists(book, tmp_path, path):
    result, variables = _imported(path, book, tmp_path)
    # pyreadstat's test file: mylabl 1 Male, 2 Female; myord 1 low, 2 medium, 3 high
    labl = result.codebook["categories"][variables["mylabl"]["values"]]
    assert [(c["code"], c["en"]) for c in labl] == [("1", "Male"), ("2", "Female")]
    ordinal = result.codebook["categories"][variables["myord"]["values"]]
    assert [c["en"] for c in ordinal] == ["low", "medium", "high"]
    assert variables["mynum"]["type"] == "number"
    assert result.params["file"] == path.name
    assert result.params["format"] == {".sav": "spss", ".dta": "stata"}[path.suffix]


# -- export ------------------------------------------------------------------------------------

@pytest.fixture
def exported(tmp_path) -> Path:
    out = tmp_path / "survey.xlsx"
    instrument.write_xlsform(load_codebook(PROJECT), "survey", out, title="Survey",
                             form_id="mwsn_bc_survey")
    return out


def test_exported_xlsform_is_a_valid_xform_for_pyxform(exported):
    from pyxform import xls2xform

    converted = xls2xform.convert(xlsform=str(exported))
    assert converted.warnings == []
    root = ET.fromstring(converted.xform)
    text = converted.xform
    assert root.tag.endswith("html")
    assert "Fortement d'accord" in text and "Strongly agree" in text  # both languages
    assert 'jr:itext' in text


def test_exported_xlsform_asks_consent_first_and_nothing_without_it(exported):
    survey = list(openpyxl.load_workbook(exported)["survey"].values)
    rows = [dict(zip(survey[0], r)) for r in survey[1:]]
    questions = [r for r in rows if r["type"].split()[0] in ("select_one", "select_multiple",
                                                             "text", "decimal", "date")]
    assert questions[0]["name"] == "consent" and questions[0]["required"] == "yes"
    assert all("${consent} = 'yes'" in (r["relevant"] or "") for r in questions[1:])
    by_name = {r["name"]: r for r in rows}
    assert by_name["stakeholder_group"]["required"] == "yes"
    assert by_name["know_rights"]["type"] == "select_one agreement"
    assert "ip_address" not in by_name  # platform metadata we would drop is not collected
    choices = [dict(zip(("list", "name", "en", "fr"), r))
               for r in list(openpyxl.load_workbook(exported)["choices"].values)[1:]]
    agreement = [c["name"] for c in choices if c["list"] == "agreement"]
    assert agreement == ["1", "2", "3", "4", "5", "dont_know", "not_applicable", "refused"]


def test_skip_pattern_becomes_relevant(tmp_path, book):
    book = copy.deepcopy(book)
    for var in book["sources"]["survey"]["variables"]:
        if var["name"] == "know_rights":
            var["asked_if"] = "${stakeholder_group} = 'migrant_worker'"
    codebook = Codebook.model_validate(book)
    survey, _, _ = instrument.rows(codebook, "survey")
    row = next(r for r in survey if r["name"] == "know_rights")
    assert row["relevant"] == "${consent} = 'yes' and (${stakeholder_group} = 'migrant_worker')"


def test_round_trip_codebook_to_xlsform_to_codebook(exported, book, tmp_path):
    """The variables the form asks come back as the codebook defines them."""
    original = _variables(codebook_import.Draft(book, {}, {}, [], [], []))
    emptied = copy.deepcopy(book)
    emptied["sources"]["survey"]["variables"] = []  # the scales and categories stay
    result, variables = _imported(exported, emptied, tmp_path)
    assert result.untranslated == []
    asked = [r[1] for r in list(openpyxl.load_workbook(exported)["survey"].values)[1:]]
    assert list(variables) == asked
    for name in asked:
        want = {k: v for k, v in original[name].items() if k not in ("raw", "names")}
        assert variables[name] == want, name


def test_answers_exported_with_the_forms_codes_are_valid(book):
    """Codes a KoboToolbox export gives ('4', 'dont_know', 'yes') are what the codebook reads."""
    codebook = Codebook.model_validate(book)
    scale = codebook.scales["agreement"]
    assert scale.parse("4") == (4, None)
    assert scale.parse("dont_know") == (None, "dont_know")
    assert codebook.parse_category("consent", "yes") == "yes"


# -- the commands ------------------------------------------------------------------------------

def test_codebook_import_command_writes_the_drafts(tmp_path, capsys):
    root = tmp_path / "project"
    shutil.copytree(PROJECT / "params", root / "params")
    assert cli.main(["codebook", "import", str(MADE_FORM), "--source", "survey",
                     "--root", str(root)]) == 0
    out = capsys.readouterr().out
    # KoboToolbox's start and end are the codebook's start and end dates, not new questions
    assert "11 questions, 7 matched to the codebook, 4 added" in out
    drafted = load_yaml((root / "drafts" / "codebook.yaml").read_text(encoding="utf-8"))
    assert "languages_spoken" in {v["name"] for v in drafted["sources"]["survey"]["variables"]}
    params = load_yaml((root / "drafts" / "survey.params.yaml").read_text(encoding="utf-8"))
    assert params["sources"]["survey"]["columns"] == {"who": "stakeholder_group"}
    assert (root / "params" / "codebook.yaml").read_bytes() == (
        PROJECT / "params" / "codebook.yaml").read_bytes()  # the draft never replaces it
    # the same import again writes the same drafts; a draft edited meanwhile is kept, named,
    # unless --force (it was replaced without a word)
    assert cli.main(["codebook", "import", str(MADE_FORM), "--root", str(root)]) == 0
    edited = root / "drafts" / "codebook.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    assert cli.main(["codebook", "import", str(MADE_FORM), "--root", str(root)]) == 1
    assert f"{edited}: a draft is already there" in capsys.readouterr().err
    assert edited.read_text(encoding="utf-8").endswith("# reviewed\n")
    assert cli.main(["codebook", "import", str(MADE_FORM), "--root", str(root),
                     "--force"]) == 0
    assert not edited.read_text(encoding="utf-8").endswith("# reviewed\n")


def test_codebook_import_of_a_broken_file_names_it_and_exits_2(tmp_path, capsys):
    broken = tmp_path / "form.xlsx"
    broken.write_bytes(UCL_FORM.read_bytes()[:3000])
    assert cli.main(["codebook", "import", str(broken), "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "form.xlsx" in err and "Traceback" not in err
    assert not (tmp_path / "drafts").exists()


def test_codebook_import_of_a_csv_that_is_no_dictionary_says_so(tmp_path, capsys):
    table = tmp_path / "data.csv"
    table.write_text("Variable / Field Name,Form Name\nx,f\n", encoding="utf-8")
    assert cli.main(["codebook", "import", str(table), "--root", str(tmp_path)]) == 2
    assert "not a REDCap data dictionary" in capsys.readouterr().err


def test_instrument_command_writes_an_xlsform(tmp_path, capsys):
    root = tmp_path / "project"
    shutil.copytree(PROJECT / "params", root / "params")
    out = tmp_path / "next_round.xlsx"
    assert cli.main(["instrument", "bc", "--to", "xlsform", str(out), "--root", str(root)]) == 0
    assert openpyxl.load_workbook(out).sheetnames == ["survey", "choices", "settings"]
    out = capsys.readouterr().out
    assert "ip_address" in out.split("not in the form")[1].splitlines()[0]
    assert "format: kobo, absent: [ip_address," in out


def test_an_export_of_the_exported_form_passes_validation(tmp_path, capsys, monkeypatch):
    """Answers as KoboToolbox exports them from our form (XML values, `;`) fit the codebook."""
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-test-key-for-this-check-only")
    from openpyxl import load_workbook

    # real (not synthetic) data: validation asks for the pseudonym key
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-test-secret")

    from mwsn import project

    root = tmp_path / "project"
    project.init(root, "ab", "Alberta")
    form = tmp_path / "form.xlsx"
    assert cli.main(["instrument", "ab", "--to", "xlsform", str(form), "--root", str(root)]) == 0
    asked = [r[1] for r in list(load_workbook(form)["survey"].values)[1:]]
    left_out = capsys.readouterr().out.split("absent: [")[1].split("]")[0]
    answers = {"start_date": "2024-05-01T10:00:00.000-04:00",
               "end_date": "2024-05-01T10:12:00.000-04:00",
               "recorded_date": "2024-05-01T10:12:00.000-04:00", "finished": "1",
               "email": "person{i}@example.org", "consent": "yes",
               "stakeholder_group": "migrant_worker", "sector": "agriculture",
               "knowledge_before": "2", "knowledge_after": "4", "comments": "",
               "response_id": "uuid:0000{i}"}
    rows = [";".join([*asked, "_id", "_uuid", "_submission_time"])]
    for i in range(1, 7):
        values = [answers.get(name, "dont_know" if i == 3 else str(1 + i % 5)).format(i=i)
                  for name in asked]
        rows.append(";".join([*values, str(i), f"0000{i}", "2024-05-01T14:12:00"]))
    raw = root / "data" / "raw" / "ab"
    (raw / "survey_export.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    params = root / "params" / "ab.yaml"
    text = params.read_text(encoding="utf-8")
    start = text.index("sources:\n")
    end = text.index("\n\n", start)
    params.write_text(text[:start] + "sources:\n  survey: {file: survey_export.csv, format: kobo, "
                      f"absent: [{left_out}]}}" + text[end:], encoding="utf-8")
    code = cli.main(["validate", "ab", "--root", str(root)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "no problems" in captured.out
