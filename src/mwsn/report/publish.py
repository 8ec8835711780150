"""What a run publishes beside the HTML report: the plain summaries and the PDFs.

:func:`write` is called by the runner once every notebook has succeeded, on
the staged report folder, so these files are hashed in the manifest and swapped
in with the rest. PDFs are printed from the very HTML files the run wrote
(``assessment.pdf``, ``assessment.fr.pdf``, ``summary.<lang>.pdf``) by a
maintained renderer: WeasyPrint (installed with the package; it needs the
Pango system library), else the headless Chromium the browser tests use. Both
print the banner in the top margin and the page number in the bottom one of
every page; WeasyPrint also makes a bookmark for each section and subsection
(``h1``-``h3``). Where neither can run, the run says so in one line and writes
everything else.

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

from mwsn.config import Jurisdiction, Paths
from mwsn.report import plain

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


def write(folder: Path, where: Paths, params: Jurisdiction, processed: Path,
          pdf: bool = True) -> list[str]:
    """Write the summaries and the PDFs into the staged report ``folder``.

    Returns the notes the run should print (one line each): empty when every
    PDF was written.
    """
    pages = sorted(folder.glob("assessment*.html"))
    for lang in params.plain_languages:
        target = folder / plain.file_name(lang)
        target.write_text(plain.render_page(params, lang, processed, where.is_synthetic),
                          encoding="utf-8")
        pages.append(target)
    if not pdf:
        return []
    for html in pages:
        if print_pdf(html) is None:
            return [NO_RENDERER]
    return []
