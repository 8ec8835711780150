"""Execute the notebooks with papermill and export the reports with nbconvert.

The only module that knows papermill and nbconvert. For one jurisdiction it
validates the inputs (before any kernel starts), executes the numbered
notebooks in order into a staging folder, runs the report notebook once per
language, exports the manager report(s) without code and every executed
notebook with code for auditors, then swaps the staging folder in for
``reports/<jur>/``. A failure leaves the previous report untouched and keeps
the partly executed notebook under ``reports/_failed/<jur>/``.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from mwsn import i18n, report, validate
from mwsn.codebook import load_codebook
from mwsn.config import Paths, load, paths
from mwsn.errors import NotebookError

NOTEBOOK_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
REPORT_NOTEBOOK = "07_report.ipynb"
KERNEL = "python3"
#: the parameters every pipeline notebook declares, and nothing else
PARAMETERS = ("jurisdiction", "root", "lang")


def notebooks_dir(root: Path) -> Path:
    """The project's notebooks: ``<root>/notebooks``, else those beside this package's source."""
    local = root / "notebooks"
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "notebooks"


def pipeline(folder: Path) -> list[Path]:
    """The numbered notebooks of one jurisdiction's run, in order (90+ are cross-jurisdiction)."""
    found = [p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name)]
    return sorted(p for p in found if int(p.name[:2]) < 90)


@dataclass
class RunResult:
    jurisdiction: str
    reports: Path
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def _execute(source: Path, target: Path, where: Paths, lang: str) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(source), str(target),
            parameters={"jurisdiction": where.jurisdiction, "root": str(where.root),
                        "lang": lang},
            kernel_name=KERNEL, cwd=str(where.root), progress_bar=False, log_output=False,
        )
    except PapermillExecutionError as exc:
        failed = where.root / "reports" / "_failed" / where.jurisdiction / target.name
        failed.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.copyfile(target, failed)
        raise NotebookError(source.name, exc.cell_index + 1, f"{exc.ename}: {exc.evalue}",
                            kept=str(failed)) from None


def _manager_body(executed: Path) -> str:
    """The report notebook's HTML outputs only: no code, prompts, markdown or streams."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={"text/html": out["data"]["text/html"]})
            for out in cell.outputs
            if out.get("output_type") in ("display_data", "execute_result")
            and "text/html" in out.get("data", {})
        ]
    nb.cells = [cell for cell in nb.cells if cell.cell_type == "code" and cell.outputs]
    exporter = HTMLExporter(template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            exclude_markdown=True, exclude_raw=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def _auditor_html(executed: Path) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    return body


def run(jurisdiction: str, root: str | Path = ".") -> RunResult:
    """Validate, execute and export one jurisdiction; returns where the reports are."""
    started = time.monotonic()
    where = paths(jurisdiction, root)
    params = load(jurisdiction, where.root)
    codebook = load_codebook(where.root)
    validate.read_and_check(params, codebook, where)

    reports_root = where.root / "reports"
    staging = reports_root / f".staging-{jurisdiction}"
    if staging.exists():
        shutil.rmtree(staging)
    executed_dir = staging / "notebooks"
    folder = notebooks_dir(where.root)
    executed: list[Path] = []
    for source in pipeline(folder):
        if source.name == REPORT_NOTEBOOK:
            continue
        target = executed_dir / source.name
        _execute(source, target, where, params.languages[0])
        executed.append(target)

    outputs: list[Path] = []
    report_source = folder / REPORT_NOTEBOOK
    for lang in params.languages:
        suffix = "" if lang == "en" else f".{lang}"
        target = executed_dir / f"07_report{suffix}.ipynb"
        _execute(report_source, target, where, lang)
        executed.append(target)
        title = i18n.t("report.title", lang, jurisdiction=params.name(lang))
        html = report.page(_manager_body(target), lang, title, where.is_synthetic)
        out = staging / f"assessment{suffix}.html"
        out.write_text(html, encoding="utf-8")
        outputs.append(out)
    for nb_path in executed:
        html_path = nb_path.with_suffix(".html")
        html_path.write_text(_auditor_html(nb_path), encoding="utf-8")
        outputs.append(html_path)

    _swap_in(staging, where.reports)
    result = RunResult(jurisdiction, where.reports,
                       [where.reports / p.relative_to(staging) for p in outputs],
                       time.monotonic() - started)
    return result


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with renames, so a reader never sees a half report."""
    old = target.with_name(f".old-{target.name}")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old)
