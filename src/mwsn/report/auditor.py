"""The auditor's view: ``reports/<jur>/index.html``.

One page that links everything a researcher checking the assessment needs:
the manager report(s), every executed notebook rendered with its code, the
processed data dictionary (from the codebook and the Parquet schemas), the
methods appendix and the run's manifest. The runner writes the page; this
module only builds it.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from mwsn import i18n
from mwsn.codebook import Codebook
from mwsn.config import Jurisdiction, Paths
from mwsn.report.html import Html, esc, page

#: a column holding why a Likert answer is missing is named after its item
_DERIVED_SUFFIX = "_missing"


def _label(codebook: Codebook, table: str, column: str, lang: str) -> str:
    """The codebook's label of ``column``: from the source the table is named after, else
    from any source where it is a category (a shared vocabulary such as stakeholder group)."""
    base = column.removesuffix(_DERIVED_SUFFIX)
    found = None
    if table in codebook.sources:
        found = next((v for v in codebook.sources[table].variables if v.name == base), None)
    if found is None:
        found = next((v for spec in codebook.sources.values() for v in spec.variables
                      if v.name == base and v.type == "category"), None)
    if found is None:
        return ""
    label = getattr(found.label, lang)
    return i18n.t("auditor.missing_reason", lang, label=label) if base != column else label


#: processed tables whose number of rows is a count the report protects (one service record
#: per row: a handful of them bounds the workers served)
COUNTED_ROWS = ("services",)


def data_dictionary(processed: Path, codebook: Codebook, lang: str,
                    min_cell: int = 1) -> Html:
    """Every processed table in ``processed``: its rows, and each column's type and label.

    The rows of a :data:`COUNTED_ROWS` table below ``min_cell`` are not given."""
    parts = []
    for path in sorted(processed.glob("*.parquet")):
        meta = pq.read_metadata(path)
        schema = meta.schema.to_arrow_schema()
        rows = "".join(
            f'<tr><th scope="row"><code>{esc(field.name)}</code></th>'
            f"<td><code>{esc(field.type)}</code></td>"
            f"<td>{esc(_label(codebook, path.stem, field.name, lang))}</td></tr>"
            for field in schema if not field.name.startswith("__index_level_"))
        hidden = path.stem in COUNTED_ROWS and 0 < meta.num_rows < min_cell
        caption = i18n.t("auditor.table_caption", lang, table=path.stem,
                         rows=i18n.t("table.suppressed", lang) if hidden
                         else i18n.number(meta.num_rows, lang))
        parts.append(
            f'<table class="dictionary" id="table-{esc(path.stem)}"><caption>{esc(caption)}</caption><thead><tr>'
            f'<th scope="col">{esc(i18n.t("auditor.col.column", lang))}</th>'
            f'<th scope="col">{esc(i18n.t("auditor.col.type", lang))}</th>'
            f'<th scope="col">{esc(i18n.t("auditor.col.label", lang))}</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>")
    if not parts:
        parts.append(f"<p>{esc(i18n.t('auditor.no_processed', lang))}</p>")
    return Html("".join(parts))


def _link(href: str, text: str, note: str = "") -> str:
    extra = f" <span class=\"note\">{esc(note)}</span>" if note else ""
    return f'<li><a href="{esc(href)}">{esc(text)}</a>{extra}</li>'


def _notebook_links(present: set[str], t) -> list[str]:
    """One list item per executed notebook's page in ``present``, with its ``.ipynb``."""
    items = []
    for path in sorted(p for p in present if p.startswith("notebooks/") and p.endswith(".html")):
        stem = Path(path).stem
        ipynb = f"notebooks/{stem}.ipynb"
        items.append(
            f'<li><a href="{esc(path)}">{esc(stem)}</a>'
            + (f' (<a href="{esc(ipynb)}">{esc(t("auditor.ipynb"))}</a>)'
               if ipynb in present else "") + "</li>")
    return items


def _manifest_sha256(sha256: str, t) -> str:
    """The manifest's own SHA-256 as ``mwsn verify`` finds it (``#manifest-sha256``)."""
    return (f'<li>{esc(t("auditor.manifest_sha256"))} '
            f'<code id="manifest-sha256">{esc(sha256)}</code></li>')


def _block(key: str, items: list[str], t) -> str:
    body = f"<ul>{''.join(items)}</ul>" if items else f"<p>{esc(t('auditor.none'))}</p>"
    return f'<section id="{key}"><h2>{esc(t(f"auditor.{key}_heading"))}</h2>{body}</section>'


def index_page(where: Paths, params: Jurisdiction, codebook: Codebook,
               files: list[str], lang: str = "en", processed: Path | None = None,
               manifest_sha256: str | None = None) -> str:
    """The auditor's index of one jurisdiction's reports folder.

    ``files``: paths relative to ``reports/<jur>/`` of what the run wrote
    (e.g. ``assessment.html``, ``notebooks/03_survey.html``, ``manifest.json``);
    only those are linked, so the page never points at a missing file.
    ``processed``: where the processed tables are (default ``data/processed/<jur>/``;
    a runner that stages its outputs passes the staged folder).
    ``manifest_sha256``: the manifest's own SHA-256, shown beside its link so
    that ``mwsn verify`` (and an auditor) can tell an edited manifest.
    """
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    present = set(files)
    name = params.name(lang)
    reports = []
    for code in params.languages:
        suffix = "" if code == "en" else f".{code}"
        if f"assessment{suffix}.html" in present:
            reports.append(_link(f"assessment{suffix}.html",
                                 t("auditor.manager_report", report_lang=t(f"language.{code}"))))
    notebooks = _notebook_links(present, t)
    records = []
    for file, key in (("manifest.json", "auditor.manifest"), ("findings.csv", "auditor.findings")):
        if file in present:
            records.append(_link(file, t(key)))
        if file == "manifest.json" and file in present and manifest_sha256:
            records.append(_manifest_sha256(manifest_sha256, t))
    first = next((f"assessment{'' if c == 'en' else '.' + c}.html" for c in params.languages
                  if f"assessment{'' if c == 'en' else '.' + c}.html" in present), None)
    if first:
        records.append(_link(f"{first}#annex-methods", t("auditor.methods")))
        records.append(_link(f"{first}#annex-provenance", t("auditor.provenance")))
    if "manifest.json" not in present:
        records.append(f"<li>{esc(t('auditor.no_manifest'))}</li>")

    body = (f'<header><p class="kicker">{esc(t("report.kicker"))}</p>'
            f'<h1>{esc(t("auditor.title", jurisdiction=name))}</h1>'
            f'<p>{esc(t("auditor.intro"))}</p></header>'
            + _block("reports", reports, t) + _block("notebooks", notebooks, t)
            + _block("records", records, t)
            + f'<section id="dictionary"><h2>{esc(t("auditor.dictionary_heading"))}</h2>'
            f'<p>{esc(t("auditor.dictionary_intro"))}</p>'
            f"{data_dictionary(processed or where.processed, codebook, lang, params.min_cell)}</section>")
    return page(body, lang, t("auditor.title", jurisdiction=name), where.is_synthetic)


def run_index_page(job: str, files: list[str], manifest_sha256: str | None = None,
                   lang: str = "en") -> str:
    """The auditor's index of a run-level job's folder: ``reports/_national/`` (the national
    context, computed once per run) or ``reports/all/`` (the comparison).

    ``files``: paths relative to that folder of what the run wrote; the executed
    notebooks and the manifest are linked, with the manifest's own SHA-256 (as
    in :func:`index_page`, which ``mwsn verify`` checks).
    """
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    present = set(files)
    title = t("auditor.national_title" if job.startswith("_") else "auditor.compare_title")
    notebooks = _notebook_links(present, t)
    records = []
    if "manifest.json" in present:
        records.append(_link("manifest.json", t("auditor.manifest")))
        if manifest_sha256:
            records.append(_manifest_sha256(manifest_sha256, t))

    body = (f'<header><p class="kicker">{esc(t("report.kicker"))}</p><h1>{esc(title)}</h1>'
            f'<p>{esc(t("auditor.run_level_intro"))}</p></header>'
            + _block("notebooks", notebooks, t) + _block("records", records, t))
    return page(body, lang, title, False)
