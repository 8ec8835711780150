"""The rerun cache: what each step depends on, the manifest, and what would rerun and why."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from mwsn import provenance
from mwsn import config
from mwsn.config import NATIONAL, Paths, load, national_paths, paths
from mwsn.errors import InputError, NotebookError, Problem
from mwsn.run.plan import ALL, Step, notebooks_dir, plan, run_level

#: what the outputs were built from and their hashes: the same bytes for the same inputs,
#: whenever and however (``--jobs``, reused or executed) they were built
MANIFEST = "manifest.json"


#: this run's own log beside it: command, time, which steps executed and how long they took
RUN_LOG = "run.json"


MANIFEST_FORMAT = 2


#: the indicator register: in the key of the steps that declare ``register`` only
REGISTER = "params/indicators.yaml"


#: the auditor's index: written last, it records the manifest's own SHA-256 (so it is the one
#: output the manifest does not list)
INDEX = "index.html"


_SEAL = re.compile(r'<code id="manifest-sha256">([0-9a-f]{64})</code>')


def recorded_manifest_sha256(reports: Path) -> str | None:
    """The manifest's SHA-256 as ``reports/<jur>/index.html`` records it (``None``: absent)."""
    try:
        found = _SEAL.search((reports / INDEX).read_text(encoding="utf-8"))
    except OSError:
        return None
    return found.group(1) if found else None


@dataclass
class _Job:
    """Everything known about one jurisdiction's run."""

    where: Paths
    params: object               # config.Jurisdiction
    steps: list[Step]
    basis: dict                  # what every step depends on: provenance hashes
    previous: dict | None        # the last manifest
    force: bool
    #: the jurisdiction's earlier waves, oldest first (their processed tables are a "waves" input)
    earlier: tuple[Paths, ...] = ()
    staging: Path = None
    records: dict = field(default_factory=dict)   # step name -> manifest record
    #: step index -> its record once its inputs are known (its dependencies done), kept while
    #: it waits for a worker; dropped when the basis changes (the national context committed)
    keyed: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict)     # step index -> "pending"/"running"/"done"
    failed: NotebookError | None = None
    started: float = field(default_factory=time.monotonic)
    #: lines the notebooks told whoever runs them (:mod:`mwsn.notice`), each said once
    notices: list[str] = field(default_factory=list)
    #: the run's options (``{name: value}``, from ``mwsn run``'s flags), given to the steps
    #: that take them (:meth:`~mwsn.run.plan.Contract.own_options`)
    options: dict = field(default_factory=dict)

    def step_options(self, step: Step) -> dict:
        """The run options ``step`` is given: those it takes, where not its defaults."""
        return step.contract.own_options(self.options)

    @property
    def options_given(self) -> dict:
        """The run options some step of this job is given (the manifest records them)."""
        return {k: v for step in self.steps for k, v in self.step_options(step).items()}

    @property
    def code(self) -> str:
        return self.where.jurisdiction

    @property
    def run_level(self) -> bool:
        """The national context or the comparison: a job of the run, not of a jurisdiction."""
        return run_level(self.code)

    @property
    def pages_rel(self) -> str | None:
        """``reports``, where the comparison's notebooks write its pages (``reports/compare.html``)
        beside the jurisdictions' folders; ``None`` for the other jobs."""
        return "reports" if self.code == ALL else None

    @property
    def reports_rel(self) -> str:
        """``reports/<jur>`` (``reports/<jur>/<wave>`` for a wave), relative to the root."""
        return self.where.reports.relative_to(self.where.root).as_posix()

    @property
    def processed_rel(self) -> str:
        return self.where.processed.relative_to(self.where.root).as_posix()

    @property
    def rel_national(self) -> str:
        """``data/processed/_national``: where the national context's tables are."""
        return national_paths(self.where.root).processed.relative_to(self.where.root).as_posix()

    def rel_report(self, name: str) -> str:
        return f"{self.reports_rel}/{name}"

    def rel_processed(self, name: str) -> str:
        return f"{self.processed_rel}/{name}"

    def staged(self, rel: str) -> Path:
        for prefix, folder in ((f"{self.reports_rel}/", "report"),
                               (f"{self.processed_rel}/", "processed"),
                               (f"{self.pages_rel}/", "pages")):
            if rel.startswith(prefix):
                return self.staging / folder / rel[len(prefix):]
        raise ValueError(rel)


def _basis(where: Paths, steps: list[Step], earlier: tuple[Paths, ...] = ()) -> dict:
    """What the steps may depend on, each read only when a step declares it; ``earlier``:
    the jurisdiction's waves before this one."""
    env = provenance.environment()

    def reads(name: str) -> bool:
        return any(step.contract.reads_input(name) for step in steps)

    compare = where.jurisdiction == ALL
    return {
        "parameters": (provenance.every_parameters(where.root) if compare
                       else provenance.parameters(where)),
        "raw": _markers(where.root) if compare else provenance.raw_inputs(where),
        "external": provenance.external_inputs(where),
        "docs": provenance.docs_inputs(where.root) if reads("docs") else {},
        "jurisdictions": provenance.network_facts(where.root) if reads("jurisdictions") else {},
        "pseudonym_key": (provenance.pseudonym_key_fingerprint(where)
                          if reads("pseudonym_key") else None),
        "waves": ({rel: sha for before in earlier
                   for rel, sha in provenance.hashes(provenance.files_under(before.processed),
                                                     where.root).items()}
                  if reads("waves") else {}),
        "national": (_national_tables(where.root)
                     if not run_level(where.jurisdiction) and reads("national") else {}),
        "tables": _every_table(where.root) if compare else {},
        "notebooks": provenance.notebook_sources(where.root),
        "mwsn": provenance.mwsn_version(),
        "python": env["python"],
        "packages": env["packages"],
        "lock": provenance.lock_sha256(),
    }


def _markers(root: Path) -> dict[str, str]:
    """Every jurisdiction's (and wave's) synthetic-data marker: the comparison's banner."""
    return provenance.hashes(sorted((root / "data" / "raw").rglob(config.SYNTHETIC_MARKER)),
                             root)


def _every_table(root: Path) -> dict[str, str]:
    """Every jurisdiction's (and wave's) processed files, as the comparison reads them (the
    national context's aside)."""
    folder = root / "data" / "processed"
    if not folder.is_dir():
        return {}
    return provenance.hashes([p for entry in sorted(folder.iterdir()) if entry.name != NATIONAL
                              for p in ([entry] if entry.is_file()
                                        else provenance.files_under(entry))], root)


def _national_tables(root: Path) -> dict[str, str]:
    """The national context's tables as its last run committed them."""
    return provenance.hashes(provenance.files_under(national_paths(root).processed), root)


def _upstream(job: _Job, index: int, outputs_of) -> dict[str, str]:
    """Processed files a step reads: those its dependencies wrote, as {path: sha256}."""
    step = job.steps[index]
    found = {}
    for dep in step.deps:
        for rel, sha in outputs_of(job.steps[dep]).items():
            if rel.startswith("data/processed/") and step.contract.reads_table(rel.rsplit("/", 1)[1]):
                found[rel] = sha
    return dict(sorted(found.items()))


def _key_inputs(job: _Job, step: Step, upstream: dict[str, str]) -> dict:
    """Everything a step's outputs depend on, by kind: exactly what it reads.

    Its notebook's source, language and jurisdiction; this jurisdiction's params
    file and the shared ones, by their parsed content (a comment or a change of layout
    reruns nothing: :func:`~mwsn.provenance.params_content_sha256`); the library's source, Python and package versions;
    and, where the notebook declares them, the raw exports, the published
    context data, the methods page of its language, the provinces with a Network, a
    keyed fingerprint of the pseudonym key, the national context's tables, and the
    processed tables it reads. A step given run options (:meth:`_Job.step_options`) has them in
    its ``step``: a later run without them reruns it. The comparison (:data:`ALL`) reads
    every params file, every jurisdiction's synthetic-data marker and every jurisdiction's
    processed tables (``tables``).
    """
    basis, terms = job.basis, step.contract
    raw = basis["raw"] if terms.reads_raw else {
        p: s for p, s in basis["raw"].items() if p.endswith("/SYNTHETIC_DATA.txt")}
    return {
        "step": {"jurisdiction": job.code, "lang": step.lang,
                 **({"wave": job.where.wave} if job.where.wave is not None else {}),
                 **({"options": job.step_options(step)} if job.step_options(step) else {})},
        "notebook": basis["notebooks"].get(step.source.name),
        "parameters": {path: sha for path, sha in basis["parameters"]["content"].items()
                       if terms.reads_input("register") or path != REGISTER},
        "library": basis["mwsn"],
        "python": basis["python"],
        "packages": basis["packages"],
        "raw": raw,
        "external": basis["external"] if terms.reads_external else {},
        "docs": (provenance.docs_in(basis["docs"], step.lang)
                 if terms.reads_input("docs") else {}),
        "jurisdictions": basis["jurisdictions"] if terms.reads_input("jurisdictions") else {},
        "pseudonym_key": basis["pseudonym_key"] if terms.reads_input("pseudonym_key") else None,
        "waves": basis["waves"] if terms.reads_input("waves") else {},
        "national": basis["national"] if terms.reads_input("national") else {},
        "tables": basis["tables"],
        "upstream": upstream,
    }


def _key_parts(job: _Job, step: Step, upstream: dict[str, str]) -> dict[str, str]:
    """``{kind: sha256}`` of :func:`_key_inputs`: recorded, so a rerun can say what changed."""
    return {kind: provenance.sha256_json(value)
            for kind, value in _key_inputs(job, step, upstream).items()}


def _key(job: _Job, step: Step, upstream: dict[str, str]) -> str:
    """Hash of everything a step's outputs depend on."""
    return provenance.sha256_json(_key_parts(job, step, upstream))


def _read_manifest(where: Paths) -> dict | None:
    path = where.reports / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if data.get("format") == MANIFEST_FORMAT else None


def _live_matches(root: Path, outputs: dict[str, str], cache: dict) -> bool:
    """Whether every recorded output exists under ``root`` with its recorded hash."""
    for rel, sha in outputs.items():
        if rel not in cache:
            path = root / rel
            cache[rel] = provenance.sha256_file(path) if path.is_file() else None
        if cache[rel] != sha:
            return False
    return True


def _up_to_date(job: _Job) -> bool:
    """True when the last manifest matches every step's inputs and every output on disk."""
    previous = job.previous
    if job.force or previous is None:
        return False
    recorded = previous.get("notebooks", {})
    if set(recorded) != {s.name for s in job.steps}:
        return False
    cache: dict = {}
    for index, step in enumerate(job.steps):
        record = recorded[step.name]
        upstream = _upstream(job, index, lambda s: recorded[s.name]["outputs"])
        if record.get("key") != _key(job, step, upstream):
            return False
    if not _live_matches(job.where.root, previous.get("outputs", {}), cache):
        return False
    manifest = job.where.reports / MANIFEST
    return recorded_manifest_sha256(job.where.reports) == provenance.sha256_file(manifest)


@dataclass(frozen=True)
class Planned:
    """One step of a dry run: whether it would execute, and the reasons."""

    label: str
    rerun: bool
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        if not self.rerun:
            return f"{self.label}: up to date, would be reused"
        return f"{self.label}: would run: " + "; ".join(self.reasons)


def _changed(before: dict, now: dict) -> list[str]:
    return sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))


def _params_file_changed(path: str, before: dict | None, now: dict) -> str:
    """``params/bc.yaml (min_cell, sources.survey)``: a params file and the keys whose value
    changed (:func:`~mwsn.provenance.changed_keys`; the file alone where the last run did
    not record its keys, or where it was added or removed)."""
    keys = provenance.changed_keys(before, now) if before and now else []
    more = f" and {len(keys) - 5} more" if len(keys) > 5 else ""
    return f"{path} ({', '.join(keys[:5])}{more})" if keys else path


def _key_rotated(job: _Job) -> bool:
    """Whether the pseudonym key differs from the last run's (as the cleaning's rerun key
    recorded it): the raw exports' fingerprints, keyed by it
    (:func:`~mwsn.provenance.raw_inputs`), then all differ, changed or not."""
    now = job.basis.get("pseudonym_key")
    if now is None:
        return False
    unread = provenance.sha256_json(None)
    was = {record.get("key_parts", {}).get("pseudonym_key")
           for record in (job.previous or {}).get("notebooks", {}).values()} - {None, unread}
    return bool(was) and provenance.sha256_json(now) not in was


def _words(options: dict) -> str:
    """``name=value, ...``; ``none`` for no option."""
    return ", ".join(f"{k}={v}" for k, v in sorted(options.items())) or "none"


def _why(job: _Job, kinds: list[str], upstream: dict[str, str], before: dict,
         lang: str = "en") -> list[str]:
    """Words for the kinds of input whose hash changed since the last run (``lang``: the
    step's language, whose methods page it reads)."""
    previous, basis = job.previous, job.basis
    inputs = previous.get("inputs", {})
    reasons = []
    for kind in kinds:
        if kind == "notebook":
            reasons.append("its notebook changed")
        elif kind == "step":
            reasons.append("run options changed: " + _words(previous.get("options", {}))
                           + " last time, " + _words(job.options_given) + " now")
        elif kind == "parameters":
            was = previous.get("parameters", {})
            files = _changed(was.get("content", {}), basis["parameters"]["content"])
            reasons.append("params changed: " + ", ".join(
                _params_file_changed(path, was.get("keys", {}).get(path),
                                     basis["parameters"]["keys"].get(path, {}))
                for path in files) if files else "params changed: (order)")
        elif kind == "raw" and _key_rotated(job):
            # the raw exports' fingerprints are keyed by it: not comparable across keys
            if "the pseudonym key changed" not in reasons:
                reasons.append("the pseudonym key changed")
        elif kind in ("raw", "external"):
            prefix = "data/raw/" if kind == "raw" else "data/external/"
            now = basis[kind]
            was = {p: s for p, s in inputs.items() if p.startswith(prefix)}
            reasons.append(f"{kind} data changed: " + ", ".join(_changed(was, now)[:5]))
        elif kind == "docs":
            files = _changed(provenance.docs_in(previous.get("docs", {}), lang),
                             provenance.docs_in(basis["docs"], lang))
            reasons.append("methods pages changed: " + ", ".join(files or ["docs/"]))
        elif kind == "jurisdictions":
            names = _changed(previous.get("jurisdictions", {}), basis["jurisdictions"])
            reasons.append("the provinces with a Network changed (the jurisdictions' params): "
                           + ", ".join(names))
        elif kind == "pseudonym_key":
            if "the pseudonym key changed" not in reasons:
                reasons.append("the pseudonym key changed")
        elif kind == "waves":
            files = _changed(previous.get("waves", {}), basis["waves"])
            reasons.append("an earlier wave's tables changed: " + ", ".join(
                sorted({f.rsplit("/", 1)[0] for f in files}) or ["(order)"]))
        elif kind == "national":
            files = _changed(previous.get("national", {}), basis["national"])
            reasons.append("the national context's tables changed: " + ", ".join(
                f.rsplit("/", 1)[1] for f in files) if files else "the national context changed")
        elif kind == "tables":
            files = _changed(previous.get("tables", {}), basis["tables"])
            reasons.append("jurisdictions' tables changed: " + ", ".join(
                sorted({f.split("/")[2] for f in files})))
        elif kind == "library":
            reasons.append("the mwsn library changed")
        elif kind in ("python", "packages"):
            names = _changed(previous.get("packages", {}), basis["packages"])
            reasons.append("package versions changed: " + ", ".join(names or ["python"]))
        elif kind == "upstream":
            tables = _changed(before.get("reads", {}), upstream)
            reasons.append("tables it reads changed: " + ", ".join(
                t.rsplit("/", 1)[1] for t in tables))
        else:
            reasons.append(f"{kind} changed")
    return reasons


def earlier_waves(where: Paths, params) -> tuple[Paths, ...]:
    """The waves of ``where``'s jurisdiction before ``where.wave``, oldest first."""
    if where.wave is None:
        return ()
    ids = params.wave_ids
    return tuple(where.with_wave(w) for w in ids[:ids.index(where.wave)])


def new_job(where: Paths, params, force: bool, options: dict | None = None) -> _Job:
    """A job for one jurisdiction (or one wave of it), its inputs hashed now; for a run-level
    job (:func:`~mwsn.run.plan.run_level`: the national context, the comparison), ``params``
    is ``None``. ``options``: the run's options (``{name: value}``)."""
    languages = ["en"] if params is None else list(params.languages)
    steps = plan(notebooks_dir(where.root), where.label, languages)
    earlier = () if params is None else earlier_waves(where, params)
    return _Job(where, params, steps, _basis(where, steps, earlier), _read_manifest(where), force,
                earlier=earlier, options=dict(options or {}))


def job_paths(name: str, root: str | Path = ".", wave: str | None = None) -> Paths:
    """Where a job's files live: a jurisdiction's (or wave's), or a run-level job's."""
    return national_paths(root) if name == NATIONAL else paths(name, root, wave)


def dry_run(jurisdiction: str, root: str | Path = ".", *, force: bool = False,
            wave: str | None = None, earlier_rerun: tuple[str, ...] = (),
            national_rerun: bool = False,
            tables_rerun: tuple[str, ...] = (), options: dict | None = None) -> list[Planned]:
    """What ``mwsn run <jurisdiction>`` would execute and why, without running anything.

    ``jurisdiction`` may also name a run-level job: ``_national`` (the national
    context) or ``all`` (the comparison). A step that reads the national
    context's tables is listed as running when ``national_rerun`` (that job
    would rerun); the comparison's, when one of ``tables_rerun`` (jurisdictions
    or waves that would rerun) may change the tables it reads.

    A step whose own inputs are unchanged but that reads a table from a step
    that reruns is listed as running (it is reused after all when that table
    comes out byte-identical). With ``wave``, that wave of the jurisdiction. ``options``:
    the run's options (``{name: value}``, as :func:`~mwsn.run.orchestrate.run_many` takes them).
    A later wave's steps that read an earlier wave's tables are judged from
    those tables as they are on disk now, and listed as running when one of
    ``earlier_rerun`` (earlier waves that would rerun) may change them.
    """
    where = job_paths(jurisdiction, root, wave)
    params = None if run_level(jurisdiction) else load(jurisdiction, where.root, wave)
    return planned(new_job(where, params, force, options), earlier_rerun=earlier_rerun,
                   national_rerun=national_rerun, tables_rerun=tables_rerun)


def planned(job: _Job, *, earlier_rerun: tuple[str, ...] = (), national_rerun: bool = False,
            tables_rerun: tuple[str, ...] = ()) -> list[Planned]:
    """:func:`dry_run` of a job: one :class:`Planned` per step, in order."""
    force, where = job.force, job.where
    steps = job.steps
    recorded = (job.previous or {}).get("notebooks", {})
    planned: list[Planned] = []
    rerun: set[int] = set()
    for index, step in enumerate(steps):
        before = recorded.get(step.name)
        if force:
            reasons = ["--force"]
        elif job.previous is None:
            reasons = ["no earlier run (or its manifest is from an older version)"]
        elif before is None or "key_parts" not in before:
            reasons = ["not in the last run's manifest"]
        else:
            waits = [steps[d].name for d in step.deps if d in rerun]
            upstream = _upstream(job, index, lambda s: recorded.get(s.name, {}).get("outputs", {}))
            parts = _key_parts(job, step, upstream)
            kinds = _changed(before["key_parts"], parts)
            if waits:
                kinds = [k for k in kinds if k != "upstream"]
            reasons = _why(job, kinds, upstream, before, step.lang)
            if waits:
                reasons.append(f"reads what {waits[0]} writes, which reruns" if len(waits) == 1
                               else f"reads what {', '.join(waits[:-1])} and {waits[-1]} "
                                    "write, which rerun")
            if earlier_rerun and step.contract.reads_input("waves"):
                reasons.append("reads the tables of earlier waves, and " + ", ".join(
                    earlier_rerun) + " reruns")
            if national_rerun and step.contract.reads_input("national"):
                reasons.append("reads the national context's tables, which rerun")
            if tables_rerun and job.code == ALL:
                reasons.append("reads every jurisdiction's tables, and " + ", ".join(
                    tables_rerun) + " reruns")
            if not reasons and not _live_matches(where.root, before.get("outputs", {}), {}):
                reasons = ["its outputs on disk differ from the manifest"]
        if reasons:
            rerun.add(index)
        planned.append(Planned(step.label, bool(reasons), tuple(reasons)))
    return planned


def no_raw_data(where: Paths) -> bool:
    """Whether ``data/raw/<jur>/`` (the wave's folder) is missing or empty: ``run --all``
    skips such a jurisdiction (an example params file, like the shipped Ontario)."""
    return not where.raw.is_dir() or not any(
        p for p in where.raw.iterdir() if not p.name.startswith("."))


def no_data_reason(where: Paths) -> str:
    """Why ``run --all`` skips a jurisdiction without raw data, in its words."""
    return f"no raw data in {where.raw.relative_to(where.root).as_posix()}/"


def preflight(where: Paths, params) -> list[Problem]:
    """The checks of a run's inputs that read no data, as ``mwsn run`` makes them first
    (:func:`mwsn.validate.read_and_check`), for a dry run to say a run would stop rather than
    promise it: the raw data folder, the pseudonym key, and each declared export present and
    not empty. ``params``: the jurisdiction's (the wave's) params. What only reading the
    exports finds (a bad value, a file cut short) is left to ``mwsn validate``.
    """
    if (folder := config.raw_folder_problem(where)) is not None:
        return [folder]
    problems = []
    try:
        config.pseudonym_key(where)
    except InputError as exc:
        problems.extend(exc.problems)
    for name, source in sorted(params.sources.items()):
        problem = config.export_file_problem(where.raw / source.file, f"sources.{name}")
        if problem is not None:
            problems.append(problem)
    return problems
