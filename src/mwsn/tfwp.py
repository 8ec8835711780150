"""Read the official Temporary Foreign Worker Program statistics as they are published.

Read as published (never edited by hand):

* ESDC's annual TFWP statistics (open.canada.ca, tables 3, 4, 7, 11, 12, 13, 25,
  26 and 27): CSV in Windows-1252, a title row, stacked per-province blocks
  with the province named once, headers split over two rows, ``"1,234"``
  numbers, ``"<Province> - Total"`` rows and trailing notes;
* IRCC's TFWP work-permit holders on December 31 by province/territory and
  program (xlsx): numbers stored as text, ``--`` for 0-5, the province named
  only on the ``"<Province> Total"`` row that ends its block;
* ESDC's positive LMIA employer lists (:func:`read_employer_list`), whose column
  names differ between releases ("Positions Approved" / "Approved Positions").

Both readers return a tidy long frame, one published cell per row:
``province``, the table's own breakdown (``stream``, ``region``,
``occupation``, ``skill_level``; ``program_group`` and ``program`` for IRCC),
``year``, ``measure``, ``value`` (nullable integer), ``is_total`` (a published
total of other rows: a province's ``Total`` or a ``Canada`` row),
``suppressed`` and ``reason`` (why ``value`` is missing: ``--`` is kept as
missing with its reason, never read as zero) and ``line`` (the row in the
file). :func:`check_totals` compares each published total with the sum of its
detail rows and says where they differ; the number of differences is kept in
``frame.attrs["total_mismatches"]``.

A file laid out otherwise than these readers know fails with an
:class:`~mwsn.errors.InputError` saying what was expected and what was found;
a new edition with more years or renamed header labels reads correctly.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mwsn.errors import InputError, Problem

#: the publishers' mark for a small value they do not show
SUPPRESSED_MARK = "--"
TOTAL = "Total"
CANADA = "Canada"

_YEAR = re.compile(r"^\s*((?:19|20)\d\d)\s*$")
_NUMBER = re.compile(r"^-?(\d{1,3}([, \u00a0\u202f]\d{3})+|\d+)(\.0+)?$")
_CODE = re.compile(r"^([0-9A-Z]{1,4})\s*-\s*(\S.*)$")
_SAWP_MEASURE = re.compile(r"^(?:((?:19|20)\d\d)\s*-?\s*)?(positive|negative)$", re.I)


@dataclass(frozen=True)
class Layout:
    """What one ESDC annual table looks like."""

    number: int
    title: str  #: regular expression found in the title row (case-insensitive)
    shape: str  #: "stacked" (per-province blocks), "flat" (one row per province) or "sawp"
    measure: str
    dimension: str | None  #: name of the breakdown column, None for a province-only table
    header: str  #: regular expression the header label of the breakdown must match
    description: str

    def matches(self, title: str) -> bool:
        return re.search(self.title, title, flags=re.I) is not None


LAYOUTS = (
    Layout(3, r"positions on positive .*economic region and province", "stacked",
           "positions_positive", "region", r"economic region|region|location",
           "positions on positive LMIAs by economic region and province/territory"),
    Layout(4, r"positions on positive .*\(NOC\) skill level", "stacked",
           "positions_positive", "skill_level", r"management|skill level",
           "positions on positive LMIAs by NOC skill level and province/territory"),
    Layout(7, r"positions on positive .*\(NOC\),? and province", "stacked",
           "positions_positive", "occupation", r"noc|occupation",
           "positions on positive LMIAs by occupation (NOC) and province/territory"),
    Layout(11, r"number of employers who received at least one positive or negative", "flat",
           "employers_positive_or_negative", None, r"province",
           "employers with at least one positive or negative LMIA by province/territory"),
    Layout(12, r"positions on requested", "flat", "positions_requested", None, r"province",
           "positions on requested LMIAs by province/territory"),
    Layout(13, r"positions on positive .*by (program )?stream", "stacked",
           "positions_positive", "stream", r"(program )?stream",
           "positions on positive LMIAs by stream and province/territory"),
    Layout(25, r"number of positive and negative .*seasonal agricultural worker program.*"
               r"location", "sawp", "lmias", "region", r"location|region|^$",
           "SAWP positive and negative LMIAs by location of employment"),
    Layout(26, r"positions on positive and negative .*seasonal agricultural worker program.*"
               r"location", "sawp", "positions", "region", r"location|region|^$",
           "SAWP positions on positive and negative LMIAs by location of employment"),
    Layout(27, r"positions on positive and negative .*seasonal agricultural worker program.*"
               r"(occupational classification|\(NOC\))", "sawp", "positions", "occupation",
           r"noc|occupation|^$",
           "SAWP positions on positive and negative LMIAs by occupation (NOC)"),
)

_ESDC_HELP = ("read_tfwp_table reads the ESDC TFWP annual statistics tables "
              + ", ".join(str(x.number) for x in LAYOUTS)
              + " as published on open.canada.ca (CSV, English edition)")


def _text(path: Path) -> str:
    if not path.is_file():
        raise InputError(Problem(str(path), "file not found: copy the published table here"))
    data = path.read_bytes()
    if not data.strip():
        raise InputError(Problem(str(path), "the file is empty: download the table again"))
    if b"\x00" in data[:4096]:
        raise InputError(Problem(str(path), f"this is not a CSV text file; {_ESDC_HELP}"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # ESDC publishes Windows-1252


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """CSV records with the file line each starts on (cells may hold line breaks)."""
    text = re.sub(r"\r+\n", "\r\n", _text(path))  # some releases end lines with CR CR LF
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, line = [], 1
    try:
        for record in reader:
            rows.append((line, [c.strip() for c in record]))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(Problem(str(path), f"not readable as CSV: {exc}", row=line)) from None
    return rows


def _blank(cells) -> bool:
    return not any(c.strip() if isinstance(c, str) else c is not None for c in cells)


def _value(raw, path: Path, line: int, column: str) -> tuple[float | None, bool, str | None]:
    """One published cell: (value, suppressed, reason for a missing value)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, False, "blank in the published table"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw), False, None
    text = str(raw).strip()
    if text == SUPPRESSED_MARK:
        return None, True, "suppressed by the publisher ('--')"
    if _NUMBER.match(text):
        return float(re.sub(r"[, \u00a0\u202f]", "", text)), False, None
    raise InputError(Problem(str(path), f"expected a count such as 1,234 or '--', found {text!r}; "
                             "is this the table as published?", row=line, column=column))


def _layout(path: Path, title: str) -> Layout:
    found = [x for x in LAYOUTS if x.matches(title)]
    if len(found) != 1:
        known = "; ".join(f"table {x.number}: {x.description}" for x in LAYOUTS)
        raise InputError(Problem(
            str(path), f"the title row {title[:160]!r} is not one of the tables this reader "
            f"knows ({known}); {_ESDC_HELP}", row=1))
    return found[0]


def _check_header(path: Path, layout: Layout, label: str, line: int, column: str) -> None:
    if not re.search(layout.header, label, flags=re.I):
        raise InputError(Problem(
            str(path), f"table {layout.number}: expected a header naming the "
            f"{layout.dimension or 'province/territory'} (matching {layout.header!r}), found "
            f"{label!r}", row=line, column=column))


def _years(cells: list[str]) -> dict[int, int]:
    """Column index -> year for a header row whose filled cells are all years."""
    filled = {i: c for i, c in enumerate(cells) if c}
    if filled and all(_YEAR.match(c) for c in filled.values()):
        return {i: int(c) for i, c in filled.items()}
    return {}


def _notes(rows, start: int) -> list[str]:
    return [" ".join(c for c in cells if c) for _, cells in rows[start:] if not _blank(cells)]


def _record(layout, province, category, year, measure, cell, path, line, column, is_total):
    value, suppressed, reason = _value(cell, path, line, column)
    row = {"table": layout.number, "province": province}
    if layout.dimension:
        row[layout.dimension] = category
    row.update(year=year, measure=measure, value=value, is_total=is_total,
               suppressed=suppressed, reason=reason, line=line)
    return row


def _stacked(path: Path, layout: Layout, rows) -> tuple[list[dict], list[str]]:
    """Tables 3, 4, 7, 13: a block per province, each closed by '<Province> - Total'."""
    out, seen_years = [], None
    province = label = years = None
    start = None
    for k, (line, cells) in enumerate(rows[1:], start=1):
        if _blank(cells):
            continue
        first, rest = cells[0], cells[1:]
        if first.lower().startswith("notes") and _blank(rest):
            if province is not None:
                raise InputError(Problem(str(path), f"the block for {province!r} (from line "
                                         f"{start}) has no '{province} - Total' row before the "
                                         "notes: the file looks truncated or reshaped", row=line))
            return out, _notes(rows, k + 1)
        if province is None:
            if not first or not _blank(rest):
                raise InputError(Problem(str(path), f"table {layout.number}: expected a province "
                                         f"or territory name on a row of its own to start a "
                                         f"block, found {','.join(cells)[:120]!r}", row=line))
            province, label, years, start = first, None, None, line
            continue
        if years is None:
            found = _years(rest)
            if found:
                header = first or label
                if header:
                    _check_header(path, layout, header, line, "A")
                if seen_years is not None and found != seen_years:
                    raise InputError(Problem(str(path), f"the block for {province!r} has years "
                                             f"{sorted(found.values())}, the blocks before it "
                                             f"{sorted(seen_years.values())}", row=line))
                years = seen_years = found
            elif first and _blank(rest) and label is None:
                label = first
            else:
                raise InputError(Problem(str(path), f"table {layout.number}: expected a header "
                                         f"row of years (',2016,2017,...') after {province!r}, "
                                         f"found {','.join(cells)[:120]!r}", row=line))
            continue
        extra = [i for i, c in enumerate(rest) if c and i not in years]
        if extra:
            raise InputError(Problem(str(path), f"a value outside the year columns: "
                                     f"{rest[extra[0]]!r}", row=line, column=str(extra[0] + 2)))
        total = re.fullmatch(rf"{re.escape(province)}\s*-\s*total", first, flags=re.I)
        if not total and re.search(r"-\s*total$", first, flags=re.I):
            raise InputError(Problem(str(path), f"expected '{province} - Total' to close the "
                                     f"block for {province!r}, found {first!r}", row=line))
        if not total and _blank(rest):
            raise InputError(Problem(str(path), f"{first!r} has no values and the block for "
                                     f"{province!r} (from line {start}) has no "
                                     f"'{province} - Total' row: the file looks reshaped",
                                     row=line))
        category = TOTAL if total else first
        for i, year in years.items():
            out.append(_record(layout, province, category, year, layout.measure,
                               rest[i] if i < len(rest) else "", path, line, str(year),
                               bool(total) or province == CANADA))
        if total:
            province = None
    if province is not None:
        raise InputError(Problem(str(path), f"the file ends inside the block for {province!r} "
                                 f"(from line {start}) without a '{province} - Total' row: "
                                 "it looks truncated"))
    return out, []


def _flat(path: Path, layout: Layout, rows) -> tuple[list[dict], list[str]]:
    """Tables 11, 12: one row per province/territory, then Canada."""
    if len(rows) < 2:
        raise InputError(Problem(str(path), "expected a header row after the title"))
    line, cells = rows[1]
    years = _years(cells[1:])
    if not years:
        raise InputError(Problem(str(path), f"table {layout.number}: expected a header row "
                                 f"'Province/Territory,2016,2017,...', found "
                                 f"{','.join(cells)[:120]!r}", row=line))
    _check_header(path, layout, cells[0], line, "A")
    out = []
    for k, (line, cells) in enumerate(rows[2:], start=2):
        if _blank(cells):
            continue
        if cells[0].lower().startswith("notes"):
            return out, _notes(rows, k + 1)
        for i, year in years.items():
            out.append(_record(layout, cells[0], None, year, layout.measure,
                               cells[i + 1] if i + 1 < len(cells) else "", path, line,
                               str(year), cells[0] == CANADA))
    return out, []


def _sawp(path: Path, layout: Layout, rows) -> tuple[list[dict], list[str]]:
    """Tables 25-27: a year row and a Positive/Negative row; province named once per block."""
    if len(rows) < 3:
        raise InputError(Problem(str(path), "expected two header rows after the title"))
    (line_y, year_row), (line_m, measure_row) = rows[1], rows[2]
    columns, year = {}, None
    for i, cell in enumerate(measure_row[2:], start=2):
        label = year_row[i] if i < len(year_row) else ""
        if label:
            if not _YEAR.match(label):
                raise InputError(Problem(str(path), f"table {layout.number}: expected a year in "
                                         f"the first header row, found {label!r}", row=line_y,
                                         column=str(i + 1)))
            year = int(label)
        if not cell:
            continue
        match = _SAWP_MEASURE.match(cell.replace(" ", ""))
        if not match or year is None:
            raise InputError(Problem(str(path), f"table {layout.number}: expected 'Positive' or "
                                     f"'Negative' (optionally after the year) under a year, "
                                     f"found {cell!r}", row=line_m, column=str(i + 1)))
        if match.group(1) and int(match.group(1)) != year:
            raise InputError(Problem(str(path), f"header {cell!r} is under the year {year}",
                                     row=line_m, column=str(i + 1)))
        columns[i] = (year, f"{layout.measure}_{match.group(2).lower()}")
    if not columns:
        raise InputError(Problem(str(path), f"table {layout.number}: expected year and "
                                 "Positive/Negative header rows, found none", row=line_m))
    if not re.search(r"province", measure_row[0], flags=re.I):
        raise InputError(Problem(str(path), f"table {layout.number}: expected the header "
                                 f"'Province/Territories', found {measure_row[0]!r}",
                                 row=line_m, column="A"))
    _check_header(path, layout, measure_row[1], line_m, "B")
    out, province = [], None
    for k, (line, cells) in enumerate(rows[3:], start=3):
        if _blank(cells):
            continue
        if cells[0].lower().startswith("notes"):
            return out, _notes(rows, k + 1)
        province = cells[0] or province
        if province is None:
            raise InputError(Problem(str(path), "the first data row names no province",
                                     row=line, column="A"))
        category = cells[1] if len(cells) > 1 else ""
        if province == CANADA and not category:
            category = TOTAL
        if not category:
            raise InputError(Problem(str(path), f"expected a {layout.dimension} or 'Total'",
                                     row=line, column="B"))
        for i, (year, measure) in columns.items():
            out.append(_record(layout, province, category, year, measure,
                               cells[i] if i < len(cells) else "", path, line, f"{year} {measure}",
                               category == TOTAL or province == CANADA))
    return out, []


_PARSERS = {"stacked": _stacked, "flat": _flat, "sawp": _sawp}


def read_tfwp_table(path: str | Path) -> pd.DataFrame:
    """One ESDC TFWP annual statistics table as a tidy long frame (see the module docstring)."""
    path = Path(path)
    rows = _rows(path)
    while rows and _blank(rows[0][1]):
        rows.pop(0)
    if not rows:
        raise InputError(Problem(str(path), "the file holds no rows"))
    title = rows[0][1][0] if rows[0][1] else ""
    layout = _layout(path, title)
    records, notes = _PARSERS[layout.shape](path, layout, rows)
    if not records:
        raise InputError(Problem(str(path), f"table {layout.number}: found no data rows"))
    frame = pd.DataFrame.from_records(records)
    if layout.dimension in ("region", "occupation", "skill_level"):
        codes = frame[layout.dimension].str.extract(_CODE)[0]
        frame.insert(frame.columns.get_loc(layout.dimension) + 1, "code", codes)
    frame["value"] = frame["value"].astype("Int64")
    frame["year"] = frame["year"].astype("int64")
    frame.attrs = {"publisher": "ESDC", "table": layout.number, "title": title,
                   "file": path.name, "dimension": layout.dimension, "notes": notes}
    frame.attrs["total_mismatches"] = int((~check_totals(frame)["agrees"]).sum())
    return frame


# -- IRCC work-permit holders ------------------------------------------------------------------

_IRCC_TITLE = r"work permit holders on december 31"
_IRCC_HELP = ("read_ircc_work_permits reads IRCC's 'Temporary Foreign Worker Program (TFWP) work "
              "permit holders on December 31st by Province/Territory of intended destination "
              "and program' (xlsx, open.canada.ca dataset 360024f2-17e9-4558-bfc1-3616485d65b9)")


def read_ircc_work_permits(path: str | Path) -> pd.DataFrame:
    """IRCC TFWP work-permit holders on December 31 by province/territory and program.

    Levels: ``program`` (column C), ``program_group`` (column B: the sum of the
    programs listed above it, or a group without programs), ``province`` (the
    ``<Province> Total`` row ending each block, or a row such as "Province /
    Territory not stated") and ``canada`` (the closing ``Total`` row).
    """
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    if not path.is_file():
        raise InputError(Problem(str(path), "file not found: copy the published workbook here"))
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(Problem(str(path), f"not an xlsx workbook ({exc}); {_IRCC_HELP}"))
    try:
        sheets = [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)])
                  for ws in book.worksheets]
    finally:
        book.close()
    found = [(name, rows) for name, rows in sheets
             if rows and rows[0] and re.search(_IRCC_TITLE, str(rows[0][0] or ""), flags=re.I)]
    if len(found) != 1:
        titles = [str(rows[0][0])[:80] if rows and rows[0] else "" for _, rows in sheets]
        raise InputError(Problem(str(path), f"expected one sheet whose title (cell A1) mentions "
                                 f"'work permit holders on December 31', found sheets "
                                 f"{[n for n, _ in sheets]} titled {titles}; {_IRCC_HELP}"))
    sheet, rows = found[0]
    title = str(rows[0][0])
    header_at = next((i for i, r in enumerate(rows[:10]) if _years(
        [str(c).strip() if c is not None else "" for c in r[1:]])), None)
    if header_at is None:
        raise InputError(Problem(str(path), "expected a header row of years (2000, 2001, ...) in "
                                 "the first 10 rows, found none", column=sheet))
    header = [str(c).strip() if c is not None else "" for c in rows[header_at]]
    years = {i + 1: y for i, y in _years(header[1:]).items()}
    first_year = min(years)
    if first_year != 3 or not re.search(r"province", header[0], flags=re.I):
        raise InputError(Problem(str(path), f"expected the header 'Province/territory and "
                                 f"program' in column A and years from column D, found "
                                 f"{header[0]!r} and years from column {get_column_letter(first_year + 1)}",
                                 row=header_at + 1))
    records, block, programs = [], [], []
    canada = False
    for i, raw in enumerate(rows[header_at + 1:], start=header_at + 2):
        labels = [str(c).strip() if c is not None else "" for c in raw[:3]]
        cells = raw[3:]
        if _blank(raw):
            continue
        if labels[0].lower().startswith(("notes", "source")) or canada:
            break
        level = ("program" if labels[2] else "program_group" if labels[1]
                 else "province" if labels[0] else None)
        if level is None:
            raise InputError(Problem(str(path), "a row with values but no label in columns A-C",
                                     row=i, column=sheet))
        row = {"line": i, "level": level, "label": labels[{"program": 2, "program_group": 1,
                                                           "province": 0}[level]],
               "values": {y: cells[c - 3] if c - 3 < len(cells) else None
                          for c, y in years.items()}}
        if level == "program":
            programs.append(row)
            block.append(row)
            continue
        if level == "program_group":
            for p in programs:
                p["group"] = row["label"]
            row["group"], row["has_detail"] = row["label"], bool(programs)
            programs = []
            block.append(row)
            continue
        if programs:
            raise InputError(Problem(str(path), f"programs on rows {programs[0]['line']}-"
                                     f"{programs[-1]['line']} are not followed by their program "
                                     "group (column B)", row=i))
        label = row["label"]
        if label.lower() == TOTAL.lower():
            province, canada = CANADA, True
            if block:
                raise InputError(Problem(str(path), f"rows {block[0]['line']}-{block[-1]['line']}"
                                         " have no '<Province> Total' row before 'Total'", row=i))
        else:
            match = re.fullmatch(r"(.+?)\s+total", label, flags=re.I)
            province = match.group(1) if match else label
            if not match and block:
                raise InputError(Problem(str(path), f"expected '<Province> Total' to end the "
                                         f"block of rows {block[0]['line']}-{block[-1]['line']},"
                                         f" found {label!r}", row=i, column="A"))
        row["group"], row["level"] = None, "canada" if canada else "province"
        for member in [*block, row]:
            is_total = member["level"] in ("province", "canada") or member.get("has_detail", False)
            for year, cell in member["values"].items():
                value, suppressed, reason = _value(cell, path, member["line"], str(year))
                if suppressed:
                    reason = "suppressed by IRCC: between 0 and 5 ('--')"
                records.append({
                    "province": province, "program_group": member.get("group"),
                    "program": member["label"] if member["level"] == "program" else None,
                    "level": member["level"], "year": year, "measure": "work_permit_holders",
                    "value": value, "is_total": is_total, "suppressed": suppressed,
                    "reason": reason, "line": member["line"]})
        block = []
    if block or programs:
        raise InputError(Problem(str(path), f"rows {block[0]['line']}-{block[-1]['line']} are not "
                                 "followed by a '<Province> Total' row: the workbook looks "
                                 "truncated (the province is named only on that row)"))
    if not canada:
        raise InputError(Problem(str(path), "expected a closing 'Total' row (Canada), found "
                                 "none: the workbook looks truncated"))
    frame = pd.DataFrame.from_records(records)
    frame["value"] = frame["value"].astype("Int64")
    frame["year"] = frame["year"].astype("int64")
    frame.attrs = {"publisher": "IRCC", "table": "work_permits", "title": title,
                   "file": path.name, "dimension": "program", "notes": [],
                   "rounded_to": 5}
    frame.attrs["total_mismatches"] = int((~check_totals(frame)["agrees"]).sum())
    return frame


# -- totals ------------------------------------------------------------------------------------

_CHECK_COLUMNS = ["check", "province", "category", "year", "measure", "published",
                  "sum_of_detail", "difference", "n_detail", "n_missing", "agrees", "explanation"]


def _compare(check, published: pd.DataFrame, detail: pd.DataFrame, keys: list[str],
             explain_rounding: bool) -> pd.DataFrame:
    grouped = detail.assign(missing=detail["value"].isna()).groupby(keys, dropna=False)
    sums = pd.DataFrame({"sum_of_detail": grouped["value"].sum(min_count=0),
                         "n_detail": grouped["value"].size(),
                         "n_missing": grouped["missing"].sum().astype(int)}).reset_index()
    merged = published.merge(sums, on=keys, how="inner")
    merged = merged.rename(columns={"value": "published"})
    merged["difference"] = merged["published"].astype("Float64") - merged["sum_of_detail"]
    merged["agrees"] = (merged["difference"] == 0).fillna(False).astype(bool)
    unexplained = ("values rounded to a multiple of 5 by the publisher" if explain_rounding
                   else "detail does not add up to the published total")
    suppressed = merged["n_missing"].astype(str) + " detail value(s) suppressed or blank"
    merged["explanation"] = np.select(
        [merged["agrees"].to_numpy(), merged["published"].isna().to_numpy(),
         merged["n_missing"].to_numpy() > 0],
        ["", "the published total is missing", suppressed.to_numpy(dtype=object)],
        unexplained).astype(object)
    merged["check"] = check
    return merged


def check_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Each published total against the sum of its detail rows.

    One row per total: ``check`` (what is summed), ``province``, ``category``,
    ``year``, ``measure``, ``published``, ``sum_of_detail``, ``difference``,
    ``n_detail``, ``n_missing``, ``agrees`` and an ``explanation`` of a
    difference (suppressed detail, the publisher's rounding, or none known).
    """
    attrs, frame = frame.attrs, frame.copy(deep=False)
    frame.attrs = {}     # pandas copies attrs into every intermediate frame: none to copy
    if attrs.get("publisher") == "IRCC":
        return _check_ircc(frame)
    dim = attrs.get("dimension")
    data = frame.assign(category=frame[dim] if dim else TOTAL)
    keys = ["province", "category", "year", "measure"]
    parts = []
    if dim:
        published = data[(data["category"] == TOTAL)][keys + ["value"]]
        detail = data[data["category"] != TOTAL].assign(category=TOTAL)
        parts.append(_compare(f"{dim} within province", published, detail, keys, False))
    published = data[data["province"] == CANADA][keys + ["value"]]
    detail = data[data["province"] != CANADA].assign(province=CANADA)
    parts.append(_compare("provinces within Canada", published, detail, keys, False))
    return _finish(parts)


def _check_ircc(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["province", "category", "year", "measure"]
    data = frame.assign(category=frame["program_group"].fillna(TOTAL))
    groups = data[(data["level"] == "program_group") & data["is_total"]]
    programs = data[data["level"] == "program"]
    parts = [_compare("programs within group", groups[keys + ["value"]], programs, keys, True)]
    totals = data[data["level"].isin(["province", "canada"])].assign(category=TOTAL)
    detail = data[data["level"].isin(["program_group", "program"]) & ~data["is_total"]]
    parts.append(_compare("programs within province", totals[keys + ["value"]],
                          detail.assign(category=TOTAL), keys, True))
    provinces = totals[totals["province"] != CANADA].assign(province=CANADA)
    parts.append(_compare("provinces within Canada", totals[totals["province"] == CANADA][
        keys + ["value"]], provinces, keys, True))
    return _finish(parts)


def _finish(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=_CHECK_COLUMNS).astype({"agrees": bool})
    out = pd.concat(parts, ignore_index=True)[_CHECK_COLUMNS]
    return out.sort_values(["check", "province", "category", "measure", "year"],
                           kind="stable").reset_index(drop=True)


# -- positive LMIA employer lists --------------------------------------------------------------

#: header of an employer list (lower case, spaces collapsed) -> tidy column; releases differ
EMPLOYER_COLUMNS = {
    "province/territory": "province", "province": "province",
    "program stream": "stream", "stream": "stream",
    "employer": "employer", "employer name": "employer",
    "address": "address", "business address": "address",
    "occupations under noc 2011": "occupation", "occupation": "occupation",
    "occupations under noc": "occupation",
    "positions approved": "positions", "approved positions": "positions",
    "approved lmias": "lmias", "lmias approved": "lmias",
}
_EMPLOYER_REQUIRED = ("province", "employer", "occupation", "positions")
_EMPLOYER_TITLE = r"employers who were issued a positive labour market impact assessment"


def read_employer_list(path: str | Path) -> pd.DataFrame:
    """An ESDC "Positive LMIA Employers List" release as a tidy frame.

    One row per published row: ``province`` and ``employer`` filled down where
    a release leaves them blank on continuation rows, ``stream`` (stripped; missing in
    releases without it), ``address``, ``code`` and ``occupation``, ``period`` (from
    the title), ``measure`` (``positions_approved``), ``value``, ``suppressed``,
    ``reason``, ``line``. Columns are recognised by their published names, which
    differ between releases ("Positions Approved" / "Approved Positions",
    "Employer " with a trailing space); an unknown column is an error.
    """
    path = Path(path)
    rows = _rows(path)
    while rows and _blank(rows[0][1]):
        rows.pop(0)
    title = rows[0][1][0] if rows and rows[0][1] else ""
    if not re.search(_EMPLOYER_TITLE, title, flags=re.IGNORECASE):
        raise InputError(Problem(str(path), f"expected the title of a positive LMIA employers "
                                 f"list ('Employers who were issued a positive Labour Market "
                                 f"Impact Assessment ...'), found {title[:120]!r}", row=1))
    rows = [rows[0]] + [r for r in rows[1:] if not _blank(r[1])]
    if len(rows) < 2:
        raise InputError(Problem(str(path), "expected a header row after the title"))
    line, header = rows[1]
    names = {}
    for i, cell in enumerate(header):
        key = re.sub(r"\s+", " ", cell).strip().lower()
        if not key and i >= len(names):
            continue
        if key not in EMPLOYER_COLUMNS:
            raise InputError(Problem(str(path), f"unknown column {cell!r}; an employers list "
                                     f"has columns named {sorted(set(EMPLOYER_COLUMNS))}",
                                     row=line, column=str(i + 1)))
        names[i] = EMPLOYER_COLUMNS[key]
    missing = [c for c in _EMPLOYER_REQUIRED if c not in names.values()]
    if missing:
        raise InputError(Problem(str(path), f"no column for {missing}; found "
                                 f"{[header[i] for i in names]}", row=line))
    period = re.search(r"((?:january|april|july|october) to \w+ \d{4}|\d{4})\s*$", title,
                       flags=re.IGNORECASE)
    records, filled = [], {"province": None, "employer": None}
    for line, cells in rows[2:]:
        if _blank(cells):
            continue
        if cells[0].lower().startswith("notes") or re.match(r"^\d+\.\s", cells[0]):
            break
        row = {name: cells[i] if i < len(cells) else "" for i, name in names.items()}
        for key in filled:
            filled[key] = row[key] or filled[key]
            row[key] = filled[key]
        if row["province"] is None or row["employer"] is None:
            raise InputError(Problem(str(path), "the first data row names no province or "
                                     "employer", row=line))
        column = next(str(i + 1) for i, n in names.items() if n == "positions")
        value, suppressed, reason = _value(row.pop("positions"), path, line, column)
        match = _CODE.match(row["occupation"])
        records.append({
            "province": row["province"], "stream": row.get("stream", "").strip() or None,
            "employer": row["employer"], "address": row.get("address") or None,
            "code": match.group(1) if match else None,
            "occupation": match.group(2).strip() if match else row["occupation"],
            "period": period.group(1) if period else None, "measure": "positions_approved",
            "value": value, "is_total": False, "suppressed": suppressed, "reason": reason,
            "line": line})
    if not records:
        raise InputError(Problem(str(path), "found no employer rows"))
    frame = pd.DataFrame.from_records(records)
    frame["value"] = frame["value"].astype("Int64")
    frame.attrs = {"publisher": "ESDC", "table": "positive_employers", "title": title,
                   "file": path.name, "dimension": "employer", "notes": [],
                   "total_mismatches": 0}
    return frame
