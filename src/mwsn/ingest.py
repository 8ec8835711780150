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
import io
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mwsn.codebook import SourceSpec
from mwsn.config import Source
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
#: KoboToolbox metadata columns, kept with their leading underscore
KOBO_META = ("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
             "_submitted_by", "__version__", "_tags", "_index", "_parent_index")


def _line_of(data: bytes | str, offset: int) -> int:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1


# -- bytes and text ----------------------------------------------------------------------------

def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing, empty or folder path is an InputError saying what to do."""
    if path.is_dir():
        raise InputError(Problem(str(path), "this is a folder, not a file: name the export "
                                 "file itself in sources.<name>.file"))
    if not path.is_file():
        raise InputError(Problem(str(path), "file not found: put the export here or fix "
                                 "sources.<name>.file in the params file"))
    data = path.read_bytes()
    if len(data) <= 65536 and not data.strip():
        raise InputError(Problem(str(path), "the file is empty: export the data again"))
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


def open_text(path: Path) -> tuple[bytes, str, str]:
    """A text export as UTF-8 bytes (BOM removed), the encoding it was in, and the decoded
    text of its first MiB (for the header and the delimiter). The whole file is decoded
    once to check it; the full text is not kept, to spare memory on large exports."""
    raw = read_bytes(path)
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
    what :func:`open_text` returned, when the caller has it already.
    """
    file = str(path)
    utf8, encoding, head = opened or open_text(path)
    delimiter = delimiter or sniff_delimiter(head)
    header, header_lines = _header(head if len(head) < 1 << 20 else utf8.decode("utf-8"),
                                   delimiter, header_rows)
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
        table = pacsv.read_csv(
            pa.BufferReader(body),
            # one thread: on a small shared machine threads cost more than they give
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False,
                                           block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        ) if utf8[start:start + 65536].strip() else pa.table(
            {n: pa.array([], pa.string()) for n in names})
    except pa.ArrowInvalid as exc:
        raise InputError(Problem(file, f"not a readable {delimiter!r}-delimited file ({exc}): "
                                 "export it again as CSV")) from None
    if ragged:
        problems = _ragged_problems(utf8.decode("utf-8"), delimiter, header_lines, width, file)
        raise InputError(problems or Problem(file, f"{len(ragged)} record(s) do not have the "
                                             f"{width} fields of the header: export it again"))
    frame = _compact(table).to_pandas()
    if frame.columns.tolist() != names:
        frame.columns = names
    n = len(frame)
    physical = utf8.count(b"\n") + (0 if utf8.endswith(b"\n") else 1)
    blank_lines = b"\n\n" in utf8 or b"\n\r\n" in utf8
    if physical == header_lines + n and not blank_lines:
        rows = np.arange(header_lines + 1, header_lines + 1 + n, dtype=np.int64)
    else:
        rows = _record_lines(utf8.decode("utf-8"), delimiter, header_lines)
    frame.insert(0, ROW, rows)
    frame.insert(0, FILE, file)
    frame.attrs.update(encoding=encoding, delimiter=delimiter, header=header)
    return frame


def _compact(table: pa.Table) -> pa.Table:
    """Columns with few distinct values (answers, codes) as categories: less memory, and
    checking or recoding them then costs one step per distinct value, not per row."""
    columns = []
    for column in table.columns:
        sample = column.slice(0, 10_000)
        if len(column) >= 1000 and pc.count_distinct(sample).as_py() <= max(50, len(sample) // 20):
            column = pc.dictionary_encode(column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _ragged_problems(text: str, delimiter: str, skip_lines: int, width: int,
                     file: str) -> list[Problem]:
    """Where records have another number of fields than the header (slow path, errors only)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems, previous = [], 0
    for record in reader:
        if previous >= skip_lines and record and len(record) != width:
            hint = ("the delimiter may be wrong or a cell holds an unquoted delimiter"
                    if len(record) > width else "a field is missing or a line break is unquoted")
            problems.append(Problem(file, f"this record has {len(record)} fields but the header "
                                    f"has {width}: {hint}; fix the export", row=previous + 1))
            if len(problems) >= 20:
                break
        previous = reader.line_num
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
    opened = open_text(path)
    delimiter = sniff_delimiter(opened[2])
    header, _ = _header(opened[2], delimiter, 3)
    if len(header) < 2:
        raise InputError(Problem(file, "not a Qualtrics export: it needs a row of column names "
                                 "and a row of question texts; export it again from Qualtrics",
                                 row=1))
    new = len(header) == 3 and all(c.strip().startswith("{") for c in header[2] if c.strip())
    new = new and any("ImportId" in c for c in header[2])
    if new:
        frame = read_delimited(path, header_rows=3, delimiter=delimiter, opened=opened)
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
                               opened=opened)
    frame.attrs["labels"] = dict(zip(_unique_names(names), labels))
    # a trailing delimiter on every line makes an unnamed, empty last column
    empty = [c for c in frame.columns if c.startswith("column_") and
             (frame[c].astype("string").str.strip() == "").all()]
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
    first row about as wide as the widest (titles and notes above a table are
    narrower than it).
    """
    def filled(row):
        return [str(v).strip() for v in row if v is not None and str(v).strip()]

    if expected:
        matches = [len(set(filled(row)) & expected) for row in rows]
        if max(matches, default=0) > 0:
            return int(np.argmax(matches))
    widths = [len(filled(row)) for row in rows]
    widest = max(widths, default=0)
    for i, width in enumerate(widths):
        if width and width >= 0.8 * widest:
            return i
    return 0


def read_xlsx(path: Path, expected: set[str] = frozenset(), sheet: str | None = None
              ) -> pd.DataFrame:
    """The first (or named) sheet of an Excel workbook as text columns.

    The header row is found (see :func:`find_header`); ``_row`` is the
    spreadsheet row number. Numbers and dates are written as text the way a
    CSV export would write them.
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    read_bytes(path)
    file = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(Problem(file, f"not a readable Excel .xlsx workbook ({exc}): the file "
                                 "may be truncated or of another format; save it again from "
                                 "Excel as .xlsx")) from None
    try:
        sheet_ = book[sheet] if sheet else book.worksheets[0]
        rows = [tuple(r) for r in sheet_.iter_rows(values_only=True)]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise InputError(Problem(file, f"the workbook is damaged ({exc}): save it again from "
                                 "Excel as .xlsx")) from None
    finally:
        book.close()
    if not any(any(v is not None and str(v).strip() for v in r) for r in rows):
        raise InputError(Problem(file, "the workbook's sheet is empty: export the data again"))
    at = find_header(rows[:50], set(expected))
    width = max(len(r) for r in rows)
    head = list(rows[at]) + [None] * (width - len(rows[at]))
    names = _unique_names([_cell_text(v) or f"column_{get_column_letter(i + 1)}"
                           for i, v in enumerate(head)])
    body = [r + (None,) * (width - len(r)) for r in rows[at + 1:]]
    keep = [i for i, r in enumerate(body) if any(v is not None and str(v).strip() for v in r)]
    frame = pd.DataFrame([[_cell_text(v) for v in body[i]] for i in keep], columns=names,
                         dtype=str)
    frame.insert(0, ROW, np.asarray([at + 2 + i for i in keep], dtype=np.int64))
    frame.insert(0, FILE, file)
    frame.attrs["header_row"] = at + 1
    return frame


def _labelled(frame: pd.DataFrame, meta) -> pd.DataFrame:
    """Value labels → ordered categories (in code order), variable labels → attrs."""
    for column, labels in meta.variable_value_labels.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        codes = sorted(set(labels) | set(values.dropna().unique()), key=lambda c: (str(type(c)), c))
        text = {c: labels.get(c, _cell_text(c)) for c in codes}
        order = list(dict.fromkeys(text[c] for c in codes))
        frame[column] = pd.Categorical(values.map(text), categories=order, ordered=True)
    frame.attrs["labels"] = dict(meta.column_names_to_labels)
    return frame


def read_stat(path: Path, kind: str) -> pd.DataFrame:
    """An SPSS ``.sav`` or Stata ``.dta`` file via pyreadstat, value labels as ordered
    categories; ``_row`` is the case number (1-based)."""
    import pyreadstat

    read_bytes(path)
    reader = pyreadstat.read_sav if kind == "spss" else pyreadstat.read_dta
    try:
        frame, meta = reader(str(path), user_missing=kind == "spss")
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        name = "SPSS .sav" if kind == "spss" else "Stata .dta"
        raise InputError(Problem(str(path), f"not a readable {name} file ({exc}): the file may "
                                 "be truncated or of another format; save it again")) from None
    frame = _labelled(frame, meta)
    frame.insert(0, ROW, np.arange(1, len(frame) + 1, dtype=np.int64))
    frame.insert(0, FILE, str(path))
    return frame


# -- KoboToolbox ----------------------------------------------------------------------------------

def read_kobo(path: Path, spec: SourceSpec | None = None) -> pd.DataFrame:
    """A KoboToolbox CSV (or XLSX) export with XML names.

    Group prefixes are stripped (``group_work/sector`` → ``sector``); metadata
    columns (``_uuid``, ``_submission_time``...) keep their names. Each
    select-multiple question (Kobo's own ``question/option`` 0/1 columns, or a
    variable of type ``multi`` in the codebook) gets one boolean column per
    option, ``<question>_<option>``, beside the space-separated answer.
    """
    frame = (read_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm")
             else read_delimited(path))
    multi_options: dict[str, list[str]] = {}
    renamed = {}
    for column in frame.columns:
        if column in (FILE, ROW) or column.startswith("_"):
            continue
        parts = column.split("/")
        if len(parts) >= 2 and f"{'/'.join(parts[:-1])}" in frame.columns:
            # Kobo's split column for one option of a select-multiple question
            question = parts[-2]
            multi_options.setdefault(question, []).append(parts[-1])
            renamed[column] = f"{question}_{parts[-1]}"
        else:
            renamed[column] = parts[-1]
    frame = frame.rename(columns=renamed)
    for column in list(renamed.values()):
        if any(column == f"{q}_{o}" for q, opts in multi_options.items() for o in opts):
            frame[column] = frame[column].astype(str).str.strip().isin({"1", "True", "true"})
    declared = {v.name: v for v in spec.variables if v.type == "multi"} if spec else {}
    for question in declared:
        if question in frame.columns and question not in multi_options:
            tokens = frame[question].astype(str).str.split()
            options = sorted({t for ts in tokens.drop_duplicates() for t in ts})
            for option in options:
                frame[f"{question}_{option}"] = tokens.map(lambda ts, o=option: o in ts)
    frame.attrs["select_multiple"] = multi_options
    return frame


def read_source(path: Path, source: Source, spec: SourceSpec) -> pd.DataFrame:
    """Read one raw export as declared in the params file.

    Columns are renamed to the codebook's variable names: first the
    jurisdiction's own mapping (``sources.<name>.columns``), then the
    codebook's ``raw`` names.
    """
    expected = {v.raw_name for v in spec.variables} | set(source.columns)
    if source.format == "qualtrics":
        frame = read_qualtrics(path)
    elif source.format == "csv":
        frame = read_delimited(path)
    elif source.format == "xlsx":
        frame = read_xlsx(path, expected)
    elif source.format in ("spss", "stata"):
        frame = read_stat(path, source.format)
    elif source.format == "kobo":
        frame = read_kobo(path, spec)
    else:  # pragma: no cover - config.Source lists the formats
        raise InputError(Problem(str(path), f"format {source.format!r} is not supported"))
    original = {c: c for c in frame.columns}
    frame = frame.rename(columns=source.columns)
    original = {source.columns.get(c, c): c for c in original}
    to_name = {v.raw_name: v.name for v in spec.variables if v.raw}
    frame = frame.rename(columns=to_name)
    # the export's own name of each column, for messages that point at it
    frame.attrs["raw_names"] = {to_name.get(c, c): o for c, o in original.items()}
    return frame


# -- processed data ----------------------------------------------------------------------------

def write_atomically(path: Path, write) -> Path:
    """Call ``write(temporary_path)`` beside ``path``, then rename it into place: a reader
    never sees a half-written file, and a failure leaves the earlier file as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_processed(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each table as ``<name>.parquet`` in ``folder``, each file swapped in atomically."""
    return [write_atomically(folder / f"{name}.parquet",
                             lambda tmp, name=name: pq.write_table(
                                 pa.Table.from_pandas(tables[name], preserve_index=False),
                                 tmp, compression="zstd"))
            for name in sorted(tables)]


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV at ``path``, swapped in atomically."""
    return write_atomically(path, lambda tmp: frame.to_csv(
        tmp, index=False, encoding="utf-8", lineterminator="\n"))


def read_processed(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run the notebook that writes it first "
                                "(mwsn run <jurisdiction>)")
    return pd.read_parquet(path)


from mwsn.tfwp import read_ircc_work_permits, read_tfwp_table  # noqa: E402,F401
