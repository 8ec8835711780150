"""Warm kernels against cold ones: what a kernel started ahead, with the notebook tools
already imported, saves per notebook, and whether the executed notebooks stay identical.

For each pipeline notebook of one jurisdiction (in a temporary project root where
``mwsn run`` has already built everything), executes it twice through papermill as the
runner's worker does:

- **cold**: papermill starts the kernel (what ``mwsn run`` does today);
- **warm**: a fresh kernel is started first and imports pandas, scipy, statsmodels,
  matplotlib and mwsn without a trace in its history (``silent``, no execution count),
  then papermill executes the notebook in it; the kernel is shut down after, never reused.

Prints per notebook the wall-clock and CPU seconds of each way (CPU: this process and its
children, kernels included; a kernel's CPU counts once it has been reaped, so a
kernel papermill leaves to exit in the background may be missed: trust wall-clock
figures on a quiet machine first), the warm-up's own cost (paid ahead, while the previous
notebook runs, when a core is free), and whether the two executed notebooks are
byte-identical once the runner has made them deterministic (``worker._deterministic``).

    .venv/bin/python benchmarks/warm_kernels.py [--jurisdiction bc]
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

PROJECT = Path(__file__).resolve().parents[1]
WARM_IMPORTS = ("import pandas, scipy.stats, statsmodels.api, matplotlib\n"
                "import matplotlib.pyplot\nimport mwsn, mwsn.report, mwsn.stats, mwsn.disclosure\n")


def _cpu() -> float:
    own, children = (resource.getrusage(resource.RUSAGE_SELF),
                     resource.getrusage(resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _warm_kernel(cwd: Path, sockets: Path):
    """A started kernel (in ``cwd``) that has run :data:`WARM_IMPORTS` silently."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name="python3", transport="ipc",
                            ip=str(sockets / "kernel"))
    run_sync(km.start_kernel)(cwd=str(cwd))
    client = km.client()
    client.start_channels()
    run_sync(client.wait_for_ready)(timeout=120)
    run_sync(client.execute_interactive)(WARM_IMPORTS, silent=True, store_history=False,
                                         timeout=300)
    client.stop_channels()
    return km


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jurisdiction", default="bc")
    args = parser.parse_args()
    import papermill
    from jupyter_core.utils import run_sync

    from mwsn import config, synth
    from mwsn.run import worker

    os.environ.update(worker.KERNEL_ENV)
    code = args.jurisdiction
    tmp = Path(tempfile.mkdtemp(prefix="mwsn-warm-"))
    root = tmp / "project"
    shutil.copytree(PROJECT / "params", root / "params")
    (root / "docs").mkdir()
    for page in sorted((PROJECT / "docs").glob("methods*.md")):
        shutil.copy2(page, root / "docs" / page.name)
    synth.generate(config.paths(code, root))
    subprocess.run([sys.executable, "-m", "mwsn", "run", code, "--root", str(root)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load = os.getloadavg()
    notebooks = sorted(p for p in (PROJECT / "notebooks").glob("[0-8]*.ipynb"))
    print(f"load_average_before: {load[0]:.2f}")
    print("| notebook | cold wall s | cold CPU s | warm wall s | warm CPU s "
          "| warm-up wall s | warm-up CPU s | identical |")
    print("|---|---|---|---|---|---|---|---|")
    totals = [0.0] * 6
    all_same = True
    for source in notebooks:
        texts, figures = [], []
        for warm in (False, True):
            sockets = Path(tempfile.mkdtemp(prefix="mwsn-warm-ipc-"))
            out = tmp / f"{source.stem}.{'warm' if warm else 'cold'}.ipynb"
            km, prepared = None, (0.0, 0.0)
            if warm:
                wall, cpu = time.perf_counter(), _cpu()
                km = _warm_kernel(root, sockets)
                prepared = (time.perf_counter() - wall, _cpu() - cpu)
            wall, cpu = time.perf_counter(), _cpu()
            extra = {"km": km} if km else {"kernel_manager_class": _local(sockets)}
            nb = papermill.execute_notebook(
                str(source), str(out),
                parameters={"jurisdiction": code, "root": ".", "lang": "en"},
                kernel_name=worker.KERNEL, cwd=str(root), progress_bar=False,
                log_output=False, record_timing=False, **extra)
            if km is not None:
                run_sync(km.shutdown_kernel)(now=False)
            figures.append((time.perf_counter() - wall, _cpu() - cpu, *prepared))
            texts.append(worker._deterministic(nb, [str(root)], f"notebooks/{source.name}",
                                               f"{source.stem}.ipynb"))  # one name for both
            shutil.rmtree(sockets, ignore_errors=True)
        same = texts[0] == texts[1]
        all_same &= same
        (cold_wall, cold_cpu, _, _), (warm_wall, warm_cpu, prep_wall, prep_cpu) = figures
        for i, value in enumerate((cold_wall, cold_cpu, warm_wall, warm_cpu, prep_wall,
                                   prep_cpu)):
            totals[i] += value
        print(f"| {source.stem} | {cold_wall:.2f} | {cold_cpu:.2f} | {warm_wall:.2f} | "
              f"{warm_cpu:.2f} | {prep_wall:.2f} | {prep_cpu:.2f} | {'yes' if same else 'NO'} |")
    print("| total | " + " | ".join(f"{v:.2f}" for v in totals)
          + f" | {'yes' if all_same else 'NO'} |")
    print(f"load_average_after: {os.getloadavg()[0]:.2f}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all_same else 1


def _local(sockets: Path):
    from jupyter_client.manager import AsyncKernelManager

    class LocalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(transport="ipc", ip=str(sockets / "kernel"), **kwargs)

    return LocalKernelManager


if __name__ == "__main__":
    raise SystemExit(main())
