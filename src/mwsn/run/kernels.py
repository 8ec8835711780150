"""Warm kernels: a fork server imports the notebook tools once per run, then forks one fresh
kernel per notebook.

Starting a kernel and importing pandas, SciPy, statsmodels and matplotlib costs each notebook
about 2.5 s of CPU; on two cores, paying it once per run instead of once per notebook is most
of the run's time. :func:`start` launches the *kernel server* (``python -m mwsn.run.kernels``,
with the interpreter and options of the ``python3`` kernelspec and the environment kernels
get, :data:`mwsn.run.worker.KERNEL_ENV`), which listens on a Unix socket in a private
folder and imports :data:`PRELOAD` (the parts of it the run's notebooks call for,
:func:`preload_for`) one module at a time, answering in between the requests whose notebooks'
imports are loaded. A worker's papermill starts each notebook's kernel through
jupyter_client as before, with one change, its provisioner (:class:`ForkProvisioner`, a
:class:`jupyter_client.provisioning.LocalProvisioner`): instead of ``Popen`` it asks the
server, which forks a child that becomes ``python -m ipykernel_launcher -f CONNECTION_FILE``
as jupyter_client's launcher would start it (its own session, the worker's stdout and stderr,
stdin at end of file, the working folder and environment the worker asked for, ``sys.argv``
and ``sys.path`` as ``-m ipykernel_launcher`` leaves them, NumPy's global random state drawn
afresh). A kernel is never reused: each notebook gets a new child.

What a kernel computes does not depend on whether it was forked: the server refuses to fork
(and the worker starts a cold kernel instead) when the worker's environment differs from the
one the server started with, when importing the tools warned (a cold kernel would show the
warning) or left a Python thread running. A preloaded module changes no global state when
imported (``mwsn.plots`` draws each chart in its own style context, without pyplot, so the
report modules are preloaded and matplotlib's backend stays ipykernel's). Native thread
pools already running in the server (OpenBLAS's, jemalloc's background thread in pyarrow)
stop at ``fork()`` and restart in the child by their own ``pthread_atfork`` handlers.

Process lifetime: the server is this run's child; a kernel is the server's child, in a
session of its own (interrupts go to its process group). The worker holds one socket
connection per kernel: the server sends the kernel's exit status on it once it has reaped the
kernel, and kills the kernel when the connection closes first (its worker died). The server
kills every kernel and exits when it is stopped (SIGTERM) or its parent is gone. It ignores
Ctrl-C (SIGINT), as the workers do: Ctrl-C is the run's to answer (it stops the server), and
a server that stopped on its own would leave the run's notebooks failing with dead kernels
(or a run that ignores SIGINT, started in the background, going on with cold ones).

``MWSN_WARM_KERNELS=0`` turns the server off (every kernel starts cold); so does a platform
without ``fork()`` (warm kernels are Linux only).
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import gc
import importlib
import importlib.util
import io
import json
import os
import queue
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner

#: environment variable: ``0`` starts every kernel cold
SWITCH = "MWSN_WARM_KERNELS"

#: what the server imports once, in this order, each ``module`` or ``module:function`` (called
#: once, its result cached by the function and inherited by every kernel). Between two of
#: them it forks the kernels whose notebooks' imports are all loaded (:func:`imports`), so the
#: national context and the cleaning, the run's first steps, start while the server goes on
#: importing what later notebooks use. What a module's functions import at first use comes
#: before it, so a kernel forked once it is loaded does not import that again.
#: Every notebook: the data tools, and what the national context reads its tables with
DATA_TOOLS = ("numpy", "pandas", "pyarrow", "pyarrow.dataset", "pyarrow.pandas_compat",
              "openpyxl", "mwsn.config", "mwsn.codebook", "mwsn.ingest", "mwsn.context")
#: the cleaning: the statistics, and the identifier detector (Presidio's analyzer over a blank
#: spaCy pipeline, its recognizers' patterns compiled), which the cleaning and qualitative
#: notebooks would each build anew; then what the cleaning does not use (statsmodels' whole
#: API, the exact and agreement tests), after it: its kernel is forked 0.4 s sooner
CLEANING = ("scipy.stats", "spacy", "presidio_analyzer", "mwsn.identifiers",
            "mwsn.identifiers:warm_up", "mwsn.validate", "mwsn.privacy", "mwsn.disclosure",
            "mwsn.robustness", "mwsn.findings", "mwsn.clean",
            "statsmodels.api", "fisher", "krippendorff")
#: the others: charts, the analyses, lists in sentences, the report package's modules (it
#: alone knows them) and WeasyPrint with its image and URL handling
OTHERS = ("matplotlib", "matplotlib.pyplot", "babel.lists", "mwsn.program", "mwsn.qualitative",
          "mwsn.identifiers:warm_quotes", "mwsn.register", "mwsn.services", "mwsn.stats",
          "mwsn.trend_disclosure", "mwsn.trends", "PIL.features", "email.policy", "mwsn.report",
          "mwsn.report:import_all")
PRELOAD = DATA_TOOLS + CLEANING + OTHERS


def preload_for(needs: list | None) -> tuple[str, ...]:
    """What the server imports for a run whose notebooks import ``needs`` (``[module, name]``
    pairs, as :func:`imports` gives them; None: not known, everything): the data tools, then
    :data:`CLEANING` and :data:`OTHERS` each only when a notebook imports one of its modules.
    A rerun of the report alone does not wait for the statistics and the identifier detector;
    a notebook left out imports what it uses when it runs, as a cold kernel would."""
    if needs is None:
        return PRELOAD
    wanted = {module for module, _ in needs} | {f"{m}.{n}" for m, n in needs if n}
    return DATA_TOOLS + tuple(entry for part in (CLEANING, OTHERS)
                              if any(e.partition(":")[0] in wanted for e in part)
                              for entry in part)


#: what ipykernel imports while a kernel starts, before its first cell (its application, its
#: debugger and debugpy, IPython's debugger and completer, pdb, sqlite3 for the history,
#: psutil, tornado's queues): 0.28 CPU-s a kernel, imported once too, first. What they print
#: (debugpy's note on frozen modules, under a kernelspec without ``-Xfrozen_modules=off``)
#: goes to a kernel's own standard error, never into a notebook, so it does not keep kernels
#: cold
KERNEL_START = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger",
    "IPython.core.debugger", "IPython.core.completerlib", "IPython.extensions.storemagic",
    "pdb", "sqlite3", "psutil", "tornado.platform.asyncio", "tornado.queues", "faulthandler",
)

#: variables jupyter_client sets for each kernel: the only ones a request's environment may
#: add to or change from the server's
PER_KERNEL = ("JPY_PARENT_PID", "JPY_SESSION_NAME")

#: the backend ipykernel gives matplotlib when ``MPLBACKEND`` is unset or empty
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

#: seconds a worker waits for the server to answer (it may still be importing)
ANSWER_TIMEOUT = 120.0


class ServerUnavailable(RuntimeError):
    """The kernel server cannot fork this kernel (the message says why): start it cold."""


# -- the run's side: starting and stopping the server -------------------------------------------

@dataclass
class KernelServer:
    """A running kernel server: its process, its socket's path, and its private folder."""

    process: subprocess.Popen
    address: str
    folder: str

    def stop(self) -> None:
        """Ask the server to stop (it kills the kernels it still has), without waiting."""
        if self.process.poll() is None:
            self.process.terminate()

    def close(self) -> None:
        """Stop the server (it kills the kernels it still has) and remove its folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def deaf_to_ctrl_c():
    """Processes started inside ignore Ctrl-C (SIGINT) from their first instruction: Python
    keeps a SIGINT ignored at start-up ignored, so one still starting up prints no
    ``KeyboardInterrupt`` traceback. The run answers Ctrl-C by stopping them. Only the
    process creation itself should be inside: a Ctrl-C pressed then is lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def start(kernel_env: dict[str, str], kernel_name: str = "python3", needs: list | None = None
          ) -> tuple[KernelServer | None, str | None]:
    """Start the kernel server for this run.

    Parameters
    ----------
    kernel_env : dict
        Variables every kernel gets on top of this process's environment
        (:data:`mwsn.run.worker.KERNEL_ENV`): the server starts with them, since some
        (``PYTHONHASHSEED``) take effect when the interpreter starts.
    kernel_name : str
        The kernelspec whose interpreter and options the server runs with.
    needs : list or None
        What the notebooks this run may execute import (:func:`imports`, joined): the server
        imports only the parts of :data:`PRELOAD` they call for (:func:`preload_for`); None:
        all of it.

    Returns
    -------
    (KernelServer, None), or (None, why kernels start cold)
        The server answers once its imports are done; a worker asking earlier waits.
    """
    if os.environ.get(SWITCH, "1").strip() == "0":
        return None, f"{SWITCH}=0"
    if not sys.platform.startswith("linux"):
        return None, f"warm kernels need fork() on Linux, not {sys.platform}"
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
        prefix = argv[:argv.index("-m")]
    except Exception as exc:  # noqa: BLE001 - no such kernelspec, or not ``-m ipykernel_launcher``
        return None, f"the {kernel_name} kernelspec cannot be forked ({exc})"
    if prefix[:1] == ["python"] or prefix[:1] == [f"python{sys.version_info[0]}"]:
        prefix[0] = sys.executable          # as jupyter_client's format_kernel_cmd does
    folder = tempfile.mkdtemp(prefix="mwsn-kernels-")       # private: mode 0700
    address = os.path.join(folder, "server")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(64)           # workers may connect at once: they wait for the imports
    try:
        with deaf_to_ctrl_c():
            process = subprocess.Popen(
                [*prefix, "-m", __name__, str(listener.fileno()), str(os.getpid()),
                 *([] if needs is None else [json.dumps(needs)])],
                env={**os.environ, **kernel_env}, stdin=subprocess.DEVNULL,
                pass_fds=[listener.fileno()])
    finally:
        listener.close()          # the server's copy alone: gone with the server
    return KernelServer(process, address, folder), None


# -- the worker's side: a kernel the server forked -----------------------------------------------

class ForkedKernel:
    """A kernel the server forked, with what jupyter_client uses of a :class:`subprocess.Popen`.

    Its connection to the server is its handle: the exit status arrives on it, and closing it
    before the kernel has exited makes the server kill the kernel.

    Raises
    ------
    ServerUnavailable
        When the server is gone or refuses (the message says why).
    """

    stdin = stdout = stderr = None

    def __init__(self, address: str, argv: list[str], env: dict[str, str], cwd: str,
                 needs: list | None = None):
        self.returncode: int | None = None
        self._received = b""
        self._channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._channel.settimeout(ANSWER_TIMEOUT)
            self._channel.connect(address)
            # the kernel writes where a kernel Popen started would: this worker's stdout, stderr
            socket.send_fds(self._channel, [b"K"], [1, 2])
            self._channel.sendall(json.dumps({"argv": argv, "env": env, "cwd": cwd,
                                             "needs": needs}).encode()
                                  + b"\n")
            answer = self._answer(ANSWER_TIMEOUT)
        except OSError as exc:
            self._channel.close()
            raise ServerUnavailable(f"the kernel server did not answer ({exc})") from None
        if not answer or "pid" not in answer:
            self._channel.close()
            raise ServerUnavailable((answer or {}).get("refused", "the kernel server stopped"))
        self.pid: int = answer["pid"]

    def _answer(self, timeout: float | None) -> dict | None:
        """The server's next message: ``None`` when it closed the connection, ``{}`` when
        nothing arrived within ``timeout`` seconds (``0``: do not wait; ``None``: no limit)."""
        while b"\n" not in self._received:
            self._channel.settimeout(timeout)
            try:
                chunk = self._channel.recv(4096)
            except (BlockingIOError, TimeoutError):
                return {}
            if not chunk:
                return None
            self._received += chunk
        line, self._received = self._received.split(b"\n", 1)
        return json.loads(line)

    def _update(self, timeout: float | None) -> None:
        if self.returncode is not None:
            return
        answer = self._answer(timeout)
        if answer == {}:
            return
        if answer is None:      # the server died: its kernels die with it
            self._signal(signal.SIGKILL)
            self.returncode = -signal.SIGKILL
        else:
            self.returncode = answer["exit"]
        self._channel.close()

    def poll(self) -> int | None:
        """The exit status once the kernel has exited, else ``None``."""
        self._update(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to exit; its exit status (negative: the signal that ended it)."""
        self._update(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired("kernel", timeout)
        return self.returncode

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.pid, signum)       # the kernel and what it started
        except ProcessLookupError:
            try:
                os.kill(self.pid, signum)     # not yet in its own session
            except ProcessLookupError:
                pass

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:               # never signal a pid the server has reaped
            self._signal(signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, but the kernel is forked by the kernel server at
    ``server`` (a cold kernel when the server cannot: the reason is appended to ``cold``)."""

    def __init__(self, server: str, cold: list[str], needs: list | None, **kwargs):
        super().__init__(**kwargs)
        self.server, self.cold, self.needs = server, cold, needs

    async def launch_kernel(self, cmd: list[str], **kwargs):
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())       # as jupyter_client's launcher sets it
        try:
            self.process = ForkedKernel(self.server, cmd, env,
                                        str(kwargs.get("cwd") or os.getcwd()), self.needs)
        except ServerUnavailable as exc:
            self.cold.append(str(exc))
            return await super().launch_kernel(cmd, **kwargs)
        self.pid = self.pgid = self.process.pid
        self.cwd = kwargs.get("cwd", os.getcwd())
        return self.connection_info

    async def send_signal(self, signum: int) -> None:
        if isinstance(self.process, ForkedKernel):
            self.process.send_signal(signum)     # to its process group, unless reaped
        else:
            await super().send_signal(signum)


class ReadyClient(AsyncKernelClient):
    """jupyter_client's kernel client, but ready as soon as the kernel has answered: its
    :meth:`wait_for_ready` stops reading the IOPub channel at the kernel's *idle* status for
    the ``kernel_info`` request it answered, instead of after 0.2 s in which nothing arrived
    (jupyter_client's ``_async_wait_for_ready``): a fixed 0.2 s wait in every notebook. What
    it leaves unread belongs to no cell: a notebook's client takes only the messages whose
    parent is the cell's request."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait until the kernel answers ``kernel_info`` and its IOPub messages reach this
        client (else ask again), as jupyter_client does.

        Raises
        ------
        RuntimeError
            When the kernel died first, or did not answer within ``timeout`` seconds.
        """
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except queue.Empty:
                pass
            else:
                if reply["msg_type"] == "kernel_info_reply" and \
                        await self._idle_after(reply["parent_header"].get("msg_id")):
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _idle_after(self, request: str | None) -> bool:
        """Read IOPub up to the kernel's idle status for ``request``; False when nothing
        arrives for 0.2 s (the channel is not connected yet: ask again)."""
        while True:
            try:
                message = await self.iopub_channel.get_msg(timeout=0.2)
            except queue.Empty:
                return False
            if message["msg_type"] == "status" and \
                    message["content"].get("execution_state") == "idle" and \
                    message["parent_header"].get("msg_id") == request:
                return True


def manager_class(sockets: Path, server: str | None = None, needs: list | None = None):
    """The kernel manager papermill starts each notebook's kernel with (its
    ``kernel_manager_class``): reached over IPC sockets in the private folder ``sockets``, not
    over TCP; forked by the kernel server at ``server`` (``None``: started cold) once the
    modules the notebook imports (``needs``, :func:`imports`; None: all) are loaded. The
    class's ``cold`` list collects why a kernel started cold although a server was named."""
    from jupyter_client.manager import AsyncKernelManager

    class LocalKernelManager(AsyncKernelManager):
        cold: list[str] = []

        def __init__(self, **kwargs):
            super().__init__(transport="ipc", ip=str(sockets / "kernel"),
                             client_factory=ReadyClient, **kwargs)

        async def _async_pre_start_kernel(self, **kw):
            if server is not None and self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
                self.provisioner = ForkProvisioner(server, self.cold, needs, kernel_id=self.kernel_id,
                                                   kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

        async def _async_finish_shutdown(self, waittime=None, pollinterval=0.01, restart=False):
            # a kernel asked to shut down exits within milliseconds: look every 10 ms whether
            # it has, not every 100 ms (jupyter_client's default, a tenth of a second per step)
            await super()._async_finish_shutdown(waittime, pollinterval, restart)

        async def _async_interrupt_kernel(self):
            if self.shutting_down:
                return   # the notebook has finished: a shutdown request is enough, no SIGINT
            await super()._async_interrupt_kernel()

    return LocalKernelManager


# -- the server ----------------------------------------------------------------------------------

class _Child(BaseException):
    """Raised in a freshly forked child to leave the server's loop (its ``finally`` clauses
    see another pid and leave the server's sockets and kernels alone) and become a kernel."""

    def __init__(self, request: dict, streams: list[int]):
        super().__init__()
        self.request, self.streams = request, streams


class _Preload:
    """The server's imports (:data:`KERNEL_START`, then :data:`PRELOAD`), one at a time,
    each as a notebook cell in a cold kernel would import it, and why kernels cannot be
    forked after them (``refused``; None while they can).

    As in a kernel's cell, ``get_ipython()`` answers with a kernel's shell (pandas chooses
    its display defaults by it when imported), standard output and error are not a terminal,
    and matplotlib's backend is ipykernel's. What a cold kernel would show while importing
    (a warning, a printed line) refuses warm kernels: a forked one would not show it. Between
    two imports nothing of this is in place (a kernel forked then starts as after all).
    """

    def __init__(self, entries: tuple[str, ...] = PRELOAD) -> None:
        self.pending = list(entries)
        self.refused: str | None = None
        if sys.path and sys.path[0] in ("", os.getcwd()):
            del sys.path[0]                   # as ipykernel_launcher does before its imports
        if not os.environ.get("MPLBACKEND"):
            os.environ["MPLBACKEND"] = INLINE_BACKEND    # what ipykernel sets before any cell
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            for name in KERNEL_START:
                try:
                    importlib.import_module(name)
                except ImportError:
                    pass            # an ipykernel without it: its kernels do not import it

    @property
    def done(self) -> bool:
        return not self.pending

    def ready(self, needs: list | None) -> bool:
        """Whether a kernel whose notebook imports ``needs`` (:func:`imports`; None: not
        said) may be forked now: after the last import, or once all of them are loaded."""
        if self.done:
            return True
        if needs is None:
            return False
        for module, name in needs:
            loaded = sys.modules.get(module)
            if loaded is None or (name and f"{module}.{name}" not in sys.modules
                                  and not hasattr(loaded, name)):
                return False
        return True

    def step(self) -> None:
        """Do the next import; after a refusal, nothing more (every kernel starts cold)."""
        module, _, function = self.pending.pop(0).partition(":")
        shown = io.StringIO()
        builtins.get_ipython = _KernelShell
        try:
            with warnings.catch_warnings(record=True) as caught, \
                    contextlib.redirect_stdout(shown), contextlib.redirect_stderr(shown):
                imported = importlib.import_module(module)
                if function:
                    getattr(imported, function)()
            if caught:
                self.refused = (f"importing {module} warned ({caught[0].category.__name__}: "
                                f"{caught[0].message}), which a cold kernel would show")
            elif shown.getvalue():
                self.refused = (f"importing {module} printed {shown.getvalue()[:200]!r}, which a "
                                "cold kernel would show")
            elif threading.active_count() > 1:
                self.refused = f"importing {module} started a thread: fork() would not be safe"
        except Exception as exc:  # noqa: BLE001 - any failure: cold kernels, which will say it too
            self.refused = f"importing {module} failed ({type(exc).__name__}: {exc})"
        finally:
            del builtins.get_ipython
        if self.refused:
            self.pending.clear()
        # what is imported stays: out of the collector's reach in every kernel forked from
        # here (a collection walks none of it, statsmodels' Holm adjustment collects at each
        # call) and shared with them, not copied into each by the collector's bookkeeping
        if self.done:
            gc.collect()
        gc.freeze()


def imports(notebook: Path) -> list[list] | None:
    """What the code cells of ``notebook`` import, as ``[module, name]`` pairs (``name``:
    what ``from module import name`` takes, else None), for the server to fork its kernel as
    soon as those are loaded (:class:`_Preload`); None when a cell is not plain Python."""
    import ast

    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        needs = []
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = cell["source"]
            tree = ast.parse(source if isinstance(source, str) else "".join(source))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    needs += [[alias.name, None] for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    needs += [[node.module, alias.name] for alias in node.names
                              if alias.name != "*"]
        return needs
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        return None


class _KernelShell:
    """What ``get_ipython()`` returns in a kernel, as far as libraries look at import time:
    a shell with a ``kernel`` (anything more fails the import, and kernels start cold)."""

    kernel = None

    def __new__(cls):
        return cls


def _serve(listener: socket.socket, parent: int, entries: tuple[str, ...] = PRELOAD) -> None:
    """Import the notebook tools (:class:`_Preload` of ``entries``) and answer requests on ``listener``
    until stopped or ``parent`` is gone, a request as soon as its notebook's imports are
    loaded; in a forked child, raise :class:`_Child`."""
    me = os.getpid()
    environment = dict(os.environ)        # what the workers' kernels must ask for
    launcher = [*sys.orig_argv[:sys.orig_argv.index("-m")], "-m", "ipykernel_launcher"]
    stopping: list[int] = []
    importing = [False]

    def stop(signum, _):
        stopping.append(signum)
        if importing[0]:
            raise SystemExit(128 + signum)       # now, not after the import: the run waits

    wake_read, wake_write = os.pipe()
    for fd in (wake_read, wake_write):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)     # a handler, so the wake-up pipe hears it
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the run's: see the module doc
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    kernels: dict[int, socket.socket] = {}          # pid: the connection of the worker using it
    waiting: list[_Request] = []                    # received, their imports not yet loaded
    folder = os.path.dirname(listener.getsockname())
    try:
        importing[0] = True
        preload = _Preload(entries)
        importing[0] = False
        while not stopping and os.getppid() == parent:
            for key, _ in selector.select(timeout=0 if not preload.done else 0.5):
                if key.fileobj is listener:
                    channel, _ = listener.accept()
                    request = _receive(channel)
                    if request is not None:
                        waiting.append(request)
                elif key.fileobj == wake_read:
                    while _drain(wake_read):
                        pass
                else:                                   # the worker closed its connection
                    channel, pid = key.fileobj, key.data
                    if _closed(channel):
                        _kill(pid)
                        selector.unregister(channel)
                        channel.close()
                        kernels[pid] = None
            for request in [r for r in waiting if preload.ready(r.needs)]:
                waiting.remove(request)
                pid = _fork(request, preload.refused, environment, launcher,
                            [listener, selector, wake_read, wake_write,
                             *filter(None, kernels.values()), *waiting])
                if pid is not None:
                    kernels[pid] = request.channel
                    selector.register(request.channel, selectors.EVENT_READ, pid)
            _reap(kernels, selector)
            if not preload.done and not stopping:
                importing[0] = True
                preload.step()
                importing[0] = False
    finally:
        if os.getpid() == me:
            for request in waiting:
                request.close()
            for pid in kernels:
                _kill(pid)
            for pid in kernels:
                try:
                    os.waitpid(pid, 0)     # their CPU time counts as the run's
                except ChildProcessError:
                    pass
            listener.close()
            shutil.rmtree(folder, ignore_errors=True)   # also when the run was killed


@dataclass
class _Request:
    """A worker's request for a kernel: its connection, the worker's standard output and
    error (file descriptors), and what it asked (``argv``, ``env``, ``cwd``, ``needs``)."""

    channel: socket.socket
    streams: list[int]
    asked: dict

    @property
    def needs(self) -> list | None:
        return self.asked.get("needs")

    def close(self) -> None:
        for fd in self.streams:
            os.close(fd)
        self.streams = []
        self.channel.close()


def _receive(channel: socket.socket) -> _Request | None:
    """The request a worker sends on ``channel`` once connected; None if it was cut short."""
    try:
        channel.settimeout(10)
        _, streams, _, _ = socket.recv_fds(channel, 1, 2)
        received = b""
        while not received.endswith(b"\n"):
            chunk = channel.recv(65536)
            if not chunk:
                raise OSError("the request was cut short")
            received += chunk
        return _Request(channel, streams, json.loads(received))
    except (OSError, ValueError):
        channel.close()
        return None


def _fork(request: _Request, refused: str | None, environment: dict[str, str],
          launcher: list[str], server_files: list) -> int | None:
    """Fork a kernel for ``request``; its pid (None: refused, answered so, or its worker
    gone)."""
    reason = refused or _differs(request.asked, environment, launcher)
    if reason is not None or _closed(request.channel):
        if reason is not None:
            _send(request.channel, {"refused": reason})
        request.close()
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    with warnings.catch_warnings():
        # Python 3.12+ warns about native threads (OpenBLAS's, jemalloc's): see the module doc
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        for item in server_files:
            if isinstance(item, int):
                os.close(item)
            else:
                item.close()
        request.channel.close()
        raise _Child(request.asked, request.streams)
    for fd in request.streams:
        os.close(fd)
    _send(request.channel, {"pid": pid})
    return pid


def _differs(request: dict, environment: dict[str, str], launcher: list[str]) -> str | None:
    """Why a kernel for ``request`` cannot be forked from this server (started with the
    interpreter and options of ``launcher``), or None."""
    argv = request["argv"]
    if argv[:len(launcher)] != launcher:
        return f"the kernel command is not {' '.join(launcher)}: {' '.join(argv)}"
    asked = {k: v for k, v in request["env"].items() if k not in PER_KERNEL}
    have = {k: v for k, v in environment.items() if k not in PER_KERNEL}
    changed = sorted(k for k in asked.keys() | have.keys() if asked.get(k) != have.get(k))
    if changed:
        return f"the worker's environment differs from the kernel server's ({', '.join(changed)})"
    return None


def _send(channel: socket.socket, message: dict) -> None:
    try:
        channel.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass                                # the worker is gone


def _drain(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False


def _closed(channel: socket.socket) -> bool:
    try:
        channel.setblocking(False)
        return channel.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def _kill(pid: int) -> None:
    for send in (os.killpg, os.kill):
        try:
            send(pid, signal.SIGKILL)
            return
        except ProcessLookupError:
            pass


def _reap(kernels: dict[int, socket.socket | None], selector) -> None:
    """Collect the kernels that exited and tell their workers how."""
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        channel = kernels.pop(pid, None)
        if channel is not None:
            _send(channel, {"exit": os.waitstatus_to_exitcode(status)})
            selector.unregister(channel)
            channel.close()


def _control_settled(app, timeout: float = 1.0) -> None:
    """Wait until the kernel's control thread has finished the message it handles, the
    shutdown request, before the exit handlers run.

    After replying, that thread flushes the notebook's output through the IOPub thread,
    which the exit handlers stop (ipykernel's ``IPKernelApp.close``): when the main thread
    got there first, the flush waited for a thread that was gone, and the kernel lived on
    until its worker killed it, about 2.5 s later, in one notebook of ten. A callback queued
    on the control thread's loop runs once the handler is done.
    """
    thread = getattr(app, "control_thread", None)
    if thread is None or not thread.is_alive():
        return
    done = threading.Event()
    thread.io_loop.add_callback(done.set)
    done.wait(timeout)


def _become_kernel(request: dict, streams: list[int]) -> None:
    """In the forked child: become ``python -m ipykernel_launcher -f CONNECTION_FILE`` as
    jupyter_client's launcher starts it."""
    os.setsid()                                     # start_new_session=True
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)   # the server started deaf to it
    stdin = os.open(os.devnull, os.O_RDONLY)        # the launcher's stdin: a pipe closed at once
    for target, fd in ((0, stdin), (1, streams[0]), (2, streams[1])):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    launcher = importlib.util.find_spec("ipykernel_launcher").origin
    sys.argv = [launcher, *request["argv"][request["argv"].index("-m") + 2:]]
    import numpy.random

    numpy.random.seed()             # a cold kernel's global state is drawn afresh too
    from ipykernel import kernelapp

    # the class read JPY_PARENT_PID when the server imported it, before this kernel's variables
    kernelapp.IPKernelApp.launch_instance(parent_handle=int(os.environ.get("JPY_PARENT_PID")
                                                            or 0))
    _control_settled(kernelapp.IPKernelApp.instance())
    if any(thread.is_alive() and not thread.daemon for thread in threading.enumerate()
           if thread is not threading.main_thread()):
        return                  # a thread the interpreter waits for: leave the usual way
    # Leave as the interpreter would but for tearing down the server's modules, most of a
    # forked kernel's exit time (each object it touches copies a page): the exit handlers run
    # (IPython clears the notebook's namespace, closing what it left open; logging flushes).
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main(argv: list[str]) -> None:
    """``python -m mwsn.run.kernels LISTENING_FD PARENT_PID [NEEDS_JSON]``: serve until
    stopped, importing :func:`preload_for` what the run's notebooks import (``NEEDS_JSON``;
    without it, everything)."""
    listening, parent, *plan = argv
    entries = preload_for(json.loads(plan[0])) if plan else PRELOAD
    try:
        _serve(socket.socket(fileno=int(listening)), int(parent), entries)
    except _Child as child:
        _become_kernel(child.request, child.streams)


if __name__ == "__main__":
    main(sys.argv[1:])
