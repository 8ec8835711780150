"""Shared fixtures: a temporary project root with the real params and synthetic data."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from mwsn import config, synth

PROJECT = Path(__file__).resolve().parents[1]


def _shipped_params(into: Path) -> Path:
    """A copy of the params files the project ships (tracked by git), never the user's own.

    A params file the user added (``params/ab.yaml``) or left untracked is not copied, so
    tests see the same jurisdictions on every checkout. Outside a git checkout (an sdist)
    every file under ``params/`` is shipped.
    """
    source = PROJECT / "params"
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--", "params"], cwd=PROJECT,
                                capture_output=True, check=True).stdout.decode().split("\0")
        names = [Path(n).relative_to("params") for n in listed if n]
    except (OSError, subprocess.CalledProcessError):
        names = []
    if not names:
        names = [p.relative_to(source) for p in source.rglob("*") if p.is_file()]
    for name in names:
        if (source / name).is_file():
            (into / "params" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, into / "params" / name)
    return into


#: a temporary project root holding the shipped params (and the published tables the
#: project ships under data/external, linked, read-only): tests read params from here
SHIPPED = _shipped_params(Path(tempfile.mkdtemp(prefix="mwsn-shipped-")))
(SHIPPED / "data").mkdir()
os.symlink(PROJECT / "data" / "external", SHIPPED / "data" / "external")
atexit.register(shutil.rmtree, SHIPPED, True)


#: libyaml's parser and emitter (PyYAML's C bindings, as mwsn.config reads params with): the
#: pure-Python ones take about 40 ms to read a jurisdiction's params file and 7 ms to write it
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load_yaml(text: str):
    """``yaml.safe_load(text)``, by libyaml."""
    return yaml.load(text, Loader=_LOADER)


def dump_yaml(data, **options) -> str:
    """``yaml.safe_dump(data, **options)``, by libyaml (the same text)."""
    return yaml.dump(data, Dumper=_DUMPER, **options)


#: the run options of ``mwsn run --no-pdf``: the report's pages, without printing the PDFs
#: (about 5 CPU seconds a page); for runs whose tests read no PDF (the session's BC build
#: prints them, for the tests that do)
NO_PDF = {"pdf": False}


def make_root(tmp: Path, jurisdictions=("bc",)) -> Path:
    """A project root under ``tmp`` with the shipped params and methods pages and fresh
    synthetic raw data."""
    shutil.copytree(SHIPPED / "params", tmp / "params")
    (tmp / "docs").mkdir(exist_ok=True)
    for page in sorted((PROJECT / "docs").glob("methods*.md")):
        shutil.copy2(page, tmp / "docs" / page.name)
    for code in jurisdictions:
        synth.generate(config.paths(code, tmp))
    return tmp


@pytest.fixture
def project_root(tmp_path) -> Path:
    return make_root(tmp_path)


def built_once(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` done once per test session, even when pytest-xdist spreads the
    tests over several processes, then copied for this process.

    The first process to ask builds into a folder all of them share (under an exclusive
    lock); the others wait for it and reuse the result. Each process gets its own copy, so
    a test that writes into it (a rerun, a restricted bundle) never meets another process's
    test. A failed build is not recorded: the next process tries again and fails the same.
    """
    import fcntl

    mine = tmp_path_factory.mktemp(name)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        build(mine)
        return mine
    shared = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / ".built").is_file():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir()
            build(shared)
            (shared / ".built").touch()
    shutil.copytree(shared, mine, symlinks=True, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".built"))
    return mine


def _build_bc(root: Path) -> None:
    from mwsn import runner

    runner.run("bc", make_root(root), jobs=2)   # same bytes for any --jobs (test_runner)


@pytest.fixture(scope="session")
def bc_run(tmp_path_factory) -> Path:
    """One real run of the BC pipeline through papermill, shared by the tests that read it
    (built once per session, whatever the number of xdist workers)."""
    return built_once(tmp_path_factory, "bc_run", _build_bc)


def _rebuild_bc(built: Path):
    """``build(root)`` for :func:`built_once`: a copy of the finished BC run ``built``, two of
    its inputs edited, run again."""
    def build(root: Path) -> None:
        from mwsn import runner
        from test_findings import workers_disagree
        from test_services_source import with_services

        shutil.copytree(built, root, symlinks=True, dirs_exist_ok=True)
        workers_disagree(root)
        with_services(root)
        runner.run("bc", root, jobs=2, options=NO_PDF)   # no test of it reads a PDF
    return build


@pytest.fixture(scope="session")
def bc_rerun(bc_run, tmp_path_factory) -> Path:
    """The session's BC build run again after two edits that the tests reading it tell
    apart: every migrant worker who answered know_rights strongly disagrees (test_findings:
    the ratings) and the project adds service records (test_services_source: the service
    tables and their report part). No rating reads the service records (the evaluation
    matrix names none) and no service figure reads the survey's answers. Built once per
    session, like ``bc_run``, without the PDFs (``mwsn run --no-pdf``): a test that reruns
    steps and reads no PDF starts from here (test_runner: the methods pages)."""
    return built_once(tmp_path_factory, "bc_rerun", _rebuild_bc(bc_run))


@pytest.fixture(scope="session")
def bc_compared(bc_run) -> list[Path]:
    """The cross-jurisdiction comparison pages, exported once after the BC run."""
    from mwsn import runner

    runner.run_many(["bc"], bc_run, cross=True)  # up to date: runs only the 90_* notebooks
    return [bc_run / "reports" / "compare.html", bc_run / "reports" / "compare.fr.html"]


#: the parameters cell of a toy pipeline notebook (as the runner's notebooks have it)
TOY_PARAMETERS = 'jurisdiction = "bc"\nroot = "."\nlang = "en"\nwave = None'

#: a toy step: counts the lines of BC's meeting records into the processed table count.txt
TOY_COUNT = """
from mwsn import config
where = config.paths(jurisdiction, root, wave)
lines = (where.raw / "meeting_records.csv").read_text(encoding="utf-8").splitlines()
(where.processed / "count.txt").write_text(str(len(lines)))
"""


@pytest.fixture
def cold_kernels(monkeypatch) -> None:
    """Runs in this test start a cold kernel per notebook: toy notebooks import nothing heavy,
    and the warm kernels' server imports pandas, SciPy, statsmodels and matplotlib first
    (warm kernels themselves are tested in test_kernels and by every real run)."""
    from mwsn.run import kernels

    monkeypatch.setenv(kernels.SWITCH, "0")


def toy_notebook(folder: Path, name: str, code: str, **contract) -> None:
    """Write a small pipeline notebook ``folder/name``: the parameters cell, then ``code``;
    ``contract``: its ``metadata.mwsn`` (``reads``, ``writes``, ``publishes`` ...)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["mwsn"] = contract
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell(TOY_PARAMETERS)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, folder / name)


# -- the order `make test` hands the tests to its workers ------------------------------------------

#: the session's shared builds: the first test to ask builds them, the others wait for it
SESSION_BUILDS = {"bc_run", "bc_rerun", "bc_compared"}

#: where each test's last duration is kept (pytest's cache, ``.pytest_cache``)
DURATIONS = "mwsn/durations"


def _unit(item) -> str:
    """The xdist work unit ``item`` belongs to under ``--dist loadgroup``: its groups (named
    as pytest-xdist names them), or itself."""
    groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                     for m in item.iter_markers("xdist_group")})
    return "@" + "_".join(groups) if groups else item.nodeid


def pytest_configure(config):
    """Write the package's bytecode once, before the test processes start (the controller,
    under pytest-xdist). With PYTHONDONTWRITEBYTECODE set, which an installed package does
    not mind (pip wrote its bytecode at install), every process importing the package from
    the checkout would compile it again: each run's kernel server and workers, each cold
    kernel (about 0.2 CPU-s for the whole package). A stale or unwritable cache is only
    slower: Python compiles what it cannot read."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    import compileall

    with contextlib.suppress(OSError):
        compileall.compile_dir(PROJECT / "src" / "mwsn", quiet=2)


def pytest_collection_finish(session):
    """Move what collection imported (pandas, SciPy, the notebooks' tools, the test modules)
    out of the garbage collector's reach: statsmodels' Holm adjustment calls ``gc.collect()``
    each time, which otherwise walks every object of the test process (about 0.4 s a call)."""
    gc.freeze()


@pytest.hookimpl(trylast=True)         # after pytest-xdist has named each test's group
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist, hand the workers the costly tests first and the session's BC build
    as early as one worker can start it.

    One test that reads the session's BC build comes first (its worker builds it), then the
    integration tests that need no session build (the other worker's work meanwhile), then
    the other tests that read a session build, then the unit tests, which fill in at the end
    whichever worker is free first. Within each class, the slowest of the last run first
    (pytest's cache); a fresh checkout keeps the files' order. A group's tests stay together.
    `make test` runs with --no-loadscope-reorder, which would put the largest groups first.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    cache = getattr(config, "cache", None)        # none with -p no:cacheprovider
    last = cache.get(DURATIONS, {}) if cache else {}
    units: dict[str, list] = {}
    for item in items:
        units.setdefault(_unit(item), []).append(item)

    def cls(members) -> int:
        if any(SESSION_BUILDS & set(i.fixturenames) for i in members):
            return 2
        return 1 if any(i.get_closest_marker("integration") for i in members) else 3

    cost = {u: sum(last.get(i.nodeid, 0.0) for i in m) for u, m in units.items()}
    order = sorted(units, key=lambda u: (cls(units[u]), -cost[u]))
    session = [u for u in order if cls(units[u]) == 2]
    if session:                          # the costliest reader of the session build first
        order.remove(session[0])
        order.insert(0, session[0])
    items[:] = [item for u in order for item in units[u]]


def pytest_runtest_logreport(report):
    """Add up each test's duration (setup, call and teardown) for the next run's order."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


_durations: dict[str, float] = {}


def pytest_sessionfinish(session, exitstatus):
    cache = getattr(session.config, "cache", None)
    if os.environ.get("PYTEST_XDIST_WORKER") or cache is None or not _durations:
        return
    kept = cache.get(DURATIONS, {})
    kept.update({k: round(v, 2) for k, v in _durations.items()})
    cache.set(DURATIONS, kept)
