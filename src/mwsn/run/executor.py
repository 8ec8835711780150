"""Where the steps execute: a local process pool (the default), or a Dask cluster.

Either is a :class:`concurrent.futures.Executor` the scheduler of
:mod:`mwsn.run.orchestrate` submits :func:`mwsn.run.worker.execute_step` to, with
plain values in and out. The coordinator keeps the lock, the staging folders
and the manifest; workers need the project folder at the same path (a shared
filesystem) and the same environment (``requirements.lock``): each reports its
Python and package versions with every step it runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mwsn.errors import MwsnError
from mwsn.run.worker import _worker_init

#: environment variable naming a Dask scheduler, as ``--scheduler`` does
SCHEDULER_ENV = "MWSN_SCHEDULER"


def default_jobs() -> int:
    """The cores this process may use (``--jobs`` default)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:           # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class Executor:
    """An executor, how many steps it runs at once, and how to stop it; with a local pool,
    the kernel server that forks the workers' kernels (:mod:`mwsn.run.kernels`), or why
    there is none (``cold``)."""

    pool: object
    workers: int
    client: object = None
    kernels: object = None
    cold: str | None = None
    said: set = field(default_factory=set)     # why kernels started cold, said once

    @property
    def kernel_server(self) -> str | None:
        """The kernel server's address, for the steps' tasks (``None``: cold kernels)."""
        return self.kernels.address if self.kernels is not None else None

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers: at once with ``cancel`` (a failure or Ctrl-C), else once idle
        (every caller closes a pool whose steps are done: the kernel server is asked to
        stop first, and exits while they do); then the kernel server."""
        if self.client is not None:      # a Dask cluster: its workers stay up for the next run
            self.pool.shutdown(wait=not cancel)
            self.client.close()
            return
        if self.kernels is not None and not cancel:
            self.kernels.stop()             # it exits while the workers do
        try:
            if cancel:
                processes = list((getattr(self.pool, "_processes", None) or {}).values())
                for process in processes:
                    process.terminate()       # their kernels stop with them
                for process in processes:
                    process.join(timeout=10)
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
        finally:
            if self.kernels is not None:
                self.kernels.close()

    def stop(self, running) -> None:
        """Stop the steps whose futures are ``running`` so that none of them writes any more:
        a local pool's at once (its workers, the kernel server and every kernel), a Dask
        cluster's when they finish (its workers are not this run's to stop)."""
        if self.client is not None:
            from concurrent.futures import wait

            wait(running)
            return
        self.close(cancel=True)


def local(workers: int, needs: list | None = None) -> Executor:
    """Worker processes (started fresh, not forked) that import the notebook tools at once,
    and one kernel server for them all: the notebook tools are imported once per run, not
    once per worker (on two cores, a second copy would cost what a notebook does). ``needs``:
    what the notebooks the run may execute import (:func:`mwsn.run.kernels.start`)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from mwsn.run import kernels
    from mwsn.run.worker import KERNEL, KERNEL_ENV

    server, cold = kernels.start(KERNEL_ENV, KERNEL, needs)   # it imports while the workers do
    try:
        pool = ProcessPoolExecutor(max_workers=workers,
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_worker_init,
                                   initargs=(os.getpid(), dict(os.environ)))
        with kernels.deaf_to_ctrl_c():
            for _ in range(workers):
                pool.submit(os.getpid)      # start every worker now
    except BaseException:
        if server is not None:
            server.close()
        raise
    return Executor(pool, workers, kernels=server, cold=cold)


def dask(address: str) -> Executor:
    """Steps run on the Dask distributed cluster whose scheduler is at ``address``
    (``tcp://host:8786``), through ``Client.get_executor()``; one step per worker thread.

    Raises
    ------
    MwsnError
        When the ``dask`` extra is not installed or the scheduler cannot be reached.
    """
    try:
        from distributed import Client
    except ImportError:
        raise MwsnError("--scheduler needs Dask distributed: pip install 'mwsn[dask]'") from None
    try:
        client = Client(address, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise MwsnError(f"cannot reach the Dask scheduler at {address} ({exc}); start it, or "
                        f"run without --scheduler (and {SCHEDULER_ENV} unset)") from None
    workers = max(1, sum(client.nthreads().values()))
    return Executor(client.get_executor(pure=False), workers, client)


def choose(jobs: int, scheduler: str | None, steps: int, needs: list | None = None) -> Executor:
    """The Dask executor when a scheduler is named, else a local pool of ``jobs`` processes
    (no more than there are steps; ``needs``: see :func:`local`)."""
    if scheduler:
        return dask(scheduler)
    return local(max(1, min(jobs, steps)), needs)
