"""Executing one step in a worker process: papermill, then the nbconvert exports.

The only module that imports papermill and nbconvert."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from mwsn import notice, provenance
from mwsn.run.staging import _write_atomic

KERNEL = "python3"


#: environment of every kernel: no hash randomisation, fixed dates in file metadata
KERNEL_ENV = {"PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}


def _deterministic(nb, roots: list[str], input_path: str, output_path: str) -> str:
    """The executed notebook as JSON without timings and with paths relative to the root."""
    meta = nb.metadata.get("papermill")
    if meta is not None:
        for volatile in ("start_time", "end_time", "duration"):
            meta.pop(volatile, None)
        meta["input_path"], meta["output_path"] = input_path, output_path
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"     # papermill gives it a random id
        cell.metadata.pop("execution", None)
        cell_meta = cell.metadata.get("papermill")
        if cell_meta is not None:
            for volatile in ("start_time", "end_time", "duration"):
                cell_meta.pop(volatile, None)
    import nbformat

    text = nbformat.writes(nb)
    for root in sorted(set(roots), key=len, reverse=True):
        quoted = json.dumps(root)[1:-1]
        text = text.replace(quoted + "/", "").replace(quoted, ".")
    return text


_EXPORTERS: dict = {}


def _exporter(kind: str):
    """One nbconvert exporter per kind, reused for every export in this process."""
    if kind not in _EXPORTERS:
        from nbconvert import HTMLExporter

        template = Path(__file__).resolve().parents[1] / "templates" / "auditor.html.j2"
        _EXPORTERS[kind] = HTMLExporter(template_name="lab", template_file=str(template))
    return _EXPORTERS[kind]


def _source_cell(source: Path, executed, index: int) -> int | None:
    """1-based position in the committed notebook of the executed cell ``index``."""
    try:
        cell_id = executed.cells[index].get("id")
        cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
        return 1 + [c.get("id") for c in cells].index(cell_id)
    except (IndexError, ValueError, KeyError):
        return index + 1


def execute_step(task: dict) -> dict:
    """Execute one notebook in its work folder and export it; returns a plain dict.

    Runs in a worker process. ``task`` holds plain values only (paths as
    strings). Returns ``{"seconds": ..., "environment": ..., "notices": [...]}``
    (``notices``: the lines the notebook told whoever runs it, :mod:`mwsn.notice`)
    or ``{"error": {...}}`` naming the cell, with the partly executed notebook
    (``partial``) for the run to keep at ``kept``.
    """
    started = time.monotonic()
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from mwsn.run.kernels import imports, manager_class

    os.environ.update(KERNEL_ENV)
    source, work = Path(task["source"]), Path(task["work"])
    out_dir = Path(task["out_dir"])
    executed_path = work / f"{task['name']}.ipynb"
    roots = [task["work"], str(Path(task["work"]).resolve()), task["root"],
             str(Path(task["root"]).resolve())]
    rel_in = f"notebooks/{source.name}"
    rel_out = task["rel_out"]
    sockets = Path(task["sockets"])
    sockets.mkdir(mode=0o700, parents=True, exist_ok=True)
    # forked by the run's kernel server (mwsn.run.kernels) when there is one, else started cold
    kernel_manager = manager_class(sockets, task.get("kernel_server"), imports(source))

    try:
        nb = papermill.execute_notebook(
            str(source), str(executed_path),
            parameters={"jurisdiction": task["jurisdiction"], "root": ".", "lang": task["lang"],
                        **({"wave": task["wave"]} if "wave" in task else {}),
                        **task.get("options", {})},
            kernel_name=KERNEL, cwd=str(work), progress_bar=False, log_output=False,
            kernel_manager_class=kernel_manager, record_timing=False,
            # written once, at the end or at the failing cell, not before and after every cell
            # (the report notebook's outputs grow to 0.7 MB: 50 rewrites of it per report)
            request_save_on_cell_execute=False)
    except PapermillExecutionError as exc:
        cell, partial_text = None, None
        if executed_path.exists():
            partial = nbformat.read(executed_path, as_version=4)
            cell = _source_cell(source, partial, exc.cell_index)
            partial_text = _deterministic(partial, roots, rel_in, task["failed_rel"])
        # the run writes it (a worker writes only into its step's folders): not when the
        # run is stopped anyway, by a bad input found while this step ran
        return {"error": {"notebook": source.name, "cell": cell,
                          "message": f"{exc.ename}: {exc.evalue}", "kept": task["failed"],
                          "partial": partial_text}}
    except Exception as exc:  # noqa: BLE001 - kernel died, timeout: no cell to blame
        return {"error": {"notebook": source.name, "cell": None,
                          "message": f"{type(exc).__name__}: {exc}", "kept": None}}
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    for warming in _WARMING:
        warming.join()              # the exporters are not shared between threads
    text = _deterministic(nb, roots, rel_in, rel_out)
    clean = nbformat.reads(text, as_version=4)
    _write_atomic(out_dir / "notebooks" / f"{task['name']}.ipynb", text)
    page, _ = _exporter("auditor").from_notebook_node(clean)
    _write_atomic(out_dir / "notebooks" / f"{task['name']}.html", page)
    done = {"seconds": round(time.monotonic() - started, 3),
            "environment": provenance.environment(), "notices": notice.found_in(clean)}
    if kernel_manager.cold:
        done["kernel_note"] = kernel_manager.cold[0]  # the kernel server could not fork this kernel
    executed_path.unlink(missing_ok=True)
    return done


def yield_to_kernels() -> None:
    """Lower the calling thread's CPU priority (nice +10, on Linux, for this thread alone):
    what it does (warming up a worker, at the start of a run) then takes the cores the
    kernel server leaves idle while it imports, instead of slowing it down: every first
    step waits for the server. Elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread,
                       min(19, os.getpriority(os.PRIO_PROCESS, thread) + 10))
    except OSError:
        pass


def _warm_up() -> None:
    """Import the notebook tools and load the export templates ahead of the first step, at a
    low priority (:func:`yield_to_kernels`)."""
    yield_to_kernels()
    import nbformat
    import papermill  # noqa: F401

    _exporter("auditor").from_notebook_node(nbformat.v4.new_notebook())


_WARMING: list = []     # the warm-up thread of a worker process, if any


def _leave() -> None:
    """Exit now, its output flushed. Registered as the worker starts, so the exit handlers
    of the tools it imports later run before it (they are run last registered, first)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(0)


def _worker_init(parent: int, environ: dict[str, str] | None = None) -> None:
    """Take the run's environment ``environ`` (its ``os.environ``) as this process's; warm
    up in the background; leave when the parent is gone (killed), leaving no orphaned
    kernels or workers. Ctrl-C is the run's to answer: this process was started ignoring it
    (:func:`mwsn.run.kernels.deaf_to_ctrl_c`), and the run stops it.

    A spawned process starts from its parent's C environment, which may hold variables the
    parent's ``os.environ`` does not: GNU readline, once imported (by pytest, by an
    interactive Python), sets ``LINES`` and ``COLUMNS`` there. The kernel server is started
    with the run's ``os.environ``; a worker seeing more would have every kernel it asks for
    refused (the environments differ) and started cold.
    """
    if environ is not None:
        for name in set(os.environ) - set(environ):
            del os.environ[name]
        os.environ.update(environ)
    def watch():
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    # the pool stops this process once its last step is done: what is left to do then is
    # tearing down the modules it imported (0.1 s at the end of every run), for nothing
    atexit.register(_leave)
    warming = threading.Thread(target=_warm_up, daemon=True)
    warming.start()
    _WARMING.append(warming)
