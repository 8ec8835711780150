"""The no-op in milliseconds: has anything a run could read changed since it last ran?

``mwsn run bc`` with nothing changed must answer at once. The exact answer (the
rerun keys of :mod:`mwsn.run.cache`: content hashes of exactly what each step reads)
needs the params loaded and the library hashed, which costs a few tenths of a second.
This module answers first the way ``make`` and git's index do: by the files' *stat*
(size, modification time in nanoseconds, inode), over every place a run can read from
or write to, compared with what they were when the last successful run started
(inputs) and ended (outputs). Only when all are the same does ``mwsn run`` say
"everything is up to date" without more; any difference, even one that changes no
step's key (a comment in another jurisdiction's params), goes the exact way, which
then decides what reruns.

The places, all followed recursively:

- ``params/`` (every file: the shared ones, this jurisdiction's and the others', whose
  Network facts the context reads);
- the notebooks and methods pages (the project's, and those the package carries),
  ``data/external/`` and ``data/raw/<jur>/``;
- the library's own source, the lock file, and the folders on ``sys.path`` (installing,
  removing or upgrading a package changes its folder's entries, hence its time);
- the Python executable and version, and the pseudonym key: a keyed fingerprint of
  ``MWSN_PSEUDONYM_KEY`` (never the key) or the stat of ``MWSN_PSEUDONYM_KEY_FILE``;
- the national context every jurisdiction's report reads, computed once per run
  (``data/processed/_national/``, ``reports/_national/``), as it was before the run;
- the outputs, ``data/processed/<jur>/`` and ``reports/<jur>/``, as the run left them.

The record is ``reports/.<jur>[.<wave>].uptodate.json``, beside the run's lock; a run
that fails deletes it. Imports only the standard library, so a no-op never imports
pandas, pydantic or papermill.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import sys
from pathlib import Path

_FORMAT = 1
_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE_DIR.parents[1]
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_KEY_MESSAGE = b"mwsn up-to-date record v1"


def _tree(folder: Path, into: dict[str, list[int]]) -> None:
    """Add the stat of ``folder`` and of everything below it (links followed) to ``into``."""
    try:
        status = os.stat(folder)
    except OSError:
        into[str(folder)] = []
        return
    into[str(folder)] = [status.st_size, status.st_mtime_ns, status.st_ino]
    try:
        entries = list(os.scandir(folder))
    except (NotADirectoryError, PermissionError):
        return
    for entry in entries:
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            _tree(Path(entry.path), into)
        else:
            try:
                status = entry.stat()
                into[entry.path] = [status.st_size, status.st_mtime_ns, status.st_ino]
            except OSError:
                into[entry.path] = []


def _stat(path: Path) -> list[int]:
    try:
        status = os.stat(path)
    except OSError:
        return []
    return [status.st_size, status.st_mtime_ns, status.st_ino]


def _key() -> dict[str, object]:
    """What says the pseudonym key changed, without writing the key anywhere."""
    value = os.environ.get("MWSN_PSEUDONYM_KEY")
    named = os.environ.get("MWSN_PSEUDONYM_KEY_FILE")
    return {"value": (hmac.new(value.encode("utf-8"), _KEY_MESSAGE, hashlib.sha256).hexdigest()
                      if value else None),
            "file": named, "file_stat": _stat(Path(named).expanduser()) if named else None}


def inputs(root: Path, jurisdiction: str) -> dict:
    """The stat of every place a run of ``jurisdiction`` can read, taken before it starts.

    Returns
    -------
    dict
        ``{"files": {path: [size, mtime_ns, inode]}, "python": ..., "key": ...}``,
        JSON-ready; a path that does not exist has ``[]``.
    """
    root = Path(root).resolve()
    files: dict[str, list[int]] = {}
    for folder in (root / "params", root / "notebooks", root / "docs",
                   root / "data" / "external", root / "data" / "raw" / jurisdiction,
                   root / "data" / "processed" / "_national", root / "reports" / "_national",
                   _PACKAGE_DIR, _CHECKOUT / "notebooks", _CHECKOUT / "docs",
                   _CHECKOUT / "params", _CHECKOUT / "data" / "external"):
        _tree(folder, files)
    files[str(_CHECKOUT / "requirements.lock")] = _stat(_CHECKOUT / "requirements.lock")
    for entry in sys.path:
        if entry:
            files[entry] = _stat(Path(entry))
    return {"files": files, "python": [sys.executable, sys.version], "key": _key()}


def _outputs(root: Path, jurisdiction: str) -> dict[str, list[int]]:
    files: dict[str, list[int]] = {}
    for folder in (root / "data" / "processed" / jurisdiction, root / "reports" / jurisdiction):
        _tree(folder, files)
    return files


def _record_path(root: Path, jurisdiction: str, wave: str | None) -> Path | None:
    if not _CODE.fullmatch(jurisdiction) or (wave is not None and not _CODE.fullmatch(wave)):
        return None
    suffix = f".{wave}" if wave else ""
    return Path(root).resolve() / "reports" / f".{jurisdiction}{suffix}.uptodate.json"


def record(root: Path, jurisdiction: str, wave: str | None, before: dict,
           lines: list[str]) -> None:
    """After a successful run: keep ``before`` (:func:`inputs`), the outputs' stat now,
    and the ``lines`` a no-op prints (one per data round)."""
    path = _record_path(root, jurisdiction, wave)
    if path is None or not path.parent.is_dir():
        return
    state = {"format": _FORMAT, "inputs": before,
             "outputs": _outputs(Path(root).resolve(), jurisdiction), "lines": lines}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def forget(root: Path, jurisdiction: str, wave: str | None) -> None:
    """Drop the record (a run failed or was only partly done)."""
    path = _record_path(root, jurisdiction, wave)
    if path is not None:
        path.unlink(missing_ok=True)


def _locked(root: Path, jurisdiction: str) -> bool:
    """Whether another ``mwsn run`` holds this jurisdiction's lock right now."""
    lock = Path(root).resolve() / "reports" / f".{jurisdiction}.lock"
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def unchanged(root: Path, jurisdiction: str, wave: str | None) -> list[str] | None:
    """The lines to print when nothing changed since the last successful run, else ``None``.

    ``None`` also when there is no record, it is from another version of this module,
    or another run of the jurisdiction is under way: the runner then decides exactly.
    """
    path = _record_path(root, jurisdiction, wave)
    if path is None or _locked(root, jurisdiction):
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("format") != _FORMAT:
        return None
    root = Path(root).resolve()
    if state["inputs"] != inputs(root, jurisdiction) or state["outputs"] != _outputs(
            root, jurisdiction):
        return None
    return list(state["lines"])
