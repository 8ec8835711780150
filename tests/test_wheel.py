"""The wheel carries everything a run needs: built, installed in a fresh venv, used with no checkout.

Builds the wheel from a copy of the repository, installs it in a new virtual environment
(no system site-packages) with uv, its dependencies at the versions ``requirements.lock``
pins (the lock as constraints: only what the wheel declares is installed, from uv's cache or
the package index), then, in an empty folder:
``mwsn init p && mwsn synth bc --root p && mwsn run bc --root p``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from uv import find_uv_bin

from conftest import PROJECT

pytestmark = [pytest.mark.integration, pytest.mark.wheel]

#: the exact versions every environment of the project is installed from
LOCK = PROJECT / "requirements.lock"
#: what a wheel is built from (the rest of the repository is not part of the package)
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "notebooks",
                "params", "data/external", "docs")


def _run(command: list[str], cwd: Path, env: dict, timeout: int = 1500) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def _pins(text: str) -> dict[str, set[str]]:
    """The versions of ``name==version`` lines (a lock file, where a package may have one pin
    per Python version, or ``pip freeze``), by canonical name."""
    pins: dict[str, set[str]] = {}
    for line in text.splitlines():
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", line)
        if match:
            pins.setdefault(canonicalize_name(match.group(1)), set()).add(match.group(2))
    return pins


def test_wheel_in_a_fresh_venv_builds_the_report_outside_any_checkout(tmp_path):
    source = tmp_path / "source"
    for name in BUILD_INPUTS:
        origin = PROJECT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.egg-info", ".ipynb_checkpoints"))
        else:
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, source / name)
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH", "MWSN_PSEUDONYM_KEY",
                             "MWSN_PSEUDONYM_KEY_FILE",
                             # uv installs no bytecode: without this each process of the run
                             # (kernel server, workers, kernels) compiles pandas & co again
                             "PYTHONDONTWRITEBYTECODE")}
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
          str(tmp_path / "dist"), str(source)], tmp_path, base_env)
    wheel = next((tmp_path / "dist").glob("mwsn-*.whl"))

    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(environment)
    bin_dir = environment / "bin"
    env = {**base_env, "PATH": f"{bin_dir}{os.pathsep}{base_env['PATH']}",
           "VIRTUAL_ENV": str(environment), "JUPYTER_DATA_DIR": str(tmp_path / "jupyter")}
    uv = [find_uv_bin(), "pip"]
    target = ["--python", str(bin_dir / "python")]
    # the wheel's declared dependencies, resolved with every version held to the lock's pin
    _run([*uv, "install", "--quiet", *target, "--constraint", str(LOCK), str(wheel)],
         tmp_path, env)
    _run([*uv, "check", *target], tmp_path, env)          # every requirement met
    versions = _pins(_run([*uv, "freeze", *target], tmp_path, env))
    locked = _pins(LOCK.read_text(encoding="utf-8"))
    versions.pop("mwsn", None)                           # the wheel itself
    assert {name: (version, locked.get(name)) for name, version in versions.items()
            if not version <= locked.get(name, set())} == {}, "versions the lock does not pin"

    empty = tmp_path / "empty"
    empty.mkdir()
    mwsn = str(bin_dir / "mwsn")
    _run([mwsn, "init", "p"], empty, env)
    _run([mwsn, "synth", "bc", "--root", "p"], empty, env)
    _run([mwsn, "run", "bc", "--root", "p", "--no-pdf", "--jobs", "1"], empty, env)  # PDFs: test_report

    report = empty / "p" / "reports" / "bc" / "assessment.html"
    assert "British Columbia" in report.read_text(encoding="utf-8")
    french = (empty / "p" / "reports" / "bc" / "assessment.fr.html").read_text(encoding="utf-8")
    assert "Conventions qui s" in french  # the methods page in French, from the package
    installed = _run([str(bin_dir / "python"), "-c", "import mwsn; print(mwsn.__file__)"],
                     empty, env)
    assert str(environment) in installed  # the wheel's copy ran, not the checkout
    assert not (empty / "p" / "notebooks").exists()  # the notebooks came from the package
