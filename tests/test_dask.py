"""The pluggable executor: the BC pipeline on a Dask cluster gives the local run's bytes."""

from __future__ import annotations

import os

import pytest

from conftest import make_root
from mwsn import cli, runner
from mwsn.errors import MwsnError
from mwsn.run import executor
from test_runner import _files


@pytest.mark.integration
def test_bc_on_a_dask_local_cluster_gives_the_local_outputs_byte_for_byte(bc_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    root = make_root(tmp_path)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = runner.run("bc", root, scheduler=cluster.scheduler_address)
    assert len(result.executed) == 9    # 01-08 with 07_trends, and the French report
    for code in (runner.NATIONAL, "bc"):  # the national context ran on the cluster too
        local, on_cluster = _files(bc_run, code), _files(root, code)
        assert sorted(on_cluster) == sorted(local)
        for rel in sorted(local):
            assert on_cluster[rel] == local[rel], rel
    manifest = (root / "reports/bc" / runner.MANIFEST).read_text(encoding="utf-8")
    assert "worker_environment" not in manifest      # the workers run this environment


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
