"""How the service-records path scales: ingest + validate + clean + indicators.

Writes SYNTHETIC service records (``mwsn.synth.service_records``: about a third
as many workers as records, 26 organizations, two years) of 10^4, 10^5 and
10^6 rows; then, for each size in a fresh process, times reading them
(``services.read_service_records``), checking them against the codebook and
the period (``check_service_records``), pseudonymizing and recoding them
(``clean_service_records``) and computing the indicators
(``service_indicators`` and ``services_by_quarter``), and records the peak
resident memory of that process (imports included).

Targets at 10^6 records: under 3 s and 600 MB, time growing linearly (ratio
about 10 per 10x rows). Prints ``name: value`` lines; wall time on a shared
machine depends on what else runs, so the CPU seconds and the load average
are printed too.

    .venv/bin/python benchmarks/service_records.py [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
STEPS = ("ingest", "validate", "clean", "indicators")


def measure(path: Path) -> dict:
    """Time each step on one file (run in a fresh process)."""
    from mwsn import services
    from mwsn.codebook import load_codebook

    codebook = load_codebook(PROJECT)
    spec = codebook.sources["services"]
    wall, cpu = {}, {}

    def timed(step, work):
        started, used = time.perf_counter(), time.process_time()
        result = work()
        wall[step] = time.perf_counter() - started
        cpu[step] = time.process_time() - used
        return result

    table = timed("ingest", lambda: services.read_service_records(path, spec))
    problems = timed("validate", lambda: services.check_service_records(
        table, spec, codebook, path.name, ("2018-03", "2020-03")))
    records = timed("clean", lambda: services.clean_service_records(
        table, spec, codebook, b"benchmark key"))
    indicators = timed("indicators", lambda: (services.service_indicators(records),
                                              services.services_by_quarter(records)))
    workers = int(indicators[0].set_index("metric").loc["workers_served", "count"])
    return {"rows": table.num_rows, "problems": len(problems), "workers": workers,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "wall": wall, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    from mwsn import synth

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = synth.service_records(Path(tmp) / f"services_{n}.csv", n,
                                         date(2018, 3, 1), date(2020, 3, 31))
            run = subprocess.run([sys.executable, __file__, "--measure", str(path)],
                                 capture_output=True, text=True, check=True)
            r = results[n] = json.loads(run.stdout.strip().splitlines()[-1])
            print(f"records_{n}_file_mb: {path.stat().st_size / 2**20:.1f}")
            for step in STEPS:
                print(f"records_{n}_{step}_seconds: {r['wall'][step]:.2f} "
                      f"(cpu {r['cpu'][step]:.2f})")
            r["total"], r["total_cpu"] = sum(r["wall"].values()), sum(r["cpu"].values())
            print(f"records_{n}_total_seconds: {r['total']:.2f} (cpu {r['total_cpu']:.2f})")
            print(f"records_{n}_peak_memory_mb: {r['peak_mb']:.0f}")
            print(f"records_{n}_workers_served: {r['workers']}")
            print(f"records_{n}_problems: {r['problems']}")
            path.unlink()
    sizes = sorted(results)
    for small, big in zip(sizes, sizes[1:]):
        print(f"time_ratio_{big}_vs_{small}: {results[big]['total'] / results[small]['total']:.1f}")
        print(f"cpu_ratio_{big}_vs_{small}: "
              f"{results[big]['total_cpu'] / results[small]['total_cpu']:.1f}")
    print(f"load_average_1min: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
