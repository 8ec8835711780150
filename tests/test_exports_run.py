"""Real and realistic exports through `mwsn validate` and `mwsn run` (papermill, real notebooks).

- a real REDCap survey export (REDCapR's test project), mapped and recoded in the params only;
- the README's "Adding a jurisdiction" with a KoboToolbox XLSX survey in French (labels, "."
  group paths, a repeat-group sheet) and a French Excel CSV ledger (";", dd/mm/yyyy, decimal
  comma, Windows-1252), made from the synthetic BC data: no raw file is edited after export;
- a survey that asked one Likert item and no sector (the reported case);
- every file in tests/data/ tried as a survey or ledger: validate refuses it (exit 2, no
  traceback) or the run succeeds. A run never fails on input validate passed.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

from conftest import dump_yaml, load_yaml, make_root
from mwsn import cli, ingest
from mwsn.codebook import load_codebook
from test_export_kinds import add_without_optional_columns
from test_exports import CASES, DATA, add_jurisdiction, cleaned_survey, run_validate
from test_exports_trial import add_no_date_jurisdiction
from test_new_user_kinds import add_without_statements_or_excerpt_text

#: the Kobo form's names for the codebook's survey variables (French XLSForm names, in groups)
KOBO_NAMES = {
    "consentement.accord": "consent", "profil.groupe": "stakeholder_group",
    "profil.secteur": "sector", "profil.courriel": "RecipientEmail",
    "enonces.connait_droits": "know_rights", "enonces.info_soutien": "info_support",
    "enonces.collaboration": "collaboration", "enonces.signalement": "reporting_support",
    "enonces.abus": "abuse_deterrence", "enonces.politiques": "policy_influence",
    "connaissances.avant": "knowledge_before", "connaissances.maintenant": "knowledge_after",
    "commentaires": "comments",
}
LEDGER_NAMES = {"N° d'entrée": "entry_id", "Exercice": "fiscal_year", "Date": "date",
                "Bénéficiaire": "recipient", "Sous-bénéficiaire": "sub_grantee",
                "Type d'entrée": "entry_type", "Montant ($)": "amount_cad",
                "Travailleurs joints": "workers_reached"}


def _french(answer, lookup) -> str | None:
    text = lookup.get(answer, answer) if isinstance(answer, str) and answer else None
    # Word and Kobo's web form both write the typographic apostrophe
    return text.replace("'", "\u2019") if text else None


def make_kobo_french_survey(bc_survey: Path, path: Path) -> Path:
    """The BC synthetic survey as KoboToolbox exports it with French labels and "." groups."""
    codebook = load_codebook(Path(__file__).parents[1])
    survey = ingest.read_qualtrics(bc_survey)
    labels = {}
    for scale in codebook.scales.values():
        labels.update({level.en: level.fr for level in scale.levels})
        labels.update({a.en: a.fr for a in [*scale.missing, *scale.refused]})
    for categories in codebook.categories.values():
        labels.update({c.en: c.fr for c in categories})
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sondage MWSN"
    names = ["start", "end", *KOBO_NAMES, "_id", "_uuid", "_submission_time", "_index"]
    sheet.append(names)
    for i, row in enumerate(survey.itertuples(index=False), start=1):
        record = row._asdict()
        answers = [_french(record[KOBO_NAMES[n]], labels) if KOBO_NAMES[n] not in (
            "consent", "RecipientEmail", "comments") else record[KOBO_NAMES[n]]
            for n in KOBO_NAMES]
        answers[0] = "Oui" if record["consent"].startswith("Yes") else "Non"
        sheet.append([record["StartDate"], record["EndDate"], *answers, i,
                      record["ResponseId"], record["RecordedDate"], i])
    members = book.create_sheet("membres")   # a repeat group: its own sheet
    members.append(["membres.age", "_index", "_parent_index"])
    members.append([34, 1, 1])
    book.save(path)
    return path


def make_french_excel_ledger(bc_ledger: Path, path: Path) -> Path:
    """The BC synthetic ledger as French Excel saves CSV: ";", dd/mm/yyyy, decimal comma,
    Windows-1252, French column names and entry types."""
    codebook = load_codebook(Path(__file__).parents[1])
    ledger = pd.read_csv(bc_ledger, dtype=str, keep_default_na=False)
    ledger["date"] = pd.to_datetime(ledger["date"]).dt.strftime("%d/%m/%Y")
    ledger["entry_type"] = ledger["entry_type"].map(
        lambda c: codebook.category_label("funding_entry", c, "fr"))
    ledger["amount_cad"] = ledger["amount_cad"].map(
        lambda a: f"{float(a):,.2f}".replace(",", " ").replace(".", ","))
    ledger.rename(columns={v: k for k, v in LEDGER_NAMES.items()}).to_csv(
        path, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")
    return path


def add_french_jurisdiction(root: Path, code: str = "kobofr") -> Path:
    """The README's steps 1-2 for a Kobo XLSX survey in French and a French Excel ledger."""
    raw = add_jurisdiction(root, code, None, {})
    bc = root / "data" / "raw" / "bc"
    make_kobo_french_survey(bc / "survey_export.csv", raw / "sondage.xlsx")
    (raw / "funding_ledger.csv").unlink()
    make_french_excel_ledger(bc / "funding_ledger.csv", raw / "grand_livre.csv")
    params = root / "params" / f"{code}.yaml"
    data = load_yaml(params.read_text(encoding="utf-8"))
    data["sources"]["survey"] = {
        "file": "sondage.xlsx", "format": "kobo", "columns": KOBO_NAMES,
        "values": {"consent": {"Oui": "yes", "Non": "no"}}}
    data["sources"]["funding"] = {"file": "grand_livre.csv", "format": "csv",
                                  "columns": LEDGER_NAMES}
    params.write_text(dump_yaml(data, allow_unicode=True), encoding="utf-8")
    return raw


def add_redcap_jurisdiction(root: Path, code: str = "redcap") -> Path:
    """REDCapR's real survey export, every difference from the codebook said in the params."""
    return add_jurisdiction(root, code, DATA / "redcap" / "survey_data.csv", {
        "format": "redcap",
        "columns": {"participant_id": "ResponseId", "email": "RecipientEmail",
                    "prescreening_survey_timestamp": "RecordedDate",
                    "prescreening_survey_complete": "Finished", "consent___1": "consent",
                    # the project has no stakeholder groups: its screening answer stands in
                    "has_diabetes": "stakeholder_group"},
        "values": {"Finished": {2: True, 0: False, 1: False}, "consent": {1: "yes", 0: "no"},
                   "stakeholder_group": {1: "migrant_worker", 0: "employer"}},
        "absent": ["know_rights", "info_support", "collaboration", "reporting_support",
                   "abuse_deterrence", "policy_influence", "knowledge_before",
                   "knowledge_after"]})


@pytest.fixture
def root(project_root, monkeypatch):
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-test-secret")
    return project_root


def test_french_kobo_survey_reads_like_the_english_export(root, capsys):
    add_french_jurisdiction(root)
    status, out, err = run_validate(root, "kobofr", capsys)
    assert status == 0, err
    assert "sheet 'membres'" in out
    french, english = cleaned_survey(root, "kobofr"), cleaned_survey(root, "bc")
    for column in ("stakeholder_group", "sector", "know_rights", "know_rights_missing",
                   "knowledge_after", "participant"):
        assert french[column].astype("string").tolist() == \
            english[column].astype("string").tolist(), column


#: the made and real exports run by ``made_run``, each with its own way in
MADE = ("kobofr", "redcap", "optcase", "onlysurvey", "nodate", "optional", "unasked")


def add_made_jurisdictions(root: Path) -> list[str]:
    """The French Kobo survey and ledger, the REDCap export, the survey that asked one item
    and no sector (the reported case), a survey with no other source, a survey without
    its timestamp and with an incomplete response (test_exports_trial), and sources without
    their optional columns (test_export_kinds)."""
    add_french_jurisdiction(root)
    add_without_optional_columns(root)
    add_without_statements_or_excerpt_text(root)
    add_no_date_jurisdiction(root)
    add_redcap_jurisdiction(root)
    add_jurisdiction(root, "optcase", CASES / "optional-column-absent-notebook-crash" /
                     "survey_export.csv", {"format": "csv"})
    # a jurisdiction with a survey only: no interviews, no program records
    add_jurisdiction(root, "onlysurvey", root / "data" / "raw" / "bc" / "survey_export.csv",
                     {"format": "qualtrics"})
    params = root / "params" / "onlysurvey.yaml"
    data = load_yaml(params.read_text(encoding="utf-8"))
    data["sources"] = {"survey": data["sources"]["survey"]}
    params.write_text(dump_yaml(data, allow_unicode=True), encoding="utf-8")
    return list(MADE)


def _candidates() -> list[Path]:
    skip = {"SOURCES.md", "LICENSE", "make_made_files.py"}
    return sorted(p for p in DATA.rglob("*") if p.is_file() and p.name not in skip
                  and "params_" not in p.name and "__pycache__" not in p.parts)


def _format(path: Path) -> str:
    return {".sav": "spss", ".dta": "stata", ".xlsx": "xlsx"}.get(
        path.suffix, "qualtrics" if path.parent.name == "qualtrics" else
        "kobo" if path.parent.name == "kobo" else "odk" if path.parent.name == "odk" else
        "surveymonkey" if "surveymonkey" in path.name else
        "google_forms" if "google_forms" in path.name else "csv")


def add_file_jurisdictions(root: Path, alone: bool = False) -> dict[str, Path]:
    """One jurisdiction ``f000``, ``f001`` ... per file in tests/data/, tried as its survey (or,
    for a ``funding*`` file, as its ledger beside BC's survey). ``alone``: the file is the
    jurisdiction's only source (a ledger: with BC's survey), so validate reads nothing else
    (BC's other sources pass validate whatever the file is: the file alone decides)."""
    added = {}
    for i, path in enumerate(_candidates()):
        code = f"f{i:03d}"
        ledger = path.name.startswith("funding")
        raw = add_jurisdiction(root, code, None if ledger else path,
                               {"format": _format(path)})
        params = root / "params" / f"{code}.yaml"
        data = load_yaml(params.read_text(encoding="utf-8"))
        if ledger:
            shutil.copy(path, raw / "funding_ledger.csv")
            shutil.copy(root / "data" / "raw" / "bc" / "survey_export.csv", raw)
            data["sources"]["survey"] = {"file": "survey_export.csv", "format": "qualtrics"}
        if alone:
            data["sources"] = {name: source for name, source in data["sources"].items()
                               if name == "survey" or (ledger and name == "funding")}
        if ledger or alone:
            params.write_text(dump_yaml(data), encoding="utf-8")
        added[code] = path
    return added


def validate_files(root: Path, paths: dict[str, Path], capsys) -> list[str]:
    """``mwsn validate`` on each file's jurisdiction: refused (exit 2, no traceback, nothing
    written) or passed; the codes that passed."""
    passed = []
    for code, path in paths.items():
        status, _, err = run_validate(root, code, capsys)
        assert status in (0, 2), (path, err)
        if status == 2:
            assert err.strip().endswith("nothing was written."), (path, err)
        else:
            passed.append(code)
    return passed


def _inputs(root: Path, code: str) -> tuple:
    """What a jurisdiction's run reads that differs between jurisdictions: its sources as
    params give them (the code aside) and the bytes of its raw files."""
    params = load_yaml((root / "params" / f"{code}.yaml").read_text(encoding="utf-8"))
    params.pop("code")
    raw = root / "data" / "raw" / code
    return (dump_yaml(params, sort_keys=True),
            tuple((p.name, p.read_bytes()) for p in sorted(raw.iterdir())))


def test_every_file_in_tests_data_is_refused_by_validate_or_passes(root, capsys):
    # each file as its jurisdiction's only source: what the runs below read beside it (BC's
    # other sources) passes validate (test_validate); the files that pass run in exports_run
    passed = validate_files(root, add_file_jurisdictions(root, alone=True), capsys)
    for broken in sorted((DATA / "broken").glob("params_*.yaml")):
        shutil.copy(broken, root / "params" / "bc.yaml")
        status, _, err = run_validate(root, "bc", capsys)
        assert status == 2 and "params/bc.yaml" in err, (broken, err)
        # another jurisdiction's half-edited params do not stop this one
        if passed:
            assert run_validate(root, passed[0], capsys)[0] == 0


class _Output:
    """``capsys.readouterr()`` for a module fixture: what was written to the redirected
    ``sys.stdout`` and ``sys.stderr`` since the last call."""

    def __init__(self):
        self.out, self.err = io.StringIO(), io.StringIO()

    def readouterr(self) -> SimpleNamespace:
        found = SimpleNamespace(out=self.out.getvalue(), err=self.err.getvalue())
        for stream in (self.out, self.err):
            stream.seek(0)
            stream.truncate()
        return found


def _quietly(build):
    """``build(root, output)`` under a test key, its printing kept in ``output``; gives the
    root, what ``build`` returns and the run's error output."""
    output = _Output()
    with pytest.MonkeyPatch.context() as monkeypatch, \
            contextlib.redirect_stdout(output.out), contextlib.redirect_stderr(output.err):
        monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-test-secret")
        found = build(output)
        err = output.readouterr().err
    return (*found, err)


@pytest.fixture(scope="module")
def exports_run(tmp_path_factory):
    """One ``mwsn run`` (papermill, ``--jobs 2``; the pages, not their PDFs: the session's
    BC build prints those) of a project holding the made jurisdictions, the shipped second
    one, Ontario, with its synthetic data (test_second_jurisdiction_runs_as_a_consultation),
    and every file of tests/data/ that validate passes (beside BC's other sources). A file
    whose jurisdiction would read exactly what a made one reads (same params, same raw
    bytes: the reported case is both) is not run twice: it is run as the made one. One run,
    not one for the made and one for the files: the national context, the kernel server and
    the workers once. Gives the root, the code run for each file that passed (a made one's
    code for those), the run's exit status and error output."""
    def build(output):
        root = make_root(tmp_path_factory.mktemp("exports_run"), ("bc", "on"))
        made = add_made_jurisdictions(root)
        for code in made:
            status, _, err = run_validate(root, code, output)
            assert status == 0, (code, err)
        paths = add_file_jurisdictions(root)
        same = {_inputs(root, code): code for code in made}
        files = {paths[code]: same.get(_inputs(root, code), code)
                 for code in validate_files(root, paths, output)}
        codes = [code for code in dict.fromkeys(files.values()) if code not in made]
        return root, files, cli.main(["run", *made, "on", *codes, "--root", str(root),
                                      "--jobs", "2", "--no-pdf"])
    return _quietly(build)


@pytest.fixture(scope="module")
def made_run(exports_run):
    """The root of :func:`exports_run`, its exit status and error output."""
    root, _, status, err = exports_run
    return root, status, err


# the tests reading the run go to one xdist worker (`make test` runs with --dist loadgroup)
@pytest.mark.integration
@pytest.mark.xdist_group("exports_run")
def test_real_and_made_exports_validate_and_run(made_run):
    root, status, err = made_run
    for code in MADE:
        assert (root / "reports" / code / "assessment.html").is_file(), (code, err)
    assert status == 0, err
    processed = root / "data" / "processed"
    # the survey asked one item and no sector: the rest reads "not collected", no sector table
    scores = pd.read_parquet(processed / "optcase" / "indicator_scores.parquet")
    by_id = dict(zip(scores["indicator_id"], scores["score"]))
    assert by_id["others_informed"] == "not_collected"
    assert by_id["workers_know_rights"] != "not_collected"
    assert pd.read_parquet(processed / "optcase" / "respondent_sectors.parquet").empty
    likert = pd.read_parquet(processed / "optcase" / "survey_likert.parquet")
    assert set(likert["item"]) == {"know_rights"}
    report = (root / "reports" / "optcase" / "assessment.html").read_text(encoding="utf-8")
    assert ("Respondents who agree they have the information to better support "
            "workers: not collected (") in report
    # the executive summary says it in the same words as the evidence
    assert ": not collected<" in report and "no figure" not in report
    rapport = (root / "reports" / "optcase" / "assessment.fr.html").read_text(encoding="utf-8")
    assert ": non recueilli (" in rapport
    scores = pd.read_parquet(processed / "onlysurvey" / "indicator_scores.parquet")
    by_line = {line: set(found) for line, found in scores.groupby("line_of_evidence")["score"]}
    assert by_line["interviews_focus_groups"] == {"not_collected"}
    assert pd.read_parquet(processed / "onlysurvey" / "excerpts.parquet").empty
    redcap = pd.read_parquet(processed / "redcap" / "survey.parquet")
    assert len(redcap) == 1  # participant 2 did not consent (consent___1 = 0)
    ledger = pd.read_parquet(processed / "kobofr" / "funding.parquet")
    bc_ledger = pd.read_csv(root / "data" / "raw" / "bc" / "funding_ledger.csv")
    assert ledger["amount_cad"].round(2).tolist() == bc_ledger["amount_cad"].round(2).tolist()
    assert ledger["date"].dt.strftime("%Y-%m-%d").tolist() == bc_ledger["date"].tolist()


@pytest.mark.integration
@pytest.mark.xdist_group("exports_run")
def test_sources_without_their_optional_columns_run_and_say_no_data(made_run):
    # optional-column-absent-notebook-crash, in the ledger: 01_clean stopped at
    # KeyError: 'sub_grantee'; left blank, the ledger's columns were counted as 0 workers
    root, status, err = made_run
    assert status == 0, err
    metrics = pd.read_parquet(root / "data/processed/optional/program_metrics.parquet")
    assert metrics.set_index("metric").loc["workers_reached", "estimate"] != \
        metrics.set_index("metric").loc["workers_reached", "estimate"]   # NaN: no data
    report = (root / "reports" / "optional" / "assessment.html").read_text(encoding="utf-8")
    assert "Migrant workers reached by funded organizations: no data" in report
    assert "Organizations funded through sub-grants: no data" in report
    recipients = report.split("<caption>Funding Program: recipients")[1].split("</table>")[0]
    assert "Workers reached" not in recipients and "Sub-grants" not in recipients
    rapport = (root / "reports" / "optional" / "assessment.fr.html").read_text(encoding="utf-8")
    assert "Travailleurs migrants joints par les organismes financés : aucune donnée" in rapport
    # and its evidence table says so too (it showed x, the mark of a hidden small count)
    assert ('<th scope="row">Migrant workers reached by funded organizations</th>'
            '<td>program data</td><td>no data</td>') in report
    # its base too: BC's ledger has 23 sub-grant entries, none naming its sub-grantee here,
    # so a base of 0 entries was no count of them
    assert ('<th scope="row">Organizations funded through sub-grants</th>'
            '<td>program data</td><td>no data</td><td>no data</td>') in report


@pytest.mark.integration
@pytest.mark.xdist_group("exports_run")
def test_a_survey_without_statements_and_excerpts_without_text_run_and_say_so(made_run):
    # 04_qualitative stopped at KeyError: 'text'; with no statement asked the report showed
    # "respondents were asked how far they agree", an empty chart and an empty table, and
    # without SWOT tags an empty SWOT table
    root, status, err = made_run
    assert status == 0, err
    assert pd.read_parquet(root / "data/processed/unasked/quotes.parquet").empty
    for name, survey, swot, tables, quotes in (
            ("assessment.html", "The survey asked none of the statements",
             "the SWOT analysis reads not collected",
             ("by survey statement and stakeholder group", "<caption>SWOT"),
             "In participants&#x27; words"),
            ("assessment.fr.html", "Le sondage ne posait aucun des énoncés",
             "l&#x27;analyse FFPM est notée non recueillie",
             ("selon l&#x27;énoncé et le groupe", "<caption>Éléments FFPM"),
             "Dans les mots des participants")):
        report = (root / "reports" / "unasked" / name).read_text(encoding="utf-8")
        assert survey in report and swot in report
        assert not any(caption in report for caption in tables)
        assert quotes not in report
    # the evidence table says "not collected" where the justification does, not x (which
    # says a small count was hidden)
    report = (root / "reports" / "unasked" / "assessment.html").read_text(encoding="utf-8")
    assert ('<th scope="row">Respondents who agree they have the information to better '
            'support workers</th><td>survey</td><td>not collected</td><td>not collected</td>'
            ) in report


@pytest.mark.integration
@pytest.mark.xdist_group("exports_run")
def test_validate_then_run_with_no_timestamp_and_incomplete_responses(made_run):
    root, status, err = made_run
    assert status == 0, err
    for name, words in (("assessment.html", "not collected"), ("assessment.fr.html",
                                                                "non recueilli")):
        report = (root / "reports" / "nodate" / name).read_text(encoding="utf-8")
        # the summary says what the evidence says of an item the survey did not ask
        summary = report.split("Figures behind the findings")[-1] if name == \
            "assessment.html" else report
        assert words in summary
        assert "no figure" not in report


@pytest.mark.integration
@pytest.mark.xdist_group("exports_run")
def test_second_jurisdiction_runs_as_a_consultation(made_run):
    # Ontario, the shipped second jurisdiction, has no Network: its evaluation questions are
    # those of a consultation (params/evaluation_matrix.yaml)
    root, status, err = made_run
    assert status == 0, err
    ratings = pd.read_parquet(root / "data/processed/on/findings.parquet")
    assert list(ratings["question_id"]) == ["local_need", "local_interest"]
    assert not ratings["rating"].isna().any()
    html = (root / "reports/on/assessment.html").read_text(encoding="utf-8")
    assert "No Network was in place in Ontario" in html


@pytest.mark.integration
@pytest.mark.xdist_group("exports_run")
def test_every_file_validate_passes_builds(exports_run):
    # a run never fails on input validate passed: each such file's jurisdiction is built
    # (here, or as the made jurisdiction it is: test_real_and_made_exports_validate_and_run)
    root, files, status, err = exports_run
    assert files, "no file in tests/data passes validate: the run below would try nothing"
    assert status == 0, err
    for path, code in files.items():
        if code in MADE:
            continue
        assert (root / "reports" / code / "assessment.html").is_file(), (path, err)
        assert (root / "reports" / code / "manifest.json").is_file(), (path, err)
