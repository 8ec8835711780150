"""Small-cell suppression and disclosure checks used by every table and chart.

No count below ``min_cell`` (default 5) is shown, nor any percentage or
interval computed from one. Where a table shows totals, a total minus the
shown cells would give a suppressed count back, so :func:`suppress` also
blanks complementary cells: in every sum shown (a row total, or a total row
over the other rows) either no cell is suppressed or at least two are. A
table that went through :func:`suppress` is marked, so that the report can
refuse a table that did not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mwsn.errors import DisclosureError

MARK = "mwsn_min_cell"


def _sums(table: pd.DataFrame, counts: list[str], row_total: str | None,
          total_rows: tuple[str, str, list[str]] | None) -> list[list[tuple[int, int]]]:
    """Each sum the table shows, as (row, column) cell positions, the total cell last."""
    columns = {c: j for j, c in enumerate(counts)}
    sums = []
    if row_total:
        parts = [columns[c] for c in counts if c != row_total]
        for i in range(len(table)):
            sums.append([(i, j) for j in parts] + [(i, columns[row_total])])
    if total_rows:
        label, total_label, within = total_rows
        # an empty table (a survey that asked no item) has no sums; agg would give a frame
        keys = table[within].astype(str).agg("\x1f".join, axis=1) if within and len(
            table) else pd.Series("", index=table.index)
        positions = pd.Series(np.arange(len(table)), index=table.index)
        for _, block in positions.groupby(keys.to_numpy(), sort=False):
            is_total = (table[label].iloc[block.to_numpy()].astype(str) == total_label).to_numpy()
            if is_total.sum() != 1:
                continue
            total = int(block.to_numpy()[is_total][0])
            others = [int(i) for i in block.to_numpy()[~is_total]]
            for j in range(len(counts)):
                sums.append([(i, j) for i in others] + [(total, j)])
    return sums


def suppress(table: pd.DataFrame, counts: list[str], min_cell: int,
             derived: list[str] | None = None, *, row_total: str | None = None,
             total_rows: tuple[str, str, list[str]] | None = None) -> pd.DataFrame:
    """Blank every count below ``min_cell``, the cells that would reveal one, and the
    ``derived`` values (percentages, CIs) on a row with a blanked count.

    ``counts`` are the count columns; a count of 0 is not disclosive and is
    kept. ``row_total`` names the count column that sums the others on its
    row; ``total_rows=(label_column, total_label, within)`` says that the
    row whose ``label_column`` is ``total_label`` sums the other rows (within
    each group of the ``within`` columns). Complementary suppression blanks,
    in each such sum with exactly one blanked cell, the smallest other
    non-zero cell (the total itself when there is none), until no sum gives
    a blanked cell back.
    """
    out = table.copy()
    values = np.column_stack([pd.to_numeric(out[c], errors="coerce").to_numpy(dtype="float64")
                              for c in counts]) if counts else np.zeros((len(out), 0))
    hidden = (values > 0) & (values < min_cell)
    sums = _sums(out, counts, row_total, total_rows)
    changed = True
    while changed:
        changed = False
        for cells in sums:
            blanked = [cell for cell in cells if hidden[cell]]
            if len(blanked) != 1:
                continue
            candidates = [cell for cell in cells[:-1]
                          if not hidden[cell] and values[cell] > 0 and not np.isnan(values[cell])]
            pick = (min(candidates, key=lambda cell: values[cell]) if candidates
                    else cells[-1])
            if hidden[pick]:
                continue
            hidden[pick] = True
            changed = True
    for j, column in enumerate(counts):
        out[column] = pd.Series(values[:, j], index=out.index).astype("Float64").mask(
            hidden[:, j])
    row_hidden = pd.Series(hidden.any(axis=1), index=out.index)
    for column in derived or []:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64").mask(
            row_hidden)
    out.attrs[MARK] = min_cell
    return out


def check_disclosure(table: pd.DataFrame, counts: list[str], min_cell: int, name: str) -> None:
    """Refuse a table with a small count that did not pass through :func:`suppress`."""
    if table.attrs.get(MARK, 0) >= min_cell:
        return
    for column in counts:
        values = pd.to_numeric(table[column], errors="coerce")
        if ((values > 0) & (values < min_cell)).any():
            raise DisclosureError(
                f"table '{name}' would show a count below {min_cell} in column '{column}' "
                "that was not suppressed: pass it through mwsn.privacy.suppress first")
