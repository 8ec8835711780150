"""The codebook (``params/codebook.yaml``): labels, scales, missing codes, PII flags.

It says, for every raw variable of every source, what a valid value is and
how a variable that identifies a person is treated. ``validate`` checks raw
frames against it, ``clean`` recodes with it, ``report`` labels with it.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from mwsn.config import Bilingual, Strict, validation_problems, read_yaml
from mwsn.errors import InputError, Problem

VariableType = Literal[
    "id", "text", "free_text", "category", "multi", "likert", "number", "date", "datetime",
    "boolean"
]


#: typographic characters an export (or a word processor) may put in an answer, and the
#: plain characters the codebook uses for them
_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                              "\u02bc": "'", "\u2032": "'", "\u00b4": "'", "\u0060": "'",
                              "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
                              "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-",
                              "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ",
                              "\u202f": " ", "\u2009": " ", "\u200b": ""})
_SPACES = re.compile(r"\s+")


#: a whole number written as a double: 4.0, 4.00, or with a decimal comma 4,0 and 4,00
_WHOLE_DOUBLE = r"[-+]?\d+(?:\.0+|,0{1,2})"


def answer_text(value) -> str:
    """A raw answer as text: a number stored as a double (SPSS, Stata, Excel) that is whole
    is written without decimals (``4.0`` → ``"4"``), blank for a missing value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    text = str(value)
    # 4.0, or 4,00 as SPSS and Excel write it with a decimal comma (a French locale's CSV);
    # never 1,000 (a thousands separator)
    if re.fullmatch(_WHOLE_DOUBLE, text.strip()):
        return re.split(r"[.,]", text.strip())[0]
    return text


#: a whole number written as text, as :func:`answer_text` leaves it (``4.0`` is ``4`` there)
_WHOLE = re.compile(r"[-+]?\d+")


def normalize_answer(value) -> str:
    """The form answers are matched in: Unicode NFC, typographic quotes, dashes and
    spaces made plain, runs of spaces collapsed, case folded (``D’accord`` matches
    ``D'accord``; ``4.0``, ``04`` and ``+4`` match code ``4``)."""
    text = unicodedata.normalize("NFC", answer_text(value)).translate(_TYPOGRAPHIC)
    text = _SPACES.sub(" ", text).strip().casefold()
    if _WHOLE.fullmatch(text):   # a code written with zeros before it (01) or a sign (+1)
        return str(int(text))
    return text


#: a value label that starts with its code, as SPSS and Stata files often label values
#: ("1. Strongly disagree", "4 - Agree", "98: Don't know"; Stata's ``numlabel, add``)
_CODE_PREFIX = re.compile(r"^[-+]?\d+\s*(?:[.:)-]\s*|\s+)(?=\S)")


#: a number with a fraction, as :func:`normalize_answer` leaves it (4.5, -1.25, 4,5)
_DECIMAL = re.compile(r"[-+]?\d+[.,]\d+")


def lookup_answer(table: dict, answer) -> object:
    """``table[normalize_answer(answer)]``, or, for a label that starts with its code
    (``4 - Agree``), the entry of the label after it; ``None`` when neither is known."""
    text = normalize_answer(answer)
    found = table.get(text)
    # a number with decimals (4.5, 2.5) is no label after its code: never code 5
    if found is None and not _DECIMAL.fullmatch(text) and (prefix := _CODE_PREFIX.match(text)):
        found = table.get(text[prefix.end():])
    return found


class Level(Strict):
    code: int
    en: str
    fr: str


class MissingAnswer(Strict):
    en: str
    fr: str
    reason: str


class Scale(Strict):
    """An ordered Likert scale and the answers that are not opinions."""

    label: Bilingual
    levels: list[Level] = Field(min_length=2)
    top_box: int = Field(default=2, ge=1)
    missing: list[MissingAnswer] = Field(default_factory=list)
    refused: list[MissingAnswer] = Field(default_factory=list)

    def labels(self, lang: str = "en") -> list[str]:
        return [getattr(level, lang) for level in self.levels]

    @cached_property
    def _lookup(self) -> dict[str, tuple[int | None, str | None]]:
        """Answer text (EN or FR, any case) or numeric code → (level code, missing reason)."""
        table: dict[str, tuple[int | None, str | None]] = {}
        for level in self.levels:
            for key in (level.en, level.fr, str(level.code)):
                table[normalize_answer(key)] = (level.code, None)
        for answer in [*self.missing, *self.refused]:
            for key in (answer.en, answer.fr, answer.reason):
                table[normalize_answer(key)] = (None, answer.reason)
        return table

    def parse(self, answer: str) -> tuple[int | None, str | None] | None:
        """``(code, None)`` for an opinion, ``(None, reason)`` for a missing code,
        ``None`` when the answer is not on the scale."""
        return lookup_answer(self._lookup, answer)

    @property
    def agree_codes(self) -> list[int]:
        return [level.code for level in self.levels[-self.top_box:]]


class Category(Strict):
    code: str
    en: str
    fr: str


class Variable(Strict):
    name: str
    raw: str | None = None
    type: VariableType
    label: Bilingual
    required: bool = False
    scale: str | None = None
    values: str | None = None
    range: tuple[float, float] | None = None
    pii: Literal["drop", "pseudonymize", "scrub"] | None = None
    #: this column holds people's names: scrub them from every free-text field
    names: bool = False
    #: skip pattern: the question is shown only when this XLSForm expression holds
    #: (e.g. ``${stakeholder_group} = 'migrant_worker'``); a blank answer is then
    #: *not asked*, and ``required`` applies only where it was asked
    asked_if: str | None = None

    @property
    def raw_name(self) -> str:
        return self.raw or self.name


class SourceSpec(Strict):
    label: Bilingual
    variables: list[Variable]
    respondent: str | None = None
    timestamp: str | None = None
    complete: str | None = None
    consent: str | None = None
    #: the variables that identify one record: the same record twice with different
    #: answers is an error (the same person answering twice is resolved by cleaning)
    record: list[str] = Field(default_factory=list)

    def variable(self, name: str) -> Variable:
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(name)


class Codebook(Strict):
    scales: dict[str, Scale]
    categories: dict[str, list[Category]]
    sources: dict[str, SourceSpec]

    def category_codes(self, name: str) -> list[str]:
        return [c.code for c in self.categories[name]]

    def category_label(self, name: str, code: str, lang: str) -> str:
        for category in self.categories[name]:
            if category.code == code:
                return getattr(category, lang)
        return code

    def parse_category(self, name: str, value: str) -> str | None:
        """Code for a raw category answer given as its code or its EN/FR label."""
        return lookup_answer(self._category_lookup[name], value)

    @cached_property
    def _category_lookup(self) -> dict[str, dict[str, str]]:
        """Category list → normalized code or EN/FR label → code."""
        return {name: {normalize_answer(key): c.code for c in reversed(categories)
                       for key in (c.fr, c.en, c.code)}
                for name, categories in self.categories.items()}


# -- what a valid value is, for a whole column at once ---------------------------------------

TRUE = frozenset({"true", "1", "yes", "y", "oui", "vrai"})
FALSE = frozenset({"false", "0", "no", "n", "non", "faux"})


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def categories_in_use(values: pd.Series) -> np.ndarray:
    """Per category of a categorical column, whether any row holds it (bool array)."""
    codes = values.cat.codes.to_numpy()
    return np.bincount(codes[codes >= 0], minlength=len(values.cat.categories)) > 0


def per_category(values: pd.Series, parse) -> pd.Series | None:
    """``parse`` applied to a categorical column's categories only, then spread to its rows
    (None if ``values`` is not categorical)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return None
    parsed = parse(pd.Series(values.cat.categories))
    out = pd.api.extensions.take(parsed.array, values.cat.codes.to_numpy(), allow_fill=True)
    return pd.Series(out, index=values.index)


#: a currency written before or after an amount (spaces already taken out): $, CA$, C$, $CA,
#: CAD, as a spreadsheet formats a cell in English or French Canada
_CURRENCY = r"^([-+]?)(?:CAD|CA\$|C\$|\$CA|\$)(?=[-+(]?\d)|(?<=[\d)])(?:CAD|\$CA|\$)$"


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers written as text → floats (NaN where not a number).

    Thousands separators are understood: ``1,234.5``, ``1 234,5`` (space,
    no-break or narrow no-break space), ``1.234,5``; a lone decimal comma
    (``2,5``) is a decimal; a currency before or after (``$1,234.50``, ``1 234,50 $``,
    ``CAD``) is left out, and an amount in brackets is negative. Blank stays NaN.
    """
    if (spread := per_category(values, parse_numbers)) is not None:
        return spread.astype("float64")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    text = _text(values).str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    # an amount as Excel saves a cell formatted as currency into a CSV: $1,234.50, 1 234,50 $
    # (a French locale), CA$, CAD; in accounting's brackets, a negative one: (1,234.50)
    text = text.str.replace(_CURRENCY, r"\1", regex=True).str.replace(
        r"^\((.+)\)$", r"-\1", regex=True).str.replace("\u2212", "-", regex=False)
    grouped = text.str.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?").fillna(False)
    european = ~grouped & (text.str.fullmatch(r"[-+]?\d{1,3}(?:\.\d{3})+,\d+")
                           | text.str.fullmatch(r"[-+]?\d+,\d+")).fillna(False)
    if grouped.any():
        text = text.mask(grouped, text.str.replace(",", "", regex=False))
    if european.any():
        text = text.mask(european, text.str.replace(".", "", regex=False)
                         .str.replace(",", ".", regex=False))
    return pd.to_numeric(text.replace("", pd.NA), errors="coerce").astype("float64")


#: date formats tried first, in C (pyarrow), before pandas' slower guessing
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y-%m-%d %H:%M")
#: a date written with day and month first, in either order: 01/10/2019, 1-10-19, 01.10.2019 14:30
_DAY_MONTH = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[ T,])")
#: an offset written as Google Sheets and some tools do: "GMT-4", "UTC+05:30"
_GMT_OFFSET = re.compile(r"\s*(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*$")
#: North American time zones written by abbreviation (a case-management system's or a
#: spreadsheet's "2019-10-01 6:21 PM PDT"), and their UTC offsets; in a Canadian program
#: CST is Central Standard Time
ZONE_ABBREVIATIONS = {"NDT": "-02:30", "NST": "-03:30", "ADT": "-03:00", "AST": "-04:00",
                      "EDT": "-04:00", "EST": "-05:00", "CDT": "-05:00", "CST": "-06:00",
                      "MDT": "-06:00", "MST": "-07:00", "PDT": "-07:00", "PST": "-08:00",
                      "AKDT": "-08:00", "AKST": "-09:00", "HST": "-10:00"}
#: a time of day as tools write it: 8:51, 08:51:07.481, 8:51:07 PM, 8:51 p.m., 8:51 a. m.
_CLOCK = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?\s?[Mm]\.?)?"
#: a UTC offset after a time: Z; +08:00, -0700, -07 (with or without a space before it);
#: GMT-4, UTC+05:30, UTC alone; a zone's abbreviation; each minus may be U+2212 (CLDR's
#: French and Nordic formats, "UTC−4"); then perhaps the zone's name in brackets, as
#: JavaScript writes a date ("GMT-0700 (Pacific Daylight Time)")
_OFFSET = (r"(?:Z|[+\-\u2212]\d{2}(?::?\d{2})?|(?:GMT|UTC)(?:\s*[+\-\u2212]\d{1,2}(?::?\d{2})?)?|"
           + "|".join(ZONE_ABBREVIATIONS) + r")(?:\s*\([^()]*\))?")
#: a date-time that ends with a UTC offset (or Z); ISO 8601's basic form too (20191001T182100Z)
_HAS_OFFSET = re.compile(rf"(?:{_CLOCK})\s*{_OFFSET}$|\dT?\d{{6}}Z$")
#: the same, for a reader telling each cell apart (ingest: times without an offset beside others)
HAS_OFFSET = _HAS_OFFSET


def _day_month_parts(values: pd.Series):
    """Per value: a day-month date found, its first and second numbers, and whether only
    day first (first number above 12) or only month first (second above 12) reads it."""
    text = _text(values.astype("string"))
    parts = text.str.extract(_DAY_MONTH.pattern)
    found = parts[0].notna().to_numpy()
    first = pd.to_numeric(parts[0], errors="coerce").to_numpy()
    second = pd.to_numeric(parts[2], errors="coerce").to_numpy()
    day_first = found & (first > 12) & (second <= 12)
    month_first = found & (second > 12) & (first <= 12)
    return found, first, second, day_first, month_first


def mixed_date_outliers(values: pd.Series) -> tuple[np.ndarray, str]:
    """Positions of the dates written in the column's less common order (only day first
    where more read only month first, or the reverse), and the order most dates show
    (``"dayfirst"`` or ``"monthfirst"``)."""
    _, _, _, day_first, month_first = _day_month_parts(values)
    if day_first.sum() <= month_first.sum():
        return day_first.nonzero()[0], "monthfirst"
    return month_first.nonzero()[0], "dayfirst"


def date_order(values: pd.Series) -> tuple[str | None, int | None]:
    """How the day-month dates of a column (01/10/2019) are written, from the dates that
    only one order can read (a first number above 12 is a day; a second one, too).

    Returns ``(order, position)``: ``order`` is ``"dayfirst"``, ``"monthfirst"``,
    ``"ambiguous"`` (every such date reads both ways), ``"mixed"`` (some dates
    read only day-first, others only month-first) or ``None`` (no such dates);
    ``position`` is the first value that shows the problem (ambiguous or mixed).
    """
    found, first, second, day_first, month_first = _day_month_parts(values)
    if not found.any():
        return None, None
    if day_first.any() and month_first.any():
        # the dates written the other way are the fewer: the first of them
        fewer = day_first if day_first.sum() <= month_first.sum() else month_first
        return "mixed", int(fewer.nonzero()[0][0])
    if day_first.any():
        return "dayfirst", None
    if month_first.any():
        return "monthfirst", None
    ambiguous = found & (first != second)
    if not ambiguous.any():  # 01/01/2019, 05/05/2019: the same either way
        return "dayfirst", None
    return "ambiguous", int(ambiguous.nonzero()[0][0])


def _iso_from_day_month(text: pd.Series, dayfirst: bool) -> pd.Series:
    """Day-month dates rewritten as ISO 8601 (``2019-10-01``) in the given order; the rest
    unchanged (an impossible date such as month 13 stays impossible)."""
    def iso(match) -> str:
        a, b, year = match.group(1), match.group(3), match.group(4)
        day, month = (a, b) if dayfirst else (b, a)
        if len(year) == 2:
            year = ("20" if int(year) < 70 else "19") + year
        return f"{year}-{int(month):02d}-{int(day):02d}"

    return text.str.replace(_DAY_MONTH, iso, regex=True)


#: dates already parsed from a text column, by the identity of the column's Arrow text
#: (immutable) and the reading asked for: validation and cleaning read the same raw columns
#: in one run, and each is parsed once. An entry goes when its column does.
_PARSED: dict[tuple, tuple[weakref.ref, np.ndarray, object]] = {}


def arrow_storage(values: pd.Series):
    """The Arrow array behind a text column (None for other storage)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return values.array.__arrow_array__()
    return None


def arrow_blank(text):
    """Per value of an Arrow text array, whether it is blank: empty or all whitespace (what
    ``str.strip`` leaves empty, Unicode spaces included); missing values stay missing."""
    import pyarrow.compute as pc

    return pc.or_(pc.equal(pc.binary_length(text), 0), pc.utf8_is_space(text))


def blank_cells(values: pd.Series) -> np.ndarray:
    """Per row, whether a column's cell is blank: missing, empty or all whitespace (what
    ``str.strip`` leaves empty). Told by Arrow in place for a text column as read, else on
    the column's distinct values: a column of a million cells is never copied as text."""
    import pyarrow.compute as pc

    text = arrow_storage(values)
    if text is not None:
        return pc.fill_null(arrow_blank(text), True).to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    blank = (pd.Series(uniques).astype("string").str.strip() == "").fillna(True)
    return np.append(blank.to_numpy(dtype=bool), True)[codes]


def parse_datetimes(values: pd.Series, dayfirst: bool | None = None,
                    date_format: str | None = None, stripped: pd.Series | None = None
                    ) -> pd.Series:
    """Dates or date-times written as text → timestamps (NaT where not a date).

    ISO 8601 with a UTC offset (``2019-09-18T08:51:07.481Z``,
    ``...T16:12:21+08:00``, ``... GMT-4``) is converted to UTC, so rows written
    in different zones compare rightly; the result is naive (UTC). Day-month
    dates (``01/10/2019``) are read in the order ``dayfirst`` gives, else in the
    order the column's unambiguous dates show (see :func:`date_order`); a column
    whose order cannot be told reads them as not dates (validation reports it).
    ``date_format`` (strftime) overrides all guessing. A text column parsed before (the
    same column, not a copy: validation's, then cleaning's) is not parsed again.
    ``stripped``: the text of ``values`` stripped (``Series.str.strip``, on the same index),
    when the caller has made it already (validation has), so as not to make it again.
    """
    text = arrow_storage(values)
    if text is None:
        return _parse_datetimes(values, dayfirst, date_format)
    key = (id(text), dayfirst, date_format)
    if key in _PARSED and _PARSED[key][0]() is text:
        _, parsed, name = _PARSED[key]
        return pd.Series(parsed.copy(), index=values.index, name=name)
    out = _parse_datetimes(values, dayfirst, date_format, stripped)
    _PARSED[key] = (weakref.ref(text, lambda _, key=key: _PARSED.pop(key, None)),
                    out.to_numpy(copy=True), out.name)
    return out


def _parse_datetimes(values: pd.Series, dayfirst: bool | None,
                     date_format: str | None, stripped: pd.Series | None = None) -> pd.Series:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            return values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
        return values
    if (spread := per_category(values, lambda v: parse_datetimes(v, dayfirst, date_format))
            ) is not None:
        return spread.astype("datetime64[us]")
    text = (_text(values) if stripped is None else stripped).replace("", pd.NA)
    if date_format:
        parsed = pd.to_datetime(text, format=date_format, errors="coerce", utc=True)
        return parsed.dt.tz_localize(None).astype("datetime64[us]")
    arrow = pa.array(text.array, type=pa.string()) if len(text) else pa.array([], pa.string())
    found = None
    for fmt in DATE_FORMATS:
        parsed = pc.strptime(arrow, format=fmt, unit="us", error_is_null=True)
        found = parsed if found is None else pc.coalesce(found, parsed)
        if found.null_count == arrow.null_count:  # every date read: the next formats add none
            break
    if len(arrow):  # Arrow's strptime rolls 2023-02-30 over to 2023-03-02: refuse, don't move
        # the day as ISO text through a cast to date32: strftime's locale-aware formatting
        # gives the same text at ten times the cost (seconds at a million rows); compared
        # with the text's first ten bytes, which equal it exactly when its first ten
        # characters do (either holds a character that is not ASCII where the day has none)
        day = pc.cast(pc.cast(pc.cast(found, pa.date32()), pa.string()), pa.binary())
        same_day = pc.equal(day, pc.binary_slice(arrow.cast(pa.binary()), 0, 10))
        found = pc.if_else(pc.fill_null(same_day, False), found, pa.scalar(None, found.type))
    out = pd.Series(found.to_numpy(zero_copy_only=False), index=values.index).astype(
        "datetime64[us]")
    rest = out.isna() & text.notna()
    if not rest.any():
        return out
    others = text[rest]
    day_month = others.str.match(_DAY_MONTH.pattern).fillna(False)
    if day_month.any():
        order = dayfirst
        if order is None:
            inferred, _ = date_order(others)
            order = {"dayfirst": True, "monthfirst": False}.get(inferred)
        if order is None:  # ambiguous: neither order is assumed
            others = others[~day_month]
        else:
            others = others.mask(day_month, _iso_from_day_month(others[day_month], order))
    others = plain_offsets(others)
    # one unit for both readings: a column whose ISO 8601 dates are whole seconds (or none)
    # takes the fractions of a second the other reading finds (9:14:05.5 PM, 21:14:05,123Z)
    iso = pd.to_datetime(others, errors="coerce", format="ISO8601", utc=True).dt.as_unit("us")
    left = iso.isna()
    if left.any():
        iso[left] = pd.to_datetime(others[left], errors="coerce", format="mixed", utc=True,
                                   dayfirst=bool(dayfirst)).dt.as_unit("us")
    out[others.index] = iso.dt.tz_localize(None).astype("datetime64[us]")
    return out


def plain_offsets(text: pd.Series) -> pd.Series:
    """Date-times whose UTC offset is written as ISO 8601's ``±hh:mm``, which pandas reads:
    ``GMT-4`` → ``-04:00``, ``UTC−4`` (U+2212) → ``-04:00``, ``PDT`` → ``-07:00``,
    ``UTC``/``GMT`` alone → ``+00:00``, a zone's name in brackets after the offset dropped.
    Text with no offset after a time is left as it is."""
    timed = text.str.contains(rf"(?:{_CLOCK})\s*{_OFFSET}$", regex=True).fillna(False)
    if not timed.any():
        return text
    out = text[timed].str.replace("\u2212", "-", regex=False)
    out = out.str.replace(r"\s*\([^()]*\)$", "", regex=True)
    zones = "|".join(ZONE_ABBREVIATIONS)
    out = out.str.replace(rf"\s*\b({zones})$", lambda m: ZONE_ABBREVIATIONS[m.group(1)],
                          regex=True)
    out = out.str.replace(r"\s*\b(?:GMT|UTC)$", "+00:00", regex=True)
    out = out.str.replace(_GMT_OFFSET, lambda m: f"{m.group(1)}{int(m.group(2)):02d}:"
                          f"{m.group(3) or '00'}", regex=True)
    return text.mask(timed, out)


def has_utc_offset(values: pd.Series) -> bool:
    """Whether any date-time in a text column carries a UTC offset (or Z)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return getattr(values.dt, "tz", None) is not None
    return bool(_text(values.astype("string")).str.contains(_HAS_OFFSET).fillna(False).any())


#: Excel's serial day numbers read as dates: 1954-10-03 (20000) to 2119-01-09 (80000); a
#: plain number outside these in a date column is not taken for one
EXCEL_SERIALS = (20000, 80000)


def excel_serial_dates(text: pd.Series, kind: str) -> pd.Series:
    """The values of a date column's ``text`` that are Excel serial day numbers
    (``43739.7645833333`` is 2019-10-01 18:21:00: days since 1899-12-30, Excel's day 0 in
    its 1900 date system), as ISO 8601 text on their index; the others are left out."""
    number = text.str.fullmatch(r"\d{5}(?:\.\d+)?").fillna(False)
    if not number.any():
        return text.iloc[:0]
    days = pd.to_numeric(text[number], errors="coerce")
    days = days[days.between(*EXCEL_SERIALS)]
    stamps = (pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")).dt.round("s")
    return stamps.dt.strftime("%Y-%m-%d" if kind == "date" else "%Y-%m-%d %H:%M:%S").astype(
        "string")


#: Unix time read in a date-time column: from 2001-09-09 (10^9 seconds after 1970-01-01 UTC)
#: to 2100-01-01; ten digits are seconds, thirteen milliseconds (as JavaScript writes it)
UNIX_SECONDS = (1_000_000_000, 4_102_444_800)
_UNIX = r"\d{10}(?:\.\d+)?|\d{13}"


def unix_times(text: pd.Series) -> pd.Series:
    """The values of a date-time column's ``text`` that are Unix time (``1570725240`` is
    2019-10-10 16:34:00 UTC: seconds since 1970-01-01 00:00 UTC; ``1570725240000`` the same
    in milliseconds), as ISO 8601 text in UTC on their index; the others are left out."""
    number = text.str.fullmatch(_UNIX).fillna(False)
    if not number.any():
        return text.iloc[:0]
    seconds = pd.to_numeric(text[number], errors="coerce")
    seconds = seconds.where(text[number].str.len() != 13, seconds / 1000)
    seconds = seconds[seconds.between(*UNIX_SECONDS)]
    stamps = pd.to_datetime(seconds, unit="s").dt.round("s")
    return stamps.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string")


def looks_like_unix_time(text: str) -> bool:
    """Whether a date column's value is Unix time (see :func:`unix_times`)."""
    return len(unix_times(pd.Series([str(text).strip()], dtype="string"))) == 1


def unix_day(text: str) -> str:
    """Why a column of days refuses a Unix time (see :func:`unix_times`): it is an instant in
    UTC, whose day may not be the one where it happened."""
    when = unix_times(pd.Series([str(text).strip()], dtype="string")).iat[0]
    return (f"{str(text).strip()!r} is Unix time (seconds since 1970-01-01 UTC: {when} UTC), "
            "which does not say the day where it happened (an evening in Canada is the next "
            "day in UTC): export the column from its tool as dates (YYYY-MM-DD)")


#: a time of day and the UTC offset after it ("T23:30:00-07:00", " 8:51:07 p.m. GMT-4", "Z",
#: " -0700", "UTC−4", " PDT")
_TIME_OFFSET = re.compile(rf"^(.*{_CLOCK})\s*{_OFFSET}$")


def local_time(values: pd.Series) -> pd.Series:
    """Date-times written with a UTC offset, the offset taken off: the date and time where
    they were written (``2018-07-18T23:30:00-07:00`` → ``2018-07-18T23:30:00``)."""
    return _text(values.astype("string")).str.replace(_TIME_OFFSET, r"\1", regex=True)


def local_format(date_format: str | None) -> str | None:
    """A strftime ``date_format`` without its UTC offset (``%z``, ``%Z``), for the text
    :func:`local_time` leaves: ``"%Y-%m-%dT%H:%M:%S%z"`` → ``"%Y-%m-%dT%H:%M:%S"``."""
    return None if date_format is None else re.sub(r"\s*%[zZ]", "", date_format)


def parse_booleans(values: pd.Series) -> pd.Series:
    """``True``/``False``, ``1``/``0``, ``yes``/``no`` (and French) → boolean (NA if neither)."""
    if (spread := per_category(values, parse_booleans)) is not None:
        return spread.astype("boolean")
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    if pd.api.types.is_numeric_dtype(values):
        # 1.0 is 1; 0.5 stays 0.5, neither true nor false (Int64 refused it with a TypeError)
        values = values.map(answer_text, na_action="ignore").astype("string")
    # a 1 or 0 written as a double ("1.0", a CSV saved from SPSS, Stata or Excel) is 1 or 0
    text = _text(values).str.lower().str.replace(rf"^({_WHOLE_DOUBLE})$",
                                                 lambda m: re.split(r"[.,]", m.group(1))[0],
                                                 regex=True)
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(TRUE).fillna(False).to_numpy(dtype=bool)] = True
    out[text.isin(FALSE).fillna(False).to_numpy(dtype=bool)] = False
    return out


def likert_items(codebook: Codebook, source: str, scale: str | None = None,
                 collected: pd.DataFrame | None = None) -> dict[str, list[int]]:
    """Likert variables of a source (optionally of one scale) → their top-box codes.

    With ``collected`` (the cleaned source), only the items its instrument
    asked: an item cleaning marked ``not_collected`` in every row is left out.
    """
    return {v.name: codebook.scales[v.scale].agree_codes
            for v in codebook.sources[source].variables
            if v.type == "likert" and (scale is None or v.scale == scale)
            and (collected is None or was_collected(collected, v.name))}


def was_collected(frame: pd.DataFrame, item: str) -> bool:
    """Whether a cleaned source holds answers to ``item``: the column exists and is not
    marked ``not_collected`` in every row (``<item>_missing``)."""
    if item not in frame.columns:
        return False
    reasons = frame.get(f"{item}_missing")
    return reasons is None or len(frame) == 0 or not (
        reasons.astype("string").eq("not_collected").fillna(False).all())


def load_codebook(root: str | Path = ".") -> Codebook:
    path = Path(root) / "params" / "codebook.yaml"
    data = read_yaml(path)
    try:
        codebook = Codebook.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(path, exc)) from None
    problems = []
    for source, spec in codebook.sources.items():
        for var in spec.variables:
            if var.type == "likert" and var.scale not in codebook.scales:
                problems.append(Problem(str(path), f"sources.{source}: variable {var.name!r} "
                                        f"uses unknown scale {var.scale!r}"))
            if var.type in ("category", "multi") and var.values not in codebook.categories:
                problems.append(Problem(str(path), f"sources.{source}: variable {var.name!r} "
                                        f"uses unknown category list {var.values!r}"))
        names = {var.name for var in spec.variables}
        for role in ("respondent", "timestamp", "complete", "consent"):
            if getattr(spec, role) and getattr(spec, role) not in names:
                problems.append(Problem(str(path), f"sources.{source}.{role}: "
                                        f"{getattr(spec, role)!r} is not one of its variables"))
        for name in spec.record:
            if name not in names:
                problems.append(Problem(str(path), f"sources.{source}.record: {name!r} is not "
                                        "one of its variables"))
    if problems:
        raise InputError(problems)
    return codebook
