"""Every numbered notebook runs by hand, as an evaluator would run it outside `mwsn run`.

`jupyter nbconvert --to notebook --execute notebooks/NN_*.ipynb` runs the notebook in its
own folder (`notebooks/`) with its default parameters (`root = "."`, `jurisdiction = "bc"`);
the notebook finds the project above it (`config.project_root`). Executed from `notebooks/`
on a copy of the project with synthetic BC data; that the project root gives the same run is
checked on the notebooks' code (each resolves its root first, then uses no path relative to
the working folder).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
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


def test_every_numbered_notebook_runs_with_nbconvert_and_its_defaults(project_copy, tmp_path):
    # from notebooks/, where Jupyter opens them and "." is not the project: from the project
    # root they differ only in where "." is, which the next test shows each resolves first
    done = _nbconvert(NOTEBOOKS, project_copy / "notebooks", tmp_path)  # in order: each reads
    assert done.returncode == 0, done.stderr[-3000:]                      # what earlier ones wrote
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == NOTEBOOKS
    assert (project_copy / "data" / "processed" / "bc" / "findings.csv").is_file()


#: a path a notebook would read relative to the folder it was opened from
RELATIVE_PATH = re.compile(r"""["'](?:\.{1,2}/|params/|data/|docs/|reports/|notebooks/)""")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_notebook_finds_the_project_before_any_path_and_never_uses_the_working_folder(name):
    # what makes a notebook run the same from the project root and from notebooks/
    nb = nbformat.read(PROJECT / "notebooks" / name, as_version=4)
    parameters, setup, *rest = [c.source for c in nb.cells if c.cell_type == "code"]
    assert re.search(r'^root = "\."', parameters, re.M), name
    assert "root = config.project_root(root)" in setup, name
    before = setup[:setup.index("root = config.project_root(root)")]
    assert "root" not in before.replace("import", ""), name
    for source in (setup, *rest):
        assert not RELATIVE_PATH.search(source), (name, source[:200])
        assert not re.search(r"\b(open|Path|os\.chdir|os\.getcwd|Path\.cwd)\(", source), name


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
