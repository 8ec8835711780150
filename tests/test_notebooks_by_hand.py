"""Every numbered notebook runs by hand, as an evaluator would run it outside `mwsn run`.

`jupyter nbconvert --to notebook --execute notebooks/NN_*.ipynb` runs the notebook in its
own folder (`notebooks/`) with its default parameters (`root = "."`, `jurisdiction = "bc"`);
the notebook finds the project above it (`config.project_root`). Checked from the
project's root and from `notebooks/`, on a copy of the project with synthetic BC data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT, make_root
from mwsn import config

pytestmark = pytest.mark.integration

NOTEBOOKS = sorted(p.name for p in (PROJECT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    root = make_root(tmp_path_factory.mktemp("by_hand"))
    shutil.copytree(PROJECT / "notebooks", root / "notebooks")
    return root


def _nbconvert(notebooks: list[str], cwd: Path, out: Path) -> subprocess.CompletedProcess:
    """One nbconvert call executing ``notebooks`` in the order given (each in its folder)."""
    targets = notebooks if cwd.name == "notebooks" else [f"notebooks/{n}" for n in notebooks]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("MWSN_PSEUDONYM_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--output-dir", str(out), *targets],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)


@pytest.mark.parametrize("where", ["project root", "notebooks/"])
def test_every_numbered_notebook_runs_with_nbconvert_and_its_defaults(project_copy, tmp_path,
                                                                      where):
    cwd = project_copy if where == "project root" else project_copy / "notebooks"
    done = _nbconvert(NOTEBOOKS, cwd, tmp_path)  # in order: each reads what earlier ones wrote
    assert done.returncode == 0, f"from {where}:\n{done.stderr[-3000:]}"
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == NOTEBOOKS
    assert (project_copy / "data" / "processed" / "bc" / "findings.csv").is_file()


def test_project_root_is_found_above_notebooks_and_kept_when_injected(project_copy):
    notebooks = project_copy / "notebooks"
    assert config.project_root(notebooks) == project_copy.resolve()
    assert config.project_root(project_copy) == project_copy  # papermill's root: as given
    cwd = os.getcwd()
    try:
        os.chdir(notebooks)
        assert config.project_root(".") == project_copy.resolve()
    finally:
        os.chdir(cwd)


def test_project_root_without_params_anywhere_is_the_start_folder(tmp_path):
    assert config.project_root(tmp_path) == tmp_path.resolve()
