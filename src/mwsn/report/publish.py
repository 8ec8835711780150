"""The report's pages: the assessment page, the plain summaries, the published tables, the PDFs.

The report notebook (``08_report``) calls :func:`write_pages` in its last
cell, once per language: it writes ``assessment.html`` (``assessment.<lang>.html``
in another language), from the very sections the notebook displayed, into the
jurisdiction's report folder (``reports/<jur>/``, ``reports/<jur>/<wave>/``
for a data round), with the plain-language summaries, the CSV tables the
pipeline wrote for publication (``findings.csv``) and the PDFs. The notebook
declares these files in its metadata (``publishes``): ``mwsn run`` then
stages, hashes and swaps them in with the rest, and reuses them when nothing
the notebook reads changed. Nothing here shows a figure the sections and
summaries did not take from the disclosure pass.

PDFs are printed from the very HTML files written
(``assessment.pdf``, ``assessment.fr.pdf``, ``summary.<lang>.pdf``) by a
maintained renderer: WeasyPrint (installed with the package; it needs the
Pango system library), else the headless Chromium the browser tests use. Both
print the banner in the top margin and the page number in the bottom one of
every page; WeasyPrint also makes a bookmark for each section and subsection
(``h1``-``h3``). Where neither can run, the notebook says so in one line
(:func:`mwsn.notice.tell`: ``mwsn run`` prints it) and writes everything else.

Byte stability: WeasyPrint's PDF depends only on the HTML, the fonts installed
and WeasyPrint's version (no date, a file identifier derived from the
content), so reruns on one machine give identical files; Chromium writes the
creation date into the file, so its PDFs differ on every run.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from mwsn import i18n, ingest, notice
from mwsn.config import Jurisdiction, Paths
from mwsn.report import plain
from mwsn.report.html import page

#: how to get a PDF when no renderer can run
NO_RENDERER = ("PDF not written: no renderer could run (WeasyPrint needs the Pango library: "
               "apt-get install libpango-1.0-0 libpangoft2-1.0-0; or install chromium); "
               "print the HTML from a browser instead")


def weasyprint_pdf(html: Path, pdf: Path) -> None:
    """Print ``html`` to ``pdf`` with WeasyPrint; ``ImportError``/``OSError`` if it cannot run."""
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # unsupported-CSS notes
    weasyprint.HTML(filename=str(html)).write_pdf(str(pdf))


def chromium_pdf(html: Path, pdf: Path) -> None:
    """Print ``html`` to ``pdf`` with headless Chromium; ``OSError`` if none is installed."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser") \
        or shutil.which("google-chrome")
    if binary is None:
        raise OSError("no chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--user-data-dir={profile}", "--no-pdf-header-footer",
                        "--generate-pdf-document-outline", f"--print-to-pdf={pdf}",
                        html.as_uri()], check=True, capture_output=True, timeout=300)


RENDERERS = (weasyprint_pdf, chromium_pdf)


def print_pdf(html: Path) -> Path | None:
    """``html`` printed beside it as ``.pdf`` by the first renderer that runs; None if none does."""
    pdf = html.with_suffix(".pdf")
    for renderer in RENDERERS:
        try:
            renderer(html, pdf)
            return pdf
        except (ImportError, OSError, subprocess.SubprocessError):
            pdf.unlink(missing_ok=True)
    return None


def page_name(lang: str) -> str:
    """``assessment.html`` in English, ``assessment.<lang>.html`` in another language."""
    return "assessment.html" if lang == "en" else f"assessment.{lang}.html"


def summary_languages(params: Jurisdiction, lang: str | None = None) -> list[str]:
    """The plain summaries the report in ``lang`` writes: the one in its own language, and,
    for the first language, those in languages the report is not written in (``es``, ``tl``).
    ``None``: every one of them."""
    if lang is None:
        return list(params.plain_languages)
    first = lang == params.languages[0]
    return [code for code in params.plain_languages
            if code == lang or (first and code not in params.languages)]


def _write_text(path: Path, text: str) -> Path:
    return ingest.write_atomically(path, lambda tmp: Path(tmp).write_text(text,
                                                                          encoding="utf-8"))


def write(folder: Path, where: Paths, params: Jurisdiction, processed: Path,
          pdf: bool = True, lang: str | None = None) -> list[str]:
    """Write the summaries, the published tables and the PDFs into the report ``folder``.

    With ``lang``, what the report in that language publishes
    (:func:`summary_languages`; the tables with the first language; the PDF of
    its own page ``assessment[.<lang>].html``); ``None``: everything, for every
    ``assessment*.html`` already in ``folder``. The published tables are the
    CSV files in ``processed`` (``findings.csv``, in the first language), copied
    as they are. Returns the notes to tell whoever runs it (one line each):
    empty when every PDF was written.
    """
    return _publish(folder, where, params, processed, pdf, lang)[1]


def _publish(folder: Path, where: Paths, params: Jurisdiction, processed: Path, pdf: bool,
             lang: str | None) -> tuple[list[Path], list[str]]:
    """:func:`write`: the files written, and the notes."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = (sorted(folder.glob("assessment*.html")) if lang is None
             else [p for p in [folder / page_name(lang)] if p.is_file()])
    written = []
    for code in summary_languages(params, lang):
        pages.append(_write_text(folder / plain.file_name(code),
                                 plain.render_page(params, code, processed, where.is_synthetic)))
        written.append(pages[-1])
    if lang is None or lang == params.languages[0]:
        for table in sorted(processed.glob("*.csv")):
            written.append(ingest.write_atomically(
                folder / table.name, lambda tmp, table=table: shutil.copyfile(table, tmp)))
    if not pdf:
        return written, []
    for html in pages:
        printed = print_pdf(html)
        if printed is None:
            return written, [NO_RENDERER]
        written.append(printed)
    return written, []


def assessment_page(rep) -> str:
    """The whole assessment page of report ``rep`` (a :class:`mwsn.report.Report`): every
    section, without code, in the self-contained page with its banner."""
    title = i18n.t("report.title", rep.lang, jurisdiction=rep.params.name(rep.lang))
    return page(rep.body(), rep.lang, title, rep.where.is_synthetic)


def write_pages(rep, pdf: bool = True) -> list[Path]:
    """Write report ``rep``'s pages into its report folder (``rep.where.reports``).

    The assessment page in ``rep.lang`` (:func:`assessment_page`), then what
    :func:`write` publishes with it. A PDF that cannot be printed is said in
    one line (:func:`mwsn.notice.tell`). Returns the files written, sorted by name.
    """
    folder = rep.where.reports
    own = _write_text(folder / page_name(rep.lang), assessment_page(rep))
    written, notes = _publish(folder, rep.where, rep.params,
                              rep.processed_dir or rep.where.processed, pdf, rep.lang)
    for note in notes:
        notice.tell(note)
    return sorted([own, *written])
