"""Integration: the real notebooks run through papermill on synthetic data."""

from __future__ import annotations

import os
import re

import nbformat
import pandas as pd
import pytest

from mwsn import cli, runner
from mwsn.errors import NotebookError

pytestmark = pytest.mark.integration


def test_run_writes_reports_executed_notebooks_and_auditor_pages(bc_run):
    reports = bc_run / "reports" / "bc"
    for name in ("assessment.html", "assessment.fr.html", "notebooks/01_clean.ipynb",
                 "notebooks/01_clean.html", "notebooks/03_survey.ipynb",
                 "notebooks/08_report.ipynb", "notebooks/08_report.fr.ipynb"):
        assert (reports / name).is_file(), name


def test_outputs_have_the_users_file_permissions_not_owner_only(bc_run):
    # a report folder on a shared drive or web server: every page, PDF, table and notebook
    # the run writes is as readable as any file the user makes (0666 less the umask)
    umask = os.umask(0)
    os.umask(umask)
    written = [p for folder in ("reports/bc", "data/processed/bc")
               for p in (bc_run / folder).rglob("*") if p.is_file()]
    assert any(p.name == "assessment.html" for p in written)
    wrong = {str(p.relative_to(bc_run)): oct(p.stat().st_mode & 0o777) for p in written
             if p.stat().st_mode & 0o777 != 0o666 & ~umask}
    assert not wrong


def test_processed_data_counts_the_78_stakeholders(bc_run):
    # seed: 78 stakeholders took part in interviews, focus groups and surveys
    people = pd.read_parquet(bc_run / "data/processed/bc/participants.parquet")
    assert people["participant"].nunique() == 78


def test_manager_report_has_banner_numbers_and_no_code(bc_run):
    html = (bc_run / "reports/bc/assessment.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "SYNTHETIC DATA" in html
    assert "$3,400,000" in html
    assert "78 distinct stakeholders" in html
    for code_marker in ("import ", "load_report", "In&nbsp;[", "jp-InputArea", "input_area",
                        "Traceback"):
        assert code_marker not in html
    assert not re.search(r"<script", html, flags=re.I)


def test_french_report_is_in_french(bc_run):
    html = (bc_run / "reports/bc/assessment.fr.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert "DONNÉES SYNTHÉTIQUES" in html
    assert "3\u00a0400\u00a0000\u00a0$" in html
    assert "Atteinte des résultats" in html


def test_planted_pii_reaches_neither_processed_data_nor_reports(bc_run):
    raw = pd.read_csv(bc_run / "data/raw/bc/survey_export.csv", skiprows=[1, 2], dtype=str,
                      keep_default_na=False)
    excerpts = pd.read_csv(bc_run / "data/raw/bc/coded_excerpts.csv", dtype=str,
                           keep_default_na=False)
    needles = {v for v in [*raw["RecipientEmail"], *raw["RecipientLastName"],
                           *excerpts["participant_email"], *excerpts["participant_name"]] if v}
    assert len(needles) > 50
    texts = {}
    for path in (bc_run / "data/processed/bc").glob("*.parquet"):
        texts[path] = pd.read_parquet(path).to_csv()
    for path in (bc_run / "reports").rglob("*"):
        if path.suffix in (".html", ".ipynb"):
            texts[path] = path.read_text(encoding="utf-8")
    for path, text in texts.items():
        # the word-bounded search only where the needle occurs at all (a fast substring test):
        # the same check, not ~100 regular-expression passes over every page and notebook
        for needle in (n for n in needles if n in text):
            assert not re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", text), (path, needle)
        assert not re.search(r"555-01\d\d", text), path


def test_failing_cell_exits_nonzero_naming_notebook_and_cell_and_keeps_report(
        bc_run, tmp_path, capsys):
    import shutil

    project_root = tmp_path / "built"          # a built project: a copy of the BC run
    shutil.copytree(bc_run, project_root, symlinks=True)
    before = (project_root / "reports/bc/assessment.html").read_bytes()
    notebooks = project_root / "notebooks"
    shutil.copytree(runner.notebooks_dir(tmp_path / "nowhere"), notebooks)
    nb = (notebooks / "03_survey.ipynb").read_text()
    (notebooks / "03_survey.ipynb").write_text(
        nb.replace('"items = likert_items', '"1 / 0\\nitems = likert_items'))
    with pytest.raises(NotebookError) as err:
        runner.run("bc", project_root)
    assert err.value.notebook == "03_survey.ipynb"
    assert "ZeroDivisionError" in str(err.value)
    assert err.value.cell is not None
    assert (project_root / "reports/bc/assessment.html").read_bytes() == before
    assert cli.main(["run", "bc", "--root", str(project_root)]) == 1
    message = capsys.readouterr().err
    assert "03_survey.ipynb, cell" in message and "ZeroDivisionError" in message
    assert "Traceback" not in message


def test_a_kernel_that_dies_mid_notebook_is_a_clear_error_and_keeps_the_report(
        bc_run, tmp_path, capsys):
    # the kernel is forked by the run's kernel server (warm kernels, the default): its death
    # is seen as a cold kernel's is
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(bc_run, root, symlinks=True)
    before = (root / "reports/bc/assessment.html").read_bytes()
    notebooks = root / "notebooks"
    shutil.copytree(runner.notebooks_dir(tmp_path / "nowhere"), notebooks)
    nb = nbformat.read(notebooks / "07_trends.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"))
    nbformat.write(nb, notebooks / "07_trends.ipynb")
    assert cli.main(["run", "bc", "--root", str(root)]) == 1
    message = capsys.readouterr().err
    assert "07_trends.ipynb" in message and "Kernel died" in message, message
    assert "Traceback" not in message
    assert (root / "reports/bc/assessment.html").read_bytes() == before


def test_every_page_opens_offline_without_loading_anything(bc_run):
    """Manager reports, the auditor's index and every executed notebook page load nothing
    from outside the file: no script, stylesheet, font or image from a URL."""
    pages = list((bc_run / "reports" / "bc").rglob("*.html"))
    assert len(pages) >= 10
    external = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""",
                          re.I)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not external.search(text), page.name
        assert "@import" not in text and "fonts.googleapis" not in text, page.name
