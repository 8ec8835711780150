"""Read raw exports into tidy frames; read and write processed data.

One adapter per export format, chosen by ``sources.<name>.format`` in the
params file. Each returns one row per record and two extra columns saying
where the record came from: ``_file`` and ``_row`` (the 1-based physical line
of a text file where the record starts, correct when quoted cells span lines,
or the spreadsheet row). Text exports (CSV, Qualtrics, KoboToolbox, Excel)
keep every value as text, exactly as exported, for validation to judge; SPSS
and Stata files keep their types, and their value labels become ordered
categories.

A file that cannot be read raises :class:`~mwsn.errors.InputError` naming the
file (and the line when known) and what to do. Processed data is written
deterministically and atomically (to a temporary name, then renamed), so a
failed run leaves earlier outputs as they were.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import mmap
import os
import re
import secrets
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mwsn import catalog, config, hygiene
from mwsn.codebook import (HAS_OFFSET, SourceSpec, answer_text, arrow_storage, blank_cells,
                           date_order, excel_serial_dates, has_utc_offset, local_format,
                           local_time, mixed_date_outliers, normalize_answer, parse_booleans,
                           parse_datetimes, unix_times)
from mwsn.config import EMPTY_EXPORT, Source, export_file_problem
from mwsn.errors import InputError, Problem

ROW, FILE = "_row", "_file"
#: delimiters an export may use, most common first
DELIMITERS = ",;\t|"
#: a valid UTF-8 multi-byte sequence: its presence in a file that is not valid UTF-8 means
#: the file mixes encodings (e.g. lines pasted from another file)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                             rb"|[\xf0-\xf4][\x80-\xbf]{3}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Qualtrics legacy (two header rows) export names and today's names for the same fields
QUALTRICS_LEGACY_NAMES = {"ResponseID": "ResponseId", "EmailAddress": "RecipientEmail",
                          "ExternalDataReference": "ExternalReference"}
#: Qualtrics metadata columns no analysis reads (not named as columns left unread)
QUALTRICS_META = ("Status", "Duration (in seconds)", "ExternalReference", "DistributionChannel",
                  "UserLanguage", "RecipientFirstName", "RecipientLastName", "Q_RecaptchaScore")
#: KoboToolbox metadata columns, kept with their leading underscore
KOBO_META = ("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
             "_submitted_by", "__version__", "_tags", "_index", "_parent_index")


def use_jemalloc() -> None:
    """Arrow's buffers from its jemalloc pool, where pyarrow has one and the environment
    does not choose (``ARROW_DEFAULT_MEMORY_POOL``). Process-wide, called once by
    :func:`read_source`; only speed and memory change, never a value.

    pyarrow's default pool (mimalloc) hands the memory of the CSV reader's batches back
    to the system as each is freed and faults it in again for the next: at 10^6
    survey responses that was about 1 s of system time in the read alone (0.4 s with
    jemalloc) and 30-50 MB more peak memory (``benchmarks/ingest_scale.py``).
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or \
            pa.default_memory_pool().backend_name == "jemalloc":
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without jemalloc (Windows)
        pass


def _line_of(data: bytes | str, offset: int) -> int:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1


# -- bytes and text ----------------------------------------------------------------------------

#: files at least this large are mapped into memory by :func:`open_text` (``mapped``)
MAP_BYTES = 1 << 24


def read_bytes(path: Path, mapped: bool = False) -> bytes | mmap.mmap:
    """The file's bytes; a missing, empty or folder path is an InputError saying what to do.

    ``mapped``: a file of :data:`MAP_BYTES` or more comes as a read-only memory map (an
    ``mmap.mmap``: sliced, searched and read through the buffer protocol like bytes), its
    pages read in place from the system's file cache: not copied, nor faulted in as new
    memory (at 10^6 survey responses, 350 MB: 0.3 s of system time, and the parse that
    follows reads them faster). The map closes when the last reference to it goes. Like
    every raw export, the file must not be rewritten while it is read (a file cut short
    under a map stops the process).
    """
    problem = export_file_problem(path)
    if problem is not None:
        raise InputError(problem)
    if mapped and path.stat().st_size >= max(MAP_BYTES, 1):  # an empty file cannot be mapped
        with path.open("rb") as file:
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    data = path.read_bytes()
    if len(data) <= 65536 and not data.strip():
        raise InputError(Problem(str(path), EMPTY_EXPORT))     # blanks only
    return data


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Text of an export and the encoding found: UTF-8 (with or without BOM), UTF-16 with BOM,
    or Windows-1252 (a superset of Latin-1's printable characters, as Excel saves CSV)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(Problem(file, f"not valid UTF-16 text ({exc.reason}): export the "
                                     "file again as UTF-8 CSV")) from None
    if b"\x00" in data[:8192]:
        raise InputError(Problem(file, "this is a binary file, not text: check that it is the "
                                 "export named in the params file and that its format is right "
                                 "(sources.<name>.format)", row=_line_of(data, data.index(b"\0"))))
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        if _UTF8_MULTIBYTE.search(data):
            raise InputError(Problem(
                file, f"undecodable text: byte 0x{data[exc.start]:02x} is not UTF-8 although "
                "other lines are, so the file mixes encodings: open it in the tool that made "
                "it and save it again as UTF-8 CSV", row=line)) from None
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc2:
            raise InputError(Problem(
                file, f"undecodable text: byte 0x{data[exc2.start]:02x} is neither UTF-8 nor "
                "Windows-1252: save the file again as UTF-8 CSV",
                row=_line_of(data, exc2.start))) from None
    bad = _CONTROL.search(text, 0, 1 << 20)  # binary content shows at the start
    if bad:
        raise InputError(Problem(file, "undecodable text: it holds control characters, so it is "
                                 "probably binary or damaged: export it again as CSV",
                                 row=_line_of(text, bad.start())))
    return text, encoding


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8, checked by Arrow in place (no text is made)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())  # the cast validates the bytes
    except pa.ArrowInvalid:
        return False
    return True


def open_text(path: Path, mapped: bool = False) -> tuple[bytes | mmap.mmap, str, str]:
    """A text export as UTF-8 bytes (BOM removed), the encoding it was in, and the decoded
    text of its first MiB (for the header and the delimiter). The whole file is decoded
    once to check it; the full text is not kept, to spare memory on large exports.
    ``mapped``: a large UTF-8 file without BOM comes as a memory map (:func:`read_bytes`)."""
    raw = read_bytes(path, mapped)
    bom = raw[:3] == b"\xef\xbb\xbf"
    if (bom or b"\x00" not in raw[:8192]) and _is_utf8(raw):
        # the common case, checked without holding the whole text (the file's size again):
        # the first 2**20 characters take at most 4 bytes each; a cut last one is dropped
        utf8 = raw[3:] if bom else raw
        head = utf8[:4 << 20].decode("utf-8", errors="ignore")[:1 << 20]
        if not _CONTROL.search(head):
            return utf8, ("utf-8-sig" if bom else "utf-8"), head
    raw = raw if isinstance(raw, bytes) else raw[:]  # another encoding: as bytes
    text, encoding = decode(raw, str(path))
    if encoding == "utf-8":
        utf8 = raw
    elif encoding == "utf-8-sig":
        utf8 = raw[3:]
    else:
        utf8 = text.encode("utf-8")
    head = text[:1 << 20]
    return utf8, encoding, head


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited text export: csv.Sniffer's guess, checked by field counts."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        return ","

    def consistent(delimiter: str) -> int:
        rows = list(csv.reader(io.StringIO("\n".join(lines[:20])), delimiter=delimiter))
        widths = {len(row) for row in rows if row}
        return len(rows[0]) if len(rows[0]) > 1 and len(widths) == 1 else 0

    try:
        guess = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        guess = None
    if guess and consistent(guess):
        return guess
    scored = [(consistent(d), d) for d in DELIMITERS]
    best = max(scored, key=lambda s: s[0])
    if best[0]:
        return best[1]
    # ragged rows: the candidate giving the widest header
    return max(DELIMITERS, key=lambda d: len(next(csv.reader([lines[0]], delimiter=d))))


# -- delimited text ----------------------------------------------------------------------------

def _header(text: str, delimiter: str, rows: int) -> tuple[list[list[str]], int]:
    """The first ``rows`` records and the number of physical lines they take."""
    size = 1 << 16
    while True:  # read from a prefix: a whole large export need not be copied
        reader = csv.reader(io.StringIO(text[:size], newline=""), delimiter=delimiter)
        records = []
        for record in reader:
            records.append(record)
            if len(records) == rows:
                break
        # complete when the reader stopped before the prefix's last line, which may be cut
        complete = len(records) == rows and reader.line_num < text.count("\n", 0, size)
        if complete or size >= len(text):
            return records, reader.line_num
        size *= 4


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name.strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _record_lines(text: str, delimiter: str, skip_lines: int) -> np.ndarray:
    """Physical line where each non-empty record after the first ``skip_lines`` lines starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, previous = [], 0
    for record in reader:
        if previous >= skip_lines and record:
            starts.append(previous + 1)
        previous = reader.line_num
    return np.asarray(starts, dtype=np.int64)


def read_delimited(path: Path, header_rows: int = 1, delimiter: str | None = None,
                   names: list[str] | None = None,
                   opened: tuple[bytes, str, str] | None = None) -> pd.DataFrame:
    """A delimited text export as text columns, with ``_file`` and ``_row``.

    ``header_rows`` records of header come before the data; the first gives the
    column names unless ``names`` are given. Parsing is done by pyarrow (fast,
    quoted line breaks allowed); row numbers are physical lines. ``opened`` is
    what :func:`open_text` returned, when the caller has it already (handed over:
    the caller keeping no reference lets the file's bytes go before the frame is made).
    """
    file = str(path)
    utf8, encoding, head = opened or open_text(path, mapped=True)
    delimiter = delimiter or sniff_delimiter(head)
    header, header_lines = _header(head, delimiter, header_rows)
    if len(head) >= 1 << 20 and not (len(header) == header_rows
                                     and header_lines < head.count("\n")):
        # a header longer than the first MiB read: from the whole text
        header, header_lines = _header(str(utf8, "utf-8"), delimiter, header_rows)
    if len(header) < header_rows:
        raise InputError(Problem(file, f"the file ends within its {header_rows} header row(s): "
                                 "export it again with its data", row=header_lines))
    names = _unique_names(names or header[0])
    width = len(names)
    start = 0
    for _ in range(header_lines):
        start = utf8.find(b"\n", start) + 1 or len(utf8)
    body = pa.py_buffer(utf8).slice(start)
    ragged: list[str] = []

    def invalid(row) -> str:
        ragged.append(row.text)
        return "skip"

    try:
        table = _read_compact(body, names, delimiter, invalid
                              ) if utf8[start:start + 65536].strip() else pa.table(
            {n: pa.array([], pa.string()) for n in names})
    except pa.ArrowInvalid as exc:
        raise InputError(Problem(file, f"not a readable {delimiter!r}-delimited file ({exc}): "
                                 "export it again as CSV")) from None
    unfilled: list[str] = []
    if ragged:
        text = str(utf8, "utf-8")
        short = _common_width(text, delimiter, header_lines)
        if short is not None and short < width:
            # every record stops before the header's last columns (ODK Briefcase leaves an
            # empty trailing Status out): those columns are empty, not misaligned
            unfilled = names[short:]
            table = _read_compact(body, names[:short], delimiter)
        else:
            problems = _ragged_problems(text, delimiter, header_lines, width, file)
            raise InputError(problems or Problem(file, f"{len(ragged)} record(s) do not have "
                                                 f"the {width} fields of the header: export it "
                                                 "again"))
    n = table.num_rows
    ends_with_line_break = utf8[-1:] in (b"\n", b"\r")
    physical = _newlines(utf8) + (0 if utf8[-1:] == b"\n" else 1)
    # as many lines as header and records: each record is one line and no line is blank
    # (a blank line, or a quoted line break, would make one line more than the records)
    if physical == header_lines + n:
        rows = np.arange(header_lines + 1, header_lines + 1 + n, dtype=np.int64)
    else:
        rows = _record_lines(str(utf8, "utf-8"), delimiter, header_lines)
    if n and not ends_with_line_break and _ends_in_quotes(utf8, physical - int(rows[-1]) + 1,
                                                          delimiter):
        raise InputError(Problem(file, "the file ends inside a quoted field of this record (no "
                                 "closing quote, no line break after it): it was cut short, as "
                                 "an interrupted download or copy leaves it; export or "
                                 "download it again", row=int(rows[-1])))
    # the export's bytes are let go (when the caller handed them over, see read_qualtrics),
    # then each column once converted: bytes, table and frame are never held whole together
    del utf8, body, opened
    text = None  # noqa: F841 - the decoded text of a ragged export, if any, goes too
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    for name in unfilled:
        frame[name] = ""
    if frame.columns.tolist() != names:
        frame.columns = names
    frame.insert(0, ROW, rows)
    frame.insert(0, FILE, file)
    frame.attrs.update(encoding=encoding, delimiter=delimiter, header=header)
    notes = []
    if unfilled:
        notes.append(Problem(file, f"no record fills the header's last column(s) "
                             f"{', '.join(unfilled)}: read as empty", row=1))
    if n and not ends_with_line_break:
        notes.append(Problem(file, f"{NO_FINAL_LINE_BREAK}: check that its last record is "
                             "whole; if the file was cut short (an interrupted download or "
                             "copy), export it again", row=int(rows[-1])))
    if notes:
        frame.attrs["notes"] = notes
    return frame


def _newlines(data: bytes, block: int = 1 << 24) -> int:
    """How many line feeds ``data`` holds, counted by numpy a block at a time (twice as
    fast as ``bytes.count``; a block's comparison is the only copy made)."""
    octets = np.frombuffer(data, np.uint8)
    return sum(int(np.count_nonzero(octets[i:i + block] == 10))
               for i in range(0, len(octets), block))


#: bytes of text pyarrow parses at a time (one batch of :func:`_read_compact`): a block and
#: the columns parsed from it stay in a core's cache (1 MiB parsed a 10^6-response export
#: in two thirds of the time 4 MiB took)
CSV_BLOCK_BYTES = 1 << 20
#: rows whose distinct values decide whether a column is read as a category
COMPACT_SAMPLE = 10_000


def _few_distinct(column, rows: int) -> bool:
    """Whether a column of ``rows`` rows has few distinct values (answers, codes) among its
    first :data:`COMPACT_SAMPLE`."""
    sample = column.slice(0, COMPACT_SAMPLE)
    return rows >= 1000 and pc.count_distinct(sample).as_py() <= max(50, len(sample) // 20)


def _compact(table: pa.Table) -> pa.Table:
    """Columns with few distinct values (answers, codes) as categories: less memory, and
    checking or recoding them then costs one step per distinct value, not per row."""
    columns = [pc.dictionary_encode(column) if _few_distinct(column, len(column)) else column
               for column in table.columns]
    return pa.table(columns, names=table.column_names)


def _csv_options(names: list[str], delimiter: str, invalid=None, encoded=frozenset()):
    """pyarrow's options for reading the body of a delimited export: one thread (on a small
    shared machine threads cost more than they give), quoted line breaks allowed, every
    column as text, ``large_string`` (which pandas keeps: it would copy each column of
    ``string`` to it), the ``encoded`` columns as categories (``dictionary``). UTF-8 is not
    checked again: the buffer is valid UTF-8 as a whole (:func:`open_text` checked or
    transcoded it), and a field cut from it at ASCII delimiters stays so."""
    category = pa.dictionary(pa.int32(), pa.large_string())
    return dict(
        read_options=pacsv.ReadOptions(column_names=names, use_threads=False,
                                       block_size=CSV_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                         invalid_row_handler=invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={n: category if n in encoded else pa.large_string() for n in names},
            strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=False))


def _read_compact(body: pa.Buffer, names: list[str], delimiter: str,
                  invalid=None) -> pa.Table:
    """The body of a delimited export read by ``pyarrow.csv`` (:func:`_csv_options`; a
    record of another width than ``names`` is handed to ``invalid``, as pyarrow's
    ``invalid_row_handler``), compacted as :func:`_compact` does: the same columns, the
    same categories in the same order. The first :data:`COMPACT_SAMPLE` rows decide which
    columns are categories; the body is then read again with those columns typed as
    categories, which pyarrow's parser fills as it goes: the plain text of a column of
    answers is never made (the first rows' few MiB are parsed twice, less than encoding
    every batch's text afterwards costs)."""
    seen: list = []  # the sample's invalid records: handed over when the sample is the body

    def set_aside(row) -> str:
        seen.append(row)
        return "skip"

    reader = pacsv.open_csv(pa.BufferReader(body), **_csv_options(
        names, delimiter, set_aside if invalid else None))
    batches, rows = [], 0
    for batch in reader:
        batches.append(batch)
        rows += batch.num_rows
        if rows >= COMPACT_SAMPLE:
            break
    else:  # the whole body, fewer rows than the sample
        for row in seen:
            invalid(row)
        return _compact(pa.Table.from_batches(batches, reader.schema))
    sample = pa.Table.from_batches(batches, reader.schema)
    encoded = {name for name, column in zip(sample.column_names, sample.columns)
               if _few_distinct(column, sample.num_rows)}
    del reader, batches, sample
    table = pacsv.open_csv(pa.BufferReader(body), **_csv_options(
        names, delimiter, invalid, encoded)).read_all()
    return table.unify_dictionaries()


def _common_width(text: str, delimiter: str, skip_lines: int) -> int | None:
    """The number of fields every record after the header has, if they all have the same."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    widths, previous, records = set(), 0, 0
    for record in reader:
        if previous >= skip_lines and record:
            widths.add(len(record))
            records += 1
            if len(widths) > 1:
                return None
        previous = reader.line_num
    # one record alone could as well miss a field in the middle
    return widths.pop() if len(widths) == 1 and records >= 2 else None


def _ends_in_quotes(utf8, lines: int, delimiter: str) -> bool:
    """Whether the last record of ``utf8`` (UTF-8 text), which spans its last ``lines``
    lines, ends inside a quoted field: no valid export does, a cut one may."""
    start = len(utf8)
    for _ in range(lines):
        start = utf8.rfind(b"\n", 0, start)
        if start < 0:
            break
    last = bytes(utf8[start + 1:]).decode("utf-8")
    try:
        for _ in csv.reader(io.StringIO(last, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


#: how a delimited export that may have been cut short is told (:func:`read_delimited`)
NO_FINAL_LINE_BREAK = "the file does not end with a line break"


def _ragged_problems(text: str, delimiter: str, skip_lines: int, width: int,
                     file: str) -> list[Problem]:
    """Where records have another number of fields than the header (slow path, errors only).

    The last record, short of fields in a file that does not end with a line break, is
    told as what it is: the file was cut short (an interrupted download or copy)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems, previous, last = [], 0, None
    for record in reader:
        if previous >= skip_lines and record:
            last = (previous + 1, len(record))
            if len(record) != width and len(problems) < 20:
                hint = ("the delimiter may be wrong or a cell holds an unquoted delimiter"
                        if len(record) > width else
                        "a field is missing or a line break is unquoted")
                problems.append(Problem(file, f"this record has {len(record)} fields but the "
                                        f"header has {width}: {hint}; fix the export",
                                        row=previous + 1))
        previous = reader.line_num
    if last is not None and last[1] < width and not text.endswith(("\n", "\r")):
        cut = Problem(file, f"the file ends in the middle of this record ({last[1]} of the "
                      f"header's {width} fields, and no line break after it): it was cut short, "
                      "as an interrupted download or copy leaves it; export or download it "
                      "again", row=last[0])
        problems = [p for p in problems if p.row != last[0]][:19] + [cut]
    return problems


def read_csv(path: Path, header_rows: int = 1) -> pd.DataFrame:
    """A CSV export (any common delimiter and encoding) as text columns."""
    return read_delimited(path, header_rows=header_rows)


def read_qualtrics(path: Path) -> pd.DataFrame:
    """A Qualtrics CSV export, new or legacy.

    New exports have three header rows: column names, question text, and
    ``{"ImportId": ...}`` JSON; legacy exports two: ``V1, V2, ...`` names and
    labels (the labels give the metadata names), often with a BOM and a
    trailing comma. Question texts are kept in ``frame.attrs["labels"]``.
    """
    file = str(path)
    opened = [open_text(path, mapped=True)]  # handed over to read_delimited (popped), not kept
    delimiter = sniff_delimiter(opened[0][2])
    header, _ = _header(opened[0][2], delimiter, 3)
    if len(header) < 2:
        raise InputError(Problem(file, "not a Qualtrics export: it needs a row of column names "
                                 "and a row of question texts; export it again from Qualtrics",
                                 row=1))
    new = len(header) == 3 and all(c.strip().startswith("{") for c in header[2] if c.strip())
    new = new and any("ImportId" in c for c in header[2])
    if new:
        frame = read_delimited(path, header_rows=3, delimiter=delimiter,
                               opened=opened.pop())
        names, labels = header[0], header[1]
        import_ids = {}
        for name, cell in zip(names, header[2]):
            try:
                import_ids[name] = json.loads(cell).get("ImportId")
            except (ValueError, AttributeError):
                import_ids[name] = None
        frame.attrs["import_ids"] = import_ids
    else:
        names, labels = header[0], header[1]
        # legacy: V1..Vn are placeholders; the label row holds the metadata names
        names = [QUALTRICS_LEGACY_NAMES.get(label.strip(), label.strip())
                 if re.fullmatch(r"V\d+", name.strip()) else name
                 for name, label in zip(names, labels + [""] * len(names))]
        frame = read_delimited(path, header_rows=2, delimiter=delimiter, names=names,
                               opened=opened.pop())
    frame.attrs["labels"] = dict(zip(_unique_names(names), labels))
    # a trailing delimiter on every line makes an unnamed, empty last column
    empty = [c for c in frame.columns
             if c.startswith("column_") and _blank_throughout(frame[c])]
    return frame.drop(columns=empty)


# -- spreadsheets and statistical files ----------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def find_header(rows: list[tuple], expected: set[str] = frozenset()) -> int:
    """Index of the header row among the first rows of a sheet.

    The row holding most of the ``expected`` column names; failing that, the
    first row about as wide as the widest in distinct values (titles and notes
    above a table are narrower than it, or one value merged across it).
    """
    def filled(row):
        return [str(v).strip() for v in row if v is not None and str(v).strip()]

    if expected:
        matches = [len(set(filled(row)) & expected) for row in rows]
        if max(matches, default=0) > 0:
            return int(np.argmax(matches))
    # distinct values: a title merged across the table fills every cell with the same text
    widths = [len(set(filled(row))) for row in rows]
    widest = max(widths, default=0)
    for i, width in enumerate(widths):
        if width and width >= 0.8 * widest:
            return i
    return 0


#: workbooks larger than this are read in openpyxl's streaming mode, which cannot see
#: merged cells (a note says so); smaller ones are read whole and merged ranges filled
XLSX_FULL_READ_BYTES = 20 << 20


def _sheet_rows(sheet, filled_merges: bool) -> list[tuple]:
    """A worksheet's values, each merged range's value copied into every cell it covers."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    if filled_merges:
        for merged in list(sheet.merged_cells.ranges):
            value = sheet.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row - 1, min(merged.max_row, len(rows))):
                row = rows[r]
                if len(row) < merged.max_col:
                    row.extend([None] * (merged.max_col - len(row)))
                for c in range(merged.min_col - 1, merged.max_col):
                    row[c] = value
    return [tuple(r) for r in rows]


def _has_data(rows) -> bool:
    return any(any(v is not None and str(v).strip() for v in r) for r in rows)


def read_xlsx(path: Path, expected: set[str] = frozenset(), sheet: str | int | None = None
              ) -> pd.DataFrame:
    """One sheet of an Excel workbook as text columns (the first, or ``sheet``: a name or a
    1-based position).

    The header row is found (see :func:`find_header`); ``_row`` is the
    spreadsheet row number. Numbers and dates are written as text the way a
    CSV export would write them. A merged range's value is copied into every
    cell it covers (Excel keeps it in the top-left cell only). Every other
    sheet holding data gets a note in ``frame.attrs["notes"]`` (it is not read).
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    read_bytes(path)
    file = str(path)
    full = path.stat().st_size <= XLSX_FULL_READ_BYTES
    try:
        book = openpyxl.load_workbook(path, read_only=not full, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(Problem(file, f"not a readable Excel .xlsx workbook ({exc}): the file "
                                 "may be truncated or of another format; save it again from "
                                 "Excel as .xlsx")) from None
    names = book.sheetnames
    try:
        if isinstance(sheet, int):
            if sheet > len(names):
                raise InputError(Problem(file, f"sheet {sheet} does not exist: the workbook has "
                                         f"{len(names)} sheet(s) ({', '.join(names)}); fix "
                                         "sources.<name>.sheet"))
            chosen = names[sheet - 1]
        elif sheet is not None:
            if sheet not in names:
                close = difflib.get_close_matches(sheet, names, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise InputError(Problem(file, f"sheet '{sheet}' does not exist{hint}: the "
                                         f"workbook has {', '.join(repr(n) for n in names)}; "
                                         "fix sources.<name>.sheet"))
            chosen = sheet
        else:
            chosen = names[0]
        rows = _sheet_rows(book[chosen], full)
        others = [(n, sum(1 for r in book[n].iter_rows(values_only=True) if _has_data([r])))
                  for n in names if n != chosen]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputError(Problem(file, f"the workbook is damaged ({exc}): save it again from "
                                 "Excel as .xlsx")) from None
    finally:
        book.close()
    if not _has_data(rows):
        raise InputError(Problem(file, f"the workbook's sheet '{chosen}' is empty: export the "
                                 "data again or name the sheet holding it in "
                                 "sources.<name>.sheet"))
    at = find_header(rows[:50], set(expected))
    width = max(len(r) for r in rows)
    head = list(rows[at]) + [None] * (width - len(rows[at]))
    names_ = _unique_names([_cell_text(v) or f"column_{get_column_letter(i + 1)}"
                            for i, v in enumerate(head)])
    body = [r + (None,) * (width - len(r)) for r in rows[at + 1:]]
    keep = [i for i, r in enumerate(body) if any(v is not None and str(v).strip() for v in r)]
    frame = pd.DataFrame([[_cell_text(v) for v in body[i]] for i in keep], columns=names_,
                         dtype=str)
    frame.insert(0, ROW, np.asarray([at + 2 + i for i in keep], dtype=np.int64))
    frame.insert(0, FILE, file)
    frame.attrs["header_row"] = at + 1
    frame.attrs["sheet"] = chosen
    notes = [Problem(file, f"sheet '{n}' ({count} rows with data) was not read: only sheet "
                     f"'{chosen}' is; name it in sources.<name>.sheet if it holds this source "
                     "(a repeat group or another table needs its own source)")
             for n, count in others if count]
    if not full:
        notes.append(Problem(file, "the workbook is too large to look for merged cells: a "
                             "merged range reads as its top-left cell only; unmerge cells "
                             "before export if the sheet has any"))
    frame.attrs["notes"] = notes
    return frame


def _labelled(frame: pd.DataFrame, meta, missing: dict[str, set]) -> pd.DataFrame:
    """Value labels → ordered categories (in code order), variable labels → attrs.

    Numbers are kept as numbers: a column of whole numbers stored as doubles
    (every SPSS number, most Stata ones) becomes integers, so code 4 reads as
    ``4``, never ``4.0``. ``missing`` holds, per column, the codes the file
    declares missing (SPSS user-missing values and ranges, Stata ``.a``-``.z``):
    they are kept, as their label when they have one, and listed in
    ``frame.attrs["user_missing"]`` with the text they now read as; each label's code is
    kept in ``frame.attrs["value_codes"]``, so that ``values:`` may be keyed by either.
    """
    labels_of = meta.variable_value_labels
    user_missing: dict[str, set[str]] = {}
    coded: dict[str, dict[str, str]] = {}
    for column in frame.columns:
        values = frame[column]
        labels = labels_of.get(column, {})
        declared = missing.get(column, set())
        if not labels and not declared:
            if (pd.api.types.is_float_dtype(values) and values.notna().any()
                    and np.all(np.mod(values.dropna().to_numpy(), 1) == 0)):
                frame[column] = values.astype("Int64")
            continue
        distinct = [v for v in pd.unique(values.dropna())]
        codes = sorted(set(labels) | set(distinct), key=lambda c: (str(type(c)), c))
        # a Stata extended missing value's code is written as Stata writes it: .a (the
        # answer of an unlabelled one, and the values: key of a labelled one)
        code = {c: f".{c}" if isinstance(c, str) and c in declared and len(c) == 1
                else _cell_text(c) for c in codes}
        text = {c: labels.get(c, code[c]) for c in codes}
        order = list(dict.fromkeys(text[c] for c in codes))
        frame[column] = pd.Categorical(values.map(text), categories=order, ordered=True)
        coded[column] = {text[c]: code[c] for c in codes if text[c] != code[c]}
        found = {text[c] for c in codes if c in declared}
        if found:
            user_missing[column] = found
    frame.attrs["labels"] = dict(meta.column_names_to_labels)
    frame.attrs["user_missing"] = user_missing
    frame.attrs["value_codes"] = coded   # per column, each label's code (for values:)
    return frame


def _declared_missing(frame: pd.DataFrame, meta, kind: str) -> dict[str, set]:
    """Per column, the values the file declares missing: SPSS user-missing values and ranges,
    Stata extended missing values (read as the letters ``a``-``z``)."""
    out: dict[str, set] = {}
    if kind == "spss":
        for column, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
            if column not in frame.columns:
                continue
            for bounds in ranges:
                low, high = bounds["lo"], bounds["hi"]
                for value in pd.unique(frame[column].dropna()):
                    try:
                        if low <= value <= high:
                            out.setdefault(column, set()).add(value)
                    except TypeError:
                        if value in (low, high):
                            out.setdefault(column, set()).add(value)
    else:
        for column, letters in (getattr(meta, "missing_user_values", None) or {}).items():
            if column in frame.columns and letters:
                out[column] = set(letters)
    return out


def read_stat(path: Path, kind: str) -> pd.DataFrame:
    """An SPSS ``.sav`` or Stata ``.dta`` file via pyreadstat, value labels as ordered
    categories, whole numbers as integers, declared missing values kept (see
    :func:`_labelled`); ``_row`` is the case number (1-based)."""
    import pyreadstat

    data = read_bytes(path)                 # a missing or empty file told as such
    if kind == "stata":
        _check_stata_end(data, str(path))
    del data                                # ReadStat reads the file itself
    reader = pyreadstat.read_sav if kind == "spss" else pyreadstat.read_dta
    try:
        frame, meta = reader(str(path), user_missing=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        name = "SPSS .sav" if kind == "spss" else "Stata .dta"
        raise InputError(Problem(str(path), f"not a readable {name} file ({exc}): the file may "
                                 "be truncated or of another format; save it again")) from None
    missing = _declared_missing(frame, meta, kind)
    frame = _labelled(frame, meta, missing)
    frame.insert(0, ROW, np.arange(1, len(frame) + 1, dtype=np.int64))
    frame.insert(0, FILE, str(path))
    return frame


def _check_stata_end(data: bytes, file: str) -> None:
    """A Stata 13+ ``.dta`` file's bytes (``<stata_dta>`` ... ``</stata_dta>``) cut short:
    ReadStat reads one cut in its last sections (the value labels) without a word, its codes
    then unlabelled.

    Raises
    ------
    InputError
        The file opens with ``<stata_dta>`` but does not end with ``</stata_dta>``.
    """
    opening, closing = b"<stata_dta>", b"</stata_dta>"
    if data[:len(opening)] == opening and not data[-64:].rstrip().endswith(closing):
        raise InputError(Problem(file, "the Stata file ends before its closing "
                                 "</stata_dta> tag: it was cut short, as an interrupted "
                                 "download or copy leaves it (its value labels come last); "
                                 "save or download it again"))


# -- KoboToolbox and ODK ----------------------------------------------------------------------

#: ODK Central metadata columns, kept whole
ODK_META = ("SubmissionDate", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
            "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
            "FormVersion", "meta-instanceID", "meta-instanceName", "instanceID")
_TRUE_TEXT = frozenset({"1", "true", "True", "TRUE", "1.0"})


#: what a group path may be joined with: KoboToolbox's default ``/`` or the separator chosen
#: at export (a free field: ``.``, ``-``, ``:`` are seen), ODK Central's ``-``
GROUP_SEPARATORS = ("/", ".", "-", ":")


def _group_separator(names: list[str], fmt: str, known: set[str] = frozenset()) -> str:
    """The separator between group and question names.

    Each of :data:`GROUP_SEPARATORS` is scored on the export's header: first by how many
    names it leaves that the codebook (or the params' mapping) knows once their group path
    is taken off (``grp_profile-who`` -> ``who``), then by how many names it puts under a
    group shared with another (``grp-a``, ``grp-b``). The format's own separator (Kobo
    ``/``, ODK ``-``) wins a tie, and is the answer when no separator scores.
    """
    skip = {FILE, ROW, *KOBO_META, *ODK_META}
    data = [n for n in names if n not in skip and not n.startswith("_")]
    default = "-" if fmt == "odk" else "/"

    def score(sep: str) -> tuple[int, int]:
        # pandas' name for a repeated header ("x.1") is not a group path
        paths = [n for n in data if sep in n.strip(sep)
                 and not (sep == "." and re.fullmatch(r".+\.\d+", n))]
        groups: dict[str, int] = {}
        for n in paths:
            groups[n.split(sep, 1)[0]] = groups.get(n.split(sep, 1)[0], 0) + 1
        named = sum(n.rsplit(sep, 1)[-1] in known for n in paths)
        shared = {g for g, count in groups.items()
                  if count > 1 and re.fullmatch(r"[A-Za-z_][\w.-]*", g)}
        grouped = sum(n.split(sep, 1)[0] in shared for n in paths)
        # a hyphen, common inside plain names, separates groups in a Kobo export only where
        # the codebook knows the names it leaves, or two groups at least share it:
        # "pre-survey" and "pre-test" alone are not a group
        if sep == "-" != default and not named and len(shared) < 2:
            return 0, 0
        return named, grouped

    scores = {sep: score(sep) for sep in dict.fromkeys((default, *GROUP_SEPARATORS))}
    best = max(scores, key=scores.get)   # the first of equals: the format's own
    return best if scores[best] > (0, 0) else default


def split_groups(frame: pd.DataFrame, fmt: str, keep: set[str] = frozenset(),
                 known: set[str] = frozenset()) -> tuple[pd.DataFrame, dict[str, str]]:
    """Group prefixes stripped from KoboToolbox / ODK column names, select-multiple option
    columns turned into booleans.

    ``group_work/sector`` (or ``group_work.sector``, ODK's ``group_work-sector``)
    becomes ``sector``; names in ``keep`` (mapping keys written as the export
    shows them) and metadata columns stay whole. The separator is the one that
    leaves most names ``known`` (the codebook's, the mapping's keys; see
    :func:`_group_separator`): a Kobo export made with ``-`` or ``:`` is read as one
    made with ``/``; it is kept in ``frame.attrs["group_separator"]``. A select-multiple question
    exported with one 0/1 column per option (``reason/accomodation`` beside
    ``reason``) gets boolean columns ``<question>_<option>``; options are listed
    in ``frame.attrs["select_multiple"]``. Two questions with the same name in
    different groups keep their full paths. Returns the frame and, for each new
    name, the export's own name.
    """
    sep = _group_separator(list(frame.columns), fmt, set(known) | set(keep))
    meta = set(KOBO_META) | set(ODK_META) | {FILE, ROW} | set(keep)
    columns = list(frame.columns)
    present = set(columns)
    options: dict[str, list[str]] = {}
    target: dict[str, str] = {}
    for column in columns:
        if column in meta or column.startswith("_"):
            target[column] = column
            continue
        for mark in dict.fromkeys(("/", sep)):
            parent, found, option = column.rpartition(mark)
            if found and parent in present and parent not in meta:
                # Kobo's (or ODK's) 0/1 column for one option of a select-multiple question
                question = parent.split(sep)[-1]
                options.setdefault(question, []).append(option)
                target[column] = f"{question}_{option}"
                break
        else:
            target[column] = column.split(sep)[-1] if sep in column else column
    # a name two questions would share: both keep their full path
    counts: dict[str, int] = {}
    for new in target.values():
        counts[new] = counts.get(new, 0) + 1
    target = {old: (old if counts[new] > 1 and old != new else new) for old, new in target.items()}
    frame = frame.rename(columns=target)
    for question, opts in options.items():
        for option in opts:
            name = f"{question}_{option}"
            if name in frame.columns:
                frame[name] = frame[name].astype("string").str.strip().isin(_TRUE_TEXT).astype(
                    bool)
    frame.attrs["select_multiple"] = options
    frame.attrs["group_separator"] = sep
    return frame, {new: old for old, new in target.items()}


def read_kobo(path: Path, spec: SourceSpec | None = None, sheet: str | int | None = None,
              keep: set[str] = frozenset(), fmt: str = "kobo") -> pd.DataFrame:
    """A KoboToolbox (or ODK Central) CSV or XLSX export with XML names.

    Group prefixes are stripped (see :func:`split_groups`); metadata columns
    (``_uuid``, ``_submission_time``, ``meta-instanceID``...) keep their names.
    Each select-multiple question (split 0/1 columns, or a variable of type
    ``multi`` in the codebook) gets one boolean column per option,
    ``<question>_<option>``, beside the space-separated answer. Repeat groups
    are other sheets of the XLSX export (or other CSV files): each sheet not
    read is named in a note.
    """
    frame = (read_xlsx(path, sheet=sheet) if path.suffix.lower() in (".xlsx", ".xlsm")
             else read_delimited(path))
    attrs = dict(frame.attrs)
    known = {n for v in spec.variables for n in (v.name, v.raw_name)} if spec else set()
    frame, exported = split_groups(frame, fmt, keep, known)
    frame.attrs.update({k: v for k, v in attrs.items() if k not in frame.attrs})
    frame.attrs["exported"] = exported
    multi_options = frame.attrs["select_multiple"]
    declared = {v.name: v for v in spec.variables if v.type == "multi"} if spec else {}
    for question in declared:
        if question in frame.columns and question not in multi_options:
            tokens = frame[question].astype(str).str.split()
            options = sorted({t for ts in tokens.drop_duplicates() for t in ts})
            for option in options:
                frame[f"{question}_{option}"] = tokens.map(lambda ts, o=option: o in ts)
    return frame


# -- SurveyMonkey and Google Forms ----------------------------------------------------------------

#: SurveyMonkey's second header row for a question with a single answer column
_SURVEYMONKEY_SINGLE = frozenset({"", "response", "open-ended response", "réponse",
                                  "réponse ouverte"})


def read_surveymonkey(path: Path) -> pd.DataFrame:
    """A SurveyMonkey CSV export ("All individual responses", "Actual answer text").

    Two header rows: the first holds each question's text once, over the first
    of its columns (the cells to its right are blank); the second says what a
    column holds (``Response``, ``Open-Ended Response``, or an option of a
    select-all question, a row of a matrix). A single-column question is named
    by its text; every other column ``<question> | <option>``. Metadata columns
    (``Respondent ID``, ``Start Date``, ``End Date``...) are named by the first
    row. Dates are written month first (``09/18/2019 08:51:07 AM``).
    """
    file = str(path)
    opened = [open_text(path, mapped=True)]  # handed over to read_delimited (popped), not kept
    delimiter = sniff_delimiter(opened[0][2])
    header, _ = _header(opened[0][2], delimiter, 2)
    if len(header) < 2:
        raise InputError(Problem(file, "not a SurveyMonkey export: it needs two header rows "
                                 "(questions, then Response or the options); export it again "
                                 "as CSV, all individual responses", row=1))
    first, second = header
    second = second + [""] * (len(first) - len(second))
    names, question = [], ""
    for top, below in zip(first, second):
        top, below = top.strip(), below.strip()
        if top:
            question = top
        if below.casefold() in _SURVEYMONKEY_SINGLE and top:
            names.append(top)
        else:
            names.append(f"{question} | {below}" if question else below)
    frame = read_delimited(path, header_rows=2, delimiter=delimiter, names=names,
                           opened=opened.pop())
    frame.attrs["dayfirst"] = False
    return frame


def read_google_forms(path: Path) -> pd.DataFrame:
    """A Google Forms responses CSV (downloaded from the form or its sheet).

    One header row of question texts; the first column is ``Timestamp``
    (``2019/09/18 8:51:07 AM GMT-4`` from the form, ``9/18/2019 8:51:07`` from
    a sheet in a US locale); a checkbox question's answers are joined with
    ``, `` in one cell; each response's row number is its id.
    """
    frame = read_delimited(path)
    frame.attrs["multi_separator"] = ", "
    return frame


#: what each export tool names the columns the codebook knows, and what it never has
#: (applied only where the export has the column and the params map nothing onto it)
FORMAT_DEFAULTS: dict[str, dict] = {
    "kobo": {"columns": {"_uuid": "response_id", "_submission_time": "recorded_date",
                         "start": "start_date", "end": "end_date"},
             "absent": {"finished": "a KoboToolbox submission is complete"}},
    "odk": {"columns": {"meta-instanceID": "response_id", "KEY": "response_id",
                        "SubmissionDate": "recorded_date", "start": "start_date",
                        "end": "end_date"},
            "absent": {"finished": "an ODK submission is complete"}},
    "redcap": {"columns": {"record_id": "response_id"}, "absent": {}},
    "surveymonkey": {"columns": {"Respondent ID": "response_id", "End Date": "recorded_date",
                                 "Start Date": "start_date", "Email Address": "email",
                                 "IP Address": "ip_address", "First Name": "first_name",
                                 "Last Name": "last_name"},
                     "absent": {"finished": "SurveyMonkey exports the responses it has; "
                                "each counts as complete"}},
    "google_forms": {"columns": {"Timestamp": "recorded_date", "Horodateur": "recorded_date",
                                 "Horodatage": "recorded_date",
                                 "Email Address": "email", "Email address": "email",
                                 "Adresse e-mail": "email", "Adresse courriel": "email"},
                     "absent": {"finished": "Google Forms records submitted responses only",
                                "response_id": "each response is numbered by its row"}},
}
#: what a Qualtrics export writes for a question shown to a respondent who did not answer it
#: (its data export's option "Recode seen but unanswered questions as -99")
QUALTRICS_SEEN_NOT_ANSWERED = "-99"
#: the answers it may stand for: a question's, not an id, a date or a tool's own column
SEEN_NOT_ANSWERED_TYPES = ("likert", "category", "multi", "boolean", "number", "text",
                           "free_text")
#: what it means for the analysis when a column is declared absent
ABSENT_CONSEQUENCES = {
    "finished": "every response counts as complete (no completeness rule)",
    "email": "a person cannot be recognized across responses or sources: each response "
             "counts as one participant",
    "response_id": "each response is numbered by its row in the file",
    "recorded_date": "repeated responses of one person are told apart by their row only",
}
#: columns an assessment cannot do without, even when declared absent
NEVER_ABSENT = {"consent", "stakeholder_group"}


def _blank_throughout(values: pd.Series) -> bool:
    """Whether a column holds no value in any row (missing, or spaces only)."""
    return bool(blank_cells(values).all())


def may_be_absent(name: str, required: bool) -> bool:
    """Whether the codebook variable ``name`` may be declared absent (``sources.<name>.absent``):
    not one the assessment needs for every response (:data:`NEVER_ABSENT`, or a required one
    without a stated consequence, :data:`ABSENT_CONSEQUENCES`)."""
    return name not in NEVER_ABSENT and (not required or name in ABSENT_CONSEQUENCES)


def _closest(name: str, candidates) -> str:
    candidates = [c for c in dict.fromkeys(candidates) if c not in (FILE, ROW)]
    found = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    if not found:
        folded = difflib.get_close_matches(name.casefold(), [c.casefold() for c in candidates],
                                           n=1, cutoff=0.5)
        found = [c for c in candidates if folded and c.casefold() == folded[0]][:1]
    return f" (closest: '{found[0]}')" if found else ""


def _key(name) -> str:
    return normalize_answer(name)


def _path_ends(own: dict[str, str], key: str, separator: str) -> list[str]:
    """The columns whose export name (``own``: column -> the export's name) ends with the
    group path ``key`` (``grp_profile/who`` for ``grp_main/grp_profile/who``), or, when none
    does, is or ends with ``key`` written with the export's ``separator`` in place of another
    of :data:`GROUP_SEPARATORS` (``grp_profile/who``, as the form's XML path reads, for an
    export made with ``.``: ``grp_profile.who``)."""
    end = separator + key.strip(separator)
    found = [column for column, exported in own.items() if exported.endswith(end)]
    for other in GROUP_SEPARATORS:
        if found or other == separator or other not in key.strip(other):
            continue
        written = key.strip(other).replace(other, separator)
        found = [column for column, exported in own.items()
                 if exported == written or exported.endswith(separator + written)]
    return found


def _recode(values: pd.Series, table: dict[str, str],
            codes_of: dict[str, str] | None = None) -> pd.Series:
    """Answers replaced per ``table`` (normalized answer → new text); others unchanged.
    ``codes_of``: an answer's code (a value label's number), looked up when the answer
    itself is not in ``table``."""
    codes_of = codes_of or {}
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [table.get(_key(v), table.get(_key(codes_of.get(answer_text(v), "\0")),
                                           answer_text(v))) for v in uniques]
    out = pd.array([*mapped, pd.NA], dtype="string").take(codes)
    return pd.Series(out, index=values.index, dtype="string")


def _none_recoded(values: pd.Series, table: dict[str, str],
                  codes_of: dict[str, str]) -> str:
    """A few of a column's answers, quoted, when ``table`` (see :func:`_recode`) recodes
    none of them (a values: key written otherwise than the export writes it: ``.a`` for a
    labelled code, a label in another language); empty when one is recoded or there is no
    answer."""
    distinct = pd.unique(values.dropna())
    if not len(distinct) or any(
            _key(v) in table or _key(codes_of.get(answer_text(v), "\0")) in table
            for v in distinct):
        return ""
    return ", ".join(repr(answer_text(v)) for v in distinct[:3])


def _answered(values: pd.Series, answer: str) -> np.ndarray:
    """Where ``values`` hold ``answer`` (as text, spaces around it aside): a boolean array.
    Worked out on a category column's distinct answers (its text is never made), and by
    Arrow on a text column as read: a column of a million answers is not copied."""
    text = arrow_storage(values)
    if text is not None:
        found = pc.equal(pc.utf8_trim_whitespace(text), answer)
        return found.fill_null(False).to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    hit = (pd.Series(uniques).astype("string").str.strip() == answer).fillna(False)
    return np.append(hit.to_numpy(dtype=bool), False)[codes]


def _multi_codes(values: pd.Series, separator: str, parse) -> pd.Series:
    """A select-all answer joined with ``separator`` ("Agriculture, Food processing") as the
    codebook's space-separated codes; an answer with an unknown option is left as it is."""
    def one(answer):
        if answer is None or answer is pd.NA or answer == "":
            return answer
        parts = [p.strip() for p in str(answer).split(separator) if p.strip()]
        codes = [parse(p) for p in parts]
        return answer if None in codes else " ".join(codes)

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    out = pd.array([*[one(u) for u in uniques], pd.NA], dtype="string").take(codes)
    return pd.Series(out, index=values.index, dtype="string")


#: a date or date-time already written as ISO 8601 (``2019-10-01``, ``2019-10-01 14:30:00``)
ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?"


def _all_iso_or_empty(values: pd.Series) -> bool:
    """Whether every cell of a text column is empty or ISO 8601 (:data:`ISO_DATE`) with no
    space around it, checked by Arrow on the column as read (no stripped copy is made):
    then :func:`_normalize_dates` has nothing to rewrite. False when not sure."""
    text = arrow_storage(values)
    if text is None:
        return False
    return not pc.any(pc.invert(pc.match_substring_regex(text, f"^(?:{ISO_DATE})?$"))).as_py()


def _normalize_dates(frame, spec, source, own, attrs, file, problems, notes) -> set[str]:
    """Date columns as ISO 8601 text: UTC offsets converted to UTC, day-month dates read in
    the params' order or the one the column shows. Returns the columns refused as a whole
    (their order cannot be told), which validation then leaves alone."""
    unjudged = set()
    dayfirst = source.dayfirst if source.dayfirst is not None else attrs.get("dayfirst")
    for var in spec.variables:
        if var.type not in ("date", "datetime") or var.name not in frame.columns:
            continue
        values = frame[var.name]
        if pd.api.types.is_datetime64_any_dtype(values):
            if getattr(values.dt, "tz", None) is not None:
                frame[var.name] = parse_datetimes(values)
            continue
        if _all_iso_or_empty(values):  # the common case, told in one pass over the text
            continue
        text = values.astype("string").str.strip()
        iso = text.str.fullmatch(ISO_DATE)
        todo = (~iso.fillna(True)) & (text != "").fillna(False)
        if not todo.any():
            continue
        column = own.get(var.name, var.name)
        # numbers a spreadsheet or a program wrote for dates: read, with a note each
        for read, said in (
                (lambda t: excel_serial_dates(t, var.type),
                 "date(s) written as Excel serial numbers (e.g. {example!r}: days since "
                 "1899-12-30, a date cell formatted as a number) were read as dates (e.g. "
                 "{first!r})"),
                # an instant: a column of days (type: date) refuses it, naming it
                (unix_times if var.type == "datetime" else None,
                 "date-time(s) written as Unix time (e.g. {example!r}: seconds since "
                 "1970-01-01 00:00 UTC) were read as UTC date-times (e.g. {first!r})")):
            found = read(text[todo]) if read is not None and todo.any() else text.iloc[:0]
            if not len(found):
                continue
            example = text[found.index[0]]
            text = text.copy()
            text[found.index] = found
            todo[found.index] = False
            notes.append(Problem(file, f"{len(found)} " + said.format(
                example=example, first=found.iat[0]), column=column))
            frame[var.name] = text
        if not todo.any():
            continue
        if source.date_format is None and dayfirst is None:
            order, at = date_order(text[todo])
            if order == "mixed":
                at_rows = frame[ROW].to_numpy()[todo.to_numpy().nonzero()[0]]
                outliers, most = mixed_date_outliers(text[todo])
                rows = ", ".join(str(int(r)) for r in at_rows[outliers][:10])
                more = f" and {len(outliers) - 10} more" if len(outliers) > 10 else ""
                way = "month first" if most == "monthfirst" else "day first"
                problems.append(Problem(
                    file, f"most dates in this column read only {way}, but the one(s) on "
                    f"row(s) {rows}{more} (e.g. {text[todo].iat[outliers[0]]!r}) read only the "
                    "other way: check them in the tool that made the export and export again; "
                    f"then say the order in the params (sources.<name>.dayfirst: "
                    f"{'false' if most == 'monthfirst' else 'true'})",
                    row=int(at_rows[outliers[0]]), column=column))
                unjudged.add(var.name)
                continue
            if order == "ambiguous":
                row = int(frame[ROW].to_numpy()[todo.to_numpy().nonzero()[0][at]])
                sample = text[todo].iat[at]
                problems.append(Problem(
                    file, f"the dates in this column (e.g. {sample!r}) can be read day first or "
                    "month first and no date in it has a day above 12: say which in the params (sources.<name>.dayfirst: "
                    "true for 01/10/2019 = 1 October; or sources.<name>.date_format)",
                    row=row, column=column))
                unjudged.add(var.name)
                continue
        offset = has_utc_offset(text[todo])
        if offset and var.type == "date":
            # a day is the day where it happened: 2018-07-18T23:30-07:00 is the 18th, not
            # the 19th it is in UTC (which could move it into the next fiscal year)
            parsed = parse_datetimes(local_time(text[todo]), dayfirst=dayfirst,
                                     date_format=local_format(source.date_format))
            notes.append(Problem(file, "dates written with a time and a UTC offset (Z, "
                                 "+08:00, GMT-4) were read as the day where they were written "
                                 "(the offset and time dropped)", column=column))
        else:
            parsed = parse_datetimes(text[todo], dayfirst=dayfirst,
                                     date_format=source.date_format)
        if offset and var.type != "date":
            notes.append(Problem(file, "date-times with a UTC offset (Z, +08:00, GMT-4) were "
                                 "converted to UTC", column=column))
            notes.extend(_naive_beside_offsets(text, frame, file, column))
        written = parsed.dt.strftime("%Y-%m-%d" if var.type == "date" else "%Y-%m-%d %H:%M:%S")
        out = text.astype(object)
        good = parsed.notna()
        out.loc[good[good].index] = written[good]
        frame[var.name] = out.astype("string")
    return unjudged


def _naive_beside_offsets(text: pd.Series, frame: pd.DataFrame, file: str,
                          column: str) -> list[Problem]:
    """A note on the date-times of a column that carry no UTC offset where others do (an
    export's rows from two tools, a time typed by hand): they are read as UTC, as the
    others are converted to, so a local time there may fall on another day in UTC."""
    timed = text.str.contains(r"\d:\d{2}", regex=True).fillna(False)
    naive = timed & ~text.str.contains(HAS_OFFSET).fillna(False)
    if not naive.any():
        return []
    at = naive.to_numpy().nonzero()[0]
    rows = frame[ROW].to_numpy()[at]
    return [Problem(file, f"{len(at)} date-time(s) have no UTC offset where the others have "
                    f"one (first on row {int(rows[0])}: {text.iat[at[0]]!r}): they were read "
                    "as UTC, as the others were converted to; if they are local times their "
                    "day may differ by one. Export the column with offsets throughout (or as "
                    "UTC) to be sure", row=int(rows[0]), column=column)]


def _other_redcap_rows(frame: pd.DataFrame, spec: SourceSpec, own: dict[str, str], file: str,
                       notes: list) -> pd.DataFrame:
    """A REDCap export without the rows that hold none of the source's answers, only the
    record's id (and REDCap's ``redcap_event_name``, ``redcap_repeat_*``): a longitudinal
    project writes one row per record and event, blank outside the instrument's event. A
    note names how many and the first; a row with any answer stays, for validation."""
    answers = [v.name for v in spec.variables if v.name in frame.columns and v.type != "id"]
    if not answers:
        return frame
    blank = np.ones(len(frame), dtype=bool)
    for name in answers:
        blank &= blank_cells(frame[name])
    if not blank.any() or blank.all():
        return frame
    first = int(np.flatnonzero(blank)[0])
    event = frame["redcap_event_name"].iat[first] if "redcap_event_name" in frame else None
    said = f" ({event!r})" if isinstance(event, str) and event.strip() else ""
    notes.append(Problem(file, f"{int(blank.sum())} row(s) hold the record's id and none of "
                         f"this source's answers, as a REDCap project writes the rows of its "
                         f"other events, arms or repeating instruments{said}: not read",
                         row=int(frame[ROW].iat[first])))
    kept = dict(frame.attrs)
    frame = frame.loc[~blank].reset_index(drop=True)
    frame.attrs = kept
    return frame


def unread_columns(frame: pd.DataFrame, spec: SourceSpec, fmt: str) -> list[str]:
    """Columns of a renamed frame that no codebook variable reads, in export order.

    The export tool's own metadata (Kobo's ``_id``, ODK Central's ``Status``,
    Qualtrics' ``DistributionChannel``, the names :data:`FORMAT_DEFAULTS` knows) and the per-option columns of a
    select-multiple variable the codebook has are read or expected, so not listed.
    """
    names = {v.name for v in spec.variables}
    multi = tuple(f"{v.name}_" for v in spec.variables if v.type == "multi")
    known = {FILE, ROW, *KOBO_META, *ODK_META, *FORMAT_DEFAULTS.get(fmt, {}).get("columns", {}),
             *(QUALTRICS_META if fmt == "qualtrics" else ())}
    return [c for c in frame.columns if c not in names and c not in known
            and not str(c).startswith("_") and not (multi and str(c).startswith(multi))]


def kobo_hint(headers, names, fmt: str) -> str:
    """More words for a name an export read as another format lacks, when one of its
    ``headers`` is that name under a group path (``grp_profile/who`` for ``who``): it is a
    KoboToolbox or ODK Central export, whose paths only ``format: kobo`` / ``odk`` take off."""
    if fmt in ("kobo", "odk"):
        return ""
    headers = [str(h) for h in headers]
    found = next((h for h in headers for n in names for sep in ("/", "-")
                  if n and h.endswith(sep + str(n)) and len(h) > len(str(n)) + 1),
                 None) or next((h for h in ("_uuid", "_submission_time", "meta-instanceID",
                                            "SubmissionDate") if h in headers), None)
    return (f" (the export has '{found}': a KoboToolbox or ODK Central export? set "
            "sources.<name>.format: kobo or odk, and its group paths are taken off)"
            if found else "")


def mapped_columns(columns: dict[str, str], spec: SourceSpec, own: dict[str, str],
                   separator: str | None, file: str, where: str, what: str,
                   header_row: int = 1, hint=None) -> dict[str, str]:
    """The params' mapping (``columns``: ``{export's name: codebook name}``) as
    ``{column: codebook name}`` over an export whose columns are ``own``'s keys
    (``{column: the name the export's header shows}``: a Kobo column without its group path
    is shown with it).

    A key is matched as the header shows it, as the column is named, in any case or
    spacing, or, with a group ``separator``, as the end of one nested group path. ``where``
    names the params' place in messages (``sources.services``), ``what`` the source as the
    codebook calls it; ``hint(key)``: more words for a key that names no column.

    Raises
    ------
    InputError
        Every key that maps onto no variable of ``spec`` (with the closest), names no column
        (with the closest header), or ends two group paths.
    """
    variables = [*{v.name for v in spec.variables}, *{v.raw_name for v in spec.variables}]
    by_own = {o: c for c, o in own.items()}
    by_key = {_key(c): c for c in own}
    by_key.update({_key(o): c for c, o in own.items()})
    rename: dict[str, str] = {}
    problems = []
    for key, target in columns.items():
        if target not in variables:
            problems.append(Problem(
                file, f"{where}.columns: '{key}: {target}': '{target}' is not a variable of the "
                f"codebook's {what}{_closest(target, variables)}: map the column onto a name in "
                "params/codebook.yaml", row=1, column=key))
            continue
        column = key if key in own else by_own.get(key) or by_key.get(_key(key))
        if column is None and separator:
            # the end of a nested group path: grp_profile/who for grp_main/grp_profile/who
            ends = _path_ends(own, key, separator)
            if len(ends) > 1:
                problems.append(Problem(
                    file, f"{where}.columns: '{key}' ends the group paths of {len(ends)} "
                    f"columns ({', '.join(repr(own[c]) for c in ends[:4])}): write the whole "
                    "path as the export's header row shows it", row=header_row, column=key))
                continue
            column = ends[0] if ends else None
        if column is None:
            problems.append(Problem(
                file, f"{where}.columns: '{key}' is not a column of this export"
                f"{_closest(key, [*own.values(), *own])}: write the name as the export's "
                "header row shows it (in the source's columns:, or in the wave's crosswalk: if "
                f"it comes from there){hint(key) if hint else ''}", row=header_row, column=key))
            continue
        rename[column] = target
    if problems:
        raise InputError(problems)
    return rename


def read_source(path: Path, source: Source, spec: SourceSpec, codebook=None) -> pd.DataFrame:
    """Read one raw export as declared in the params file, as it is.

    Columns are renamed to the codebook's variable names: first the
    jurisdiction's own mapping (``sources.<name>.columns``, written as the
    export shows a name, without its group prefix, or with only the end of a
    nested group path), then the codebook's
    ``raw`` names, then the export tool's own names (:data:`FORMAT_DEFAULTS`).
    Then answers are recoded (``values``); declared missing codes of SPSS/Stata
    files are kept for Likert items (their label read as a missing reason) and
    made blank elsewhere; dates are normalized (UTC offsets converted to UTC;
    day-month order from the params or inferred).

    Raises
    ------
    InputError
        A file that cannot be read, or a mapping key that matches no column
        (naming the closest header). Problems with one column are returned in
        ``frame.attrs["problems"]``; what the reader did that a user should
        know is in ``frame.attrs["notes"]``; declared absences (with their
        consequence) in ``frame.attrs["absent"]``.
    """
    use_jemalloc()
    file = str(path)
    expected = {v.raw_name for v in spec.variables} | set(source.columns)
    fmt = source.format
    if fmt == "qualtrics":
        frame = read_qualtrics(path)
    elif fmt in ("csv", "redcap"):
        frame = (read_xlsx(path, expected, source.sheet)
                 if path.suffix.lower() in (".xlsx", ".xlsm") else read_delimited(path))
    elif fmt == "xlsx":
        frame = read_xlsx(path, expected, source.sheet)
    elif fmt in ("spss", "stata"):
        frame = read_stat(path, fmt)
    elif fmt in ("kobo", "odk"):
        frame = read_kobo(path, spec, source.sheet, keep=set(source.columns), fmt=fmt)
    elif fmt == "surveymonkey":
        frame = read_surveymonkey(path)
    elif fmt == "google_forms":
        frame = read_google_forms(path)
    else:  # pragma: no cover - config.Source lists the formats
        raise InputError(Problem(file, f"format {fmt!r} is not supported"))
    attrs = dict(frame.attrs)
    notes: list[Problem] = list(attrs.get("notes", []))
    problems: list[Problem] = []
    exported = attrs.get("exported", {})   # name after group stripping -> export's own name
    own = {c: exported.get(c, c) for c in frame.columns}

    # 1. the params' mapping, keys as the export shows them
    separator = attrs.get("group_separator")
    rename = mapped_columns(source.columns, spec, own, separator, file, "sources.<name>",
                            spec.label.en.lower(), attrs.get("header_row", 1),
                            hint=lambda key: kobo_hint(own.values(), [key], fmt))
    frame = frame.rename(columns=rename)
    own = {rename.get(c, c): o for c, o in own.items()}
    to_name = {v.raw_name: v.name for v in spec.variables if v.raw}
    frame = frame.rename(columns=to_name)
    own = {to_name.get(c, c): o for c, o in own.items()}
    names = {v.name for v in spec.variables}
    by_raw = {v.raw_name: v.name for v in spec.variables}

    # 2. the export tool's own names, where the params say nothing
    defaults = FORMAT_DEFAULTS.get(fmt, {})
    claimed = set(source.columns.values())
    for column, name in defaults.get("columns", {}).items():
        if (column in frame.columns and name in names and name not in frame.columns
                and name not in claimed and by_raw.get(name, name) not in claimed):
            frame = frame.rename(columns={column: name})
            own[name] = own.pop(column, column)
    # a codebook name written in another case ("Consent", "STAKEHOLDER_GROUP", as a
    # spreadsheet's header often is): that variable, where no other column is
    taken = set(frame.columns)
    for var in spec.variables:
        if var.name in taken or var.name in claimed or var.raw_name in claimed:
            continue
        keys = {_key(var.name), _key(var.raw_name)}
        found = [c for c in frame.columns if isinstance(c, str) and c not in names
                 and c not in (FILE, ROW) and _key(c) in keys]
        if len(found) == 1:
            frame = frame.rename(columns={found[0]: var.name})
            own[var.name] = own.pop(found[0], found[0])

    # 3. what the export never has
    declared: dict[str, str] = {}
    for item in source.absent:
        name = item if item in names else by_raw.get(item.strip())
        if name is None:
            problems.append(Problem(file, f"sources.<name>.absent: '{item}' is not a variable "
                                    f"of the codebook's {spec.label.en.lower()}"
                                    f"{_closest(item, [*names, *by_raw])}: use its name in "
                                    "params/codebook.yaml", row=1, column=item))
        elif not may_be_absent(name, spec.variable(name).required):
            problems.append(Problem(file, f"sources.<name>.absent: '{item}' cannot be absent: "
                                    "the assessment needs it for every response; add it to "
                                    "the export (or map its name in sources.<name>.columns)",
                                    row=1, column=item))
        elif name in frame.columns and not _blank_throughout(frame[name]):
            problems.append(Problem(file, f"sources.<name>.absent: '{item}' is declared absent "
                                    "but the export has it: remove it from absent",
                                    row=1, column=own.get(name, item)))
        else:   # a column left empty in every row is absent too (an anonymous link's e-mail)
            declared[name] = ABSENT_CONSEQUENCES.get(name, "its indicators read 'not "
                                                     "collected'")
    blank: list[str] = []
    # a required column the tool exports empty in every row (RecipientEmail of a Qualtrics
    # anonymous link, which no export can fill in) reads as declared absent where it may be,
    # with a note: each row was refused as 'required value is empty'
    for name in ABSENT_CONSEQUENCES:
        if (name in frame.columns and name in names and name not in declared and len(frame)
                and spec.variable(name).required and _blank_throughout(frame[name])):
            declared[name] = ABSENT_CONSEQUENCES[name]
            blank.append(name)
    for name in declared:
        if name in frame.columns:
            frame = frame.drop(columns=[name])
    for name, why in defaults.get("absent", {}).items():
        # the survey's Finished: not a variable of a ledger exported from the same tool
        if name in names and name not in frame.columns and name not in declared:
            declared[name] = why
    if "response_id" in declared and "response_id" in names and "response_id" not in frame:
        frame["response_id"] = "row-" + frame[ROW].astype(str)
        own["response_id"] = "(row number)"

    # 4. declared missing codes (SPSS user-missing, Stata .a-.z): a Likert item's are
    # judged as its scale's missing answers; another column's read as blank once the
    # params' values: have recoded those they name (99 = Refused -> other)
    user_missing, blank_missing = {}, {}
    for column, found in attrs.get("user_missing", {}).items():
        name = next((n for n, o in own.items() if o == column), column)
        if name not in frame.columns:
            continue
        var = spec.variable(name) if name in names else None
        if var is not None and var.type == "likert":
            user_missing[name] = found
        else:
            blank_missing[name] = found

    # 5. answers recoded as the params say
    # a key written as the mapping's may be: the export's name, without its group path, or
    # the end of a nested path
    short = {o: s for s, o in exported.items()}
    for key, table in source.values.items():
        name = key if key in frame.columns else (
            next((n for n, o in own.items() if o == key), None) or by_raw.get(key)
            or next((n for n, o in own.items() if short.get(o) == key), None)
            or next((n for n, o in own.items() if _key(short.get(o, o)) == _key(key)
                     or _key(o) == _key(key)), None))
        if (name is None or name not in frame.columns) and separator:
            ends = _path_ends(own, key, separator)
            name = ends[0] if len(ends) == 1 else name
        if name is None or name not in frame.columns:
            problems.append(Problem(file, f"sources.<name>.values: '{key}' is not a column of "
                                    f"this export{_closest(key, [*own.values(), *frame.columns])}"
                                    ": use the export's column name or the codebook's",
                                    row=1, column=key))
            continue
        # a labelled SPSS/Stata value is recoded by its label or by its code (the number the
        # file stores, which the params may use as REDCap's or a codebook's codes are used)
        codes = attrs.get("value_codes", {}).get(own.get(name, name), {})
        recoding = {_key(k): answer_text(v) for k, v in table.items()}
        if (answers := _none_recoded(frame[name], recoding, codes)):
            notes.append(Problem(file, f"sources.<name>.values.{key}: none of its answers "
                                 f"({', '.join(repr(str(k)) for k in list(table)[:5])}) is "
                                 "one of this column, so it recodes nothing: write them as the "
                                 f"export does (its answers include {answers})",
                                 column=own.get(name, name)))
        frame[name] = _recode(frame[name], recoding, codes)
    for name, found in blank_missing.items():
        text = frame[name].astype("string")
        declared_blank = text.isin(found).fillna(False)
        if declared_blank.any():
            frame[name] = text.mask(declared_blank, pd.NA)
            notes.append(Problem(file, f"missing code(s) declared in the file "
                                 f"({', '.join(sorted(set(text[declared_blank])))}) read as "
                                 "blank",
                                 column=own.get(name, name)))

    # 5a. a number the file labels (SPSS's 0 = "None", Stata's -1 = "Not reported") is its
    # number: each 0 attendance was refused as "'None' is not a number"; so is a true/false
    # code whose label says neither (1 = "Finished", 0 = "Not finished"; "No" coded 2 stays)
    for var in spec.variables:
        labelled = attrs.get("value_codes", {}).get(own.get(var.name, var.name))
        if var.type not in ("number", "boolean") or not labelled or var.name not in frame:
            continue
        if var.type == "boolean":
            said = parse_booleans(pd.Series([*labelled, *labelled.values()], dtype="string"))
            labelled = {label: code for (label, code), by_label, by_code in zip(
                labelled.items(), said[:len(labelled)], said[len(labelled):])
                if pd.isna(by_label) and not pd.isna(by_code)}
        frame[var.name] = frame[var.name].astype("string").replace(labelled)

    # 5b. Qualtrics writes -99 for a question seen but not answered (when its export option
    # says so): no answer, unless the params recoded it above
    if fmt == "qualtrics":
        seen = []
        for var in spec.variables:
            if var.name in frame.columns and var.type in SEEN_NOT_ANSWERED_TYPES:
                unanswered = _answered(frame[var.name], QUALTRICS_SEEN_NOT_ANSWERED)
                if unanswered.any():
                    frame[var.name] = frame[var.name].mask(unanswered, pd.NA)
                    seen.append(f"'{own.get(var.name, var.name)}' ({int(unanswered.sum())})")
        if seen:
            notes.append(Problem(file, f"{QUALTRICS_SEEN_NOT_ANSWERED} (Qualtrics: seen but not "
                                 f"answered) read as no answer in {', '.join(seen)}; recode it "
                                 "in sources.<name>.values to count it otherwise", row=attrs.get(
                                     "header_row", 1)))

    # 6. select-all answers joined with ", " (Google Forms) as space-separated codes
    separator = attrs.get("multi_separator")
    if separator and codebook is not None:
        for var in spec.variables:
            if var.type == "multi" and var.name in frame.columns:
                frame[var.name] = _multi_codes(
                    frame[var.name], separator,
                    lambda answer, c=var.values: codebook.parse_category(c, answer))

    # 6b. a REDCap project's rows of another event, arm or repeating instrument: its record
    # id and nothing of this source (each was refused as 'required value is empty')
    if fmt == "redcap" and len(frame):
        frame = _other_redcap_rows(frame, spec, own, file, notes)

    # 7. dates
    unjudged = _normalize_dates(frame, spec, source, own, attrs, file, problems, notes)

    # 8. what is left unread, said as for sheets not read
    unread = unread_columns(frame, spec, fmt)
    if unread:
        listed = ", ".join(f"'{own.get(c, c)}'" for c in unread[:12])
        more = f" and {len(unread) - 12} more" if len(unread) > 12 else ""
        notes.append(Problem(file, f"{len(unread)} column(s) of the export are neither mapped nor "
                             f"in the codebook and were not read: {listed}{more}; map one in "
                             "sources.<name>.columns if it holds a codebook variable", row=attrs.get(
                                 "header_row", 1)))

    frame.attrs.update(attrs)
    frame.attrs.update(raw_names=own, problems=problems, notes=notes, absent=declared,
                       blank_absent=blank,
                       user_missing=user_missing, unjudged=unjudged, format=fmt)
    return frame


# -- processed data ----------------------------------------------------------------------------

def write_atomically(path: Path, write) -> Path:
    """Call ``write(temporary_path)`` beside ``path``, then rename it into place: a reader
    never sees a half-written file, and a failure leaves the earlier file as it was.

    The file gets the permissions of any file the user creates (0666 less the umask),
    not the owner-only ones of :func:`tempfile.mkstemp`: a report folder on a shared
    drive or web server stays readable by whoever may read the rest of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = str(path.parent / f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_processed(tables: dict[str, pd.DataFrame | pa.Table], folder: Path) -> list[Path]:
    """Write each table as ``<name>.parquet`` in ``folder``, each file swapped in atomically.

    A jurisdiction's table carries :func:`processed_salt` in its schema metadata, so the
    SHA-256 the published manifest records cannot be matched against guesses of the
    figures it hides.

    A table may be a pandas DataFrame or a pyarrow Table (the service records, a
    million rows, are never turned into a DataFrame: written as they are, with
    their text columns dictionary-encoded).

    Raises
    ------
    mwsn.catalog.CatalogError
        A table of :mod:`mwsn.catalog` with other columns than it declares (nothing is
        written then).
    """
    for name in sorted(tables):
        table = tables[name]
        catalog.check_columns(name, table.column_names if isinstance(table, pa.Table)
                              else table.columns)

    # the national context holds published official statistics only, and its step does not
    # read the pseudonym key (a key set later would not rerun it): not salted
    salted = Path(folder).name != config.NATIONAL

    def arrow(table, name: str) -> pa.Table:
        table = table if isinstance(table, pa.Table) else pa.Table.from_pandas(
            table, preserve_index=False)
        if not salted:
            return table
        return table.replace_schema_metadata({**(table.schema.metadata or {}),
                                              SALT: processed_salt(name)})

    return [write_atomically(folder / f"{name}.parquet",
                             lambda tmp, name=name: pq.write_table(
                                 arrow(tables[name], name), tmp, compression="zstd"))
            for name in sorted(tables)]


#: schema metadata of every processed table: a value only the pseudonym key gives (see
#: :func:`processed_salt`)
SALT = b"mwsn.salt"


def processed_salt(name: str) -> bytes:
    """What makes a processed table's bytes, and so its SHA-256 in the published manifest,
    impossible to rebuild without the pseudonym key: HMAC-SHA-256 (RFC 2104) of the table's
    name under the key set in the environment (:func:`mwsn.config.pseudonym_key_from_environment`;
    the documented demonstration key without one, as synthetic data uses).

    A table holds figures the disclosure pass hides (3 recommendations of 7 acted on,
    1 survey taker who declined): without the salt, a reader who knows the code, the
    versions the manifest lists and the shown figures writes the table for each guess of
    the hidden ones and keeps the guess whose SHA-256 the manifest publishes. The salt is
    the same at every rerun with the same key, so ``mwsn verify`` and the reuse of
    unchanged steps still compare fingerprints.
    """
    import hmac

    key = config.pseudonym_key_from_environment() or config.DEMO_PSEUDONYM_KEY.encode("utf-8")
    return hmac.new(key, b"mwsn processed table v1|" + name.encode("utf-8"),
                    hashlib.sha256).hexdigest().encode("ascii")


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV at ``path``, swapped in atomically; text cells that a
    spreadsheet would run as a formula are neutralized (:mod:`mwsn.hygiene`)."""
    frame = hygiene.csv_frame(frame)
    return write_atomically(path, lambda tmp: frame.to_csv(
        tmp, index=False, encoding="utf-8", lineterminator="\n"))


def _not_written(path: Path) -> FileNotFoundError:
    """A processed table that is not there, with the command that writes it: ``mwsn run bc``
    for ``data/processed/bc/``, ``mwsn run bc --wave 2024q2`` for a wave's folder, and any
    jurisdiction's run for the national context's (``_national``)."""
    parts = path.parent.parts
    after = parts[parts.index("processed") + 1:] if "processed" in parts else ()
    if not after:
        command = "mwsn run <jurisdiction>"
    elif after[0].startswith("_"):
        command = "mwsn run <jurisdiction> (any: each run computes the national context first)"
    else:
        command = f"mwsn run {after[0]}" + (f" --wave {after[1]}" if len(after) > 1 else "")
    return FileNotFoundError(f"{path} does not exist: run the notebook that writes it first "
                             f"({command})")


def read_processed_arrow(folder: Path, name: str) -> pa.Table:
    """A processed table as a pyarrow Table (the service records: never a DataFrame)."""
    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise _not_written(path)
    return pq.read_table(path)


def read_processed(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise _not_written(path)
    return pd.read_parquet(path)


from mwsn.tfwp import read_ircc_work_permits, read_tfwp_table  # noqa: E402,F401
