"""Safe under faults: the run lock, staging folders, the atomic swap and recovery, the sandbox."""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from pathlib import Path

from mwsn.config import Paths
from mwsn.errors import MwsnError
from mwsn.run.plan import ALL


class RunLocked(MwsnError):
    """Another run of the same jurisdiction holds the lock."""

    exit_code = 3


class _Lock:
    """An exclusive ``flock`` on a file; the OS releases it when the process dies."""

    def __init__(self, path: Path, what: str):
        self.path, self.what, self.fd = path, what, None

    def acquire(self, *, wait: bool = False) -> None:
        """Take the lock; with ``wait``, wait for another process to release it (a run-level
        job two runs both need), else stop at once."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip()
            os.close(fd)
            raise RunLocked(
                f"{self.what} is already running (process {holder or 'unknown'}, lock "
                f"{self.path}); wait for it to finish, then run again") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _lock(where: Paths) -> _Lock:
    return _Lock(where.root / "reports" / f".{where.jurisdiction}.lock",
                 f"mwsn run {where.jurisdiction}")


def _staging(where: Paths) -> Path:
    """A new staging folder, named for this run alone: a killed run's worker that has not
    yet noticed can only write into its own run's folder."""
    return where.root / "reports" / f".staging-{where.key}-{uuid.uuid4().hex[:12]}"


def _recover_all(where: Paths) -> None:
    for staging in sorted((where.root / "reports").glob(f".staging-{where.key}-*")):
        _recover(staging, _targets(where))


#: staged folders whose files are moved one by one into their target (each atomically), not
#: swapped in whole: the comparison's pages go beside the jurisdictions' folders in ``reports/``
MERGED = ("pages",)


def _targets(where: Paths) -> dict[str, Path]:
    # processed first, report (holding the manifest) last
    if where.jurisdiction == ALL:        # the comparison: its pages, no tables
        return {"pages": where.root / "reports", "report": where.reports}
    return {"processed": where.processed, "report": where.reports}


def _discard(folder: Path) -> None:
    """Remove a folder, first moving it aside so that a new one can take its name at once."""
    if not folder.exists():
        return
    trash = folder.with_name(f".trash-{uuid.uuid4().hex[:12]}")
    try:
        folder.rename(trash)
    except OSError:
        trash = folder
    shutil.rmtree(trash, ignore_errors=True)


def _finish_commit(staging: Path, targets: dict[str, Path]) -> None:
    """Swap committed staging folders in; safe to repeat after being interrupted."""
    old = staging / "old"
    old.mkdir(exist_ok=True)
    for key, target in targets.items():
        new = staging / key
        if not new.exists():
            continue          # already swapped in
        if key in MERGED:
            for path in sorted(new.rglob("*")):
                if path.is_file():
                    into = target / path.relative_to(new)
                    into.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, into)
            shutil.rmtree(new)
            continue
        if target.exists():
            if (old / key).exists():
                shutil.rmtree(old / key)
            target.rename(old / key)
        target.parent.mkdir(parents=True, exist_ok=True)
        new.rename(target)
    (staging / "COMMIT").unlink(missing_ok=True)
    _discard(staging)


def _commit(staging: Path, targets: dict[str, Path]) -> None:
    marker = staging / "COMMIT"
    tmp = staging / "COMMIT.tmp"
    tmp.write_text("complete: swap in\n", encoding="ascii")
    os.replace(tmp, marker)        # the commit point
    _finish_commit(staging, targets)


def _recover(staging: Path, targets: dict[str, Path]) -> None:
    """Complete a committed swap a killed run left half done, or discard its leftovers."""
    for trash in staging.parent.glob(".trash-*"):
        shutil.rmtree(trash, ignore_errors=True)
    if (staging / "COMMIT").exists():
        _finish_commit(staging, targets)
    else:
        _discard(staging)


def _link_tree(root: Path, work: Path, *, keep_data: set[str], processed: Path | None,
               raw_of: str | None = None) -> None:
    """Make ``work`` a view of ``root``: links to its entries, a private processed folder.
    With ``raw_of`` (a jurisdiction's code), ``data/raw/`` holds that jurisdiction's exports
    alone: a step never sees another jurisdiction's."""
    work.mkdir(parents=True, exist_ok=True)
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name in ("data", "reports"):
            continue
        (work / entry.name).symlink_to(entry)
    data = root / "data"
    (work / "data").mkdir(exist_ok=True)
    if data.is_dir():
        for entry in sorted(data.iterdir()):
            if entry.name not in keep_data or entry.name == "processed":
                continue
            if entry.name == "raw" and raw_of is not None:
                (work / "data" / "raw").mkdir()
                if (entry / raw_of).is_dir():
                    (work / "data" / "raw" / raw_of).symlink_to(entry / raw_of)
                continue
            (work / "data" / entry.name).symlink_to(entry)
    if processed is not None:
        processed.mkdir(parents=True, exist_ok=True)


def _write_atomic(path: Path, text: str, *, make_folder: bool = False) -> None:
    """Write aside then rename; the folder must exist unless ``make_folder``."""
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
