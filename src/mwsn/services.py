"""Service records: the individual service interactions funded organizations report.

A service record is one interaction between a funded organization and a migrant
worker (a workshop attended, a case opened, an interpretation given): the shape
organizations report quarterly under the Network's successor program, whose
recipients reported more than 380,000 interactions over two years nationally.
One jurisdiction-wave can hold a million of them, so this module works on
Apache Arrow tables from end to end: the CSV is parsed by pyarrow's
multithreaded reader with every text column dictionary-encoded, checks and
pseudonyms work on the dictionary's distinct values only, and the indicators
are Arrow group-bys. pandas is only used for the small frames returned.

Columns (codebook source ``services``; an export's own names are mapped with
``sources.services.columns`` in the jurisdiction's params):

========================  ====================================================
``record_id``             the organization's own record number (dropped after
                          validation: it is a key back to the organization's
                          case file)
``organization``          the funded organization
``service_date``          the date of the interaction, ``YYYY-MM-DD``
``service_type``          category ``service_type``
``worker``                the worker's identifier in the organization's
                          system; becomes a keyed pseudonym (``P-`` + 16 hex)
``sector``                category ``sector``
``language``              category ``service_language``
``outcome``               category ``service_outcome``
========================  ====================================================
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from mwsn.codebook import (Codebook, SourceSpec, date_order, excel_serial_dates, local_format,
                           local_time, looks_like_unix_time, normalize_answer, parse_datetimes,
                           unix_day)
from mwsn.errors import InputError, Problem

SOURCE = "services"
#: more problems than this in one column are summed up in one line
MAX_LISTED = 20
_TEXT = pa.dictionary(pa.int32(), pa.string())


def read_service_records(path: Path, spec: SourceSpec,
                         columns: dict[str, str] | None = None,
                         values: dict[str, dict] | None = None, *,
                         dayfirst: bool | None = None,
                         date_format: str | None = None, fmt: str = "csv") -> pa.Table:
    """Read a service-records CSV (one header row) into Arrow.

    The delimiter (``,`` ``;`` tab ``|``) is found as for every CSV source
    (:func:`mwsn.ingest.sniff_delimiter` on the file's start); pyarrow parses it.

    Parameters
    ----------
    path : Path
        The export: UTF-8 (a Windows-1252 or UTF-16 export is transcoded).
    spec : SourceSpec
        The codebook's ``services`` source: which columns to keep.
    columns : dict, optional
        The export's own column names mapped onto the codebook's names
        (``sources.services.columns``, with a wave's ``crosswalk``).
    values : dict, optional
        Per column (export or codebook name): raw answer → the answer the codebook
        knows (``sources.services.values``), applied once per distinct answer.
    dayfirst, date_format : optional
        How the export writes day-month dates (``sources.services.dayfirst``,
        ``sources.services.date_format``), kept with the table for the checks
        and cleaning; ISO ``YYYY-MM-DD`` is always read.
    fmt : str
        ``csv``, or ``kobo`` / ``odk`` for a CSV a KoboToolbox or ODK Central form of
        services exports: group paths are taken off the header
        (``grp_service/service_type`` -> ``service_type``) as for a Kobo survey, and a
        mapping key may be written either way or as the end of a nested path.

    Returns
    -------
    pyarrow.Table
        One row per record, the codebook's columns (those present) as
        dictionary-encoded text, plus ``_row``: the physical line of the record
        (header = line 1; exact unless a quoted cell spans lines, in which case
        it is recounted). Schema metadata keeps each column's header in the
        export (:data:`HEADERS`, for messages) and the date options (:data:`DATES`).

    Raises
    ------
    InputError
        The file is missing, empty, binary or mixes encodings (with the line), a record
        has another number of fields than the header (each such line), or a
        ``columns`` key is no column of the export (with the closest header).
    """
    path = Path(path)
    file = str(path)
    columns = columns or {}
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError(Problem(file, "the service-records file is missing or empty: "
                                 "export it again from the organizations' reporting system"))
    from mwsn.ingest import GROUP_SEPARATORS, _closest, _key, _path_ends

    delimiter = _delimiter(path)
    to_name = _export_names(_header(path, delimiter), spec, columns, fmt, file)
    # identifiers as plain text (nearly all distinct), the rest dictionary-encoded; every
    # column as text (one the params do not name, such as a Kobo group path, too)
    ids = {v.name for v in spec.variables if v.type == "id"}
    types = {name: pa.string() if to_name.get(name) in ids else _TEXT
             for header in to_name for name in (header, "\ufeff" + header)}
    convert = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                   quoted_strings_can_be_null=False)
    encoding = "utf8"
    try:
        table = _parse(path, convert, encoding, delimiter)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        table = None
    if table is None:  # errors only: find the encoding, or each ragged line
        from mwsn.ingest import _ragged_problems, decode

        text, encoding = decode(path.read_bytes(), file)  # binary or mixed: InputError at line
        try:
            table = _parse(path, convert, "utf8" if encoding.startswith("utf-8") else encoding,
                           delimiter)
        except pa.ArrowInvalid as exc:
            text = text.lstrip("\ufeff")
            width = len(next(csv.reader([text.split("\n", 1)[0]], delimiter=delimiter)))
            problems = _ragged_problems(text, delimiter, 1, width, file)
            message = str(exc).splitlines()[0]
            raise InputError(problems or Problem(
                file, f"cannot read the service records ({message}): save the file as UTF-8 "
                "CSV with one header row and the same number of fields on every line")) from None
    headers = [c.lstrip("\ufeff").strip() for c in table.column_names]
    names = [to_name.get(c, c) for c in headers]
    table = table.rename_columns(names)
    own = {name: header for name, header in zip(names, headers, strict=True) if name != header}
    keep = [n for n in names if n in {v.name for v in spec.variables}]
    table = table.select(keep).combine_chunks()  # one dictionary per column
    if values:
        aliases = {**to_name, **(columns or {})}
        by_key = {_key(a): n for a, n in aliases.items()}
        by_key.update({_key(n): n for n in table.column_names})

        def column_of(key: str) -> str | None:
            """The column a values: key names: as the export or the codebook names it, in
            any case, or (Kobo, ODK) as the end of a group path, written with any group
            separator (as a survey's values: keys are read)."""
            found = aliases.get(key) or by_key.get(_key(key))
            if found is None and fmt in ("kobo", "odk"):
                ends = {to_name[h] for separator in GROUP_SEPARATORS
                        for h in _path_ends({h: h for h in to_name}, key, separator)}
                found = ends.pop() if len(ends) == 1 else None
            return found

        unknown = [k for k in values if column_of(k) is None]
        if unknown:  # a key that names no column would recode nothing, without a word
            raise InputError([Problem(
                file, f"sources.{SOURCE}.values: '{k}' is not a column of this export"
                f"{_closest(k, [*to_name, *table.column_names])}: use the export's column "
                "name or the codebook's", row=1, column=k) for k in unknown])
        table = _recoded(table, {column_of(k): v for k, v in values.items()}, {})
    table = table.append_column("_row", _physical_rows(path, table.num_rows, encoding,
                                                       delimiter))
    # found once here, read by the checks and by cleaning (hashing 10^6 ids costs 0.4 s)
    repeated = _repeated_ids(table, spec)
    return table.replace_schema_metadata({
        REPEATED: json.dumps(repeated), HEADERS: json.dumps(own),
        DATES: json.dumps({"dayfirst": dayfirst, "date_format": date_format})})


def _header(path: Path, delimiter: str) -> list[str]:
    """The export's header row, as the parser will name the columns (stripped, no BOM)."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[:len(head) // 2 * 2].decode("utf-16", errors="ignore")
    else:
        line = head.split(b"\n", 1)[0]
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:  # a Windows-1252 export, transcoded before parsing
            text = line.decode("cp1252", errors="replace")
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    return [c.strip() for c in next(csv.reader([first], delimiter=delimiter), [])]


def _export_names(header: list[str], spec: SourceSpec, columns: dict[str, str], fmt: str,
                  file: str) -> dict[str, str]:
    """Each header of the export -> the name it is read under: the params' mapping
    (``columns``: keys as the header shows them, or in any case, or, for a Kobo or ODK
    export, without their group path or as the end of one), then the codebook's raw
    names; a header neither names is kept as it is.

    Raises
    ------
    InputError
        A mapping key that is no column of the export (with the closest header), one
        that ends two group paths, or a mapping onto no codebook variable.
    """
    from mwsn.ingest import _key, _path_ends, mapped_columns, split_groups

    current, exported, separator = list(header), {h: h for h in header}, None
    if fmt in ("kobo", "odk"):
        known = {*(v.name for v in spec.variables), *(v.raw_name for v in spec.variables)}
        frame, back = split_groups(pd.DataFrame(columns=header), fmt, keep=set(columns),
                                   known=known)
        current = [str(c) for c in frame.columns]
        exported = {c: back.get(c, c) for c in current}
        separator = frame.attrs.get("group_separator")
    rename = mapped_columns(
        columns, spec, exported, separator, file, f"sources.{SOURCE}", "service records",
        hint=lambda key: (" (a KoboToolbox or ODK Central export: set sources.services.format: "
                          "kobo or odk, and its group paths are taken off)"
                          if fmt == "csv" and _path_ends(exported, key, "/") else ""))
    raw = {v.raw_name: v.name for v in spec.variables}
    names = {}
    for own, column in zip(header, current, strict=True):
        name = rename.get(column, column)
        names[own] = raw.get(name, name)
        names.setdefault(column, names[own])  # a Kobo column without its group path
    # a codebook name in another case (Service_Date), where no other column is, as a
    # survey's header is read
    taken = set(names.values())
    by_key = {_key(n): v.name for v in spec.variables for n in (v.name, v.raw_name)
              if v.name not in taken}
    for own, name in list(names.items()):
        if name not in raw.values() and (found := by_key.get(_key(name))) and sum(
                _key(n) == _key(name) for n in set(names.values())) == 1:
            names[own] = found
    return names


#: schema metadata of a table read by :func:`read_service_records`: the record numbers that
#: appear more than once (JSON list)
REPEATED = b"mwsn.repeated_record_ids"
#: schema metadata: the export's own header of each renamed column (JSON: name → header)
HEADERS = b"mwsn.headers"
#: schema metadata: the source's ``dayfirst`` and ``date_format`` (JSON)
DATES = b"mwsn.date_options"


def _delimiter(path: Path) -> str:
    """The export's delimiter, sniffed from its first 64 KiB as every CSV reader does."""
    from mwsn.ingest import sniff_delimiter

    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[:len(head) // 2 * 2].decode("utf-16", errors="ignore")
    else:  # a cut multi-byte character or Windows-1252 accents do not change the delimiter
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    return sniff_delimiter(text)


def _metadata(table: pa.Table, key: bytes) -> dict:
    metadata = table.schema.metadata or {}
    return json.loads(metadata[key]) if key in metadata else {}


def _repeated_ids(table: pa.Table, spec: SourceSpec) -> list[str]:
    """Record numbers that appear more than once; a count of distinct ids settles the usual
    case (every number distinct) without listing them."""
    keys = [k for k in spec.record if k in table.column_names]
    if len(keys) != 1 or table.num_rows == 0:
        return []
    ids = table.column(keys[0]).combine_chunks()
    distinct = len(pc.unique(ids)) - (1 if ids.null_count else 0)  # faster than count_distinct
    if distinct == len(ids) - ids.null_count:
        return []
    counts = pc.value_counts(ids)
    return pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1)).to_pylist()


def _parse(path: Path, convert: pacsv.ConvertOptions, encoding: str,
           delimiter: str = ",") -> pa.Table:
    read = pacsv.ReadOptions(encoding=encoding)
    try:  # parallel parsing; a quoted cell spanning lines needs the serial parser
        return pacsv.read_csv(path, read_options=read, convert_options=convert,
                              parse_options=pacsv.ParseOptions(delimiter=delimiter))
    except pa.ArrowInvalid:
        return pacsv.read_csv(path, read_options=read, convert_options=convert,
                              parse_options=pacsv.ParseOptions(delimiter=delimiter,
                                                               newlines_in_values=True))


def _recoded(table: pa.Table, values: dict[str, dict], to_name: dict[str, str]) -> pa.Table:
    """``sources.services.values`` applied to the dictionaries: one lookup per distinct answer."""
    for column, answers in values.items():
        name = to_name.get(column, column)
        if name not in table.column_names or not answers:
            continue
        array = _column(table, name)
        # matched as every source's answers are: 1 matches 1.0, 01 and 1,00 (codes saved by
        # SPSS, Stata or Excel), D’accord matches D'accord
        lookup = {normalize_answer(k): (None if v is None else str(v))
                  for k, v in answers.items()}
        mapped = [v if v is None else lookup.get(normalize_answer(v), v)
                  for v in array.dictionary.to_pylist()]
        table = table.set_column(table.column_names.index(name), name,
                                 _encoded(array.indices, mapped))
    return table


def _physical_rows(path: Path, n: int, encoding: str = "utf8",
                   delimiter: str = ",") -> pa.Array:
    rows = np.arange(2, n + 2, dtype=np.int64)
    data = path.read_bytes()
    if encoding.startswith("utf-16"):
        data = data.decode("utf-16").encode("utf-8")
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines == n + 1:  # no record spans lines: line = index + 2
        return pa.array(rows)
    from mwsn.ingest import _record_lines, decode  # a quoted cell spans lines: recount
    text, _ = decode(data, path.name)
    return pa.array(_record_lines(text, delimiter, 1)[:n].astype(np.int64))


def _column(table: pa.Table, name: str) -> pa.DictionaryArray:
    column = table.column(name)
    column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    if not pa.types.is_dictionary(column.type):
        column = column.cast(pa.string()).dictionary_encode()
    return column


def _encoded(indices: pa.Array, values: list) -> pa.DictionaryArray:
    """A dictionary array whose dictionary holds each value once (several raw answers may
    map onto one code or one pseudonym), indices remapped accordingly; null stays null."""
    position: dict[str, int] = {}
    inverse = [None if v is None else position.setdefault(v, len(position)) for v in values]
    remap = pa.array(inverse, pa.int32())
    return pa.DictionaryArray.from_arrays(pc.take(remap, indices),
                                          pa.array(list(position), pa.string()))


def _problems_at(rows: pa.Array, mask: pa.Array, file: str, column: str,
                 message: str) -> list[Problem]:
    where = pc.filter(rows, mask).to_pylist()
    out = [Problem(file, message, row, column) for row in where[:MAX_LISTED]]
    if len(where) > MAX_LISTED:
        out.append(Problem(file, f"... and {len(where) - MAX_LISTED} more rows with the same "
                           "problem", None, column))
    return out


def check_service_records(table: pa.Table, spec: SourceSpec, codebook: Codebook, file: str,
                          period: tuple[str, str] | None = None) -> list[Problem]:
    """Every problem in the service records, each at its file, row and column.

    Checks: required columns present and filled; categories on the codebook's
    list (by code or EN/FR label); dates real calendar days written
    ``YYYY-MM-DD`` (or as the source's ``dayfirst`` / ``date_format`` say:
    ``2023-02-30`` and ``2023-6-5`` are refused, never rolled over) and, when
    ``period`` (first and last month, ``YYYY-MM``) is given, inside it.
    Work is per distinct value (the columns are dictionary-encoded), so a
    million records take well under a second.

    Returns
    -------
    list of Problem
        Empty when the records can be cleaned. A column is named by the
        export's own header, with the codebook's name after it when they
        differ (``Type de service (service_type)``).
    """
    problems: list[Problem] = []
    rows = table.column("_row")
    own = _metadata(table, HEADERS)
    options = _metadata(table, DATES)

    def named(name: str) -> str:
        return f"{own[name]} ({name})" if name in own else name

    for var in spec.variables:
        if var.name not in table.column_names:
            if var.required:
                problems.append(Problem(file, f"required column '{var.raw_name}' ({var.label.en}) "
                                        "is missing: add it to the export or map its name in "
                                        f"the params file (sources.{SOURCE}.columns)", 1,
                                        var.raw_name))
            continue
        column = _column(table, var.name)
        if var.required:
            empty = pc.is_null(column)
            if pc.any(empty).as_py():
                problems += _problems_at(rows, empty, file, named(var.name),
                                         f"{var.label.en} is empty: every record needs one")
        if var.type == "category":
            known = {normalize_answer(key) for c in codebook.categories[var.values]
                     for key in (c.code, c.en, c.fr)}
            distinct = column.dictionary.to_pylist()
            bad = [i for i, value in enumerate(distinct)
                   if value is not None and normalize_answer(value) not in known]
            if bad:
                codes = ", ".join(codebook.category_codes(var.values))
                for i in bad:
                    mask = pc.equal(column.indices, pa.scalar(i, column.indices.type))
                    problems += _problems_at(
                        rows, pc.fill_null(mask, False), file, named(var.name),
                        f"{distinct[i]!r} is not a known {var.values.replace('_', ' ')}: use one "
                        f"of {codes} (or map it in sources.{SOURCE}.values)")
        elif var.type == "date":
            distinct = _distinct_dates(column.dictionary, **options)
            parsed = pc.take(distinct, column.indices)
            problems += _date_problems(column, distinct, rows, file, named(var.name),
                                       options)
            if period:
                first = pa.scalar(pd.Timestamp(period[0] + "-01").to_pydatetime(),
                                  pa.timestamp("s"))
                last = pa.scalar((pd.Timestamp(period[1] + "-01") + pd.offsets.MonthEnd(0))
                                 .to_pydatetime(), pa.timestamp("s"))
                outside = pc.fill_null(pc.or_(pc.less(parsed, first),
                                              pc.greater(parsed, last)), False)
                if pc.any(outside).as_py():
                    problems += _problems_at(
                        rows, outside, file, named(var.name),
                        f"date outside the period {period[0]} to {period[1]}: correct it, or "
                        "report it in the wave that covers it")
    return problems + _conflicting_records(table, spec, file, named)


def _date_problems(column: pa.DictionaryArray, distinct: pa.Array, rows: pa.Array, file: str,
                   name: str, options: dict) -> list[Problem]:
    """Each distinct text that is no calendar date, at its rows (the first
    :data:`MAX_LISTED` such texts one by one, the rest summed up)."""
    texts = column.dictionary.to_pylist()
    bad = [i for i, (text, date) in enumerate(zip(texts, distinct.to_pylist(), strict=True))
           if text is not None and text.strip() and date is None]
    how = "write it as YYYY-MM-DD"
    if options.get("date_format"):
        how += f" or as sources.{SOURCE}.date_format says ({options['date_format']})"
    elif options.get("dayfirst") is None:
        how += (f" (a day-month date such as 02/03/2024 needs sources.{SOURCE}.dayfirst: true "
                "or false, or date_format)")
    problems: list[Problem] = []
    for i in bad[:MAX_LISTED]:
        mask = pc.fill_null(pc.equal(column.indices, pa.scalar(i, column.indices.type)), False)
        problems += _problems_at(rows, mask, file, name,
                                 unix_day(texts[i]) if looks_like_unix_time(texts[i]) else
                                 f"not a date: {how} ({texts[i].strip()!r} is no day of the "
                                 "calendar, or is not written that way)")
    if len(bad) > MAX_LISTED:
        rest = pc.fill_null(pc.is_in(column.indices, value_set=pa.array(
            bad[MAX_LISTED:], column.indices.type)), False)
        problems += _problems_at(rows, rest, file, name, f"not a date: {how}")
    return problems


def _repeated_records(table: pa.Table, spec: SourceSpec) -> pd.DataFrame | None:
    """Records whose ``record_id`` appears more than once (``_row`` and every column as
    text), or ``None`` (found by :func:`read_service_records`, else now)."""
    keys = [k for k in spec.record if k in table.column_names]
    metadata = table.schema.metadata or {}
    repeated = (json.loads(metadata[REPEATED]) if REPEATED in metadata
                else _repeated_ids(table, spec))
    if not repeated:
        return None
    ids = table.column(keys[0]).combine_chunks()
    subset = table.filter(pc.fill_null(pc.is_in(ids, value_set=pa.array(repeated, ids.type)),
                                       False))
    frame = pd.DataFrame({name: subset.column(name).cast(pa.string()).to_pylist()
                          if name != "_row" else subset.column(name).to_pylist()
                          for name in subset.column_names})
    frame.attrs["key"] = keys[0]
    return frame


def _conflicting_records(table: pa.Table, spec: SourceSpec, file: str,
                         named=lambda name: name) -> list[Problem]:
    """The same record number twice with different answers: only the organization can say
    which is right (the same record repeated identically is left to cleaning, which keeps one)."""
    repeated = _repeated_records(table, spec)
    if repeated is None:
        return []
    key = repeated.attrs["key"]
    answers = [c for c in repeated.columns if c != "_row"]
    problems = []
    for record, group in repeated.groupby(key, sort=False):
        distinct = group[answers].drop_duplicates()
        if len(distinct) == 1:
            continue
        differs = next(c for c in answers if group[c].nunique(dropna=False) > 1)
        rows = sorted(group["_row"])
        problems.append(Problem(
            file, f"the same record ({key}={record!r}) appears on rows "
            f"{', '.join(map(str, rows))} with different answers (first difference in column "
            f"'{differs}'): correct it in the organization's reporting system and export again",
            rows[0], named(key)))
        if len(problems) >= MAX_LISTED:
            break
    return problems


def repeats_to_drop(table: pa.Table, spec: SourceSpec) -> pa.Array | None:
    """A mask keeping the first of each record repeated identically (``None``: none is)."""
    repeated = _repeated_records(table, spec)
    if repeated is None:
        return None
    answers = [c for c in repeated.columns if c != "_row"]
    again = repeated.loc[repeated.duplicated(subset=answers, keep="first"), "_row"]
    return pc.invert(pc.is_in(table.column("_row"), value_set=pa.array(again.to_numpy(),
                                                                       pa.int64())))


#: an ISO 8601 date, exactly: four-digit year, two-digit month and day
_ISO_DATE = r"(\d{4})-(\d{2})-(\d{2})"
#: a day-month date with a four-digit year: 02/03/2024, 2.3.2024, 02-03-2024
_DAY_MONTH = r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})"


def _calendar(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """Dates from their parts; a day the calendar lacks (30 February) is NaT, not rolled over."""
    parts = pd.DataFrame({"year": year.astype("int64"), "month": month.astype("int64"),
                          "day": day.astype("int64")})
    return pd.to_datetime(parts, errors="coerce")


def _distinct_dates(texts: pa.Array, dayfirst: bool | None = None,
                    date_format: str | None = None) -> pa.Array:
    """The distinct date texts of a column → timestamps (seconds), null where not a date.

    ``YYYY-MM-DD`` is always read; a day-month date (``02/03/2024``) in the order
    ``dayfirst`` gives, else in the order the column's unambiguous dates show
    (:func:`mwsn.codebook.date_order`, as for the survey); a date-time, with or without
    a UTC offset, is the day it was written; an Excel serial number, its day; ``date_format``
    (strftime) reads what it describes. Every date is checked against the
    calendar: ``2023-02-30``, ``31/04/2023`` and ``2023-6-5`` are null, where
    Arrow's strptime would roll the first two over into the next month.
    """
    text = pd.Series(texts.to_pylist(), dtype="string").str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[s]")
    iso = pd.Series(text.str.fullmatch(_ISO_DATE).to_numpy(dtype=bool, na_value=False),
                    index=text.index)
    if iso.any():
        parts = text[iso].str.extract(_ISO_DATE)
        out[iso] = _calendar(parts[0], parts[1], parts[2]).astype("datetime64[s]")
    rest = ~iso & pd.Series((text != "").to_numpy(dtype=bool, na_value=False),
                            index=text.index)
    if rest.any() and date_format:
        # a date-time with a UTC offset is the day where it was written, as below
        out[rest] = pd.to_datetime(local_time(text[rest]), format=local_format(date_format),
                                   errors="coerce").dt.normalize().astype("datetime64[s]")
    elif rest.any():
        day_month = pd.Series(text[rest].str.fullmatch(_DAY_MONTH).to_numpy(
            dtype=bool, na_value=False), index=text[rest].index)
        order = ({True: "dayfirst", False: "monthfirst"}[dayfirst] if dayfirst is not None
                 else date_order(text[rest][day_month])[0])
        if day_month.any() and order in ("dayfirst", "monthfirst"):
            which = day_month[day_month].index
            parts = text[which].str.extract(_DAY_MONTH)
            day, month = (parts[0], parts[2]) if order == "dayfirst" else (parts[2], parts[0])
            out[which] = _calendar(parts[3], month, day).astype("datetime64[s]")
    left = rest & out.isna()
    if left.any() and not date_format:
        # what a case-management system or a spreadsheet writes for a day: a date-time
        # (2018-04-02T10:15:00-07:00 is the 2nd where it was written, whatever the day in
        # UTC), or an Excel serial number (43192 is 2018-04-02)
        serial = excel_serial_dates(text[left], "date")
        timed = left & text.str.contains(r"\d:\d\d", regex=True).fillna(False)
        days = parse_datetimes(local_time(text[timed & ~text.index.isin(serial.index)]),
                               dayfirst=dayfirst).dt.normalize()
        days = pd.concat([days, pd.to_datetime(serial)])
        out[days.index] = days.astype("datetime64[s]")
    return pa.array(out.to_numpy(), pa.timestamp("s"))


def _dates(column: pa.DictionaryArray, options: dict | None = None) -> pa.Array:
    """Date text (dictionary-encoded) → timestamps, parsed once per distinct date."""
    return pc.take(_distinct_dates(column.dictionary, **(options or {})), column.indices)


def _codes(column: pa.DictionaryArray, codebook: Codebook, values: str) -> pa.Array:
    """Category answers (code or EN/FR label) → their codes, once per distinct answer."""
    lookup = {normalize_answer(key): c.code for c in codebook.categories[values]
              for key in (c.code, c.en, c.fr)}
    return _encoded(column.indices, [None if v is None else lookup.get(normalize_answer(v))
                                     for v in column.dictionary.to_pylist()])


def _pseudonyms(column: pa.DictionaryArray, key: bytes) -> pa.Array:
    from mwsn.clean import pseudonymizer

    one = pseudonymizer(key)
    return _encoded(column.indices, [None if v is None else one(v)
                                     for v in column.dictionary.to_pylist()])


def clean_service_records(table: pa.Table, spec: SourceSpec, codebook: Codebook,
                          key: bytes) -> pa.Table:
    """Pseudonymized, recoded service records, ready to be written as Parquet.

    The worker identifier becomes ``participant`` (keyed BLAKE2b, the same
    pseudonym as :func:`mwsn.clean.pseudonym` gives the same identifier with
    the same key, so a worker surveyed and served links up); ``record_id``
    and ``_row`` are dropped; categories become their codes; ``service_date``
    a date; a record repeated identically (same ``record_id``, same answers) is kept
    once. Call :func:`check_service_records` first (it refuses a record number
    repeated with different answers).

    Returns
    -------
    pyarrow.Table
        ``organization, service_date, service_type, participant, sector,
        language, outcome`` (those present), in the export's order (the same
        file gives the same Parquet file on every rerun).
    """
    options = _metadata(table, DATES)
    keep = repeats_to_drop(table, spec)
    if keep is not None:  # a record exported twice, identically: counted once
        table = table.filter(keep)
    out = {}
    for var in spec.variables:
        if var.name not in table.column_names or var.pii == "drop" or var.type == "id":
            continue
        column = _column(table, var.name)
        if var.pii == "pseudonymize":
            out["participant"] = _pseudonyms(column, key)
        elif var.type == "category":
            out[var.name] = _codes(column, codebook, var.values)
        elif var.type == "date":
            out[var.name] = pc.cast(_dates(column, options), pa.date32())
        else:
            out[var.name] = column
    return pa.table(out)


def organizations(table: pa.Table) -> set[str]:
    """The distinct organizations named in the records (scrubbed from every free text)."""
    if "organization" not in table.column_names:
        return set()
    return {v.strip() for v in _column(table, "organization").dictionary.to_pylist()
            if v and v.strip()}


def dropped_columns(table: pa.Table, spec: SourceSpec) -> list[str]:
    """Columns :func:`clean_service_records` leaves out (the record number, PII to drop)."""
    return [v.name for v in spec.variables if v.name in table.column_names
            and (v.pii == "drop" or v.type == "id")]


def empty_records(spec: SourceSpec) -> pa.Table:
    """The cleaned table of a jurisdiction or wave without service records: no rows, the
    columns :func:`clean_service_records` writes, so every later step says *not collected*."""
    fields = []
    for var in spec.variables:
        if var.pii == "drop" or var.type == "id":
            continue
        name = "participant" if var.pii == "pseudonymize" else var.name
        fields.append(pa.field(name, pa.date32() if var.type == "date" else _TEXT))
    schema = pa.schema(fields)
    return pa.Table.from_batches([], schema=schema)


def _indices(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, int]:
    """Dictionary indices as int64 (-1 for null) and the dictionary's size."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    return (pc.fill_null(array.indices, -1).to_numpy().astype(np.int64),
            len(array.dictionary))


#: the metrics of :func:`service_indicators`, in order, and the base of each share
METRICS = ("services_delivered", "workers_served", "organizations_reporting", "repeat_use",
           "services_outside_agriculture", "workers_served_outside_agriculture")
BASE_UNITS = {"repeat_use": "workers_served", "services_outside_agriculture":
              "services_with_sector", "workers_served_outside_agriculture": "workers_served"}
NOT_COLLECTED = "not_collected"


def service_indicators(records: pa.Table, outside: str = "agriculture") -> pd.DataFrame:
    """The headline indicators of the service records.

    Parameters
    ----------
    records : pyarrow.Table
        Output of :func:`clean_service_records` (``participant``, ``sector``,
        ``organization``), dictionary-encoded as it returns them.
    outside : str
        The sector code whose complement the targeted-outreach indicators count
        (the assessment's third consideration: sectors other than agriculture).

    Returns
    -------
    pandas.DataFrame
        ``metric, count, base, base_unit, share, status``: ``services_delivered`` (records),
        ``workers_served`` (distinct pseudonyms), ``organizations_reporting``,
        ``repeat_use`` (workers with two or more services, of workers served),
        ``services_outside_agriculture`` (of services with a sector),
        ``workers_served_outside_agriculture`` (workers with at least one service
        outside it, of workers served). ``share`` is ``count / base``. These
        are complete counts of the records, not estimates: no interval.
        ``status`` is ``measured``, or ``not_collected`` on every row (counts
        missing) when there are no records: the jurisdiction or wave has no
        service-records source. Without a sector in any record (no column, or a blank
        one) the two sector rows are left out: not collected.
    """
    if records.num_rows == 0:  # no service records for this jurisdiction or wave
        frame = pd.DataFrame({"metric": list(METRICS), "count": pd.NA, "base": pd.NA,
                              "base_unit": [BASE_UNITS.get(m) for m in METRICS]})
        frame["count"] = frame["count"].astype("Int64")
        frame["base"] = frame["base"].astype("Int64")
        frame["share"] = pd.array([pd.NA] * len(frame), dtype="Float64")
        frame["status"] = NOT_COLLECTED
        return frame
    n = records.num_rows
    worker, n_workers = _indices(records.column("participant"))
    per_worker = np.bincount(worker[worker >= 0], minlength=n_workers)
    workers = int((per_worker > 0).sum())
    organization, _ = _indices(records.column("organization"))
    rows = [("services_delivered", n, None, None),
            ("workers_served", workers, None, None),
            ("organizations_reporting", int(np.unique(organization[organization >= 0]).size),
             None, None),
            ("repeat_use", int((per_worker >= 2).sum()), workers, "workers_served")]
    # a sector column with no value in it is no sector data (left blank throughout by the
    # reporting system): not collected, as when the export lacks it, never 0 outside
    # agriculture
    if "sector" in records.column_names and records.column("sector").null_count < n:
        sector = records.column("sector").combine_chunks()
        codes, _ = _indices(sector)
        names = sector.dictionary.to_pylist()
        away_codes = np.array([name != outside for name in names] + [False])
        away = away_codes[codes]  # code -1 (no sector) takes the last entry, False
        rows.append(("services_outside_agriculture", int(away.sum()), int((codes >= 0).sum()),
                     "services_with_sector"))
        reached = np.zeros(n_workers + 1, dtype=bool)
        reached[worker[away]] = True
        rows.append(("workers_served_outside_agriculture", int(reached[:n_workers].sum()),
                     workers, "workers_served"))
    frame = pd.DataFrame(rows, columns=["metric", "count", "base", "base_unit"])
    frame["count"] = frame["count"].astype("Int64")
    frame["base"] = frame["base"].astype("Int64")
    frame["share"] = (frame["count"] / frame["base"]).astype("Float64")
    frame["status"] = "measured"
    return frame


def services_by_quarter(records: pa.Table, by: str = "service_type",
                        totals: bool = False) -> pd.DataFrame:
    """Services and distinct workers per calendar quarter and ``by`` category.

    Parameters
    ----------
    totals : bool
        Add, per quarter, a row whose ``<by>`` is ``"all"``: every service of the
        quarter and its distinct workers (a worker served twice in two categories
        counts once there).

    Returns
    -------
    pandas.DataFrame
        ``quarter`` (``YYYYQn``), ``<by>``, ``services``, ``workers``; sorted,
        each quarter's ``all`` row last. No rows without records. Counts of
        workers are people: show them through the disclosure pass
        (:func:`mwsn.privacy.protect_report`).
    """
    if records.num_rows == 0:
        return pd.DataFrame({"quarter": pd.Series(dtype="string"), by: pd.Series(dtype="string"),
                             "services": pd.Series(dtype="int64"),
                             "workers": pd.Series(dtype="int64")})
    frame = _by_quarter(records, by)
    if not totals:
        return frame
    everything = _by_quarter(records.append_column(
        "_all", pa.array(["all"] * records.num_rows, pa.string()).dictionary_encode()), "_all")
    everything = everything.rename(columns={"_all": by})
    frame = pd.concat([frame.assign(_last=0), everything.assign(_last=1)], ignore_index=True)
    return (frame.sort_values(["quarter", "_last", by], na_position="last", kind="stable")
            .drop(columns="_last").reset_index(drop=True))


def _by_quarter(records: pa.Table, by: str) -> pd.DataFrame:
    days = records.column("service_date").combine_chunks().cast(pa.int32()).to_numpy(
        zero_copy_only=False).astype("datetime64[D]")
    month = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    quarter = month // 3
    category = records.column(by).combine_chunks()
    codes, n_codes = _indices(category)
    worker, n_workers = _indices(records.column("participant"))
    key = (quarter - quarter.min()) * (n_codes + 1) + (codes + 1)
    services = np.bincount(key)
    pairs = pd.unique(key * (n_workers + 1) + (worker + 1))  # hashing, no sort
    workers = np.bincount(pairs // (n_workers + 1), minlength=len(services))
    present = np.flatnonzero(services)
    q = present // (n_codes + 1) + quarter.min()
    labels = [None, *category.dictionary.to_pylist()]
    frame = pd.DataFrame({
        "quarter": [f"{1970 + int(x) // 4}Q{int(x) % 4 + 1}" for x in q],
        by: pd.array([labels[int(c)] for c in present % (n_codes + 1)], dtype="string"),
        "services": services[present].astype("int64"),
        "workers": workers[present].astype("int64")})
    return frame.sort_values(["quarter", by], na_position="last").reset_index(drop=True)
