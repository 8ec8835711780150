"""Speed of the pipeline against the cost of its tools, measured in the same run.

Prints the issue's table (Markdown), then the same figures as ``name: value`` lines:

- **floor**: executing as many minimal notebooks as the pipeline executes for one
  jurisdiction (each imports pandas, scipy, statsmodels and matplotlib and draws one
  figure) one after the other through papermill, plus one nbconvert HTML export: the
  tools alone;
- **pipeline**: ``mwsn run <jur> --force`` with the default ``--jobs`` (the number of
  cores), against the floor (target: at most 0.5 on 2 cores); also with one more step at a
  time than cores (a step waits on its kernel's messages part of the time), ``--jobs 1``, and
  with cold kernels (``MWSN_WARM_KERNELS=0``: each kernel started and its imports paid
  afresh, as the floor does, instead of forked by the run's kernel server);
- **without PDFs**: the same with ``--no-pdf``: the floor prints no PDF either, and
  printing the two assessments (about 80 pages each) is WeasyPrint's work, about 5 CPU-s
  each, which no change to the runner can shorten;
- **no-op**: ``mwsn run <jur>`` when nothing changed (target: under 0.3 s);
- **13 jurisdictions**: ``mwsn run --all --force`` over 13 jurisdictions (the
  jurisdiction's params and synthetic data copied under each province's and territory's
  code), against their sequential floor, 13 times the floor plus the comparison notebook
  (target: at most 0.35), with and without PDFs, and with one more step at a time than cores. ``--no-all`` leaves it out (it takes
  minutes).

Each figure has wall-clock and CPU seconds (the process and all its children, kernels
included: other work on a shared machine disturbs CPU time less). Everything runs in a
temporary project root with synthetic data. Each timing is the best of ``--repeat`` runs
(default 1); the machine's load average before and after is printed too.

Usage: ``make benchmark`` or ``python benchmarks/run.py [--repeat N] [--jurisdiction CODE]
[--no-all]``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from mwsn import config, runner, synth
from mwsn.config import SHARED_PARAMS

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


#: the provinces and territories: the 13 jurisdictions of the ``--all`` measurement
PROVINCES = {"ab": "Alberta", "bc": "British Columbia", "mb": "Manitoba", "nb": "New Brunswick",
             "nl": "Newfoundland and Labrador", "ns": "Nova Scotia", "nt": "Northwest Territories",
             "nu": "Nunavut", "on": "Ontario", "pe": "Prince Edward Island", "qc": "Quebec",
             "sk": "Saskatchewan", "yt": "Yukon"}


def _root(tmp: Path, code: str) -> Path:
    """A project root with the shipped params and methods pages, and synthetic data."""
    root = tmp / "project"
    shutil.copytree(PROJECT / "params", root / "params")
    (root / "docs").mkdir()
    for page in sorted((PROJECT / "docs").glob("methods*.md")):
        shutil.copy2(page, root / "docs" / page.name)
    synth.generate(config.paths(code, root))
    return root


def _thirteen(tmp: Path, code: str) -> Path:
    """A project root with 13 jurisdictions, each ``code``'s params and data under another
    province's code and name (and only those: the shipped examples are replaced)."""
    root = _root(tmp / "thirteen", code)
    text = (root / "params" / f"{code}.yaml").read_text(encoding="utf-8")
    own_name = re.search(r"^name: .*$", text, re.MULTILINE).group()
    for other in root.glob("params/*.yaml"):
        if other.stem not in SHARED_PARAMS and other.stem != code:
            other.unlink()
    for province, name in PROVINCES.items():
        if province == code:
            continue
        (root / "params" / f"{province}.yaml").write_text(
            re.sub(r"^code: .*$", f"code: '{province}'",
                   text.replace(own_name, f"name: {{en: {name}, fr: {name}}}", 1),
                   count=1, flags=re.MULTILINE), encoding="utf-8")
        shutil.copytree(root / "data" / "raw" / code, root / "data" / "raw" / province)
    return root


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (and theirs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(argv: list[str], **env: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds of a command (with ``env`` added to the environment)."""
    started, cpu = time.perf_counter(), _cpu()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **env})
    return time.perf_counter() - started, _cpu() - cpu


def _floor(tmp: Path, count: int) -> tuple[float, float]:
    """``count`` minimal notebooks through papermill one after the other, one export."""
    import papermill
    from nbconvert import HTMLExporter

    from mwsn.run.kernels import manager_class

    sockets = Path(tempfile.mkdtemp(prefix="mwsn-bench-"))

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
                                   kernel_manager_class=manager_class(sockets))
    HTMLExporter(template_name="lab").from_filename(str(tmp / "floor_0.ipynb"))
    seconds = time.perf_counter() - started, _cpu() - cpu
    shutil.rmtree(sockets, ignore_errors=True)
    return seconds


def _row(label: str, measured: tuple[float, float], against: tuple[float, float] | None,
         target: str) -> str:
    ratio = (f"{measured[0] / against[0]:.2f}× ({measured[1] / against[1]:.2f}× CPU)"
             if against else "")
    return f"| {label} | {measured[0]:.2f} | {measured[1]:.2f} | {ratio} | {target} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs (default 1)")
    parser.add_argument("--jurisdiction", default="bc")
    parser.add_argument("--no-all", action="store_true",
                        help="leave out the 13-jurisdiction --all measurement")
    args = parser.parse_args()
    code = args.jurisdiction
    load_before = os.getloadavg()
    cores = os.cpu_count()
    with tempfile.TemporaryDirectory(prefix="mwsn-benchmark-") as tmp_name:
        tmp = Path(tmp_name)
        root = _root(tmp, code)
        params = config.load(code, root)
        # what `mwsn run <jur>` executes: the jurisdiction's steps and the national context
        # (once per run: with --all, 13 jurisdictions' floors count it 13 times, as before it
        # was computed once per run)
        steps = [*runner.plan(runner.notebooks_dir(root), code, list(params.languages)),
                 *runner.national(runner.notebooks_dir(root))]
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
            keep("pipeline_jobs_more", _timed([*MWSN, "run", code, "--force", "--jobs",
                                               str(cores + 1), *rooted]))
            keep("noop", _timed([*MWSN, "run", code, *rooted]))
            keep("pipeline_jobs1", _timed([*MWSN, "run", code, "--force", "--jobs", "1",
                                           *rooted]))
            keep("pipeline_cold", _timed([*MWSN, "run", code, "--force", *rooted],
                                         MWSN_WARM_KERNELS="0"))
            # last: the next plain run prints the PDFs this one leaves out
            keep("pipeline_no_pdf", _timed([*MWSN, "run", code, "--force", "--no-pdf",
                                            *rooted]))
        if not args.no_all:
            many = _thirteen(tmp, code)
            for _ in range(args.repeat):
                keep("all13", _timed([*MWSN, "run", "--all", "--force", "--root", str(many)]))
                keep("all13_jobs_more", _timed([*MWSN, "run", "--all", "--force", "--jobs",
                                                str(cores + 1), "--root", str(many)]))
                keep("all13_no_pdf", _timed([*MWSN, "run", "--all", "--force", "--no-pdf",
                                             "--root", str(many)]))
    load_after = os.getloadavg()
    floor = best["floor"]
    compare_step = (floor[0] / (len(steps) + 1), floor[1] / (len(steps) + 1))  # one notebook
    sequential = (len(PROVINCES) * floor[0] + compare_step[0],
                  len(PROVINCES) * floor[1] + compare_step[1])
    print(f"Load average (1, 5, 15 min) before: {load_before[0]:.2f}, {load_before[1]:.2f}, "
          f"{load_before[2]:.2f}; after: {load_after[0]:.2f}, {load_after[1]:.2f}, "
          f"{load_after[2]:.2f}; {cores} cores; {len(steps)} notebook runs per jurisdiction.")
    print()
    print("| measure | wall s | CPU s | against the floor | target |")
    print("|---|---|---|---|---|")
    print(_row(f"floor: {len(steps)} minimal notebooks + 1 export", floor, None, ""))
    print(_row(f"`mwsn run {code} --force` (default --jobs {cores})", best["pipeline"], floor,
               "≤ 0.5×"))
    print(_row(f"`mwsn run {code} --force --jobs {cores + 1}`", best["pipeline_jobs_more"],
               floor, ""))
    print(_row(f"`mwsn run {code} --force --no-pdf`", best["pipeline_no_pdf"], floor,
               "≤ 0.5×"))
    print(_row(f"`mwsn run {code} --force --jobs 1`", best["pipeline_jobs1"], floor, ""))
    print(_row(f"`mwsn run {code} --force`, cold kernels (`MWSN_WARM_KERNELS=0`)",
               best["pipeline_cold"], floor, ""))
    print(_row(f"no-op `mwsn run {code}`", best["noop"], None, "< 0.3 s"))
    if "all13" in best:
        print(_row("sequential floor of 13 jurisdictions (13 × floor + 1 notebook)",
                   sequential, None, ""))
        print(_row("13 jurisdictions `mwsn run --all --force`", best["all13"], sequential,
                   "≤ 0.35×"))
        print(_row(f"13 jurisdictions `mwsn run --all --force --jobs {cores + 1}`",
                   best["all13_jobs_more"], sequential, ""))
        print(_row("13 jurisdictions `mwsn run --all --force --no-pdf`", best["all13_no_pdf"],
                   sequential, "≤ 0.35×"))
    print()
    print(f"cores: {cores}")
    print(f"load_average_1min: {load_after[0]:.2f}")
    print(f"notebook_runs: {len(steps)}")
    for name, value in [*best.items(), ("sequential_floor_13", sequential)]:
        print(f"{name}_s: {value[0]:.2f}")
        print(f"{name}_cpu_s: {value[1]:.2f}")
    print(f"pipeline_vs_floor_ratio: {best['pipeline'][0] / floor[0]:.2f}")
    print(f"pipeline_vs_floor_cpu_ratio: {best['pipeline'][1] / floor[1]:.2f}")
    print(f"pipeline_no_pdf_vs_floor_ratio: {best['pipeline_no_pdf'][0] / floor[0]:.2f}")
    if "all13" in best:
        print(f"all13_vs_sequential_floor_ratio: {best['all13'][0] / sequential[0]:.2f}")
        print(f"all13_vs_sequential_floor_cpu_ratio: {best['all13'][1] / sequential[1]:.2f}")
        print(f"all13_no_pdf_vs_sequential_floor_ratio: "
              f"{best['all13_no_pdf'][0] / sequential[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
