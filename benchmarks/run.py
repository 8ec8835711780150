"""Speed of the pipeline against the cost of its tools, measured in the same run.

Prints ``name: value`` lines (seconds unless said otherwise):

- ``floor_s``: executing as many minimal notebooks as the pipeline executes
  (each imports pandas, scipy, statsmodels and matplotlib and draws one figure)
  one after the other, plus one nbconvert HTML export: the tools alone;
- ``pipeline_s``: ``mwsn run <jur> --force`` (one job), and
  ``pipeline_vs_floor_ratio`` (target: at most 1.3);
- ``pipeline_jobs2_s``: the same with ``--jobs 2``;
- ``noop_s``: ``mwsn run <jur>`` when nothing changed (target: under 1 s);
- ``two_sequential_s`` / ``two_parallel_s``: two jurisdictions (the second a
  copy of the first's params and data under another code) with one job and
  with ``--jobs 2``, and ``two_parallel_vs_sequential_ratio`` (target: at
  most 0.7 on 2 cores).

Each figure also has a ``_cpu_s`` twin: CPU seconds of the process and all its
children (kernels included), which other work on a shared machine disturbs
less than wall-clock time. Everything runs in a temporary project root with
synthetic data. Each timing is the best of ``--repeat`` runs (default 1); the
machine's load average is printed too.

Usage: ``make benchmark`` or ``python benchmarks/run.py [--repeat N] [--jurisdiction CODE]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from mwsn import config, runner, synth

PROJECT = Path(__file__).resolve().parents[1]
MWSN = [sys.executable, "-m", "mwsn"]

FLOOR_CELL = """\
import pandas as pd
import scipy.stats
import statsmodels.api as sm
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

frame = pd.DataFrame({"x": range(10), "y": [v * v for v in range(10)]})
fig, ax = plt.subplots()
ax.plot(frame["x"], frame["y"])
fig
"""


def _root(tmp: Path, code: str, second: str) -> Path:
    """A project root with the committed params and synthetic data for two codes."""
    root = tmp / "project"
    shutil.copytree(PROJECT / "params", root / "params")
    synth.generate(config.paths(code, root))
    text = (root / "params" / f"{code}.yaml").read_text(encoding="utf-8")
    (root / "params" / f"{second}.yaml").write_text(
        text.replace(f"code: {code}", f"code: {second}", 1), encoding="utf-8")
    shutil.copytree(root / "data" / "raw" / code, root / "data" / "raw" / second)
    return root


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (and theirs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(argv: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of a command."""
    started, cpu = time.perf_counter(), _cpu()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, _cpu() - cpu


def _floor(tmp: Path, count: int) -> tuple[float, float]:
    """``count`` minimal notebooks through papermill one after the other, one export."""
    import papermill
    from jupyter_client.manager import AsyncKernelManager
    from nbconvert import HTMLExporter

    sockets = Path(tempfile.mkdtemp(prefix="mwsn-bench-"))

    class LocalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(transport="ipc", ip=str(sockets / "kernel"), **kwargs)

        async def _async_interrupt_kernel(self):
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_CELL)]
    source = tmp / "floor.ipynb"
    nbformat.write(nb, source)
    started, cpu = time.perf_counter(), _cpu()
    for index in range(count):
        papermill.execute_notebook(str(source), str(tmp / f"floor_{index}.ipynb"),
                                   kernel_name="python3", progress_bar=False,
                                   kernel_manager_class=LocalKernelManager)
    HTMLExporter(template_name="lab").from_filename(str(tmp / "floor_0.ipynb"))
    seconds = time.perf_counter() - started, _cpu() - cpu
    shutil.rmtree(sockets, ignore_errors=True)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs (default 1)")
    parser.add_argument("--jurisdiction", default="bc")
    args = parser.parse_args()
    code, second = args.jurisdiction, "zz"
    with tempfile.TemporaryDirectory(prefix="mwsn-benchmark-") as tmp_name:
        tmp = Path(tmp_name)
        root = _root(tmp, code, second)
        params = config.load(code, root)
        steps = runner.plan(runner.notebooks_dir(root), code, list(params.languages))
        rooted = ["--root", str(root)]
        best: dict[str, tuple[float, float]] = {}

        def keep(name: str, measured: tuple[float, float]) -> None:
            if name not in best or measured[0] < best[name][0]:
                best[name] = measured

        subprocess.run([*MWSN, "run", code, *rooted], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)       # warm the file cache
        for _ in range(args.repeat):
            keep("floor", _floor(tmp, len(steps)))
            keep("pipeline", _timed([*MWSN, "run", code, "--force", *rooted]))
            keep("noop", _timed([*MWSN, "run", code, *rooted]))
            keep("pipeline_jobs2", _timed([*MWSN, "run", code, "--force", "--jobs", "2",
                                           *rooted]))
            keep("two_sequential", _timed([*MWSN, "run", code, second, "--force", *rooted]))
            keep("two_parallel", _timed([*MWSN, "run", code, second, "--force", "--jobs", "2",
                                         *rooted]))
    print(f"cores: {os.cpu_count()}")
    print(f"load_average_1min: {os.getloadavg()[0]:.2f}")
    print(f"notebook_runs: {len(steps)}")
    for name in ("floor", "pipeline", "pipeline_jobs2", "noop", "two_sequential",
                 "two_parallel"):
        print(f"{name}_s: {best[name][0]:.2f}")
        print(f"{name}_cpu_s: {best[name][1]:.2f}")
    print(f"pipeline_vs_floor_ratio: {best['pipeline'][0] / best['floor'][0]:.2f}")
    print(f"pipeline_vs_floor_cpu_ratio: {best['pipeline'][1] / best['floor'][1]:.2f}")
    print("two_parallel_vs_sequential_ratio: "
          f"{best['two_parallel'][0] / best['two_sequential'][0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
