"""The restricted auditor bundle: unsuppressed figures, written only on request.

``mwsn run <jur> --restricted`` writes ``restricted/<jur>/`` (its own folder, beside
``reports/`` and never inside it, so the public bundle cannot carry it): an
``index.html`` whose banner says who may see it, the tables of the disclosure pass
unsuppressed, and ``suppression_audit.csv`` (cell, table, row, column, value, rule,
primary or secondary) listing every figure the public outputs hide and why.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mwsn import i18n, ingest, privacy
from mwsn.config import load, paths
from mwsn.report.html import esc, page

FOLDER = "restricted"
AUDIT = "suppression_audit.csv"


def folder(jurisdiction: str, root: str | Path = ".") -> Path:
    return Path(root) / FOLDER / jurisdiction


def _plain_table(frame: pd.DataFrame, caption: str) -> str:
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
                   for row in frame.astype(object).where(frame.notna(), "").itertuples(
                       index=False))
    return (f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def write_bundle(jurisdiction: str, root: str | Path = ".", lang: str = "en") -> Path:
    """Write the restricted bundle of one jurisdiction; returns its folder.

    Raises FileNotFoundError when the jurisdiction has not been run (no disclosure pass).
    """
    where = paths(jurisdiction, root)
    params = load(jurisdiction, root)
    if not (where.processed / f"{privacy.PROCESSED}.parquet").is_file():
        raise FileNotFoundError(f"{where.processed / (privacy.PROCESSED + '.parquet')} does "
                                f"not exist: run 'mwsn run {jurisdiction}' first")
    ledger = privacy.load_pass(where.processed, params.min_cell)
    out = folder(jurisdiction, root)
    out.mkdir(parents=True, exist_ok=True)
    audit = ledger.audit()
    ingest.write_csv(audit, out / AUDIT)
    t = lambda key, **v: i18n.t(key, lang, **v)  # noqa: E731
    cells = ledger.frame()
    parts = [f"<h1>{esc(t('restricted.title', jurisdiction=params.name(lang)))}</h1>",
             f"<p>{esc(t('restricted.intro', n=params.min_cell))}</p>",
             f'<p><a href="{AUDIT}">{esc(t("restricted.audit_link"))}</a></p>',
             _plain_table(audit, t("restricted.audit_caption"))]
    for table, rows in cells.groupby("table", sort=True):
        view = rows.pivot_table(index="row", columns="column", values="value",
                                aggfunc="first").reset_index()
        parts.append(_plain_table(view, t("restricted.table_caption", table=table)))
    if where.is_synthetic:
        parts.insert(1, f"<p><strong>{esc(i18n.t('banner.synthetic', lang))}</strong></p>")
    html = page("".join(parts), lang, t("restricted.title", jurisdiction=params.name(lang)),
                synthetic=True, banner_key="restricted.banner")
    (out / "index.html").write_text(html, encoding="utf-8")
    return out
