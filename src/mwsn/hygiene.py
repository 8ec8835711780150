"""Output hygiene: no bidirectional-control characters in any output string, and no CSV
cell a spreadsheet would run as a formula.

A right-to-left override (U+202E) in a name reverses the text after it on the page
(Trojan Source, CVE-2021-42574); a CSV cell starting with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return before one) is run as a formula by spreadsheet
programs, so it is prefixed with a single quote as OWASP's "CSV Injection" page advises.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a frame is cleaned: config reads params
    import pandas as pd  # with strip_bidi on the no-op path, which never loads pandas

#: embedding, override and isolate controls, and the implicit marks (LRM, RLM, ALM)
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
#: the same characters as UTF-8 bytes: found in a column's bytes without making its texts
_BIDI_UTF8 = re.compile(rb"\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?%?")


def strip_bidi(text):
    """``text`` without bidirectional-control characters (anything else is returned as is)."""
    return BIDI.sub("", text) if isinstance(text, str) else text


def has_bidi(values: "pd.Series") -> bool:
    """Whether any text in ``values`` holds a bidirectional control (one vectorized pass:
    the common case, none, then costs nothing per value)."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        values = pd.Series(values.cat.categories)
    if pd.api.types.is_string_dtype(values) and not values.dtype == object:
        if getattr(values.dtype, "storage", None) == "pyarrow" and not _utf8_may_hold_bidi(
                values.array.__arrow_array__()):
            return False
        return bool(values.str.contains(BIDI.pattern, regex=True).fillna(False).any())
    return any(isinstance(v, str) and BIDI.search(v) for v in values)


def _utf8_may_hold_bidi(text) -> bool:
    """Whether the bytes behind an Arrow text array hold a bidi control's UTF-8 encoding.

    A scan of each chunk's data buffer (every text of the chunk, back to back; UTF-8 is
    self-synchronizing, so a match is a whole character): no match means no text holds
    one. A match may lie in bytes a sliced chunk does not show, so it only says "look".
    Bytes all below 0xD8 (ASCII, Latin accents) cannot start one: the regex is skipped.
    """
    import numpy as np

    for chunk in getattr(text, "chunks", [text]):
        data = chunk.buffers()[2]
        if data is None or not data.size or np.frombuffer(data, np.uint8).max() < 0xD8:
            continue
        if _BIDI_UTF8.search(memoryview(data)):
            return True
    return False


def csv_cell(value):
    """A cell as it may be written to a CSV: bidi controls removed, a would-be formula
    prefixed with ``'``; a plain number (``-3``, ``+1.5``) is left alone."""
    if not isinstance(value, str):
        return value
    value = strip_bidi(value)
    if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_frame(frame: "pd.DataFrame") -> "pd.DataFrame":
    """``frame`` with every text cell (and column name) passed through :func:`csv_cell`."""
    import pandas as pd

    out = frame.rename(columns=lambda c: csv_cell(c) if isinstance(c, str) else c)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(csv_cell, na_action="ignore")
    return out
