"""Notebooks write their own pages: the runner takes in what a notebook declares it publishes
(``metadata.mwsn.publishes``), per language when it declares ``each_language``, and knows
nothing of any notebook's pages (the report's included)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import nbformat
import pytest

from conftest import TOY_COUNT as COUNT
from conftest import make_root
from conftest import toy_notebook as _notebook
from mwsn import notice, provenance, runner
from mwsn.errors import NotebookError

RUN = Path(__file__).resolve().parents[1] / "src" / "mwsn" / "run"

PAGE = """
from mwsn import config, notice
where = config.paths(jurisdiction, root, wave)
where.reports.mkdir(parents=True, exist_ok=True)
suffix = "" if lang == "en" else "." + lang
count = (where.processed / "count.txt").read_text()
(where.reports / f"page{suffix}.html").write_text(f"<p lang='{lang}'>{count} meetings</p>")
notice.tell("no printer here: page not printed")
"""


#: the page's print, left out when the run gives it the option ``printed = False`` (as
#: ``mwsn run --no-pdf`` gives the report ``pdf = False``)
PRINT = """
if globals().get("printed", True):
    (where.reports / f"page{suffix}.txt").write_text(count + " meetings, printed")
"""


@pytest.fixture
def paging(tmp_path, cold_kernels) -> Path:
    """BC with a two-notebook pipeline: a count, then a page per language that shows it and
    prints it unless the run says otherwise (the run option ``printed``)."""
    root = make_root(tmp_path)
    (root / "notebooks").mkdir()
    _notebook(root / "notebooks", "01_count.ipynb", COUNT, reads=["raw"], writes=["count.txt"])
    _notebook(root / "notebooks", "05_page.ipynb", PAGE + PRINT, reads=["count.txt"], writes=[],
              each_language=True, publishes=["page*.html", "page*.txt"],
              options={"printed": True})
    return root


@pytest.mark.integration
def test_a_notebook_publishes_its_pages_per_language_hashed_cached_and_told(paging, capsys):
    root = paging
    result = runner.run("bc", root, progress=runner.Progress(io.StringIO()))
    reports = root / "reports/bc"
    count = (root / "data/processed/bc/count.txt").read_text()
    assert (reports / "page.html").read_text() == f"<p lang='en'>{count} meetings</p>"
    assert (reports / "page.fr.html").read_text() == f"<p lang='fr'>{count} meetings</p>"
    assert sorted(result.executed) == ["01_count", "05_page", "05_page.fr"]
    assert {p.name for p in result.outputs} == {"page.html", "page.fr.html", "page.txt",
                                                "page.fr.txt", "index.html"}
    manifest = json.loads((reports / runner.MANIFEST).read_text())
    for name, lang in (("page.html", "05_page"), ("page.fr.html", "05_page.fr")):
        sha = provenance.sha256_file(reports / name)
        assert manifest["outputs"][f"reports/bc/{name}"] == sha
        assert manifest["notebooks"][lang]["outputs"][f"reports/bc/{name}"] == sha
    # the notebook's line, said by both language runs, is printed once
    err = capsys.readouterr().err
    assert err.count("bc: no printer here: page not printed") == 1, err
    # nothing changed: up to date; a page removed by hand: only its language runs again
    assert runner.run("bc", root, progress=runner.Progress(io.StringIO())).up_to_date
    (reports / "page.fr.html").unlink()
    again = runner.run("bc", root, progress=runner.Progress(io.StringIO()))
    assert again.executed == ["05_page.fr"] and sorted(again.reused) == ["01_count", "05_page"]
    assert (reports / "page.fr.html").read_text() == f"<p lang='fr'>{count} meetings</p>"
    # a run option: given to the steps that declare it (their rerun key and the manifest say
    # so), never to the others; verify reruns with it; a run without it reruns those steps
    quiet = runner.run("bc", root, progress=runner.Progress(io.StringIO()),
                       options={"printed": False, "unknown": 1})
    assert sorted(quiet.executed) == ["05_page", "05_page.fr"] and quiet.reused == ["01_count"]
    assert not list(reports.glob("page*.txt")) and (reports / "page.fr.html").is_file()
    manifest = json.loads((reports / runner.MANIFEST).read_text())
    assert manifest["options"] == {"printed": False}
    assert "printed" not in (reports / "notebooks/01_count.ipynb").read_text()
    assert "printed = False" in (reports / "notebooks/05_page.ipynb").read_text()
    assert runner.verify("bc", root).ok
    again = runner.run("bc", root, progress=runner.Progress(io.StringIO()))
    assert sorted(again.executed) == ["05_page", "05_page.fr"]
    assert (reports / "page.txt").read_text() == f"{count} meetings, printed"
    assert "options" not in json.loads((reports / runner.MANIFEST).read_text())


@pytest.mark.integration
def test_a_file_a_notebook_does_not_declare_fails_the_run_and_keeps_earlier_outputs(paging):
    root = paging
    runner.run("bc", root, progress=runner.Progress(io.StringIO()))
    before = (root / "reports/bc/page.html").read_bytes()
    _notebook(root / "notebooks", "05_page.ipynb",
              PAGE + '(where.reports / "stray.txt").write_text("x")\n', reads=["count.txt"],
              writes=[], each_language=True, publishes=["page*.html"])
    with pytest.raises(NotebookError, match=r"reports/bc/stray\.txt.*mwsn\.publishes"):
        runner.run("bc", root, progress=runner.Progress(io.StringIO()))
    assert (root / "reports/bc/page.html").read_bytes() == before
    assert not (root / "reports/bc/stray.txt").exists()


def test_a_notice_outside_a_kernel_goes_to_standard_error(capsys):
    notice.tell("one line")
    assert capsys.readouterr().err == "one line\n"


def test_the_notices_of_an_executed_notebook_are_found_in_order():
    said = [nbformat.v4.new_output("display_data", data={"text/plain": text},
                                   metadata={notice.NOTICE: True}) for text in ("a", "b")]
    other = nbformat.v4.new_output("display_data", data={"text/plain": "not a notice"})
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[said[0], other]),
                nbformat.v4.new_markdown_cell("text"),
                nbformat.v4.new_code_cell("y", outputs=[said[1]])]
    assert notice.found_in(nb) == ["a", "b"]


#: what would make the runner know a notebook's pages: the report notebook by name, the
#: manager pages (not jupyter_client's kernel manager), summaries and PDFs, the page builder and the publishing of tables. The runner
#: still writes the index (``index.html``, it records the manifest's hash, known only once
#: every notebook ran) and, for a jurisdiction with data rounds, the rounds' landing page: the
#: two indexes of what it ran are the only ``mwsn.report`` modules it may import.
REPORT_WORDS = re.compile(
    r"08_report|REPORT_NOTEBOOK|assessment|summar(y|ies)|(?<!client\.)(?<!kernel )\bmanager\b|_manager_(body|page)|\bpdf\b"
    r"|\.page\(|\bpublish\.|plain\.|\bbody\b|step\.report|\[\"report\"\]"
    r"|\"report\": (step|False)", re.I)
INDEX_MODULES = {"auditor", "rounds"}


def test_the_runner_knows_no_notebook_and_no_page_of_the_report():
    sources = {p: p.read_text(encoding="utf-8") for p in sorted(RUN.glob("*.py"))}
    sources[RUN.parent / "runner.py"] = (RUN.parent / "runner.py").read_text(encoding="utf-8")
    for path, text in sources.items():
        found = sorted({m.group(0) for m in REPORT_WORDS.finditer(text)})
        assert not found, f"{path.name} knows the report: {found}"
        imported = set(re.findall(r"from mwsn\.report import (\w+)", text)) | set(
            re.findall(r"from mwsn\.report\.(\w+) import", text))
        assert imported <= INDEX_MODULES, f"{path.name} imports mwsn.report.{imported}"
        assert not re.search(r"from mwsn import [^\n]*\breport\b", text), path.name
