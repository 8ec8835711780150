"""The manager report: one module per section, each ``render(rep) -> Html``.

:data:`SECTIONS` follow the published assessment: executive summary,
introduction, assessment overview, achievement of outcomes and of
sub-objectives, SWOT analysis, going forward, annexes. Several of them regroup
the computing sections (:data:`PARTS`: ``about``, ``methodology``, ...), which
stay renderable on their own. A notebook displays ``assessment.section(name)``
for each section in order,
then :func:`mwsn.report.publish.write_pages` writes the page itself (the same
sections, without code, wrapped by :func:`~mwsn.report.html.page`), the
plain-language summaries, the published tables and the PDFs into the report
folder. Every visible word comes from the EN/FR catalogue (``mwsn.i18n``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mwsn import i18n, ingest, privacy
from mwsn.codebook import Codebook, load_codebook
from mwsn.findings import Matrix, load_matrix
from mwsn.config import Jurisdiction, Paths, load, paths
from mwsn.report.html import Html, esc, figure, page, table

__all__ = ["Html", "Report", "auditor", "compare", "esc", "figure", "load_report", "page",
           "table"]

#: modules given as attributes, imported at first use: the runner writes the auditor's index
#: without importing the report's sections and charts
_LAZY = ("auditor", "compare")


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f"mwsn.report.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: the sections of the report, in the published order; each is a module of this package
SECTIONS = ("title", "executive", "contents", "introduction", "overview", "outcomes",
            "sub_objectives", "swot", "considerations", "annexes")
#: sections that compute a part of the report, regrouped by :data:`SECTIONS`
PARTS = ("about", "context", "methodology", "findings", "program", "services", "annex")


@dataclass
class Report:
    """Everything a manager report needs for one jurisdiction and language."""

    params: Jurisdiction
    where: Paths
    codebook: Codebook
    lang: str
    #: where the processed tables are read (default: the jurisdiction's processed folder)
    processed_dir: Path | None = None

    def t(self, key: str, **values) -> str:
        return i18n.t(key, self.lang, **values)

    def processed(self, name: str) -> pd.DataFrame:
        """The processed table ``name``, read once per report (each caller gets its own
        frame: pandas copies on write)."""
        if getattr(self, "_tables", None) is None:
            self._tables = {}
        if name not in self._tables:
            self._tables[name] = ingest.read_processed(self.processed_dir or self.where.processed,
                                                       name)
        return self._tables[name].copy(deep=False)

    @property
    def matrix(self) -> Matrix:
        """The evaluation matrix (``params/evaluation_matrix.yaml``), read once per report."""
        if getattr(self, "_matrix", None) is None:
            self._matrix = load_matrix(self.where.root)
        return self._matrix

    def label(self, source: str, variable: str) -> str:
        return getattr(self.codebook.sources[source].variable(variable).label, self.lang)

    @property
    def protected(self) -> privacy.Ledger:
        """The jurisdiction's one disclosure pass (``disclosure.parquet``): every figure shown."""
        if getattr(self, "_protected", None) is None:
            self._protected = privacy.load_pass(self.where.processed, self.params.min_cell)
        return self._protected

    @property
    def min_cell(self) -> int:
        return self.params.min_cell

    def category(self, name: str, code: str) -> str:
        """The label of category ``code`` of the codebook's category list ``name``."""
        return self.codebook.category_label(name, code, self.lang)

    def group_label(self, code: str) -> str:
        if code == "all":
            return self.t("group.all")
        return self.codebook.category_label("stakeholder_group", code, self.lang)

    def section(self, name: str) -> Html:
        """One section of the report, rendered in ``self.lang`` (once: the page the notebook
        writes reuses the sections its cells displayed)."""
        if name not in SECTIONS + PARTS:
            raise ValueError(f"unknown report section {name!r}; known: "
                             f"{', '.join(SECTIONS + PARTS)}")
        if getattr(self, "_rendered", None) is None:
            self._rendered = {}
        if name not in self._rendered:
            self._rendered[name] = importlib.import_module(f"mwsn.report.{name}").render(self)
        return self._rendered[name]

    def body(self) -> str:
        """Every section of :data:`SECTIONS`, in order: the page's content, without code."""
        return "\n".join(self.section(name) for name in SECTIONS)


def import_all() -> None:
    """Import every section and part, the comparison and the page printer, once: the run's
    kernel server calls this before forking kernels (:data:`mwsn.run.kernels.PRELOAD`), so that
    each report notebook's kernel starts with them (about 1.5 s of CPU each). A printer that
    cannot load (WeasyPrint without the Pango library) is left for the notebook to say."""
    for name in SECTIONS + PARTS + ("publish", "compare"):
        importlib.import_module(f"mwsn.report.{name}")
    try:
        importlib.import_module("weasyprint")
    except (ImportError, OSError):
        pass


def load_report(jurisdiction: str, root: str | Path = ".", lang: str = "en",
                wave: str | None = None) -> Report:
    """One jurisdiction's report (one wave's, with ``wave``) in ``lang``, read from its
    processed tables."""
    where = paths(jurisdiction, root, wave)
    return Report(load(jurisdiction, root, wave), where, load_codebook(where.root), lang)
