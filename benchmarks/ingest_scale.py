"""How ingest + validate + clean scale with the number of survey responses.

Writes a SYNTHETIC Qualtrics export of 10^4, 10^5 and 10^6 responses (the
survey codebook's columns, planted PII in a fifth of the comments, 1% of
people answering twice), then, for each size in a fresh process, times
reading it (``ingest.read_source``), checking it (``validate.check_frame``)
and cleaning it (``clean.clean_source``), and records the peak resident memory
(of the whole run, and while each step runs).
Prints ``name: value`` lines (wall-clock and CPU seconds per step, peak
memory, the machine's load average: wall time on a shared machine depends on
what else runs); target for 10^6: ingest + validate + clean under 5 s and 1 GB,
time growing linearly (ratio about 10 per 10x rows). Free-text scrubbing is timed
apart (``scrub``; ``clean`` is the rest, the fast path of text-free columns), with
its cost per distinct comment measured on comments that stay distinct.

    .venv/bin/python benchmarks/ingest_scale.py [--sizes 10000 100000 1000000]
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
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

PROJECT = Path(__file__).resolve().parents[1]
AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
             "Strongly agree", "Don't know"]
KNOWLEDGE = ["Very low", "Low", "Moderate", "High", "Very high"]
GROUPS = ["Migrant worker", "Support organization", "Employer", "Government",
          "Other stakeholder"]
SECTORS = ["Agriculture", "Caregiving", "Food processing", "Hospitality", "Construction",
           "Not applicable"]
FIRST = ["Maria", "José", "Ana", "Juan", "Rosa", "Carlos", "Luz", "Miguel", "Grace", "Paolo"]
LAST = ["Santos", "Reyes", "Cruz", "Garcia", "Lopez", "Chen", "Singh", "Tremblay", "Roy",
        "Nguyen"]
COMMENTS = ["The workshop helped me; write to {email}.", "Please call {name} at 604-555-0142.",
            "More outreach is needed outside agriculture.", "My SIN is 046 454 286, {name}."]


def _pick(rng, options, n, p=None) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(rng.choice(len(options), size=n, p=p).astype(np.int32)),
        pa.array(options)).cast(pa.string())


def write_export(path: Path, n: int, seed: int = 1) -> None:
    """A Qualtrics-style export of ``n`` SYNTHETIC responses, built column-wise."""
    rng = np.random.default_rng(seed)
    people = np.arange(n)
    people[rng.random(n) < 0.01] -= 1  # 1% answer twice: the same person as the row before
    people[0] = 0
    first = pc.take(pa.array(FIRST), pa.array(people % len(FIRST)))
    last = pc.take(pa.array(LAST), pa.array((people // len(FIRST)) % len(LAST)))
    email = pc.binary_join_element_wise(pc.utf8_lower(first), pc.utf8_lower(last),
                                        pa.array(people.astype(str)), "")
    email = pc.binary_join_element_wise(email, pa.scalar("@example.org"), "")
    seconds = np.sort(rng.integers(0, 60 * 86400, n)).astype("datetime64[s]")
    recorded = np.datetime64("2019-10-01T09:00:00") + seconds.astype("timedelta64[s]")
    as_text = lambda t: pc.strftime(pa.array(t), "%Y-%m-%d %H:%M:%S")  # noqa: E731
    finished = rng.random(n) > 0.02
    group_index = rng.choice(len(GROUPS), size=n, p=[0.4, 0.25, 0.15, 0.15, 0.05])
    columns = {
        "StartDate": as_text(recorded - np.timedelta64(20, "m")),
        "EndDate": as_text(recorded - np.timedelta64(5, "m")),
        "Status": pa.array(["IP Address"] * n),
        "IPAddress": pc.binary_join_element_wise(
            pa.scalar("203.0.113."), pa.array((people % 254 + 1).astype(str)), ""),
        "Progress": pa.array(np.where(finished, "100", "35")),
        "Duration (in seconds)": pa.array(rng.integers(300, 1500, n).astype(str)),
        "Finished": pa.array(np.where(finished, "True", "False")),
        "RecordedDate": as_text(recorded),
        "ResponseId": pc.binary_join_element_wise(
            pa.scalar("R_"), pa.array(np.char.zfill(np.arange(n).astype(str), 15)), ""),
        "RecipientLastName": last, "RecipientFirstName": first, "RecipientEmail": email,
        "ExternalReference": pa.array(["SYNTHETIC"] * n),
        "LocationLatitude": pa.array(np.round(49 + rng.random(n), 4).astype(str)),
        "LocationLongitude": pa.array(np.round(-123 + rng.random(n), 4).astype(str)),
        "DistributionChannel": pa.array(["email"] * n),
        "UserLanguage": _pick(rng, ["EN", "FR", "ES"], n),
        "consent": _pick(rng, ["Yes, I agree to take part", "No, I do not agree"], n,
                         [0.98, 0.02]),
        "stakeholder_group": pc.take(pa.array(GROUPS), pa.array(group_index)),
        "sector": _pick(rng, SECTORS, n),
    }
    for item in ("know_rights", "info_support", "collaboration", "reporting_support",
                 "abuse_deterrence", "policy_influence"):
        answers = _pick(rng, AGREEMENT, n, [0.05, 0.1, 0.15, 0.35, 0.3, 0.05])
        asked = pa.array((group_index == 0) == (item == "know_rights"))
        columns[item] = pc.if_else(asked, answers, pa.scalar(""))
    for item in ("knowledge_before", "knowledge_after"):
        columns[item] = pc.if_else(pa.array(group_index == 0), _pick(rng, KNOWLEDGE, n),
                                   pa.scalar(""))
    template = _pick(rng, COMMENTS, n)
    name = pc.binary_join_element_wise(first, last, " ")
    comment = pc.replace_substring(pc.replace_substring(template, "{email}", ""), "{name}", "")
    with_email = pc.binary_join_element_wise(comment, email, " ")
    with_name = pc.binary_join_element_wise(comment, name, " ")
    comment = pc.if_else(pc.match_substring(template, "{email}"), with_email, with_name)
    columns["comments"] = pc.if_else(pa.array(rng.random(n) < 0.2), comment, pa.scalar(""))
    table = pa.table(columns)
    header = list(columns)
    with open(path, "wb") as out:
        lines = [",".join(header), ",".join(f'"{h}"' for h in header),
                 ",".join('"{""ImportId"":""%s""}"' % h for h in header)]
        out.write(("\r\n".join(lines) + "\r\n").encode("utf-8"))
        pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False,
                                                       quoting_style="needed"))


def measure(path: Path) -> dict:
    """Time ingest, validate and clean on one export (run in a fresh process)."""
    from mwsn import clean, ingest, validate
    from mwsn.codebook import load_codebook
    from mwsn.config import Source

    codebook = load_codebook(PROJECT)
    spec = codebook.sources["survey"]
    times, cpu, peaks = {}, {}, {}

    def timed(step, work):
        fresh_peak()
        wall, used = time.perf_counter(), time.process_time()
        result = work()
        times[step] = time.perf_counter() - wall
        cpu[step] = time.process_time() - used
        peaks[step] = step_peak_mb()
        return result

    scrubbing = [0.0, 0.0, 0]  # wall, CPU, distinct texts: free-text scrubbing, told apart

    def timed_scrub(values, *args, scrub_column=clean._scrub_column, **kwargs):
        wall, used = time.perf_counter(), time.process_time()
        result = scrub_column(values, *args, **kwargs)
        scrubbing[0] += time.perf_counter() - wall
        scrubbing[1] += time.process_time() - used
        scrubbing[2] += int(values.nunique())
        return result

    clean._scrub_column = timed_scrub
    frame = timed("ingest", lambda: ingest.read_source(
        path, Source(file=path.name, format="qualtrics"), spec))
    problems = timed("validate", lambda: validate.check_frame(frame, spec, codebook, str(path)))
    cleaned, log = timed("clean", lambda: clean.clean_source(frame, "survey", spec, codebook,
                                                             b"benchmark key"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB
    times["scrub"], cpu["scrub"] = scrubbing[0], scrubbing[1]
    times["clean"] -= scrubbing[0]  # clean = the text-free columns' fast path
    cpu["clean"] -= scrubbing[1]
    per_comment = scrub_cost(codebook)
    return {"rows": len(frame), "problems": len(problems), "rows_out": len(cleaned),
            "duplicates": log.duplicates_dropped, "peak_mb": peak, **times,
            **{f"{step}_peak_mb": value for step, value in peaks.items()},
            "total": sum(times.values()), "cpu": sum(cpu.values()),
            "structured": times["ingest"] + times["validate"] + times["clean"],
            "structured_cpu": cpu["ingest"] + cpu["validate"] + cpu["clean"],
            "scrubbed_texts": scrubbing[2], **per_comment,
            **{f"{step}_cpu": value for step, value in cpu.items()}}


def fresh_peak() -> None:
    """Start a new peak of resident memory (Linux: clear_refs 5 resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def step_peak_mb() -> float:
    """Peak resident memory since :func:`fresh_peak`, in MiB (NaN where not known)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return float("nan")
    kb = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")),
              "nan")
    return float(kb) / 1024


def scrub_cost(codebook, n: int = 2000, seed: int = 3) -> dict:
    """CPU milliseconds per distinct comment of free-text scrubbing, on ``n`` comments that
    stay distinct after the first, regular-expression pass (as real comments are; the
    export's comments differ mostly by an e-mail address, which that pass makes alike).
    """
    import pandas as pd

    from mwsn import clean

    rng = np.random.default_rng(seed)
    words = ("workshop", "outreach", "housing", "wages", "permit", "employer", "clinic",
             "transport", "overtime", "contract", "language", "network", "rights", "safety")
    texts = []
    for i in range(n):
        picked = " ".join(rng.choice(words, size=6))
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // 10) % len(LAST)]}"
        texts.append(f"Session {i}: {picked}. {name} asked about it"
                     + (f", call 604-555-{i % 10000:04d}." if i % 5 == 0 else "."))
    names = {f"{f} {last}" for f in FIRST for last in LAST} | set(FIRST) | set(LAST)
    clean._scrub_column(pd.Series(["warm up"], dtype="string"), frozenset(names))
    wall, used = time.perf_counter(), time.process_time()
    clean._scrub_column(pd.Series(texts, dtype="string"), frozenset(names))
    return {"scrub_ms_per_comment": (time.perf_counter() - wall) * 1000 / n,
            "scrub_cpu_ms_per_comment": (time.process_time() - used) * 1000 / n}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"survey_{n}.csv"
            write_export(path, n)
            run = subprocess.run([sys.executable, __file__, "--measure", str(path)],
                                 capture_output=True, text=True, check=True)
            results[n] = json.loads(run.stdout.strip().splitlines()[-1])
            r = results[n]
            print(f"rows_{n}_file_mb: {path.stat().st_size / 2**20:.1f}")
            for step in ("ingest", "validate", "clean", "scrub", "total"):
                print(f"rows_{n}_{step}_seconds: {r[step]:.2f}")
            for step in ("ingest", "validate", "clean", "scrub"):
                print(f"rows_{n}_{step}_cpu_seconds: {r[step + '_cpu']:.2f}")
            print(f"rows_{n}_total_cpu_seconds: {r['cpu']:.2f}")
            print(f"rows_{n}_without_scrub_seconds: {r['structured']:.2f}")
            print(f"rows_{n}_without_scrub_cpu_seconds: {r['structured_cpu']:.2f}")
            print(f"rows_{n}_scrubbed_distinct_texts: {r['scrubbed_texts']}")
            print(f"scrub_ms_per_distinct_comment: {r['scrub_ms_per_comment']:.2f}")
            print(f"scrub_cpu_ms_per_distinct_comment: {r['scrub_cpu_ms_per_comment']:.2f}")
            print(f"rows_{n}_peak_memory_mb: {r['peak_mb']:.0f}")
            # the peak while ingest, validate and clean run (clean's includes scrubbing): each
            # holds what the steps before it returned, as an evaluator's run does
            for step in ("ingest", "validate", "clean"):
                print(f"rows_{n}_{step}_peak_memory_mb: {r[step + '_peak_mb']:.0f}")
            print(f"rows_{n}_problems: {r['problems']}")
            print(f"rows_{n}_duplicates_dropped: {r['duplicates']}")
            path.unlink()
    sizes = sorted(results)
    for small, big in zip(sizes, sizes[1:]):
        print(f"time_ratio_{big}_vs_{small}: {results[big]['total'] / results[small]['total']:.1f}")
        print(f"cpu_ratio_{big}_vs_{small}: {results[big]['cpu'] / results[small]['cpu']:.1f}")
    print(f"load_average_1min: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
