"""Running jurisdictions: validate, schedule every step over the worker pool, reuse what is
up to date, write the manifest and swap the outputs in.

A run is a sequence of phases over one pool of workers: the national context
(computed once per run, read by every jurisdiction's report), every
jurisdiction's first wave (its only one, without waves), every second wave and
so on, then, with ``run --all``, the comparison. Each phase is a set of *jobs*
(a jurisdiction's wave, or a run-level job) run side by side with the same
staging, recovery, rerun cache and manifest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mwsn import provenance
from mwsn import config
from mwsn.config import Paths, load, national_paths, paths
from mwsn.errors import InputError, MwsnError, NotebookError
from mwsn.run.cache import (
    INDEX,
    MANIFEST,
    MANIFEST_FORMAT,
    RUN_LOG,
    _Job,
    _key_parts,
    _live_matches,
    _national_tables,
    _up_to_date,
    _upstream,
    job_paths,
    new_job,
    no_data_reason,
    no_raw_data,
    planned,
)
from mwsn.run.plan import (
    ALL,
    Step,
    _heights,
    _step_outputs,
    _table_file,
    cross_jurisdiction,
    national,
    notebooks_dir,
    run_level,
)
from mwsn.run.progress import Progress, _Quiet
from mwsn.config import NATIONAL
from mwsn.run.staging import (
    _commit,
    _discard,
    _link_tree,
    _lock,
    _recover_all,
    _staging,
    _targets,
    _write_atomic,
)
from mwsn.run import executor
from mwsn.run.worker import execute_step

#: where each step's kernel sockets go: ``<SOCKETS>-<run's pid>-<random>`` (in /tmp, not
#: $TMPDIR: a Unix socket's path is limited to 107 bytes)
SOCKETS = "/tmp/mwsn"


def _sweep_sockets() -> None:
    """Remove the socket folders of runs that are gone (killed before they could)."""
    for folder in Path(SOCKETS).parent.glob(f"{Path(SOCKETS).name}-*-*"):
        pid = folder.name.split("-")[1]
        if not pid.isdigit() or not folder.is_dir() or folder.is_symlink():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:         # alive, someone else's
            pass


@dataclass
class RunResult:
    jurisdiction: str
    reports: Path
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    up_to_date: bool = False
    #: with ``keep_going``: why the jurisdiction failed (validation, a notebook), or was skipped
    error: MwsnError | None = None
    skipped: str | None = None
    #: the data round (``waves:`` in params); ``None``: the jurisdiction's only one
    wave: str | None = None

    @property
    def label(self) -> str:
        """``bc``, or ``bc/2024q2`` for one wave."""
        return self.jurisdiction if self.wave is None else f"{self.jurisdiction}/{self.wave}"

    @property
    def run_level(self) -> bool:
        """The comparison (``all``) or the national context: a job of the run, not a
        jurisdiction."""
        return self.jurisdiction in (ALL, NATIONAL)


def run(jurisdiction: str, root: str | Path = ".", *, force: bool = False, jobs: int = 1,
        progress: Progress | None = None, command: list[str] | None = None,
        scheduler: str | None = None, wave: str | None = None,
        options: dict | None = None) -> RunResult:
    """Validate, execute and export one jurisdiction (every wave, or ``wave``); returns the
    result of its latest wave run (of its only round, without waves)."""
    return [r for r in run_many([jurisdiction], root, force=force, jobs=jobs, progress=progress,
                                command=command, scheduler=scheduler, wave=wave,
                                options=options)
            if not r.run_level][-1]


def run_many(codes: list[str], root: str | Path = ".", *, force: bool = False, jobs: int = 1,
             progress: Progress | None = None, command: list[str] | None = None,
             cross: bool = False, keep_going: bool = False,
             scheduler: str | None = None, wave: str | None = None,
             options: dict | None = None) -> list[RunResult]:
    """Run several jurisdictions, their notebooks sharing ``jobs`` worker processes.

    A jurisdiction with ``waves:`` in its params is run one wave after another,
    oldest first, each wave like a jurisdiction of its own (its own staging,
    cache and manifest under ``reports/<jur>/<wave>/``): a step that reads the
    earlier waves' tables (``"waves"`` in its reads) sees them as the earlier
    waves' runs committed them. With ``wave``, only that wave of each
    jurisdiction is run; the earlier ones are read as they are on disk. One
    result per jurisdiction and wave, in that order.

    With ``scheduler`` (a Dask scheduler's address) the steps run on that
    cluster's workers instead (:mod:`mwsn.run.executor`); the lock, staging and
    manifest stay with this process.

    ``options``: run options (``{name: value}``, from ``mwsn run``'s flags), each given as a
    parameter to the notebooks that declare it (``metadata.mwsn.options``, with its default)
    where it differs from their default; it is then part of their rerun key, and the manifest
    records it (``mwsn verify`` reruns with it), so a later run without it reruns them.

    First, once for the whole run, the national context (the notebooks of
    ``"scope": "national"``, :func:`mwsn.run.plan.national`): a job like a
    jurisdiction's, whose tables (``data/processed/_national/``) the
    jurisdictions' steps that declare ``national`` read. With ``cross``, the
    cross-jurisdiction notebooks (``90_*``) run last as one more job
    (``reports/all/``, its pages in ``reports/``), returned last, as the result
    of ``all``. Both wait for another run holding them to finish.

    Raises :class:`NotebookError` (the first failure) once every jurisdiction
    that could finish has been swapped in; an :class:`InputError` before any
    notebook runs. With ``keep_going`` (``run --all``) nothing is raised for one
    jurisdiction: one whose params or data fail validation, or whose notebook
    fails, is returned with its ``error`` while the others build; one with no
    raw data at all (an example params file) is returned as ``skipped``; when
    the national context fails, every jurisdiction is returned with its error.
    """
    progress = progress or _Quiet()
    command = list(sys.argv) if command is None else command
    locks = [_lock(paths(code, root)) for code in dict.fromkeys(codes)]
    try:
        for lock in locks:
            lock.acquire()
        return _run_locked(list(dict.fromkeys(codes)), Path(root).resolve(), force, max(1, jobs),
                           progress, command, cross, keep_going, scheduler, wave, options or {})
    finally:
        for lock in locks:
            lock.release()
        progress.close()


def _result(where: Paths, **fields) -> RunResult:
    return RunResult(where.jurisdiction, where.reports, wave=where.wave, **fields)


class _Pool:
    """The run's workers, started when a phase first has a step to execute and shared by
    every later phase (the national context, the waves, the comparison)."""

    def __init__(self, jobs: int, scheduler: str | None):
        self.jobs, self.scheduler, self.executor = jobs, scheduler, None

    def get(self, steps: int, needs: list | None = None):
        """The executor, started on first use (``needs``: what the notebooks the run may
        execute import; None: not known)."""
        if self.executor is None:
            self.executor = executor.choose(self.jobs, self.scheduler, steps, needs)
        return self.executor

    def close(self, *, cancel: bool = False) -> None:
        if self.executor is not None:
            self.executor.close(cancel=cancel)
            self.executor = None


def _run_locked(codes, root, force, jobs, progress, command, cross,
                keep_going=False, scheduler=None, wave=None, options=None) -> list[RunResult]:
    """The national context, every jurisdiction's first wave (its only one, without waves),
    then every second wave, and so on (a wave's run can read the tables its earlier waves
    committed), then the comparison."""
    _sweep_sockets()
    pool = _Pool(jobs, scheduler)
    try:
        ordered = _run_rounds(codes, root, force, pool, progress, command, cross, keep_going,
                              wave, options)
    except BaseException:
        pool.close(cancel=True)
        raise
    pool.close()
    return ordered


def run_level_job(name: str, root: str | Path = ".", *, force: bool = False, jobs: int = 1,
                  progress: Progress | None = None, command: list[str] | None = None,
                  scheduler: str | None = None) -> RunResult:
    """Run one run-level job alone: ``_national`` (the national context) or ``all`` (the
    comparison, from every jurisdiction's tables as they are on disk); raises its
    :class:`NotebookError`."""
    progress = progress or _Quiet()
    pool = _Pool(max(1, jobs), scheduler)
    try:
        result = _run_level(name, Path(root).resolve(), force, pool, progress,
                            list(sys.argv) if command is None else command, False)
    except BaseException:
        pool.close(cancel=True)
        raise
    finally:
        progress.close()
    pool.close()
    return result


def _run_level(name: str, root: Path, force, pool, progress, command,
               keep_going) -> RunResult:
    """One run-level job (the national context, the comparison) under its lock, waiting for
    another run that holds it."""
    where = job_paths(name, root)
    lock = _lock(where)
    lock.acquire(wait=True)
    try:
        return _run_phase([where], root, force, pool, progress, command, keep_going)[where]
    finally:
        lock.release()


def _run_rounds(codes, root, force, pool, progress, command, cross, keep_going,
                wave, options=None) -> list[RunResult]:
    results: dict[str, list[RunResult]] = {}
    rounds: dict[str, list[Paths]] = {}
    for code in codes:
        where = paths(code, root)
        try:
            params = load(code, root, wave)
        except InputError as exc:
            if not keep_going:
                raise
            results[code] = [_result(where, error=exc)]
            continue
        rounds[code] = ([paths(code, root, wave)] if wave is not None
                        else config.wave_paths(params, root))
        results[code] = []
    # the national context runs in the first phase, beside the jurisdictions' steps that do
    # not read it; those that do wait for it to be committed
    context = (job_paths(NATIONAL, root) if rounds and national(notebooks_dir(root))
               else None)
    lock = None
    if context is not None:
        lock = _lock(context)
        lock.acquire(wait=True)
    count = max((len(r) for r in rounds.values()), default=0)
    compares = cross and bool(cross_jurisdiction(notebooks_dir(root)))
    try:
        for index in range(count):
            phase = [context] if index == 0 and context is not None else []
            for code, waves in rounds.items():
                if index >= len(waves):
                    continue
                failed = [r for r in results[code] if r.error is not None]
                if failed:           # a later wave would read what the failed one left
                    results[code].append(_result(waves[index], skipped=(
                        f"its earlier wave {failed[0].wave} failed")))
                    continue
                phase.append(waves[index])
            later = index < count - 1 or compares     # a phase after this one
            for where, result in _run_phase(phase, root, force, pool, progress, command,
                                            keep_going, options, later).items():
                if where != context:
                    results[where.jurisdiction].append(result)
            if lock is not None:
                lock.release()
                lock = None
    finally:
        if lock is not None:
            lock.release()
    for code, waves in rounds.items():
        if waves[0].wave is not None and any(r.error is None for r in results[code]):
            from mwsn.report import rounds as landing

            landing.write(load(code, root), root)
    ordered = [r for code in codes for r in results.get(code, [])]
    if compares:
        ordered.append(_run_level(ALL, root, force, pool, progress, command, keep_going))
    return ordered


def _run_phase(units: list[Paths], root, force, pool: _Pool, progress, command,
               keep_going, options=None, later: bool = False) -> dict[Paths, RunResult]:
    """Run jobs (jurisdictions, one wave of each, run-level jobs) side by side over the run's
    pool of workers (``later``: another phase follows, which the pool serves too).

    The jurisdictions' inputs are checked (:func:`mwsn.validate.read_and_check`) while
    the first steps run: a bad input stops the run before anything is committed (with
    ``keep_going``, that jurisdiction only). When the national context runs in this
    phase, a jurisdiction is not taken as up to date before it has been rebuilt.
    """
    jobs_by_code: dict[Paths, _Job] = {}
    results: dict[Paths, RunResult] = {}
    for where in units:
        _recover_all(where)
        level = run_level(where.jurisdiction)
        if not level and keep_going and no_raw_data(where):
            results[where] = _result(where, skipped=no_data_reason(where))
            continue
        try:
            params = None if level else load(where.jurisdiction, root, where.wave)
        except InputError as exc:
            if not keep_going:
                raise
            results[where] = _result(where, error=exc)
            continue
        job = new_job(where, params, force, options)
        context_runs = any(j.code == NATIONAL for j in jobs_by_code.values())
        if _up_to_date(job) and not (context_runs and _reads_national(job)):
            results[where] = _result(where, outputs=_published(where), seconds=0.0,
                                     reused=[s.name for s in job.steps], up_to_date=True)
        else:
            jobs_by_code[where] = job
    if jobs_by_code:
        listed = list(jobs_by_code.values())
        first = not later and pool.executor is None      # the run's only phase
        may_run = _may_run(listed) if first else None
        # workers warm up during the checks; with the national context, as many workers as
        # asked: the jurisdictions' steps may come in later phases; in the run's only phase,
        # no more than the steps that may run (a rerun of the report alone: one)
        workers = pool.get(pool.jobs if any(j.code == NATIONAL for j in listed)
                           else sum(len(job.steps) for job in listed) if may_run is None
                           else max(1, len(may_run)),
                           None if may_run is None else _needs(listed, may_run))
        _say_cold(workers, workers.cold, progress)
        _execute_all(list(jobs_by_code.values()), workers, workers.workers, progress, command,
                     lambda stopping: _check_inputs(jobs_by_code.values(), root, keep_going,
                                                    then=_import_index_writer,
                                                    stopping=stopping),
                     may_stop=not keep_going)
    failure = None
    for code, job in jobs_by_code.items():
        if job.failed is not None:
            if keep_going:
                results[code] = _result(job.where, error=job.failed)
            failure = failure or job.failed
            continue
        executed = [n for n, r in job.records.items() if r["status"] == "executed"]
        results[code] = _result(
            job.where, outputs=_published(job.where),
            seconds=time.monotonic() - job.started, executed=executed,
            reused=[n for n, r in job.records.items() if r["status"] == "reused"],
            up_to_date=not executed)    # every step reused: after a rebuilt national context
                                        # whose tables came out the same
    if failure is not None and not keep_going:
        raise failure
    return {where: results[where] for where in units}


def _may_run(jobs: list[_Job]) -> list:
    """The steps of these jobs that may execute, judged as ``--dry-run`` judges what would
    run."""
    context = next((job for job in jobs if job.code == NATIONAL), None)
    national_rerun = context is not None and any(p.rerun for p in planned(context))
    return [step for job in jobs
            for step, plan in zip(job.steps, planned(job, national_rerun=national_rerun))
            if plan.rerun]


def _needs(jobs: list[_Job], steps: list | None = None) -> list | None:
    """What the notebooks these jobs may execute (``steps``, when judged already:
    :func:`_may_run`) import (:func:`mwsn.run.kernels.imports`, joined); None when a
    notebook's imports cannot be read."""
    from mwsn.run import kernels

    needs: list = []
    for step in _may_run(jobs) if steps is None else steps:
        found = kernels.imports(step.source)
        if found is None:
            return None
        needs += found
    return needs


def _reads_national(job: _Job) -> bool:
    return not job.run_level and any(s.contract.reads_input("national") for s in job.steps)


def _check_inputs(jobs, root: Path, keep_going: bool, then=None, stopping=None) -> None:
    """Check every jurisdiction job's inputs; raise the first :class:`InputError`, or, with
    ``keep_going``, fail that job with it; then call ``then()``. Returns early once the
    event ``stopping`` is set (the run is being stopped)."""
    from mwsn import validate
    from mwsn.codebook import load_codebook

    codebook = None
    def stopped() -> bool:
        return stopping is not None and stopping.is_set()

    for job in jobs:
        if stopped():
            return
        if job.run_level:
            continue
        codebook = codebook or load_codebook(root)
        try:
            validate.read_and_check(job.params, codebook, job.where)
        except InputError as exc:
            if not keep_going:
                raise
            job.failed = exc
    if then is not None and not stopped():
        then()


def _import_index_writer() -> None:
    """Import what writing the auditor's index takes (the report package: about 1 CPU-s),
    while the steps run rather than after the last one."""
    from mwsn.report import auditor  # noqa: F401


def _published(where: Paths) -> list[Path]:
    """The files of the output folder a reader opens: what the notebooks published there and
    the index (the executed notebooks, the manifest and the run's log aside)."""
    if where.jurisdiction == ALL:
        return sorted([*(where.root / "reports").glob("compare*.html"),
                       *where.reports.glob("index.html")])
    folder = where.reports
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.name not in (MANIFEST, RUN_LOG))


def _execute_all(jobs_list: list[_Job], pool, workers: int, progress: Progress,
                 command, meanwhile=None, may_stop: bool = True) -> None:
    """Schedule every step of every job over the pool's worker processes.

    The national context, when one of the jobs, is committed as soon as its steps are
    done; a jurisdiction's step that reads its tables starts after that (and its job
    fails with the context's error if the context fails). ``meanwhile(stopping)`` runs in
    a thread of this process once the first steps are handed out (:class:`_Meanwhile`);
    when it raises, the running steps are stopped
    (:meth:`mwsn.run.executor.Executor.stop`), nothing is committed and its error is
    raised. When it ``may_stop`` the run so, the context is committed only after it (with
    ``--all``, a jurisdiction whose inputs fail is left out instead, and the context is
    committed as soon as it is done).
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    for job in jobs_list:
        job.staging = _staging(job.where)
        job.staging.mkdir(parents=True)
        (job.staging / "report" / "notebooks").mkdir(parents=True)
        (job.staging / "processed").mkdir()
        if job.pages_rel is not None:
            (job.staging / "pages").mkdir()
        job.state = {i: "pending" for i in range(len(job.steps))}
        progress.total += len(job.steps)
    context = next((job for job in jobs_list if job.code == NATIONAL), None)
    running: dict = {}
    checking = None
    try:
        while True:
            _start_ready(jobs_list, pool, running, progress, workers, context)
            if meanwhile is not None:
                checking, meanwhile = _Meanwhile(meanwhile), None
            if checking is not None and (checking.done() or not running):
                _settle(checking, pool, running)
                checking = None
            # committed once the inputs passed their checks: a bad input commits nothing
            if context is not None and (checking is None or not may_stop) \
                    and _finished(context, running):
                _context_done(context, jobs_list, command)
                context = None
                continue                         # the steps that read its tables are ready
            if not running:
                break
            done, _ = wait(list(running), timeout=0.25, return_when=FIRST_COMPLETED)
            progress.tick()
            for future in done:
                job, index = running.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker died (a notebook error is a result)
                    raise MwsnError(f"the worker running {job.steps[index].label} died "
                                    f"({type(exc).__name__}: {exc}); earlier outputs are intact: "
                                    "run again") from None
                _say_cold(pool, result.pop("kernel_note", None), progress)
                if "error" in result and checking is not None:
                    # a step that failed on a bad input: the checks' clearer error, and
                    # nothing written (not even the failed notebook) when they stop the run
                    _settle(checking, pool, running)
                    checking = None
                if isinstance(job.failed, InputError):    # its inputs failed the checks
                    job.state[index] = "failed"
                    progress.finish(job.steps[index].label, "stopped")
                    continue
                _finish_step(job, index, result, progress)
        for job in jobs_list:
            if job.staging is None:             # the national context, committed already
                continue
            if job.failed is None:
                _write_manifest(job, command)
                _commit(job.staging, _targets(job.where))
            else:
                _discard(job.staging)
    except BaseException:
        if checking is not None:
            checking.stop()       # not left importing while the interpreter exits
        for job in jobs_list:     # a committed one is left for the next run to complete
            if job.staging is not None and not (job.staging / "COMMIT").exists():
                _discard(job.staging)
        raise


def _settle(checking: _Meanwhile, pool, running: dict) -> None:
    """Wait for the checks; when they raise, stop the running steps first, so that no kernel
    is left writing into the staging."""
    try:
        checking.result()
    except BaseException:
        pool.stop(list(running))
        raise


class _Meanwhile:
    """``work(stopping)`` in a thread of this process, while the run hands out the steps
    that finish meanwhile. ``stopping`` is a :class:`threading.Event` set when the run
    stops early.

    At the normal priority: at a low one (:func:`mwsn.run.worker.yield_to_kernels`) the
    checks starved while the kernels kept both cores busy, and the run then waited for them
    after its last step (2-3 s of a BC run)."""

    def __init__(self, work):
        self._error: BaseException | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work) -> None:
        try:
            work(self._stopping)
        except BaseException as exc:  # noqa: BLE001 - raised in the run's thread
            self._error = exc

    def stop(self, timeout: float = 10.0) -> None:
        """Ask ``work`` to return at its next step and wait for it (at most ``timeout`` s): a
        thread still importing while the interpreter exits can print a traceback."""
        self._stopping.set()
        self._thread.join(timeout)

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> None:
        """Wait for ``work()``; raise what it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error


def _finished(job: _Job, running: dict) -> bool:
    """Every step of ``job`` done, or it failed and none of its steps still runs."""
    if job.failed is not None:
        return all(other is not job for other, _ in running.values())
    return all(state == "done" for state in job.state.values())


def _context_done(context: _Job, jobs_list: list[_Job], command) -> None:
    """Commit the national context once its steps are done, and give the jurisdictions'
    jobs its tables' new hashes; when it failed, fail every job that reads them."""
    if context.failed is None:
        _write_manifest(context, command)
        _commit(context.staging, _targets(context.where))
        context.staging = None
        tables = _national_tables(context.where.root)
    for job in jobs_list:
        if job is context or not _reads_national(job):
            continue
        if context.failed is None:
            job.basis["national"] = tables
            job.keyed.clear()
        else:
            job.failed = job.failed or context.failed


def _say_cold(pool, reason: str | None, progress: Progress) -> None:
    """Say once per run why kernels start cold (no kernel server, or it could not fork one)."""
    said = getattr(pool, "said", None)
    if reason and said is not None and reason not in said:
        said.add(reason)
        progress.note(f"kernels start cold: {reason}")


def _start_ready(jobs_list: list[_Job], pool, running: dict, progress: Progress,
                 workers: int, context: _Job | None = None) -> None:
    """Reuse every step whose inputs are unchanged; give free workers the ready steps, the
    national context's first, then those with the longest chain still behind them. While
    the national ``context`` is not committed, no step that reads its tables is ready."""
    ready = []
    progressed = True
    while progressed:
        progressed, ready = False, []
        for order, job in enumerate(jobs_list):
            if job.failed is not None:
                continue
            heights = _heights(job.steps)
            for index, step in enumerate(job.steps):
                if job.state[index] != "pending":
                    continue
                if any(job.state[d] != "done" for d in step.deps):
                    continue
                if (context is not None and job is not context and not job.run_level
                        and step.contract.reads_input("national")):
                    continue
                if index not in job.keyed:
                    upstream = _upstream(job, index,
                                         lambda s, job=job: job.records[s.name]["outputs"])
                    parts = _key_parts(job, step, upstream)
                    job.keyed[index] = {
                        "notebook": step.source.name, "lang": step.lang,
                        "source_sha256": job.basis["notebooks"].get(step.source.name),
                        "reads": upstream, "key_parts": parts,
                        "key": provenance.sha256_json(parts)}
                record = job.keyed[index]
                if _reuse(job, step, record):
                    job.state[index] = "done"
                    progressed = True
                    progress.finish(step.label, "up to date, reused")
                    continue
                ready.append((job is not context, -heights[index], order, index, job,
                              record))
    ready.sort(key=lambda item: item[:4])
    for _, _, _, index, job, record in ready[:max(0, workers - len(running))]:
        step = job.steps[index]
        work = job.staging / "work" / step.name
        _link_tree(job.where.root, work, keep_data=_data_links(job.where, step),
                   processed=work / job.processed_rel,
                   raw_of=None if job.run_level else job.code)
        if job.code == ALL:
            _every_jurisdiction(job, work)
        elif not job.run_level and step.contract.reads_input("national"):
            if not _seed_national(job, work):
                job.failed = job.failed or NotebookError(
                    step.source.name, None, "the national context's tables changed while this "
                    "run read them (another run rebuilt them): run again")
                job.state[index] = "failed"
                progress.finish(step.label, "FAILED")
                continue
        if step.contract.reads_input("waves"):
            for before in job.earlier:       # read-only views of the earlier waves' tables
                if before.processed.is_dir():
                    (work / before.processed.relative_to(before.root)).symlink_to(
                        before.processed)
        _seed(job, step, work, record["reads"])
        task = {
            "source": str(step.source), "work": str(work), "root": str(job.where.root),
            "out_dir": str(job.staging / "report"), "name": step.name,
            "jurisdiction": job.code, "lang": step.lang,
            **({} if job.run_level else {"wave": job.where.wave}),
            "options": job.step_options(step),
            "rel_out": job.rel_report(f"notebooks/{step.name}.ipynb"),
            "failed": str(job.where.root / "reports" / "_failed" / job.where.label
                          / f"{step.name}.ipynb"),
            "failed_rel": f"reports/_failed/{job.where.label}/{step.name}.ipynb",
            "sockets": f"{SOCKETS}-{os.getpid()}-{uuid.uuid4().hex[:8]}",
            "kernel_server": getattr(pool, "kernel_server", None),
        }
        job.records[step.name] = record
        job.state[index] = "running"
        running[pool.submit(execute_step, task)] = (job, index)
        progress.start(step.label)


def _every_jurisdiction(job: _Job, work: Path) -> None:
    """The comparison's view: every jurisdiction's processed tables (read-only links; the
    national context's aside) and a private ``reports/`` for the pages it writes."""
    processed = job.where.root / "data" / "processed"
    if processed.is_dir():
        for entry in sorted(processed.iterdir()):
            if entry.name not in (NATIONAL, job.code) and not entry.name.startswith("."):
                (work / "data" / "processed" / entry.name).symlink_to(entry)
    (work / "reports").mkdir(exist_ok=True)


def _seed_national(job: _Job, work: Path) -> bool:
    """Copy the national context's tables into a step's folder; False when they are not
    those its key was computed from (another run rebuilt them since)."""
    folder = national_paths(job.where.root).processed
    into = national_paths(work).processed
    into.mkdir(parents=True, exist_ok=True)
    copied = {}
    for path in provenance.files_under(folder):
        rel = path.relative_to(folder).as_posix()
        (into / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, into / rel)
        copied[f"{job.rel_national}/{rel}"] = provenance.sha256_file(into / rel)
    return copied == job.basis["national"]


def _data_links(where: Paths, step: Step) -> set[str]:
    data = where.root / "data"
    names = {p.name for p in data.iterdir()} if data.is_dir() else set()
    if not step.contract.reads_raw:
        names.discard("raw")
    if not step.contract.reads_external:
        names.discard("external")
    return names


def _seed(job: _Job, step: Step, work: Path, upstream: dict[str, str]) -> None:
    """Give a step's private processed folder copies of what it may read."""
    processed = work / job.processed_rel
    for rel in upstream:
        shutil.copyfile(job.staged(rel), processed / rel.rsplit("/", 1)[1])
    if not step.contract.reads_raw:
        marker = job.where.raw / "SYNTHETIC_DATA.txt"
        if marker.exists():
            raw = work / job.where.raw.relative_to(job.where.root)
            raw.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(marker, raw / marker.name)


def _reuse(job: _Job, step: Step, record: dict) -> bool:
    """Copy a step's outputs from the previous run when its key is unchanged."""
    if job.force or job.previous is None:
        return False
    before = job.previous.get("notebooks", {}).get(step.name)
    if not before or before.get("key") != record["key"]:
        return False
    if not _live_matches(job.where.root, before["outputs"], {}):
        return False
    for rel in before["outputs"]:
        target = job.staged(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(job.where.root / rel, target)
    record.update(status="reused", seconds=before.get("seconds"), outputs=before["outputs"])
    job.records[step.name] = record
    return True


def _finish_step(job: _Job, index: int, result: dict, progress: Progress) -> None:
    step = job.steps[index]
    if "error" in result:
        error = result["error"]
        if error.get("partial") is not None:     # the partly executed notebook, for debugging
            _write_atomic(Path(error["kept"]), error["partial"], make_folder=True)
        job.failed = job.failed or NotebookError(error["notebook"], error["cell"],
                                                 error["message"], kept=error["kept"])
        job.state[index] = "failed"
        progress.finish(step.label, "FAILED")
        return
    work = job.staging / "work" / step.name
    processed = work / job.processed_rel
    seeded = {rel.rsplit("/", 1)[1]: sha for rel, sha in job.records[step.name]["reads"].items()}
    outputs = {}
    for path in provenance.files_under(processed):
        name = path.relative_to(processed).as_posix()
        sha = provenance.sha256_file(path)
        if seeded.get(name) == sha:
            continue
        declared = step.contract.writes
        if declared is not None and name not in {_table_file(w) for w in declared}:
            job.failed = job.failed or NotebookError(
                step.source.name, None,
                f"it wrote {job.processed_rel}/{name}, which its metadata "
                "(mwsn.writes) does not declare: add it there")
            job.state[index] = "failed"
            progress.finish(step.label, "FAILED")
            return
        target = job.staging / "processed" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        outputs[job.rel_processed(name)] = sha
    if job.pages_rel is not None:          # the comparison's pages, written under reports/
        pages = work / "reports"
        for path in provenance.files_under(pages):
            name = path.relative_to(pages).as_posix()
            target = job.staging / "pages" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            outputs[f"{job.pages_rel}/{name}"] = provenance.sha256_file(path)
            os.replace(path, target)
    problem = _take_published(job, step, work, outputs)
    if problem is not None:
        job.failed = job.failed or NotebookError(step.source.name, None, problem)
        job.state[index] = "failed"
        progress.finish(step.label, "FAILED")
        return
    for name in _step_outputs(step):
        outputs[job.rel_report(name)] = provenance.sha256_file(job.staging / "report" / name)
    for line in result.get("notices", []):
        if line not in job.notices:             # said once per run, whichever step said it
            job.notices.append(line)
            print(f"{job.where.label}: {line}", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    job.records[step.name].update(status="executed", seconds=result["seconds"],
                                  outputs=dict(sorted(outputs.items())))
    worker = result.get("environment")
    here = {"python": job.basis["python"], "packages": job.basis["packages"]}
    if worker is not None and worker != here:
        # recorded (and said) only when it differs, so the same environment gives the same manifest
        job.records[step.name]["worker_environment"] = worker
        progress.note(f"{step.label}: the worker's Python or packages differ from this "
                      "machine's (see the manifest): install requirements.lock on every worker")
    job.state[index] = "done"
    progress.finish(step.label, "executed", result["seconds"])


#: names in the output folder that are the runner's own: no notebook may publish them
_RUNNER_FILES = (MANIFEST, RUN_LOG, INDEX)


def _take_published(job: _Job, step: Step, work: Path, outputs: dict[str, str]) -> str | None:
    """Move what a step wrote into its output folder (``reports/<jur>[/<wave>]/`` of its work
    folder) to the staged one, recording each file in ``outputs``; returns what is wrong,
    if anything: a file its metadata (``mwsn.publishes``) does not declare, one of the
    runner's own files, or one another step of the run already published."""
    folder = work / job.reports_rel
    found = provenance.files_under(folder) if folder.is_dir() else []
    for path in found:
        name = path.relative_to(folder).as_posix()
        if name in _RUNNER_FILES or name.startswith("notebooks/"):
            return (f"it wrote {job.reports_rel}/{name}, which the runner writes itself: "
                    "give the file another name")
        if not step.contract.may_publish(name):
            return (f"it wrote {job.reports_rel}/{name}, which its metadata (mwsn.publishes) "
                    "does not declare: add it there")
        target = job.staging / "report" / name
        if target.exists():
            return (f"it wrote {job.reports_rel}/{name}, which another notebook run of "
                    f"{job.where.label} already wrote: only one of them may publish it")
    for path in found:
        name = path.relative_to(folder).as_posix()
        target = job.staging / "report" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        outputs[job.rel_report(name)] = provenance.sha256_file(target)
    return None


def _write_index(job: _Job, manifest_sha256: str) -> None:
    """The auditor's index (``index.html``): links to what the run wrote, and the manifest."""
    from mwsn.codebook import load_codebook
    from mwsn.report import auditor

    folder = job.staging / "report"
    files = [p.relative_to(folder).as_posix() for p in provenance.files_under(folder)]
    if job.run_level:
        _write_atomic(folder / INDEX, auditor.run_index_page(
            job.code, sorted({*files, MANIFEST, INDEX}), manifest_sha256))
        return
    html = auditor.index_page(job.where, job.params, load_codebook(job.where.root),
                              sorted({*files, MANIFEST, INDEX}), job.params.languages[0],
                              processed=job.staging / "processed",
                              manifest_sha256=manifest_sha256)
    _write_atomic(folder / INDEX, html)


def _write_manifest(job: _Job, command: list[str]) -> None:
    shutil.rmtree(job.staging / "work", ignore_errors=True)
    (job.staging / "report" / INDEX).unlink(missing_ok=True)
    (job.staging / "report" / RUN_LOG).unlink(missing_ok=True)
    outputs = {}
    for folder, prefix in ((job.staging / "processed", job.processed_rel),
                           (job.staging / "report", job.reports_rel),
                           (job.staging / "pages", job.pages_rel)):
        for path in provenance.files_under(folder):
            outputs[f"{prefix}/{path.relative_to(folder).as_posix()}"] = \
                provenance.sha256_file(path)
    basis = job.basis
    log = {
        "command": command,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - job.started, 3),
        "notebooks": {name: {k: job.records[name].get(k) for k in ("status", "seconds")}
                      for name in sorted(job.records)},
    }
    _write_atomic(job.staging / "report" / RUN_LOG,
                  json.dumps(log, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    manifest = {
        "format": MANIFEST_FORMAT,
        "jurisdiction": job.code,
        **({"wave": job.where.wave} if job.where.wave is not None else {}),
        "parameters": basis["parameters"],
        "inputs": {**basis["raw"], **basis["external"]},
        "docs": basis["docs"],
        "jurisdictions": basis["jurisdictions"],
        **({"waves": basis["waves"]} if basis["waves"] else {}),
        **({"national": basis["national"]} if basis["national"] else {}),
        **({"tables": basis["tables"]} if basis["tables"] else {}),
        "mwsn": basis["mwsn"],
        "python": basis["python"],
        "packages": basis["packages"],
        "environment": {"lock_sha256": basis["lock"]},
        **({"options": job.options_given} if job.options_given else {}),
        "notebooks": {name: {k: v for k, v in job.records[name].items()
                             if k not in ("status", "seconds")} for name in sorted(job.records)},
        "outputs": dict(sorted(outputs.items())),
    }
    text = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    _write_atomic(job.staging / "report" / MANIFEST, text)
    _write_index(job, hashlib.sha256(text.encode("utf-8")).hexdigest())
