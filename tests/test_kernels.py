"""Warm kernels: the kernel server forks one fresh kernel per notebook, which behaves as a
cold one (interrupt, shutdown, death) and gives the same bytes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from mwsn.run import kernels, worker

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="warm kernels are Linux only")

WHO = "import os, sys\nprint(os.getpid(), os.getppid(), 'pandas' in sys.modules)"


#: pytest changes it at each phase of each test; a kernel server started in one test would
#: see another test's kernels' environment differ, and start them cold
CURRENT_TEST = "PYTEST_CURRENT_TEST"


def _kernels_environment(monkeypatch) -> None:
    """This process's environment as the run's workers have it (:data:`worker.KERNEL_ENV`,
    warm kernels on), without pytest's name of the current test (pytest sets it again
    before each phase: done in the phase that starts kernels)."""
    for name, value in worker.KERNEL_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(kernels.SWITCH, raising=False)
    monkeypatch.delenv(CURRENT_TEST, raising=False)


@pytest.fixture(scope="module")
def shared_server():
    """One kernel server for the tests that only ask it for kernels (and, last, the Ctrl-C
    test, which stops it): its imports (pandas & co, about 3.4 CPU-s) once for them all.
    The tests using it go to one xdist worker (``xdist_group``), in the file's order."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _kernels_environment(monkeypatch)
        started, cold = kernels.start(worker.KERNEL_ENV, worker.KERNEL)
    assert cold is None
    yield started
    started.close()


@pytest.fixture
def server(monkeypatch, request):
    """``server()``: the module's kernel server, for kernels started from this process (with
    the kernels' env); ``server(own=True)``: one of this test's own (a test that stops it
    midway). Called in the test itself: pytest sets PYTEST_CURRENT_TEST again between setup
    and call."""
    servers = []

    def start(own: bool = False):
        _kernels_environment(monkeypatch)
        if not own:
            return request.getfixturevalue("shared_server")
        started, cold = kernels.start(worker.KERNEL_ENV, worker.KERNEL)
        assert cold is None
        servers.append(started)
        return started

    yield start
    for started in servers:
        started.close()


#: the tests of the module's kernel server: one worker, in the file's order
SHARED_SERVER = pytest.mark.xdist_group("kernel_server")


def _notebook(tmp_path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path = tmp_path / "notebook.ipynb"
    nbformat.write(nb, path)
    return path


def _manager(tmp_path: Path, server):
    (tmp_path / "sockets").mkdir(exist_ok=True)
    return kernels.manager_class(tmp_path / "sockets", server.address)


def _execute(path: Path, manager) -> list[str]:
    """Each code cell's printed text, executed through papermill as the worker does."""
    import papermill

    done = papermill.execute_notebook(str(path), str(path.with_suffix(".out.ipynb")),
                                      kernel_name="python3", cwd=str(path.parent),
                                      progress_bar=False, kernel_manager_class=manager)
    return ["".join(o.get("text", "") for o in cell.outputs) for cell in done.cells]


def _gone(pid: int, within: float = 10.0) -> bool:
    """Whether process ``pid`` has exited (a zombie counts) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except (FileNotFoundError, ProcessLookupError):   # gone before or while reading it
            return True
        time.sleep(0.05)
    return False


@pytest.mark.integration   # asks the module's kernel server (pandas & co imported)
@SHARED_SERVER
def test_each_notebook_gets_a_fresh_kernel_forked_with_the_tools_imported(server, tmp_path):
    server = server()
    path = _notebook(tmp_path, WHO, "seen = 'first' in dir()\nfirst = 1\nprint(seen)")
    pids = []
    for _ in range(2):
        manager = _manager(tmp_path, server)
        who, seen = _execute(path, manager)
        pid, parent, preloaded = who.split()
        assert manager.cold == []
        assert int(parent) == server.process.pid and preloaded == "True"
        assert seen.strip() == "False"           # nothing left from the notebook before
        assert _gone(int(pid))                    # shut down with its notebook
        pids.append(pid)
    assert pids[0] != pids[1]


@pytest.mark.integration   # asks the module's kernel server (pandas & co imported)
@SHARED_SERVER
def test_a_cold_kernel_is_started_when_the_environment_differs(server, tmp_path, monkeypatch):
    server = server()
    monkeypatch.setenv("MWSN_TEST_ONLY_IN_THE_WORKER", "1")     # set after the server started
    manager = _manager(tmp_path, server)
    _, parent, _ = _execute(_notebook(tmp_path, WHO), manager)[0].split()
    assert int(parent) == os.getpid()                          # our child: started cold
    assert "MWSN_TEST_ONLY_IN_THE_WORKER" in manager.cold[0]


def test_no_server_when_switched_off(monkeypatch):
    monkeypatch.setenv(kernels.SWITCH, "0")
    assert kernels.start(worker.KERNEL_ENV) == (None, "MWSN_WARM_KERNELS=0")


async def _started(server, tmp_path: Path):
    manager = _manager(tmp_path, server)(kernel_name="python3")
    await manager.start_kernel(cwd=str(tmp_path))
    assert isinstance(manager.provisioner.process, kernels.ForkedKernel)
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=120)
    return manager, client


@pytest.mark.integration   # asks the module's kernel server (pandas & co imported)
@SHARED_SERVER
def test_interrupt_and_shutdown_reach_a_forked_kernel(server, tmp_path):
    server = server()

    async def scenario():
        manager, client = await _started(server, tmp_path)
        pid = manager.provisioner.pid
        running = asyncio.ensure_future(client.execute_interactive(
            "import time\ntime.sleep(60)", timeout=90))
        await asyncio.sleep(1.0)
        await manager.interrupt_kernel()
        reply = await running
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert await manager.is_alive()
        client.stop_channels()
        await manager.shutdown_kernel()
        assert not await manager.is_alive()
        return pid

    assert _gone(asyncio.run(scenario()))


@pytest.mark.integration   # asks the module's kernel server (pandas & co imported)
@SHARED_SERVER
def test_ctrl_c_is_the_runs_to_answer_not_the_servers(server, tmp_path):
    # Ctrl-C in a terminal reaches the whole process group: the server stopped, killing the
    # kernels, and the run blamed a notebook (DeadKernelError), or, started in the background
    # with SIGINT ignored, went on with cold kernels. The run stops the server itself (the
    # module's server: the last test to use it)
    server = server()
    path = _notebook(tmp_path, WHO)
    _execute(path, _manager(tmp_path, server))          # the server is serving
    server.process.send_signal(signal.SIGINT)
    time.sleep(1.0)
    assert server.process.poll() is None
    manager = _manager(tmp_path, server)
    _, parent, _ = _execute(path, manager)[0].split()
    assert int(parent) == server.process.pid and manager.cold == []
    server.process.terminate()
    assert server.process.wait(timeout=10) is not None


@pytest.mark.integration   # starts a kernel server (pandas & co imported)
def test_a_kernel_is_killed_when_its_worker_lets_go_or_the_server_stops(server, tmp_path):
    server = server(own=True)                        # stopped below

    async def scenario():
        first, _ = await _started(server, tmp_path / "a")
        second, _ = await _started(server, tmp_path / "b")
        return first, second

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = asyncio.run(scenario())
    first.provisioner.process._channel.close()       # the worker died
    assert _gone(first.provisioner.pid)
    server.close()                                   # the run ended or was killed
    assert _gone(second.provisioner.pid)
    assert second.provisioner.process.wait(timeout=10) == -signal.SIGKILL


# Warm and cold kernels give the same bytes: test_runner's side-by-side builds run one of
# the two with cold kernels and compare every output with the session's (warm) build.


@pytest.mark.integration   # imports everything the server preloads
def test_the_server_preloads_the_report_modules_and_kernel_start_and_changes_no_setting():
    """The report notebooks' sections and parts are imported once by the server, not once per
    report notebook (about 1.5 s of CPU each), and what ipykernel imports while a kernel starts
    once, not once per kernel; and a forked kernel starts as a cold one would:
    what the server imports leaves matplotlib's backend and settings as a notebook finds them."""
    assert "mwsn.report:import_all" in kernels.PRELOAD[-1]
    code = (
        "import os, sys\n"
        "os.environ['MPLBACKEND'] = 'module://matplotlib_inline.backend_inline'\n"
        "import matplotlib, matplotlib.pyplot\n"
        "before = (dict(matplotlib.rcParams), matplotlib.get_backend())\n"
        "from mwsn.run import kernels\n"
        # what ipykernel imports while a kernel starts is preloaded too; debugpy prints a
        # note when the interpreter runs without -Xfrozen_modules=off (as here): it goes to a
        # kernel's standard error, not into a notebook, and keeps no kernel cold
        "preload = kernels._Preload()\n"
        "while not preload.done:\n"
        "    preload.step()\n"
        "assert preload.refused is None, preload.refused\n"
        "assert 'ipykernel.debugger' in sys.modules\n"
        "after = (dict(matplotlib.rcParams), matplotlib.get_backend())\n"
        "assert before == after, [k for k in before[0] if before[0][k] != after[0][k]]\n"
        "from mwsn import report\n"
        "wanted = [f'mwsn.report.{n}' for n in report.SECTIONS + report.PARTS]\n"
        "missing = [n for n in [*wanted, 'weasyprint'] if n not in sys.modules]\n"
        "assert not missing, missing\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_a_notebook_says_what_it_imports(tmp_path):
    """The worker tells the server what a notebook imports, for its kernel to be forked as
    soon as that is loaded; a cell that is not plain Python leaves it unsaid (wait for all)."""
    path = _notebook(tmp_path, "from mwsn import clean, config\nimport numpy as np",
                     "def f():\n    from mwsn.codebook import load_codebook")
    assert kernels.imports(path) == [["mwsn", "clean"], ["mwsn", "config"], ["numpy", None],
                                     ["mwsn.codebook", "load_codebook"]]
    assert kernels.imports(_notebook(tmp_path, "%matplotlib inline\nimport numpy")) is None


@pytest.mark.integration   # imports everything the server preloads
def test_the_first_notebooks_kernels_are_forked_before_the_last_imports():
    """The national context's kernel may be forked once the data tools are loaded, the
    cleaning's once the statistics and the identifier detector are too, before statsmodels'
    whole API (the cleaning uses none of it), the charts and the report; any other (or one
    that does not say what it imports) after the last import."""
    code = (
        "import sys\n"
        "from mwsn.run import kernels\n"
        "context = [['mwsn', 'config'], ['mwsn', 'context'], ['mwsn', 'ingest']]\n"
        "cleaning = [['mwsn', 'clean'], ['mwsn', 'validate'], ['mwsn.codebook', 'load_codebook']]\n"
        "report = [['mwsn', 'report'], ['mwsn.report', 'publish']]\n"
        "preload = kernels._Preload()\n"
        "assert not any(map(preload.ready, (context, cleaning, report, None)))\n"
        "while not preload.ready(context):\n"
        "    preload.step()\n"
        "assert not preload.ready(cleaning)\n"
        "assert 'scipy' not in sys.modules and 'spacy' not in sys.modules\n"
        "while not preload.ready(cleaning):\n"
        "    preload.step()\n"
        "assert 'mwsn.identifiers' in sys.modules and 'spacy' in sys.modules\n"
        "assert 'statsmodels.api' not in sys.modules and 'fisher' not in sys.modules\n"
        "assert not preload.ready(report) and not preload.ready(None)\n"
        "assert 'matplotlib' not in sys.modules\n"
        "while not preload.done:\n"
        "    preload.step()\n"
        "assert preload.ready(report) and preload.ready(None)\n"
        "assert preload.refused is None, preload.refused\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_the_server_imports_only_the_parts_the_notebooks_that_may_run_call_for():
    # a rerun of the report alone (after an edit to docs/methods.md) waited for the statistics
    # and the identifier detector it never uses: about 3 s before its kernels were forked
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    report = kernels.imports(notebooks / "08_report.ipynb")
    clean = kernels.imports(notebooks / "01_clean.ipynb")
    assert kernels.preload_for(report) == kernels.DATA_TOOLS + kernels.OTHERS
    assert kernels.preload_for(clean) == kernels.DATA_TOOLS + kernels.CLEANING
    assert kernels.preload_for(report + clean) == kernels.PRELOAD
    assert kernels.preload_for([]) == kernels.DATA_TOOLS
    assert kernels.preload_for(None) == kernels.PRELOAD        # not known: everything


@pytest.mark.integration
def test_a_runs_workers_have_its_environment_and_nothing_more(monkeypatch):
    # a variable in this process's C environment that os.environ lacks (GNU readline sets
    # LINES and COLUMNS there once pytest or an interactive Python imports it) reached the
    # spawned workers and not the kernel server: every kernel started cold
    import ctypes

    from mwsn.run import executor

    libc = ctypes.CDLL(None)
    monkeypatch.setenv(kernels.SWITCH, "0")          # the workers alone, no kernel server
    libc.setenv(b"MWSN_TEST_C_ONLY", b"1", 1)
    try:
        pool = executor.local(1)
        try:
            found = [pool.submit(os.getenv, name).result(timeout=120)
                     for name in ("MWSN_TEST_C_ONLY", kernels.SWITCH)]
        finally:
            pool.close()
    finally:
        libc.unsetenv(b"MWSN_TEST_C_ONLY")
    assert found == [None, "0"]
