"""Which package versions make ingest + validate + clean slower: one venv per variant.

For each variant, a fresh venv gets every version pinned in requirements.lock
except one package moved to another release (uv's ``--override``), then runs
``benchmarks/ingest_scale.py`` in it. Prints one line per variant with the
CPU seconds (user + system of the measured steps: stable on a busy machine,
unlike wall time), the wall seconds and the peak memory, and the load average
before each run. Decide what to hold back in ``constraints.txt`` from these.

    .venv/bin/python benchmarks/ingest_versions.py --sizes 1000000 \\
        --variant lock --variant pandas==2.3.3 --variant pyarrow==21.0.0

Needs ``uv`` (in the lock: ``make install``) and the package registry.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).with_name("uv")


def venv_for(variant: str, where: Path) -> Path:
    """A venv with the lock installed, ``variant`` (``name==version``) overriding its pin."""
    folder = where / variant.replace("=", "_")
    subprocess.run([str(UV), "venv", "-q", "-p", sys.executable, str(folder)], check=True)
    env = {**os.environ, "VIRTUAL_ENV": str(folder)}
    extra = []
    if variant != "lock":
        override = where / f"{folder.name}.txt"
        override.write_text(variant + "\n", encoding="utf-8")
        extra = ["--override", str(override)]
    subprocess.run([str(UV), "pip", "install", "-q", "-r", str(PROJECT / "requirements.lock"),
                    *extra], check=True, env=env)
    subprocess.run([str(UV), "pip", "install", "-q", "--no-deps", "-e", str(PROJECT)],
                   check=True, env=env)
    return folder / "bin" / "python"


def measure(python: Path, sizes: list[str]) -> dict[str, str]:
    out = subprocess.run([str(python), str(PROJECT / "benchmarks" / "ingest_scale.py"),
                          "--sizes", *sizes], check=True, capture_output=True, text=True).stdout
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1000000"])
    parser.add_argument("--variant", action="append", default=None,
                        help="lock, or name==version overriding the lock (repeatable)")
    args = parser.parse_args()
    variants = args.variant or ["lock", "pandas==2.3.3"]
    where = Path(tempfile.mkdtemp(prefix="mwsn-ingest-versions-"))
    try:
        for variant in variants:
            python = venv_for(variant, where)
            load = os.getloadavg()[0]
            found = measure(python, args.sizes)
            for size in args.sizes:
                key = f"rows_{size}"
                print(f"{variant}: {size} rows: cpu {found[f'{key}_total_cpu_seconds']} s, "
                      f"wall {found[f'{key}_total_seconds']} s, "
                      f"peak {found[f'{key}_peak_memory_mb']} MB (load before: {load:.1f})")
    finally:
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
