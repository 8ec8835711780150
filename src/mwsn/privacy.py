"""Small-cell suppression and disclosure checks used by every table and chart.

No count below ``min_cell`` (default 5) is shown, nor any percentage or
interval computed from one. A table that went through :func:`suppress` is
marked, so that the report can refuse a table that did not.
"""

from __future__ import annotations

import pandas as pd

from mwsn.errors import DisclosureError

MARK = "mwsn_min_cell"


def suppress(table: pd.DataFrame, counts: list[str], min_cell: int,
             derived: list[str] | None = None) -> pd.DataFrame:
    """Blank every count below ``min_cell`` (and the ``derived`` values on that row).

    ``counts`` are the count columns; ``derived`` are values computed from
    them (percentages, CIs) that must go with them. A count of 0 is not
    disclosive and is kept.
    """
    out = table.copy()
    small = pd.Series(False, index=out.index)
    for column in counts:
        values = pd.to_numeric(out[column], errors="coerce")
        cell = (values > 0) & (values < min_cell)
        small |= cell
        out[column] = values.astype("Float64").mask(cell)
    for column in derived or []:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64").mask(small)
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
