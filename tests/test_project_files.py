"""The project's own files agree with each other: dependencies and notebooks."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import load_yaml
from mwsn import bundled, runner

PROJECT = Path(__file__).resolve().parents[1]


def _lockfiles():
    path = PROJECT / "tools" / "lockfiles.py"
    spec = importlib.util.spec_from_file_location("lockfiles", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_environment_yml_and_the_lock_header_are_generated_from_the_lock():
    lockfiles = _lockfiles()
    lock = (PROJECT / "requirements.lock").read_text(encoding="utf-8")
    assert lock == lockfiles.with_header(lock), "requirements.lock: run `make lock`"
    env = (PROJECT / "environment.yml").read_text(encoding="utf-8")
    assert env == lockfiles.environment_yml(lock), "environment.yml: run `make lock`"
    assert load_yaml(env)["name"] == "mwsn"


def test_the_lock_pins_every_dependency_within_pyproject_ranges():
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    wanted = [*pyproject["project"]["dependencies"], *extras["test"], *extras["lint"],
              *extras["lock"], *extras["dask"]]
    locked = _lockfiles().locked_versions((PROJECT / "requirements.lock").read_text())
    for text in wanted:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run `make lock`"
        for version in locked[name]:
            assert requirement.specifier.contains(version, prereleases=True), (name, version)


def _notebooks():
    return sorted((PROJECT / "notebooks").glob("*.ipynb"))


def test_notebooks_declare_exactly_the_parameters_the_runner_injects():
    for path in _notebooks():
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: one cell tagged 'parameters'"
        names = re.findall(r"^(\w+)\s*=", tagged[0].source, flags=re.M)
        run_level = (int(path.name[:2]) >= runner.CROSS_JURISDICTION
                     or path in runner.national(path.parent))
        expected = runner.CROSS_PARAMETERS if run_level else runner.PARAMETERS
        # then the run options it takes (metadata.mwsn.options), each with its default
        options = runner.contract(path).options
        assert tuple(names) == expected + tuple(name for name, _ in options), path.name
        for name, default in options:
            assert re.search(rf"^{name} = {default!r}(\s|$)", tagged[0].source, re.M), path.name


def test_notebooks_are_committed_without_outputs_and_with_a_kernelspec():
    for path in _notebooks():
        nb = nbformat.read(path, as_version=4)
        assert "kernelspec" in nb.metadata, path.name
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name


def test_notebooks_hold_no_jurisdiction_specific_code():
    for path in [*_notebooks(), *(PROJECT / "src" / "mwsn").glob("*.py")]:
        if path.name in ("synth.py",):
            continue  # the synthetic data generator names the jurisdictions it makes data for
        text = path.read_text(encoding="utf-8")
        code = text if path.suffix == ".py" else "\n".join(
            c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code"
            and "parameters" not in c.metadata.get("tags", []))
        assert "British Columbia" not in code, path.name
        assert not re.search(r"""["']bc["']""", code), path.name


def test_the_package_carries_the_methods_page_of_each_language():
    """The wheel's build step and the sdist take every ``docs/methods*.md``: the French
    report of an installed package shows the French page, not the English one."""
    pages = {f"docs/{p.name}" for p in (PROJECT / "docs").glob("methods*.md")}
    assert {"docs/methods.md", "docs/methods.fr.md"} <= pages
    assert pages <= {rel for _, rel in bundled.files(PROJECT)}
    assert "recursive-include docs methods*.md" in (PROJECT / "MANIFEST.in").read_text(
        encoding="utf-8")


@pytest.mark.integration
def test_make_test_keeps_each_xdist_group_on_one_worker(tmp_path):
    # `make test` (--dist loadgroup) builds each group's module fixtures once, on the worker
    # that gets the group; with pytest 9.2 and pytest-xdist 3.8 the groups were silently spread
    # over the workers (pytest-xdist issue #1386; constraints.txt holds pytest back)
    (tmp_path / "test_grouped.py").write_text(
        "import os, time, pytest\n"
        "pytestmark = pytest.mark.xdist_group('one')\n"
        "@pytest.mark.parametrize('i', range(4))\n"
        "def test_where(i):\n"
        "    time.sleep(0.2)\n"
        "    print('WORKER', os.environ['PYTEST_XDIST_WORKER'])\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup",
                           "-p", "no:cacheprovider", "-p", "no:anyio", "-rA", "-q",
                           str(tmp_path)], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    workers = set(re.findall(r"^WORKER (gw\d+)$", done.stdout, re.M))
    assert len(workers) == 1, done.stdout
