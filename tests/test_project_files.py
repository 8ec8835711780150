"""The project's own files agree with each other: dependencies and notebooks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nbformat
import yaml

from mwsn import runner

PROJECT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ]", requirement, maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_packages_as_pyproject():
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    wanted = {_name(r): r for r in pyproject["project"]["dependencies"]}
    env = yaml.safe_load((PROJECT / "environment.yml").read_text())
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
    conda.pop("python"), conda.pop("pip")
    assert set(conda) == set(wanted)
    for name, req in wanted.items():
        assert conda[name].replace(" ", "") == req.replace(" ", ""), name


def _notebooks():
    return sorted((PROJECT / "notebooks").glob("*.ipynb"))


def test_notebooks_declare_exactly_the_parameters_the_runner_injects():
    for path in _notebooks():
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: one cell tagged 'parameters'"
        names = re.findall(r"^(\w+)\s*=", tagged[0].source, flags=re.M)
        assert tuple(names) == runner.PARAMETERS, path.name


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
