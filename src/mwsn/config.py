"""Load and validate the params YAML into typed objects; paths per jurisdiction.

Everything the evaluation decides lives in ``params/`` as data. This module
reads a jurisdiction's ``params/<jur>.yaml`` strictly: an unknown or missing
key, a value of the wrong type or a file that is not valid YAML is an
:class:`~mwsn.errors.InputError` naming the file, the line and the key, raised
before any notebook kernel starts.
"""

from __future__ import annotations

import functools
import pickle
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      field_validator, model_validator)

from mwsn import hygiene
from mwsn.errors import InputError, Problem

#: libyaml's parser when PyYAML was built with it (the same safe constructor, in C)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A jurisdiction code becomes a folder name: a plain short code, nothing else.
JURISDICTION_CODE = re.compile(r"^[a-z][a-z0-9_]{1,15}$")

#: A wave id becomes a folder name under the jurisdiction's: ``2024q2``, ``pilot``.
WAVE_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,15}$")

#: Marker written by ``mwsn synth`` into a raw folder: reports built from it carry a banner.
SYNTHETIC_MARKER = "SYNTHETIC_DATA.txt"


class Strict(BaseModel):
    """A params model: unknown keys are errors, values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(Strict):
    en: str
    fr: str

    def __call__(self, lang: str) -> str:
        return getattr(self, lang)


def _month(value: Any) -> str:
    text = str(value)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise ValueError(f"expected a month as YYYY-MM, found {text!r}")
    return text


#: a month written ``YYYY-MM`` (YAML may read ``2019-12`` as text or a date-like value)
Month = Annotated[str, BeforeValidator(_month)]


class Period(Strict):
    start: Month = Field(description="first month covered, YYYY-MM")
    end: Month = Field(description="last month covered, YYYY-MM")


class Budget(Strict):
    amount: float = Field(gt=0)
    currency: str = "CAD"


#: export formats a source may declare (docs/DATA.md has one section per export tool)
Format = Literal["qualtrics", "csv", "xlsx", "spss", "stata", "kobo", "odk", "redcap",
                 "surveymonkey", "google_forms"]
#: a recoded answer: text, a number or true/false, as YAML writes them
Answer = str | bool | int | float | None


class Source(Strict):
    """One raw export in ``data/raw/<jur>/`` and how to read it as it is.

    ``columns`` maps the export's own column names (as the export shows them,
    group paths included, or without their group prefix) onto the codebook's
    names; ``values`` recodes answers per column before they are checked
    (``consent: {Oui: "yes", Non: "no"}``); ``absent`` names the columns this
    export never has (``[email, Finished]``); ``sheet`` picks a workbook's
    sheet by name or 1-based position; ``dayfirst`` or ``date_format`` say how
    dates like 01/10/2019 are written (else the order is inferred per column
    from the unambiguous dates, and a column with none is refused).
    """

    file: str
    format: Format = "csv"
    #: the export's own column names mapped onto the codebook's names
    columns: dict[str, str] = Field(default_factory=dict)
    #: per column (export or codebook name): raw answer -> the answer the codebook knows
    values: dict[str, dict[str, Answer]] = Field(default_factory=dict)
    #: codebook variables (or export names) this export never has
    absent: list[str] = Field(default_factory=list)
    sheet: str | int | None = None
    dayfirst: bool | None = None
    #: an explicit strftime format for every date of this export, e.g. "%d/%m/%Y %H:%M"
    date_format: str | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _answers_as_text(cls, value: Any) -> Any:
        """YAML reads ``2: true`` with an integer key: answers are matched as text."""
        if not isinstance(value, dict):
            return value
        return {str(column): ({_answer_key(k): v for k, v in answers.items()}
                              if isinstance(answers, dict) else answers)
                for column, answers in value.items()}

    @field_validator("sheet")
    @classmethod
    def _sheet(cls, value: Any) -> Any:
        if isinstance(value, int) and value < 1:
            raise ValueError("a sheet is named, or numbered from 1")
        return value


def _answer_key(key: Any) -> str:
    if isinstance(key, bool):
        return "True" if key else "False"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return "" if key is None else str(key)


#: the raw sources a jurisdiction (or one of its waves) may declare
SourceName = Literal["survey", "excerpts", "funding", "meetings", "recommendations", "services"]


class Wave(Strict):
    """One round of data collection of a jurisdiction (``waves:`` in its params).

    Its raw exports are in ``data/raw/<jur>/<id>/``, its tables in
    ``data/processed/<jur>/<id>/`` and its report in ``reports/<jur>/<id>/``.
    ``sources`` defaults to the jurisdiction's own; ``crosswalk`` maps, per
    source, an export column renamed in this round onto the codebook name the
    other rounds use (``{survey: {q7_rights: know_rights}}``): it is added to
    that source's ``columns``.
    """

    id: str
    period: Period
    sources: dict[SourceName, Source] | None = None
    crosswalk: dict[SourceName, dict[str, str]] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        text = str(value)
        if not WAVE_ID.match(text):
            raise ValueError(f"{text!r} is not a plain wave id (1-16 lowercase letters, digits "
                             "or _, e.g. 2024q2): it becomes a folder name")
        return text


class Consideration(Strict):
    id: str
    text: Bilingual
    findings: list[str] = Field(default_factory=list)
    swot: list[str] = Field(default_factory=list)


class Target(Strict):
    """An indicator's target: the value to reach and the month by which to reach it."""

    value: float
    #: the month by which the target should be met, YYYY-MM
    by: Month


class Action(Strict):
    """Management's answer to one consideration (``management_response:``; mwsn.response)."""

    #: the consideration answered (an ``id`` of ``considerations``)
    consideration: str
    response: Literal["agree", "partly", "disagree"]
    action: Bilingual
    #: the role (never a person's name) responsible for the action
    responsible: Bilingual
    #: the month by which the action is to be done, YYYY-MM
    due: Month
    status: Literal["done", "in_progress", "not_started"] = "not_started"
    #: where the action stood at each wave (``{2024q2: in_progress, 2025q2: done}``); a wave
    #: not listed keeps the last status recorded before it (``not_started`` before any).
    #: Without ``progress``, ``status`` is the action's status in every wave
    progress: dict[str, Literal["done", "in_progress", "not_started"]] = Field(
        default_factory=dict)
    #: for a response other than agree: why (shown beside it)
    reason: Bilingual | None = None


class Jurisdiction(Strict):
    """One jurisdiction's parameters (``params/<jur>.yaml``)."""

    code: str
    name: Bilingual
    period: Period
    budget: Budget
    languages: list[Literal["en", "fr"]] = Field(min_length=1)
    min_cell: int = Field(default=5, ge=1)
    network_in_place: bool = True
    #: an example shipped with the project: `mwsn run --all --no-demo` leaves it out
    demo: bool = False
    #: the province/territory as ESDC and IRCC name it in the TFWP statistics; default: name.en
    province: str | None = None
    sources: dict[SourceName, Source]
    #: data rounds, oldest first (none: one implicit round in data/raw/<jur>/)
    waves: list[Wave] = Field(default_factory=list)
    sample_targets: dict[str, int] = Field(default_factory=dict)
    considerations: list[Consideration] = Field(default_factory=list)
    #: the management response and action plan, one entry per consideration answered
    management_response: list[Action] = Field(default_factory=list)
    #: this jurisdiction's own targets, by indicator id of the register
    #: (``params/indicators.yaml``): they replace the register's target for these indicators
    targets: dict[str, Target] = Field(default_factory=dict)
    #: languages of the plain-language summary for stakeholders; default: ``languages``
    summary_languages: list[Literal["en", "fr", "es", "tl"]] | None = None

    @property
    def plain_languages(self) -> list[str]:
        """The languages of ``reports/<jur>/summary.<lang>.html``."""
        return list(self.summary_languages or self.languages)

    @property
    def tfwp_province(self) -> str:
        """The name of this jurisdiction in the published TFWP statistics."""
        return self.province or self.name.en

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not JURISDICTION_CODE.match(value):
            raise ValueError(f"{value!r} is not a plain short code (a-z, 0-9, _)")
        return value

    @property
    def wave_ids(self) -> list[str | None]:
        """The waves in order; ``[None]`` for a jurisdiction with one implicit round."""
        return [w.id for w in self.waves] or [None]

    def for_wave(self, wave: str | None) -> Jurisdiction:
        """These params as one wave sees them: its period, and its sources with the
        crosswalk added to their ``columns``; ``wave=None`` returns them unchanged.

        Raises
        ------
        KeyError
            No such wave.
        """
        if wave is None:
            return self
        found = {w.id: w for w in self.waves}[wave]
        sources = dict(found.sources if found.sources is not None else self.sources)
        for name, renamed in found.crosswalk.items():
            if name in sources:
                source = sources[name]
                sources[name] = source.model_copy(update={"columns": {**source.columns,
                                                                      **renamed}})
        return self.model_copy(update={"period": found.period, "sources": sources})

    @model_validator(mode="after")
    def _answers_known_considerations(self):
        known = {c.id for c in self.considerations}
        unknown = [a.consideration for a in self.management_response
                   if a.consideration not in known]
        if unknown:
            raise ValueError(f"management_response answers unknown consideration(s) "
                             f"{', '.join(map(repr, unknown))}: use an id of considerations")
        return self


@dataclass(frozen=True)
class Paths:
    """Where one jurisdiction's files live under a project root."""

    root: Path
    jurisdiction: str
    #: the data round (``waves:`` in params); ``None``: the jurisdiction's only round
    wave: str | None = None

    @property
    def label(self) -> str:
        """``bc``, or ``bc/2024q2`` for one wave: how messages name this run."""
        return self.jurisdiction if self.wave is None else f"{self.jurisdiction}/{self.wave}"

    @property
    def key(self) -> str:
        """``bc``, or ``bc@2024q2``: the label as part of a file name."""
        return self.jurisdiction if self.wave is None else f"{self.jurisdiction}@{self.wave}"

    def _own(self, folder: Path) -> Path:
        return folder if self.wave is None else folder / self.wave

    def with_wave(self, wave: str | None) -> Paths:
        return Paths(self.root, self.jurisdiction, wave)

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def params_file(self) -> Path:
        return self.params_dir / f"{self.jurisdiction}.yaml"

    @property
    def raw(self) -> Path:
        return self._own(self.root / "data" / "raw" / self.jurisdiction)

    @property
    def processed(self) -> Path:
        return self._own(self.root / "data" / "processed" / self.jurisdiction)

    @property
    def external(self) -> Path:
        return self.root / "data" / "external"

    @property
    def reports(self) -> Path:
        return self._own(self.root / "reports" / self.jurisdiction)

    @property
    def is_synthetic(self) -> bool:
        return (self.raw / SYNTHETIC_MARKER).exists()


def check_code(code: str) -> str:
    """Refuse a jurisdiction code that is not a plain short code (it becomes a path)."""
    if not JURISDICTION_CODE.match(code or ""):
        raise InputError(
            Problem(
                "<command line>",
                f"jurisdiction code {code!r} is not a plain short code: use 2-16 lowercase "
                "letters, digits or _ starting with a letter (a province code, say)",
            )
        )
    return code


def project_root(start: str | Path = ".") -> Path:
    """The project folder: ``start`` or the nearest folder above it holding ``params/``.

    A notebook opened in JupyterLab from ``notebooks/`` runs with ``root = "."``
    there; this finds the project above it. A root injected by papermill (a
    folder holding ``params/``) is returned as it is. Without any such folder,
    ``start`` itself is returned, so the error that follows names it.
    """
    if (Path(start) / "params").is_dir():
        return Path(start)
    start = Path(start).resolve()
    for folder in start.parents:
        if (folder / "params").is_dir():
            return folder
    return start


def paths(jurisdiction: str, root: str | Path = ".", wave: str | None = None) -> Paths:
    """Where one jurisdiction's files (or one of its waves') live under ``root``."""
    if wave is not None and not WAVE_ID.match(str(wave)):
        raise InputError(Problem("<command line>", f"wave {wave!r} is not a plain wave id "
                                 "(1-16 lowercase letters, digits or _, e.g. 2024q2)"))
    return Paths(Path(root).resolve(), check_code(jurisdiction), wave)


#: what a run computes once for every jurisdiction (the national context): its tables are in
#: ``data/processed/_national/``, its executed notebook and manifest in ``reports/_national/``
#: (no jurisdiction code starts with ``_``)
NATIONAL = "_national"


def national_paths(root: str | Path = ".") -> Paths:
    """Where the run-level national context lives under ``root`` (:data:`NATIONAL`)."""
    return Paths(Path(root).resolve(), NATIONAL)


def wave_paths(params: Jurisdiction, root: str | Path = ".") -> list[Paths]:
    """One :class:`Paths` per wave of a jurisdiction, oldest first (one for a single round)."""
    return [paths(params.code, root, wave) for wave in params.wave_ids]


def list_jurisdictions(root: str | Path = ".") -> list[str]:
    """Jurisdiction codes with a params file, sorted (shared params files excluded)."""
    params_dir = Path(root) / "params"
    return sorted(
        p.stem for p in params_dir.glob("*.yaml") if JURISDICTION_CODE.match(p.stem)
        and p.stem not in SHARED_PARAMS
    )


#: params files that describe the evaluation, not a jurisdiction
SHARED_PARAMS = {"codebook", "logic_model", "evaluation_matrix", "context", "indicators"}


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, bidirectional-control characters removed (:mod:`mwsn.hygiene`);
    a syntax error becomes an InputError with its line."""
    if not path.is_file():
        raise InputError(Problem(str(path), "file not found: create it (see params/bc.yaml)"))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(str(path), f"not UTF-8 text ({exc.reason}): save it as UTF-8"))
    # a bidi control in a label or an override's reason would reverse every page it reaches
    text = hygiene.strip_bidi(text)
    try:
        return pickle.loads(_parsed(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise InputError(Problem(str(path), f"not valid YAML: {reason}", row=row))


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> bytes:
    """YAML ``text`` parsed, pickled: the same text read again (the shared params files, by
    each jurisdiction a command validates) is parsed once, and each reader gets its own copy.
    Unpickling takes a twentieth of parsing (libyaml's parser, Python's constructor)."""
    return pickle.dumps(yaml.load(text, Loader=_LOADER), protocol=pickle.HIGHEST_PROTOCOL)


def _key_line(path: Path, loc: tuple) -> int | None:
    """Line (1-based) of the deepest key of ``loc`` that exists in the YAML file."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"),
                            Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def validation_problems(path: Path, error: ValidationError) -> list[Problem]:
    """pydantic errors as problems naming the file, the key and its line."""
    problems = []
    for err in error.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = f"unknown key '{key}': remove it or check its spelling"
        elif kind == "missing":
            msg = f"missing key '{key}': add it (see params/bc.yaml for an example)"
        else:
            msg = f"key '{key}': {err['msg']}"
        problems.append(Problem(str(path), msg, row=_key_line(path, loc)))
    return problems


def load(jurisdiction: str, root: str | Path = ".", wave: str | None = None) -> Jurisdiction:
    """Load ``params/<jurisdiction>.yaml`` under ``root`` into a validated object.

    With ``wave``, the params as that wave sees them (:meth:`Jurisdiction.for_wave`).

    Raises
    ------
    InputError
        The file is missing or invalid (file, line and key named), or it has no
        such wave.
    """
    where = paths(jurisdiction, root, wave)
    if not where.params_file.is_file():
        raise InputError(Problem(str(where.params_file), f"no params for jurisdiction "
                                 f"{jurisdiction!r}: create them with `mwsn init . --jurisdiction "
                                 f"{jurisdiction} --name <Name>`, <Name> its full name as the "
                                 "report shows it (or check the code's spelling)"))
    data = read_yaml(where.params_file)
    if not isinstance(data, dict):
        raise InputError(Problem(str(where.params_file), "expected a mapping of keys at top level"))
    # every problem of the file in one pass: the keys' own, then those that read other keys
    # (progress naming a wave, a target naming an indicator) from the file as written
    problems = (_progress_problems(data, where.params_file)
                + _target_problems(data, where.params_file, where.root))
    try:
        params = Jurisdiction.model_validate(data)
    except ValidationError as exc:
        raise InputError(_in_line_order(validation_problems(where.params_file, exc)
                                        + problems)) from None
    if params.code != jurisdiction:
        problems.append(Problem(
            str(where.params_file),
            f"key 'code' is {params.code!r} but the file is named for {jurisdiction!r}: "
            "make them the same", row=_key_line(where.params_file, ("code",))))
    if problems := _in_line_order(problems + _wave_problems(params, where.params_file)):
        raise InputError(problems)
    if wave is not None:
        known = [w.id for w in params.waves]
        if wave not in known:
            raise InputError(Problem(
                str(where.params_file),
                f"no wave {wave!r}: " + (f"its waves are {', '.join(known)}" if known else
                                         "it declares no waves: leave out --wave, or add "
                                         "`waves:` (see docs/MONITORING.md)"),
                row=_key_line(where.params_file, ("waves",))))
        return params.for_wave(wave)
    return params


def _in_line_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.row or 0)


def _progress_problems(data: dict, path: Path) -> list[Problem]:
    """Each ``progress`` key of ``management_response`` naming a wave the file does not
    declare, at its line (read from the file as written, so it is reported with the
    keys' other problems)."""
    waves = [w.get("id") for w in data.get("waves") or [] if isinstance(w, dict)]
    actions = data.get("management_response")
    problems = []
    for i, action in enumerate(actions if isinstance(actions, list) else []):
        progress = action.get("progress") if isinstance(action, dict) else None
        for wave in progress if isinstance(progress, dict) else {}:
            if str(wave) in waves:
                continue
            problems.append(Problem(
                str(path), f"management_response for {action.get('consideration')!r}: "
                f"progress names wave {str(wave)!r}, which "
                + (f"is not among waves ({', '.join(map(str, waves))}): use one of them"
                   if waves else "this jurisdiction does not declare (no `waves:`): use "
                   "status"),
                row=_key_line(path, ("management_response", i, "progress", wave)),
                column="progress"))
    return problems


def _target_problems(data: dict, path: Path, root: Path) -> list[Problem]:
    """Each of ``targets:`` naming an indicator the register (``params/indicators.yaml``)
    does not hold, or giving a share outside 0-1, at its line. The register's own problems
    are ``mwsn validate``'s to report."""
    targets = data.get("targets")
    if not isinstance(targets, dict) or not targets:
        return []
    from mwsn import register
    from mwsn.errors import MwsnError

    try:
        entries = {e.id: e for e in register.load_register(root).indicators}
    except MwsnError:
        return []
    problems = []
    for ident, target in targets.items():
        entry = entries.get(str(ident))
        if entry is None:
            problems.append(Problem(
                str(path), f"targets: {str(ident)!r} is not an indicator of the register "
                "(params/indicators.yaml): use one of "
                + (", ".join(entries) if entries else "its ids (it has none)"),
                row=_key_line(path, ("targets", ident)), column="targets"))
            continue
        value = target.get("value") if isinstance(target, dict) else None
        if (entry.data_type == "share" and isinstance(value, (int, float))
                and not 0 <= value <= 1):
            problems.append(Problem(
                str(path), f"targets: {str(ident)!r} is a share: its value {value} must lie "
                "between 0 and 1 (write 0.75 for 75%)",
                row=_key_line(path, ("targets", ident, "value")), column="targets"))
    return problems


def _wave_problems(params: Jurisdiction, path: Path) -> list[Problem]:
    """What is wrong with a jurisdiction's ``waves:`` beyond each key's type, each at its
    line: an id used twice, rounds out of order, a crosswalk for a source the round does not
    have or contradicting that source's ``columns``."""
    problems = []
    seen: set[str] = set()
    for i, wave in enumerate(params.waves):
        line = _key_line(path, ("waves", i, "id"))
        if wave.id in seen:
            problems.append(Problem(str(path), f"wave id {wave.id!r} is used twice: give each "
                                    "round its own id", row=line, column="id"))
        seen.add(wave.id)
        if i and wave.period.start <= params.waves[i - 1].period.start:
            earlier = params.waves[i - 1]
            problems.append(Problem(
                str(path), f"waves are listed oldest first: {wave.id!r} starts "
                f"({wave.period.start}) no later than {earlier.id!r} before it "
                f"({earlier.period.start}): reorder them or fix the period",
                row=_key_line(path, ("waves", i, "period")), column="period"))
        sources = wave.sources if wave.sources is not None else params.sources
        for name, renamed in wave.crosswalk.items():
            line = _key_line(path, ("waves", i, "crosswalk", name))
            if name not in sources:
                problems.append(Problem(
                    str(path), f"wave {wave.id!r}: crosswalk for source {name!r}, which this "
                    f"round does not have (it has {', '.join(sorted(sources))})", row=line,
                    column="crosswalk"))
                continue
            for key, target in renamed.items():
                if sources[name].columns.get(key, target) != target:
                    problems.append(Problem(
                        str(path), f"wave {wave.id!r}: the crosswalk maps {key!r} of {name} "
                        f"onto {target!r} but its columns: map it onto "
                        f"{sources[name].columns[key]!r}: keep one", row=line,
                        column="crosswalk"))
    return problems


def period_bounds(period: Period) -> tuple[date, date]:
    """First day of the start month and first day of the end month."""
    (y0, m0), (y1, m1) = (map(int, period.start.split("-")), map(int, period.end.split("-")))
    return date(y0, m0, 1), date(y1, m1, 1)


#: Documented key for the SYNTHETIC demonstration data only; real data needs a secret key.
DEMO_PSEUDONYM_KEY = "mwsn-synthetic-demonstration-key"


def raw_folder_problem(where: Paths) -> Problem | None:
    """What stops a run before anything is read: its raw data folder (``data/raw/<jur>/``, the
    wave's) is not there; None when it is."""
    if where.raw.is_dir():
        return None
    return Problem(str(where.raw), "raw data folder not found: put the exports here (or run "
                   f"`mwsn synth {where.jurisdiction}` for demonstration data)")


#: what an export with nothing in it is told
EMPTY_EXPORT = "the file is empty: export the data again"


def export_file_problem(path: Path, key: str = "sources.<name>") -> Problem | None:
    """Why ``path`` cannot be an export, told without opening it: a folder, no such file, or
    no bytes; None otherwise. ``key``: the source's params key the advice names."""
    if path.is_dir():
        return Problem(str(path), f"this is a folder, not a file: name the export file itself "
                       f"in {key}.file")
    if not path.is_file():
        return Problem(str(path), f"file not found: put the export here or fix {key}.file in "
                       "the params file")
    if path.stat().st_size == 0:
        return Problem(str(path), EMPTY_EXPORT)
    return None


def pseudonym_key_from_environment() -> bytes | None:
    """The pseudonym key set in the environment (``MWSN_PSEUDONYM_KEY``, or the file named by
    ``MWSN_PSEUDONYM_KEY_FILE``), ``None`` when neither is set.

    Raises
    ------
    mwsn.errors.InputError
        ``MWSN_PSEUDONYM_KEY_FILE`` names no file.
    """
    import os

    if value := os.environ.get("MWSN_PSEUDONYM_KEY"):
        return value.encode("utf-8")
    if key_file := os.environ.get("MWSN_PSEUDONYM_KEY_FILE"):
        path = Path(key_file).expanduser()
        if not path.is_file():
            raise InputError(Problem(str(path), "pseudonym key file not found (named by "
                                     "MWSN_PSEUDONYM_KEY_FILE)"))
        return path.read_bytes().strip()
    return None


def pseudonym_key(where: Paths) -> bytes:
    """The secret key for pseudonyms: kept outside the repository.

    Taken from ``MWSN_PSEUDONYM_KEY``, or from the file named by
    ``MWSN_PSEUDONYM_KEY_FILE``; synthetic demonstration data uses the
    documented demo key.
    """
    if (key := pseudonym_key_from_environment()) is not None:
        return key
    if where.is_synthetic:
        return DEMO_PSEUDONYM_KEY.encode("utf-8")
    raise InputError(Problem(str(where.raw), "no pseudonym key: set MWSN_PSEUDONYM_KEY, or "
                             "MWSN_PSEUDONYM_KEY_FILE to a file outside the repository holding "
                             "a long random secret; keep it for later reruns"))
