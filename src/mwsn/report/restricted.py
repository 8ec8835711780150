"""The restricted auditor bundle: unsuppressed figures, written only on request.

``mwsn run <jur> --restricted`` writes ``restricted/<jur>/`` (its own folder, beside
``reports/`` and never inside it, so the public bundle cannot carry it): an
``index.html`` whose banner says who may see it, the tables of the disclosure pass
unsuppressed, and ``suppression_audit.csv`` (cell, table, row, column, value, rule,
primary or secondary) listing every figure the public outputs hide and why. A
jurisdiction's latest round is the one shown; when the trend step (``07_trends``) has run,
its own pass's hidden cells (changes between rounds, pairs, people in one round only)
are in ``trend_suppression_audit.csv`` and shown after the round's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mwsn import i18n, ingest, privacy
from mwsn.config import load, paths
from mwsn.report.html import esc, page

FOLDER = "restricted"
AUDIT = "suppression_audit.csv"
TREND_AUDIT = "trend_suppression_audit.csv"


def folder(jurisdiction: str, root: str | Path = ".") -> Path:
    return Path(root) / FOLDER / jurisdiction


def _plain_table(frame: pd.DataFrame, caption: str) -> str:
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
                   for row in frame.astype(object).where(frame.notna(), "").itertuples(
                       index=False))
    return (f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _trend_pass(processed: Path, min_cell: int) -> privacy.Ledger | None:
    """The trend step's pass (``trend_disclosure``, written by ``07_trends``), or None."""
    try:
        frame = ingest.read_processed(processed, "trend_disclosure")
    except FileNotFoundError:
        return None
    ledger = privacy.Ledger(min_cell)
    for r in frame.itertuples(index=False):
        key = (r.table, r.row, r.column)
        ledger.value[key] = float(r.value)
        if r.rule:
            ledger.rule[key] = r.rule
    return ledger


def write_bundle(jurisdiction: str, root: str | Path = ".", lang: str = "en") -> Path:
    """Write the restricted bundle of one jurisdiction; returns its folder.

    Raises FileNotFoundError when the jurisdiction has not been run (no disclosure pass).
    """
    from mwsn.report.compare import latest_round

    params = load(jurisdiction, root)
    where = latest_round(jurisdiction, root) if params.waves else paths(jurisdiction, root)
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
    trend = _trend_pass(where.processed, params.min_cell)
    if trend is not None:
        trend_audit = trend.audit()
        ingest.write_csv(trend_audit, out / TREND_AUDIT)
        parts += [f"<h2>{esc(t('restricted.trend_heading'))}</h2>",
                  f'<p><a href="{TREND_AUDIT}">{esc(t("restricted.trend_audit_link"))}</a></p>',
                  _plain_table(trend_audit, t("restricted.trend_audit_caption"))]
    else:
        (out / TREND_AUDIT).unlink(missing_ok=True)  # no stale audit of an earlier run
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
