"""Where the test suite's CPU goes: each test's CPU seconds, its processes' and their children's.

Runs pytest (by default as ``make test`` does: ``-n auto --dist loadgroup
--no-loadscope-reorder``; other arguments after ``--``) with a plugin that records, around
each test, the CPU time of the process running it and of the child processes it waited for
(the notebooks' kernels, the kernel server, the run's workers, Chromium). Then prints the
whole run's CPU seconds and wall time, the load average before and after (the machine may be
shared: the CPU seconds are what to compare), the CPU seconds per test file and the
slowest tests. A child is counted when it is reaped, by the test that reaps it.

    .venv/bin/python benchmarks/suite_cpu.py [--top 30] [-- PYTEST-ARGS ...]
    .venv/bin/python benchmarks/suite_cpu.py -- -m "not integration" -n auto   # make test-fast
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
#: what ``make test`` passes to pytest
MAKE_TEST = ["-n", "auto", "--dist", "loadgroup", "--no-loadscope-reorder"]
#: where the plugin writes, one file per pytest process (``<worker>.tsv``)
OUT_DIR = "MWSN_TEST_CPU_DIR"


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


class Plugin:
    """Each test's CPU seconds (its process, its reaped children) and wall seconds."""

    def __init__(self, folder: str):
        name = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.out = open(Path(folder) / f"{name}.tsv", "a", encoding="utf-8")  # noqa: SIM115

    def pytest_runtest_logstart(self, nodeid, location):
        self.started = (*_cpu(), time.perf_counter())

    def pytest_runtest_logfinish(self, nodeid, location):
        own, children, wall = self.started
        now_own, now_children = _cpu()
        self.out.write(f"{nodeid}\t{now_own - own:.2f}\t{now_children - children:.2f}\t"
                       f"{time.perf_counter() - wall:.2f}\n")
        self.out.flush()


def pytest_configure(config):
    """Loaded with ``-p suite_cpu``: records when :data:`OUT_DIR` is set, in the process that
    runs the tests (under pytest-xdist, each worker: not the controller, which hears of
    every test too)."""
    folder = os.environ.get(OUT_DIR)
    controller = getattr(config.option, "numprocesses", None) and not os.environ.get(
        "PYTEST_XDIST_WORKER")
    if folder and not controller:
        config.pluginmanager.register(Plugin(folder), "mwsn-test-cpu")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=30, help="slowest tests to list")
    parser.add_argument("pytest_args", nargs="*", help="after --: pytest's arguments")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mwsn-suite-cpu-") as folder:
        env = {**os.environ, OUT_DIR: folder,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent),
                                                           os.environ.get("PYTHONPATH")]))}
        before, started = _load(), time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "suite_cpu", "-q",
                               *(args.pytest_args or MAKE_TEST)], cwd=PROJECT, env=env)
        wall = time.perf_counter() - started
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        tests = []
        for path in Path(folder).glob("*.tsv"):
            for line in path.read_text(encoding="utf-8").splitlines():
                nodeid, own, children, seconds = line.split("\t")
                tests.append((nodeid, float(own) + float(children), float(seconds)))
    print(f"pytest exit status: {done.returncode}")
    print(f"CPU seconds: {used.ru_utime:.1f} user, {used.ru_stime:.1f} system; "
          f"wall {wall:.1f} s; load average before {before}, after {_load()}")
    print(f"tests: {len(tests)}, their CPU seconds: {sum(t[1] for t in tests):.1f}")
    by_file: collections.Counter = collections.Counter()
    for nodeid, cpu, _ in tests:
        by_file[nodeid.split("::")[0]] += cpu
    print("\nCPU s  file")
    for name, cpu in by_file.most_common(args.top):
        print(f"{cpu:6.1f}  {name}")
    print("\nCPU s  wall s  test")
    for nodeid, cpu, seconds in sorted(tests, key=lambda t: -t[1])[:args.top]:
        print(f"{cpu:6.1f}  {seconds:6.1f}  {nodeid}")
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
