"""The pluggable executor: the BC pipeline on a Dask cluster gives the local run's bytes."""

from __future__ import annotations

import os

import pytest

from mwsn import cli
from mwsn.errors import MwsnError
from mwsn.run import executor


# The BC pipeline on a Dask LocalCluster gives the session's local build byte for byte:
# test_runner.test_two_parallel_builds_side_by_side_give_byte_identical_outputs builds it there,
# beside a `mwsn verify` of the local build.


def test_an_unreachable_scheduler_is_a_clear_error(project_root, capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv(executor.SCHEDULER_ENV, "tcp://127.0.0.1:9")   # nothing listens there
    monkeypatch.setattr(executor, "dask", _refuse)
    assert cli.main(["run", "bc", "--root", str(project_root)]) == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not (project_root / "reports" / "bc").exists()


def _refuse(address):
    # the real connection attempt waits for its timeout; the message is what is tested
    raise MwsnError(f"cannot reach the Dask scheduler at {address} (refused)")


def test_jobs_default_to_the_cores_this_process_may_use():
    assert executor.default_jobs() == len(os.sched_getaffinity(0))
