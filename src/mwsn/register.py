"""The indicator register: what a Performance Information Profile holds for each indicator.

The Government of Canada's *Policy on Results* (2016) and its *Directive on
Results* ask every program indicator to carry its definition, data source,
collection frequency, the role responsible for it, a baseline, a target and the
date by which the target should be met. ``params/indicators.yaml`` holds that
for the assessment's indicators (those of the evaluation matrix, whose scoring
thresholds it shows rather than repeats) and for the service-records metrics
(:func:`mwsn.services.service_indicators`). A jurisdiction may set its own
target for an indicator in its params file (``targets:``).

The register is checked like every params file: an unknown key, an indicator
that is neither in the evaluation matrix nor a service-records metric, a target
of a share outside 0-1 or a date that is not ``YYYY-MM`` is an
:class:`~mwsn.errors.InputError` naming the file and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from mwsn.config import Bilingual, Strict, Target, _key_line, read_yaml, validation_problems
from mwsn.errors import InputError, Problem

#: service-records metrics that may be registered (see mwsn.services.service_indicators)
SERVICE_METRICS = ("services_delivered", "workers_served", "organizations_reporting",
                   "repeat_use", "services_outside_agriculture",
                   "workers_served_outside_agriculture")


class Baseline(Strict):
    #: the wave whose value is the baseline; ``first`` is each jurisdiction's first wave
    wave: str = "first"


class Entry(Strict):
    """One registered indicator."""

    id: str
    #: a short name for headings, tables and charts; default: the matrix indicator's label
    name: Bilingual | None = None
    definition: Bilingual
    data_type: Literal["share", "count", "amount"]
    #: where the figure comes from: a source of the jurisdiction's params (survey, excerpts,
    #: funding, meetings, recommendations, services) or ``participation``
    source: str
    frequency: Literal["every_wave", "quarterly", "annual"]
    #: the role (not the person) responsible for collecting and reporting it
    owner: Bilingual
    baseline: Baseline = Field(default_factory=Baseline)
    target: Target
    #: higher or lower is better (service-records metrics; matrix indicators use their rule)
    direction: Literal["higher", "lower"] = "higher"

    @model_validator(mode="after")
    def _share_target(self):
        if self.data_type == "share" and not 0 <= self.target.value <= 1:
            raise ValueError(f"target.value {self.target.value} of a share must lie between 0 "
                             "and 1 (write 0.75 for 75%)")
        return self


class Register(Strict):
    #: none: a project without ``params/indicators.yaml`` follows no indicator across rounds
    indicators: list[Entry] = Field(default_factory=list)

    def entry(self, indicator_id: str) -> Entry:
        for entry in self.indicators:
            if entry.id == indicator_id:
                return entry
        raise KeyError(indicator_id)


def names(register: Register, matrix, lang: str) -> dict[str, str]:
    """Each registered indicator's short name in ``lang``: its ``name`` in the register, else
    its label in the evaluation matrix, else its definition (without the final stop)."""
    labels = {i.id: i.label(lang) for q in matrix.questions for i in q.indicators}
    return {e.id: (e.name(lang) if e.name is not None
                   else labels.get(e.id) or e.definition(lang).rstrip("."))
            for e in register.indicators}


def load_register(root: str | Path = ".", matrix=None) -> Register:
    """Load and check ``params/indicators.yaml``.

    Parameters
    ----------
    root : path
        The project root.
    matrix : mwsn.findings.Matrix, optional
        The evaluation matrix (loaded from ``root`` when not given): every
        registered id must be one of its indicators or a service-records metric.

    Returns
    -------
    Register

    Raises
    ------
    InputError
        Naming ``params/indicators.yaml`` and the line of each problem (all of them at
        once). A project without the file has an empty register.
    """
    from mwsn.findings import load_matrix

    path = Path(root) / "params" / "indicators.yaml"
    if not path.is_file():
        return Register()
    data = read_yaml(path)
    matrix = matrix if matrix is not None else load_matrix(root)
    known = {i.id for q in matrix.questions for i in q.indicators} | set(SERVICE_METRICS)
    problems, seen = [], set()
    entries = data.get("indicators") if isinstance(data, dict) else None
    for k, entry in enumerate(entries if isinstance(entries, list) else []):
        ident = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(ident, str):
            continue         # a missing id is the model's to report
        if ident in seen or ident not in known:     # its line is read only to report it
            line = _key_line(path, ("indicators", k, "id"))
        if ident in seen:
            problems.append(Problem(str(path), f"indicator '{ident}' is registered twice: "
                                    "keep one entry", row=line, column="id"))
        seen.add(ident)
        if ident not in known:
            problems.append(Problem(
                str(path), f"'{ident}' is neither an indicator of the evaluation matrix nor "
                f"a service-records metric ({', '.join(SERVICE_METRICS)}): fix the id",
                row=line, column="id"))
    try:
        register = Register.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(path, exc) + problems
    if problems:       # every problem of the file at once, in the order of its lines
        raise InputError(sorted(problems, key=lambda p: p.row or 0))
    return register


def targets_for(register: Register, overrides: dict[str, Target] | None = None
                ) -> dict[str, Target]:
    """Each registered indicator's target, a jurisdiction's own (``targets:``) first."""
    overrides = overrides or {}
    return {e.id: overrides.get(e.id, e.target) for e in register.indicators}
