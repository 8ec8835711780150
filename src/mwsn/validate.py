"""Check raw frames against the codebook, collecting every problem, not only the first.

Each problem names the file, the row and the column, says what is wrong and
what to do. Nothing here writes anything.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mwsn import ingest
from mwsn.codebook import Codebook, SourceSpec, Variable
from mwsn.config import Jurisdiction, Paths
from mwsn.errors import InputError, Problem

TRUE = {"true", "1", "yes", "y"}
FALSE = {"false", "0", "no", "n"}


def _value_problem(var: Variable, value: str, codebook: Codebook) -> str | None:
    """Why ``value`` is not valid for ``var``, or None."""
    if var.type == "likert":
        if codebook.scales[var.scale].parse(value) is None:
            allowed = ", ".join(codebook.scales[var.scale].labels("en"))
            return f"{value!r} is not on the {var.scale} scale ({allowed}, or a missing code)"
    elif var.type == "category":
        if codebook.parse_category(var.values, value) is None:
            allowed = ", ".join(c.en for c in codebook.categories[var.values])
            return f"{value!r} is not a known {var.values} ({allowed})"
    elif var.type == "number":
        number = pd.to_numeric(value.replace(",", "").replace("\u00a0", "").replace(" ", ""),
                               errors="coerce")
        if pd.isna(number):
            return f"{value!r} is not a number"
        if var.range and not var.range[0] <= number <= var.range[1]:
            return f"{value} is outside the allowed range {var.range[0]:g} to {var.range[1]:g}"
    elif var.type in ("date", "datetime"):
        if pd.isna(pd.to_datetime(value, errors="coerce")):
            return f"{value!r} is not a date (expected e.g. 2019-10-01)"
    elif var.type == "boolean":
        if value.strip().lower() not in TRUE | FALSE:
            return f"{value!r} is not true/false"
    return None


def check_frame(frame: pd.DataFrame, spec: SourceSpec, codebook: Codebook,
                file: str) -> list[Problem]:
    """Every problem in one raw frame (columns already renamed to the codebook's names)."""
    problems = []
    missing = [v for v in spec.variables if v.required and v.name not in frame.columns]
    for var in missing:
        problems.append(Problem(file, f"required column '{var.raw_name}' ({var.label.en}) is "
                                "missing: add it to the export or map its name in the params "
                                "file (sources.<name>.columns)", row=1, column=var.raw_name))
    declined = pd.Series(False, index=frame.index)
    if spec.consent and spec.consent in frame.columns:
        declined = frame[spec.consent].map(
            lambda v: codebook.parse_category("consent", v) == "no")
    for var in spec.variables:
        if var.name not in frame.columns:
            continue
        values = frame[var.name]
        blank = values.str.strip() == ""
        if var.required:
            if var.name == spec.consent:
                rows = frame.loc[blank, ingest.ROW]
                hint = "a response without consent cannot be used: remove it or record consent"
            else:
                rows = frame.loc[blank & ~declined, ingest.ROW]
                hint = "fill it in or remove the row"
            for row in rows:
                problems.append(Problem(file, f"required value is empty: {hint}", row=int(row),
                                        column=var.raw_name))
        for index in values.index[~blank]:
            why = _value_problem(var, values[index], codebook)
            if why:
                problems.append(Problem(file, why + ": correct it or add it to the codebook",
                                        row=int(frame.at[index, ingest.ROW]),
                                        column=var.raw_name))
    return problems


def read_and_check(params: Jurisdiction, codebook: Codebook,
                   where: Paths) -> dict[str, pd.DataFrame]:
    """Read every declared source and check it; raise one InputError listing all problems."""
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    if not where.raw.is_dir():
        raise InputError(Problem(str(where.raw), "raw data folder not found: put the exports "
                                 f"here (or run `mwsn synth {where.jurisdiction}` for "
                                 "demonstration data)"))
    for name, source in sorted(params.sources.items()):
        path = where.raw / source.file
        spec = codebook.sources[name]
        try:
            frame = ingest.read_source(path, source, spec)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(check_frame(frame, spec, codebook, str(path)))
        frames[name] = frame
    if problems:
        raise InputError(problems)
    return frames


def relative(problems: list[Problem], root: Path) -> list[Problem]:
    """The same problems with file paths relative to the project root, for display."""
    out = []
    for p in problems:
        try:
            file = str(Path(p.file).resolve().relative_to(root.resolve()))
        except ValueError:
            file = p.file
        out.append(Problem(file, p.message, p.row, p.column))
    return out
