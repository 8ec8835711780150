"""Shared fixtures: a temporary project root with the real params and synthetic data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mwsn import config, synth

PROJECT = Path(__file__).resolve().parents[1]


def make_root(tmp: Path, jurisdictions=("bc",)) -> Path:
    """A project root under ``tmp`` with the committed params and fresh synthetic raw data."""
    shutil.copytree(PROJECT / "params", tmp / "params")
    for code in jurisdictions:
        synth.generate(config.paths(code, tmp))
    return tmp


@pytest.fixture
def project_root(tmp_path) -> Path:
    return make_root(tmp_path)


@pytest.fixture(scope="session")
def bc_run(tmp_path_factory) -> Path:
    """One real run of the BC pipeline through papermill, shared by the tests that read it."""
    from mwsn import runner

    root = make_root(tmp_path_factory.mktemp("bc_run"))
    runner.run("bc", root)
    return root


@pytest.fixture(scope="session")
def bc_compared(bc_run) -> list[Path]:
    """The cross-jurisdiction comparison pages, exported once after the BC run."""
    from mwsn import runner

    runner.run_many(["bc"], bc_run, cross=True)  # up to date: runs only the 90_* notebooks
    return [bc_run / "reports" / "compare.html", bc_run / "reports" / "compare.fr.html"]
