"""Read raw exports into tidy frames; read and write processed data.

Raw readers return every value as text, exactly as exported, with two extra
columns saying where each row came from: ``_file`` and ``_row`` (the 1-based
line or spreadsheet row of the record), so that validation can point at it.
Processed data is written deterministically and atomically (to a temporary
name, then renamed), so a failed run leaves earlier outputs as they were.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mwsn.codebook import SourceSpec
from mwsn.config import Source
from mwsn.errors import InputError, Problem

ROW, FILE = "_row", "_file"


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise InputError(Problem(str(path), "file not found: put the export here or fix "
                                 "sources.<name>.file in the params file"))
    data = path.read_bytes()
    if not data.strip():
        raise InputError(Problem(str(path), "the file is empty: export it again"))
    if b"\x00" in data[:4096]:
        raise InputError(Problem(str(path), "this is a binary file, not CSV text: export the "
                                 "data as CSV"))
    for encoding in ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("cp1252", errors="replace")


def read_csv(path: Path, header_rows: int = 1) -> pd.DataFrame:
    """A CSV export as text columns; ``header_rows`` lines of header before the data."""
    import io

    text = _read_text(path)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                        skiprows=range(1, header_rows))
    # line number of each record in the file (records are one line each in our exports)
    frame.insert(0, ROW, range(header_rows + 1, header_rows + 1 + len(frame)))
    frame.insert(0, FILE, str(path))
    return frame


def read_source(path: Path, source: Source, spec: SourceSpec) -> pd.DataFrame:
    """Read one raw export as declared in the params file.

    Columns are renamed to the codebook's variable names: first the
    jurisdiction's own mapping (``sources.<name>.columns``), then the
    codebook's ``raw`` names.
    """
    if source.format == "qualtrics":
        frame = read_csv(path, header_rows=3)
    elif source.format == "csv":
        frame = read_csv(path)
    else:
        raise InputError(Problem(str(path), f"format {source.format!r} is not supported yet"))
    frame = frame.rename(columns=source.columns)
    return frame.rename(columns={v.raw_name: v.name for v in spec.variables if v.raw})


# -- processed data ----------------------------------------------------------------------------

def write_processed(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each table as ``<name>.parquet`` in ``folder``, each file swapped in atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(tables):
        target = folder / f"{name}.parquet"
        table = pa.Table.from_pandas(tables[name], preserve_index=False)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        os.close(fd)
        try:
            pq.write_table(table, tmp, compression="zstd")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        written.append(target)
    return written


def read_processed(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run the notebook that writes it first "
                                "(mwsn run <jurisdiction>)")
    return pd.read_parquet(path)


from mwsn.tfwp import read_ircc_work_permits, read_tfwp_table  # noqa: E402,F401


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV at ``path``, swapped in atomically (temporary file, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    os.close(fd)
    try:
        frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
