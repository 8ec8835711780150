"""Execute the notebooks with papermill and export the reports with nbconvert.

The only module that knows papermill and nbconvert. For each jurisdiction it

1. takes a lock (``reports/.<jur>.lock``): a second run of the same
   jurisdiction stops at once; the OS releases the lock if a run is killed;
2. hashes what the run depends on (:mod:`mwsn.provenance`) and, when nothing
   changed since ``reports/<jur>/manifest.json`` was written, says so and stops,
   without importing pandas, papermill or nbconvert;
3. validates the raw data before any kernel starts;
4. plans one *step* per notebook (the report notebook: one per language) and
   executes, in parallel where the notebooks' contracts allow, only the steps
   whose inputs changed; the others are reused from the previous run;
5. exports the executed notebooks (with code) and the manager report(s)
   (without code), publishes the CSV tables the notebooks wrote (e.g.
   ``findings.csv``) beside the report, writes the manifest, and swaps the new
   report and processed data in.

Which notebook reads what
    A notebook may declare in its metadata ``"mwsn": {"reads": [...], "writes":
    [...]}``: names of processed tables (``survey`` is
    ``data/processed/<jur>/survey.parquet``; a name with a dot is a file name),
    plus ``raw`` (``data/raw/<jur>/``) and ``external`` (``data/external/``) in
    ``reads``. A notebook that declares no ``reads`` reads everything earlier
    notebooks wrote and all raw and external data; one that declares no
    ``writes`` is waited for by every later notebook. Each step runs in its own
    folder where ``data/processed/<jur>/`` holds only what it may read, so an
    undeclared read fails loudly instead of silently going stale. Every step
    also depends on its own source, the params files, the library's source
    hash and the package versions.

Safe under faults
    Steps run in ``reports/.staging-<jur>-<run>/``; nothing under ``reports/<jur>/``
    or ``data/processed/<jur>/`` changes until every step has succeeded. Then a
    ``COMMIT`` marker is written (the commit point) and both folders are
    swapped in by renames. A run killed before the marker leaves the previous
    outputs as they were and its staging folder is discarded by the next run;
    one killed after it is completed by the next run. Executed notebooks show
    paths relative to the project root and no timings, so reruns are
    byte-identical wherever they run (and do not reveal a home folder). A
    failing notebook keeps its partly executed copy under
    ``reports/_failed/<jur>/``.

Kernels talk to the runner over local IPC sockets, not TCP, so no port is
opened and the kernel has no reason to warn about unencrypted TCP.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mwsn import provenance
from mwsn.config import Paths, load, paths
from mwsn.errors import InputError, MwsnError, NotebookError

NOTEBOOK_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
REPORT_NOTEBOOK = "07_report.ipynb"
#: notebooks numbered from here on compare jurisdictions; ``run --all`` runs them last
CROSS_JURISDICTION = 90
#: the ``jurisdiction`` parameter given to cross-jurisdiction notebooks
ALL = "all"
KERNEL = "python3"
#: the parameters every pipeline notebook declares, and nothing else
PARAMETERS = ("jurisdiction", "root", "lang")
#: what the outputs were built from and their hashes: the same bytes for the same inputs,
#: whenever and however (``--jobs``, reused or executed) they were built
MANIFEST = "manifest.json"
#: this run's own log beside it: command, time, which steps executed and how long they took
RUN_LOG = "run.json"
MANIFEST_FORMAT = 2
#: environment of every kernel: no hash randomisation, fixed dates in file metadata
KERNEL_ENV = {"PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}

notebooks_dir = provenance.notebooks_dir


class RunLocked(MwsnError):
    """Another run of the same jurisdiction holds the lock."""

    exit_code = 3


def pipeline(folder: Path) -> list[Path]:
    """The numbered notebooks of one jurisdiction's run, in order (90+ are cross-jurisdiction)."""
    found = [p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name)]
    return sorted(p for p in found if int(p.name[:2]) < CROSS_JURISDICTION)


def cross_jurisdiction(folder: Path) -> list[Path]:
    """The notebooks that compare jurisdictions (numbered 90 and above), in order."""
    found = [p for p in folder.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name)]
    return sorted(p for p in found if int(p.name[:2]) >= CROSS_JURISDICTION)


# -- plan --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contract:
    """What a notebook reads and writes (``None``: not declared)."""

    reads: tuple[str, ...] | None = None
    writes: tuple[str, ...] | None = None

    @property
    def reads_raw(self) -> bool:
        return self.reads is None or "raw" in self.reads

    @property
    def reads_external(self) -> bool:
        return self.reads is None or "external" in self.reads

    def reads_table(self, file_name: str) -> bool:
        return self.reads is None or file_name in {
            _table_file(n) for n in self.reads if n not in INPUTS}

    def reads_input(self, name: str) -> bool:
        """Whether the notebook reads one of :data:`INPUTS` (all of them when undeclared)."""
        return self.reads is None or name in self.reads


#: what a notebook may declare in ``reads`` besides processed tables: raw exports, the
#: published context data, the methods pages (``docs/methods*.md``), what the other
#: jurisdictions' params say of their Network, and the pseudonym key
INPUTS = ("raw", "external", "docs", "jurisdictions", "pseudonym_key")


def _table_file(name: str) -> str:
    return name if "." in name else f"{name}.parquet"


def contract(notebook: Path) -> Contract:
    """The reads/writes a notebook declares in its metadata (``metadata.mwsn``)."""
    meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {}).get("mwsn", {})
    reads, writes = meta.get("reads"), meta.get("writes")
    return Contract(None if reads is None else tuple(reads),
                    None if writes is None else tuple(writes))


@dataclass
class Step:
    """One notebook execution of one jurisdiction, in one language."""

    jurisdiction: str
    source: Path
    lang: str
    name: str
    contract: Contract
    report: bool
    deps: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.jurisdiction} {self.name}"


def plan(folder: Path, jurisdiction: str, languages: list[str]) -> list[Step]:
    """Steps in file order; ``deps`` are the earlier steps each must wait for."""
    steps: list[Step] = []
    for source in pipeline(folder):
        terms = contract(source)
        report = source.name == REPORT_NOTEBOOK
        for lang in (languages if report else languages[:1]):
            suffix = f".{lang}" if report and lang != "en" else ""
            steps.append(Step(jurisdiction, source, lang, source.stem + suffix, terms, report))
    for j, later in enumerate(steps):
        for i, earlier in enumerate(steps[:j]):
            if earlier.source == later.source:
                continue
            if (earlier.contract.writes is None or later.contract.reads is None
                    or any(later.contract.reads_table(_table_file(w))
                           for w in earlier.contract.writes)):
                later.deps.append(i)
    return steps


# -- the state of one jurisdiction ---------------------------------------------------------------

@dataclass
class _Job:
    """Everything known about one jurisdiction's run."""

    where: Paths
    params: object               # config.Jurisdiction
    steps: list[Step]
    basis: dict                  # what every step depends on: provenance hashes
    previous: dict | None        # the last manifest
    force: bool
    staging: Path = None
    records: dict = field(default_factory=dict)   # step name -> manifest record
    state: dict = field(default_factory=dict)     # step index -> "pending"/"running"/"done"
    failed: NotebookError | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def code(self) -> str:
        return self.where.jurisdiction

    def rel_report(self, name: str) -> str:
        return f"reports/{self.code}/{name}"

    def rel_processed(self, name: str) -> str:
        return f"data/processed/{self.code}/{name}"

    def staged(self, rel: str) -> Path:
        for prefix, folder in ((f"reports/{self.code}/", "report"),
                               (f"data/processed/{self.code}/", "processed")):
            if rel.startswith(prefix):
                return self.staging / folder / rel[len(prefix):]
        raise ValueError(rel)


def _basis(where: Paths, steps: list[Step]) -> dict:
    """What the steps may depend on, each read only when a step declares it."""
    env = provenance.environment()

    def reads(name: str) -> bool:
        return any(step.contract.reads_input(name) for step in steps)

    return {
        "parameters": provenance.parameters(where),
        "raw": provenance.raw_inputs(where),
        "external": provenance.external_inputs(where),
        "docs": provenance.docs_inputs(where.root) if reads("docs") else {},
        "jurisdictions": provenance.network_facts(where.root) if reads("jurisdictions") else {},
        "pseudonym_key": (provenance.pseudonym_key_fingerprint(where)
                          if reads("pseudonym_key") else None),
        "notebooks": provenance.notebook_sources(where.root),
        "mwsn": provenance.mwsn_version(),
        "python": env["python"],
        "packages": env["packages"],
        "lock": provenance.lock_sha256(),
    }


def _step_outputs(step: Step) -> list[str]:
    """Report-side outputs of a step, relative to ``reports/<jur>/``."""
    names = [f"notebooks/{step.name}.ipynb", f"notebooks/{step.name}.html"]
    if step.report:
        suffix = "" if step.lang == "en" else f".{step.lang}"
        names.append(f"assessment{suffix}.html")
    return names


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
    file and the shared ones; the library's source, Python and package versions;
    and, where the notebook declares them, the raw exports, the published
    context data, the methods pages, the other jurisdictions' Network facts, a
    keyed fingerprint of the pseudonym key, and the processed tables it reads.
    """
    basis, terms = job.basis, step.contract
    raw = basis["raw"] if terms.reads_raw else {
        p: s for p, s in basis["raw"].items() if p.endswith("/SYNTHETIC_DATA.txt")}
    return {
        "step": {"jurisdiction": job.code, "lang": step.lang},
        "notebook": basis["notebooks"].get(step.source.name),
        "parameters": basis["parameters"]["files"],
        "library": basis["mwsn"],
        "python": basis["python"],
        "packages": basis["packages"],
        "raw": raw,
        "external": basis["external"] if terms.reads_external else {},
        "docs": basis["docs"] if terms.reads_input("docs") else {},
        "jurisdictions": basis["jurisdictions"] if terms.reads_input("jurisdictions") else {},
        "pseudonym_key": basis["pseudonym_key"] if terms.reads_input("pseudonym_key") else None,
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


# -- what would rerun, and why -----------------------------------------------------------------

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


def _why(job: _Job, kinds: list[str], upstream: dict[str, str], before: dict) -> list[str]:
    """Words for the kinds of input whose hash changed since the last run."""
    previous, basis = job.previous, job.basis
    inputs = previous.get("inputs", {})
    reasons = []
    for kind in kinds:
        if kind == "notebook":
            reasons.append("its notebook changed")
        elif kind == "parameters":
            files = _changed(previous.get("parameters", {}).get("files", {}),
                             basis["parameters"]["files"])
            reasons.append("params changed: " + ", ".join(files or ["(order)"]))
        elif kind in ("raw", "external"):
            prefix = "data/raw/" if kind == "raw" else "data/external/"
            now = basis[kind]
            was = {p: s for p, s in inputs.items() if p.startswith(prefix)}
            reasons.append(f"{kind} data changed: " + ", ".join(_changed(was, now)[:5]))
        elif kind == "docs":
            files = _changed(previous.get("docs", {}), basis["docs"])
            reasons.append("methods pages changed: " + ", ".join(files or ["docs/"]))
        elif kind == "jurisdictions":
            codes = _changed(previous.get("jurisdictions", {}), basis["jurisdictions"])
            reasons.append("another jurisdiction's Network facts changed: " + ", ".join(codes))
        elif kind == "pseudonym_key":
            reasons.append("the pseudonym key changed")
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


def dry_run(jurisdiction: str, root: str | Path = ".", *, force: bool = False) -> list[Planned]:
    """What ``mwsn run <jurisdiction>`` would execute and why, without running anything.

    A step whose own inputs are unchanged but that reads a table from a step
    that reruns is listed as running (it is reused after all when that table
    comes out byte-identical).
    """
    where = paths(jurisdiction, root)
    params = load(jurisdiction, where.root)
    steps = plan(notebooks_dir(where.root), jurisdiction, list(params.languages))
    job = _Job(where, params, steps, _basis(where, steps), _read_manifest(where), force)
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
            reasons = _why(job, kinds, upstream, before)
            if waits:
                reasons.append("reads what " + ", ".join(waits) + " writes, which reruns")
            if not reasons and not _live_matches(where.root, before.get("outputs", {}), {}):
                reasons = ["its outputs on disk differ from the manifest"]
        if reasons:
            rerun.add(index)
        planned.append(Planned(step.label, bool(reasons), tuple(reasons)))
    return planned


# -- locks and atomic swap ---------------------------------------------------------------------

class _Lock:
    """An exclusive ``flock`` on a file; the OS releases it when the process dies."""

    def __init__(self, path: Path, what: str):
        self.path, self.what, self.fd = path, what, None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip()
            os.close(fd)
            raise RunLocked(
                f"{self.what} is already running (process {holder or 'unknown'}, lock "
                f"{self.path}); wait for it to finish, then run again") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _lock(where: Paths) -> _Lock:
    return _Lock(where.root / "reports" / f".{where.jurisdiction}.lock",
                 f"mwsn run {where.jurisdiction}")


def _staging(where: Paths) -> Path:
    """A new staging folder, named for this run alone: a killed run's worker that has not
    yet noticed can only write into its own run's folder."""
    return where.root / "reports" / f".staging-{where.jurisdiction}-{uuid.uuid4().hex[:12]}"


def _recover_all(where: Paths) -> None:
    for staging in sorted((where.root / "reports").glob(f".staging-{where.jurisdiction}-*")):
        _recover(staging, _targets(where))


def _targets(where: Paths) -> dict[str, Path]:
    # processed first, report (holding the manifest) last
    return {"processed": where.processed, "report": where.reports}


def _discard(folder: Path) -> None:
    """Remove a folder, first moving it aside so that a new one can take its name at once."""
    if not folder.exists():
        return
    trash = folder.with_name(f".trash-{uuid.uuid4().hex[:12]}")
    try:
        folder.rename(trash)
    except OSError:
        trash = folder
    shutil.rmtree(trash, ignore_errors=True)


def _finish_commit(staging: Path, targets: dict[str, Path]) -> None:
    """Swap committed staging folders in; safe to repeat after being interrupted."""
    old = staging / "old"
    old.mkdir(exist_ok=True)
    for key, target in targets.items():
        new = staging / key
        if not new.exists():
            continue          # already swapped in
        if target.exists():
            if (old / key).exists():
                shutil.rmtree(old / key)
            target.rename(old / key)
        target.parent.mkdir(parents=True, exist_ok=True)
        new.rename(target)
    (staging / "COMMIT").unlink(missing_ok=True)
    _discard(staging)


def _commit(staging: Path, targets: dict[str, Path]) -> None:
    marker = staging / "COMMIT"
    tmp = staging / "COMMIT.tmp"
    tmp.write_text("complete: swap in\n", encoding="ascii")
    os.replace(tmp, marker)        # the commit point
    _finish_commit(staging, targets)


def _recover(staging: Path, targets: dict[str, Path]) -> None:
    """Complete a committed swap a killed run left half done, or discard its leftovers."""
    for trash in staging.parent.glob(".trash-*"):
        shutil.rmtree(trash, ignore_errors=True)
    if (staging / "COMMIT").exists():
        _finish_commit(staging, targets)
    else:
        _discard(staging)


# -- executing one step (in a worker process) --------------------------------------------------

def _link_tree(root: Path, work: Path, *, keep_data: set[str], processed: Path | None) -> None:
    """Make ``work`` a view of ``root``: links to its entries, a private processed folder."""
    work.mkdir(parents=True, exist_ok=True)
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name in ("data", "reports"):
            continue
        (work / entry.name).symlink_to(entry)
    data = root / "data"
    (work / "data").mkdir(exist_ok=True)
    if data.is_dir():
        for entry in sorted(data.iterdir()):
            if entry.name in keep_data and entry.name != "processed":
                (work / "data" / entry.name).symlink_to(entry)
    if processed is not None:
        processed.mkdir(parents=True, exist_ok=True)


def _deterministic(nb, roots: list[str], input_path: str, output_path: str) -> str:
    """The executed notebook as JSON without timings and with paths relative to the root."""
    meta = nb.metadata.get("papermill")
    if meta is not None:
        for volatile in ("start_time", "end_time", "duration"):
            meta.pop(volatile, None)
        meta["input_path"], meta["output_path"] = input_path, output_path
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"     # papermill gives it a random id
        cell.metadata.pop("execution", None)
        cell_meta = cell.metadata.get("papermill")
        if cell_meta is not None:
            for volatile in ("start_time", "end_time", "duration"):
                cell_meta.pop(volatile, None)
    import nbformat

    text = nbformat.writes(nb)
    for root in sorted(set(roots), key=len, reverse=True):
        quoted = json.dumps(root)[1:-1]
        text = text.replace(quoted + "/", "").replace(quoted, ".")
    return text


_EXPORTERS: dict = {}


def _exporter(kind: str):
    """One nbconvert exporter per kind, reused for every export in this process."""
    if kind not in _EXPORTERS:
        from nbconvert import HTMLExporter

        if kind == "manager":
            _EXPORTERS[kind] = HTMLExporter(
                template_name="basic", exclude_input=True, exclude_input_prompt=True,
                exclude_output_prompt=True, exclude_markdown=True, exclude_raw=True)
        else:
            template = Path(__file__).with_name("templates") / "auditor.html.j2"
            _EXPORTERS[kind] = HTMLExporter(template_name="lab", template_file=str(template))
    return _EXPORTERS[kind]


def _manager_body(nb) -> str:
    """The report notebook's HTML outputs only: no code, prompts, markdown or streams."""
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={"text/html": out["data"]["text/html"]})
            for out in cell.outputs
            if out.get("output_type") in ("display_data", "execute_result")
            and "text/html" in out.get("data", {})
            # a report section (mwsn.report.html.Html marks its display; a DataFrame or a
            # warning a cell happened to show is dropped); the literal keeps workers light
            and out.get("metadata", {}).get("mwsn_report")
        ]
    nb.cells = [cell for cell in nb.cells if cell.cell_type == "code" and cell.outputs]
    body, _ = _exporter("manager").from_notebook_node(nb)
    return body


def _write_atomic(path: Path, text: str, *, make_folder: bool = False) -> None:
    """Write aside then rename; the folder must exist unless ``make_folder``."""
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _source_cell(source: Path, executed, index: int) -> int | None:
    """1-based position in the committed notebook of the executed cell ``index``."""
    try:
        cell_id = executed.cells[index].get("id")
        cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
        return 1 + [c.get("id") for c in cells].index(cell_id)
    except (IndexError, ValueError, KeyError):
        return index + 1


def execute_step(task: dict) -> dict:
    """Execute one notebook in its work folder and export it; returns a plain dict.

    Runs in a worker process. ``task`` holds plain values only (paths as
    strings). Returns ``{"seconds": ...}`` (plus ``"body"``, the manager
    report's HTML, for the report notebook) or ``{"error": {...}}`` naming the
    cell.
    """
    started = time.monotonic()
    import nbformat
    import papermill
    from jupyter_client.manager import AsyncKernelManager
    from papermill.exceptions import PapermillExecutionError

    os.environ.update(KERNEL_ENV)
    source, work = Path(task["source"]), Path(task["work"])
    out_dir = Path(task["out_dir"])
    executed_path = work / f"{task['name']}.ipynb"
    roots = [task["work"], str(Path(task["work"]).resolve()), task["root"],
             str(Path(task["root"]).resolve())]
    rel_in = f"notebooks/{source.name}"
    rel_out = task["rel_out"]
    sockets = Path(task["sockets"])
    sockets.mkdir(mode=0o700, parents=True, exist_ok=True)

    class LocalKernelManager(AsyncKernelManager):
        """A kernel reached over IPC sockets in a private folder, not over TCP."""

        def __init__(self, **kwargs):
            super().__init__(transport="ipc", ip=str(sockets / "kernel"), **kwargs)

        async def _async_interrupt_kernel(self):
            if self.shutting_down:
                return   # the notebook has finished: a shutdown request is enough, no SIGINT
            await super()._async_interrupt_kernel()

    try:
        nb = papermill.execute_notebook(
            str(source), str(executed_path),
            parameters={"jurisdiction": task["jurisdiction"], "root": ".", "lang": task["lang"]},
            kernel_name=KERNEL, cwd=str(work), progress_bar=False, log_output=False,
            kernel_manager_class=LocalKernelManager, record_timing=False)
    except PapermillExecutionError as exc:
        failed = Path(task["failed"])
        cell = None
        if executed_path.exists():
            partial = nbformat.read(executed_path, as_version=4)
            cell = _source_cell(source, partial, exc.cell_index)
            _write_atomic(failed, _deterministic(partial, roots, rel_in, task["failed_rel"]),
                          make_folder=True)
        return {"error": {"notebook": source.name, "cell": cell,
                          "message": f"{exc.ename}: {exc.evalue}", "kept": str(failed)}}
    except Exception as exc:  # noqa: BLE001 - kernel died, timeout: no cell to blame
        return {"error": {"notebook": source.name, "cell": None,
                          "message": f"{type(exc).__name__}: {exc}", "kept": None}}
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    for warming in _WARMING:
        warming.join()              # the exporters are not shared between threads
    text = _deterministic(nb, roots, rel_in, rel_out)
    clean = nbformat.reads(text, as_version=4)
    _write_atomic(out_dir / "notebooks" / f"{task['name']}.ipynb", text)
    page, _ = _exporter("auditor").from_notebook_node(clean)
    _write_atomic(out_dir / "notebooks" / f"{task['name']}.html", page)
    done = {"seconds": round(time.monotonic() - started, 3)}
    if task["report"]:
        done["body"] = _manager_body(clean)    # the runner wraps it into the page
    executed_path.unlink(missing_ok=True)
    return done


def _warm_up() -> None:
    """Import the notebook tools and load the export templates ahead of the first step."""
    import nbformat
    import papermill  # noqa: F401

    for kind in ("auditor", "manager"):
        _exporter(kind).from_notebook_node(nbformat.v4.new_notebook())


_WARMING: list = []     # the warm-up thread of a worker process, if any


def _worker_init(parent: int) -> None:
    """Warm up in the background; leave when the parent is gone (killed), leaving no
    orphaned kernels or workers."""
    import threading

    def watch():
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    warming = threading.Thread(target=_warm_up, daemon=True)
    warming.start()
    _WARMING.append(warming)


# -- progress ----------------------------------------------------------------------------------

class Progress:
    """Running steps with elapsed time: one live line on a terminal, plain lines otherwise."""

    def __init__(self, stream=None, live: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.running: dict[str, float] = {}
        self.total = self.done = 0
        self._drawn = False
        self._line = ""

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self._drawn = False

    def _say(self, line: str) -> None:
        self._clear()
        self.stream.write(line + "\n")
        self.stream.flush()
        self.tick()

    def start(self, label: str) -> None:
        self.running[label] = time.monotonic()
        if not self.live:
            self._say(f"{label}: started")
        else:
            self.tick()

    def finish(self, label: str, status: str, seconds: float | None = None) -> None:
        began = self.running.pop(label, None)
        if seconds is None and began is not None:
            seconds = time.monotonic() - began
        self.done += 1
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        self._say(f"{label}: {status}{took}")

    def tick(self) -> None:
        if not self.live or not self.running:
            return
        now = time.monotonic()
        parts = ", ".join(f"{label} {now - t:.0f} s" for label, t in self.running.items())
        line = f"[{self.done}/{self.total}] running: {parts}"[:200]
        if self._drawn and line == self._line:
            return
        self._clear()
        self.stream.write(line)
        self.stream.flush()
        self._drawn, self._line = True, line

    def close(self) -> None:
        self._clear()
        self.stream.flush()


class _Quiet(Progress):
    """No display (library use and tests)."""

    def __init__(self):
        import io

        super().__init__(stream=io.StringIO(), live=False)

    def _say(self, line: str) -> None:
        pass


# -- running -----------------------------------------------------------------------------------

@dataclass
class RunResult:
    jurisdiction: str
    reports: Path
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    up_to_date: bool = False
    #: with ``keep_going``: why the jurisdiction failed (validation, a notebook), or was skipped
    error: MwsnError | None = None
    skipped: str | None = None


def run(jurisdiction: str, root: str | Path = ".", *, force: bool = False, jobs: int = 1,
        progress: Progress | None = None, command: list[str] | None = None) -> RunResult:
    """Validate, execute and export one jurisdiction; returns where the reports are."""
    return run_many([jurisdiction], root, force=force, jobs=jobs, progress=progress,
                    command=command)[0]


def run_many(codes: list[str], root: str | Path = ".", *, force: bool = False, jobs: int = 1,
             progress: Progress | None = None, command: list[str] | None = None,
             cross: bool = False, keep_going: bool = False) -> list[RunResult]:
    """Run several jurisdictions, their notebooks sharing ``jobs`` worker processes.

    With ``cross``, the cross-jurisdiction notebooks (``90_*``) run afterwards.
    Raises :class:`NotebookError` (the first failure) once every jurisdiction
    that could finish has been swapped in; an :class:`InputError` before any
    notebook runs. With ``keep_going`` (``run --all``) nothing is raised for one
    jurisdiction: one whose params or data fail validation, or whose notebook
    fails, is returned with its ``error`` while the others build; one with no
    raw data at all (an example params file) is returned as ``skipped``.
    """
    progress = progress or _Quiet()
    command = list(sys.argv) if command is None else command
    locks = [_lock(paths(code, root)) for code in dict.fromkeys(codes)]
    try:
        for lock in locks:
            lock.acquire()
        return _run_locked(list(dict.fromkeys(codes)), Path(root).resolve(), force, max(1, jobs),
                           progress, command, cross, keep_going)
    finally:
        for lock in locks:
            lock.release()
        progress.close()


def _no_raw_data(where: Paths) -> bool:
    return not where.raw.is_dir() or not any(
        p for p in where.raw.iterdir() if not p.name.startswith("."))


def _run_locked(codes, root, force, jobs, progress, command, cross,
                keep_going=False) -> list[RunResult]:
    jobs_by_code: dict[str, _Job] = {}
    results: dict[str, RunResult] = {}
    for code in codes:
        where = paths(code, root)
        _recover_all(where)
        if keep_going and _no_raw_data(where):
            results[code] = RunResult(code, where.reports,
                                      skipped=f"no raw data in data/raw/{code}/")
            continue
        try:
            params = load(code, root)
        except InputError as exc:
            if not keep_going:
                raise
            results[code] = RunResult(code, where.reports, error=exc)
            continue
        steps = plan(notebooks_dir(root), code, list(params.languages))
        job = _Job(where, params, steps, _basis(where, steps), _read_manifest(where), force)
        if _up_to_date(job):
            results[code] = RunResult(code, where.reports, _report_files(where), 0.0,
                                      reused=[s.name for s in job.steps], up_to_date=True)
        else:
            jobs_by_code[code] = job
    if jobs_by_code:
        from mwsn import validate
        from mwsn.codebook import load_codebook

        total = sum(len(job.steps) for job in jobs_by_code.values())
        workers = min(jobs, total)
        pool = _pool(workers)     # workers warm up while the inputs are checked
        try:
            codebook = load_codebook(root)
            for code, job in list(jobs_by_code.items()):  # every input checked before any kernel
                try:
                    validate.read_and_check(job.params, codebook, job.where)
                except InputError as exc:
                    if not keep_going:
                        raise
                    results[code] = RunResult(code, job.where.reports, error=exc)
                    del jobs_by_code[code]
            _execute_all(list(jobs_by_code.values()), pool, workers, progress, command)
        except BaseException:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()       # their kernels stop with them
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    failure = None
    for code, job in jobs_by_code.items():
        if job.failed is not None:
            if keep_going:
                results[code] = RunResult(code, job.where.reports, error=job.failed)
            failure = failure or job.failed
            continue
        results[code] = RunResult(
            code, job.where.reports, _report_files(job.where), time.monotonic() - job.started,
            executed=[n for n, r in job.records.items() if r["status"] == "executed"],
            reused=[n for n, r in job.records.items() if r["status"] == "reused"])
    if failure is not None and not keep_going:
        raise failure
    if cross:
        ran = any(r.executed for r in results.values())
        _run_cross(root, force or ran, progress)
    return [results[code] for code in codes]


def _report_files(where: Paths) -> list[Path]:
    return sorted([*where.reports.glob("assessment*.html"), *where.reports.glob("assessment*.pdf"),
                   *where.reports.glob("summary.*"), *where.reports.glob("index.html")])


def _pool(workers: int):
    """Worker processes (started fresh, not forked) that import the notebook tools at once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init, initargs=(os.getpid(),))
    for _ in range(workers):
        pool.submit(os.getpid)      # start every worker now
    return pool


def _execute_all(jobs_list: list[_Job], pool, workers: int, progress: Progress,
                 command) -> None:
    """Schedule every step of every jurisdiction over the pool's worker processes."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    for job in jobs_list:
        job.staging = _staging(job.where)
        job.staging.mkdir(parents=True)
        (job.staging / "report" / "notebooks").mkdir(parents=True)
        (job.staging / "processed").mkdir()
        job.state = {i: "pending" for i in range(len(job.steps))}
        progress.total += len(job.steps)
    running: dict = {}
    try:
        while True:
            _start_ready(jobs_list, pool, running, progress, workers)
            if not running:
                break
            done, _ = wait(list(running), timeout=0.25, return_when=FIRST_COMPLETED)
            progress.tick()
            for future in done:
                job, index = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    raise MwsnError(f"a worker process running {job.steps[index].label} died "
                                    f"({exc}); earlier outputs are intact: run again") from None
                _finish_step(job, index, result, progress)
        for job in jobs_list:
            if job.failed is None:
                _write_manifest(job, command)
                _commit(job.staging, _targets(job.where))
            else:
                _discard(job.staging)
    except BaseException:
        for job in jobs_list:
            if job.staging is not None:
                _discard(job.staging)
        raise


def _heights(steps: list[Step]) -> list[int]:
    """Length of the longest chain of steps from each step to the end of its run."""
    heights = [1] * len(steps)
    for index in reversed(range(len(steps))):
        for dep in steps[index].deps:
            heights[dep] = max(heights[dep], heights[index] + 1)
    return heights


def _start_ready(jobs_list: list[_Job], pool, running: dict, progress: Progress,
                 workers: int) -> None:
    """Reuse every step whose inputs are unchanged; give free workers the ready steps,
    those with the longest chain still behind them first."""
    ready = []
    progressed = True
    while progressed:
        progressed, ready = False, []
        for order, job in enumerate(jobs_list):
            if job.failed is not None:
                continue
            heights = _heights(job.steps)
            for index, step in enumerate(job.steps):
                if job.state[index] != "pending":
                    continue
                if any(job.state[d] != "done" for d in step.deps):
                    continue
                upstream = _upstream(job, index,
                                     lambda s, job=job: job.records[s.name]["outputs"])
                parts = _key_parts(job, step, upstream)
                record = {"notebook": step.source.name, "lang": step.lang,
                          "source_sha256": job.basis["notebooks"].get(step.source.name),
                          "reads": upstream, "key_parts": parts,
                          "key": provenance.sha256_json(parts)}
                if _reuse(job, step, record):
                    job.state[index] = "done"
                    progressed = True
                    progress.finish(step.label, "up to date, reused")
                    continue
                ready.append((-heights[index], order, index, job, record))
    ready.sort(key=lambda item: item[:3])
    for _, _, index, job, record in ready[:max(0, workers - len(running))]:
        step = job.steps[index]
        work = job.staging / "work" / step.name
        _link_tree(job.where.root, work, keep_data=_data_links(job.where, step),
                   processed=work / "data" / "processed" / job.code)
        _seed(job, step, work, record["reads"])
        task = {
            "source": str(step.source), "work": str(work), "root": str(job.where.root),
            "out_dir": str(job.staging / "report"), "name": step.name,
            "jurisdiction": job.code, "lang": step.lang, "report": step.report,
            "rel_out": job.rel_report(f"notebooks/{step.name}.ipynb"),
            "failed": str(job.where.root / "reports" / "_failed" / job.code
                          / f"{step.name}.ipynb"),
            "failed_rel": f"reports/_failed/{job.code}/{step.name}.ipynb",
            "sockets": f"/tmp/mwsn-{os.getpid()}-{uuid.uuid4().hex[:8]}",
        }
        job.records[step.name] = record
        job.state[index] = "running"
        running[pool.submit(execute_step, task)] = (job, index)
        progress.start(step.label)


def _data_links(where: Paths, step: Step) -> set[str]:
    data = where.root / "data"
    names = {p.name for p in data.iterdir()} if data.is_dir() else set()
    if not step.contract.reads_raw:
        names.discard("raw")
    if not step.contract.reads_external:
        names.discard("external")
    return names


def _seed(job: _Job, step: Step, work: Path, upstream: dict[str, str]) -> None:
    """Give a step's private processed folder copies of what it may read."""
    processed = work / "data" / "processed" / job.code
    for rel in upstream:
        shutil.copyfile(job.staged(rel), processed / rel.rsplit("/", 1)[1])
    if not step.contract.reads_raw:
        marker = job.where.raw / "SYNTHETIC_DATA.txt"
        if marker.exists():
            (work / "data" / "raw" / job.code).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(marker, work / "data" / "raw" / job.code / marker.name)


def _reuse(job: _Job, step: Step, record: dict) -> bool:
    """Copy a step's outputs from the previous run when its key is unchanged."""
    if job.force or job.previous is None:
        return False
    before = job.previous.get("notebooks", {}).get(step.name)
    if not before or before.get("key") != record["key"]:
        return False
    if not _live_matches(job.where.root, before["outputs"], {}):
        return False
    for rel in before["outputs"]:
        target = job.staged(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(job.where.root / rel, target)
    record.update(status="reused", seconds=before.get("seconds"), outputs=before["outputs"])
    job.records[step.name] = record
    return True


def _finish_step(job: _Job, index: int, result: dict, progress: Progress) -> None:
    step = job.steps[index]
    if "error" in result:
        error = result["error"]
        job.failed = job.failed or NotebookError(error["notebook"], error["cell"],
                                                 error["message"], kept=error["kept"])
        job.state[index] = "failed"
        progress.finish(step.label, "FAILED")
        return
    work = job.staging / "work" / step.name
    processed = work / "data" / "processed" / job.code
    seeded = {rel.rsplit("/", 1)[1]: sha for rel, sha in job.records[step.name]["reads"].items()}
    outputs = {}
    for path in provenance.files_under(processed):
        name = path.relative_to(processed).as_posix()
        sha = provenance.sha256_file(path)
        if seeded.get(name) == sha:
            continue
        declared = step.contract.writes
        if declared is not None and name not in {_table_file(w) for w in declared}:
            job.failed = job.failed or NotebookError(
                step.source.name, None,
                f"it wrote data/processed/{job.code}/{name}, which its metadata "
                "(mwsn.writes) does not declare: add it there")
            job.state[index] = "failed"
            progress.finish(step.label, "FAILED")
            return
        target = job.staging / "processed" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        outputs[job.rel_processed(name)] = sha
    if step.report:
        _write_atomic(job.staging / "report" / _step_outputs(step)[-1],
                      _manager_page(job, step.lang, result["body"]))
    for name in _step_outputs(step):
        outputs[job.rel_report(name)] = provenance.sha256_file(job.staging / "report" / name)
    shutil.rmtree(work, ignore_errors=True)
    job.records[step.name].update(status="executed", seconds=result["seconds"],
                                  outputs=dict(sorted(outputs.items())))
    job.state[index] = "done"
    progress.finish(step.label, "executed", result["seconds"])


def _manager_page(job: _Job, lang: str, body: str) -> str:
    from mwsn import i18n, report

    title = i18n.t("report.title", lang, jurisdiction=job.params.name(lang))
    return report.page(body, lang, title, job.where.is_synthetic)


def _publish_tables(job: _Job) -> None:
    """CSV tables the notebooks wrote for publication go beside the report."""
    for path in sorted((job.staging / "processed").glob("*.csv")):
        shutil.copyfile(path, job.staging / "report" / path.name)


#: the auditor's index: written last, it records the manifest's own SHA-256 (so it is the one
#: output the manifest does not list)
INDEX = "index.html"


def _write_index(job: _Job, manifest_sha256: str) -> None:
    """The auditor's index (``index.html``): links to what the run wrote, and the manifest."""
    from mwsn import report
    from mwsn.codebook import load_codebook

    folder = job.staging / "report"
    files = [p.relative_to(folder).as_posix() for p in provenance.files_under(folder)]
    html = report.auditor.index_page(job.where, job.params, load_codebook(job.where.root),
                                     sorted({*files, MANIFEST, INDEX}), job.params.languages[0],
                                     processed=job.staging / "processed",
                                     manifest_sha256=manifest_sha256)
    _write_atomic(folder / INDEX, html)


_SEAL = re.compile(r'<code id="manifest-sha256">([0-9a-f]{64})</code>')


def recorded_manifest_sha256(reports: Path) -> str | None:
    """The manifest's SHA-256 as ``reports/<jur>/index.html`` records it (``None``: absent)."""
    try:
        found = _SEAL.search((reports / INDEX).read_text(encoding="utf-8"))
    except OSError:
        return None
    return found.group(1) if found else None


def _write_publications(job: _Job) -> None:
    """The plain summaries and the PDFs (:mod:`mwsn.report.publish`); a missing renderer is
    said in one line, and everything else is still written."""
    from mwsn.report import publish

    for note in publish.write(job.staging / "report", job.where, job.params,
                              job.staging / "processed"):
        print(f"{job.code}: {note}", file=sys.stderr)


def _write_manifest(job: _Job, command: list[str]) -> None:
    shutil.rmtree(job.staging / "work", ignore_errors=True)
    _publish_tables(job)
    (job.staging / "report" / INDEX).unlink(missing_ok=True)
    (job.staging / "report" / RUN_LOG).unlink(missing_ok=True)
    _write_publications(job)
    outputs = {}
    for folder, prefix in ((job.staging / "processed", f"data/processed/{job.code}"),
                           (job.staging / "report", f"reports/{job.code}")):
        for path in provenance.files_under(folder):
            outputs[f"{prefix}/{path.relative_to(folder).as_posix()}"] = \
                provenance.sha256_file(path)
    basis = job.basis
    log = {
        "command": command,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - job.started, 3),
        "notebooks": {name: {k: job.records[name].get(k) for k in ("status", "seconds")}
                      for name in sorted(job.records)},
    }
    _write_atomic(job.staging / "report" / RUN_LOG,
                  json.dumps(log, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    manifest = {
        "format": MANIFEST_FORMAT,
        "jurisdiction": job.code,
        "parameters": basis["parameters"],
        "inputs": {**basis["raw"], **basis["external"]},
        "docs": basis["docs"],
        "jurisdictions": basis["jurisdictions"],
        "mwsn": basis["mwsn"],
        "python": basis["python"],
        "packages": basis["packages"],
        "environment": {"lock_sha256": basis["lock"]},
        "notebooks": {name: {k: v for k, v in job.records[name].items()
                             if k not in ("status", "seconds")} for name in sorted(job.records)},
        "outputs": dict(sorted(outputs.items())),
    }
    text = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    _write_atomic(job.staging / "report" / MANIFEST, text)
    _write_index(job, hashlib.sha256(text.encode("utf-8")).hexdigest())


# -- cross-jurisdiction notebooks --------------------------------------------------------------

def _run_cross(root: Path, needed: bool, progress: Progress) -> list[Path]:
    """Run the ``90_*`` notebooks after every jurisdiction (``run --all``).

    Each runs with ``jurisdiction = "all"`` in a view of the project where
    ``data/processed/`` holds every jurisdiction's data and ``reports/`` is a
    private folder: what it writes there is moved into ``reports/`` file by
    file (each atomically) once it succeeded. Its executed copy goes to
    ``reports/_all/notebooks/``.
    """
    notebooks = cross_jurisdiction(notebooks_dir(root))
    if not notebooks:
        return []
    done = root / "reports" / ALL / "notebooks"
    if not needed and all((done / f"{nb.stem}.ipynb").exists() for nb in notebooks):
        return []
    lock = _Lock(root / "reports" / f".{ALL}.lock", "mwsn run --all")
    lock.acquire()
    written = []
    try:
        for source in notebooks:
            staging = root / "reports" / f".staging-{ALL}"
            _discard(staging)
            work = staging / "work"
            _link_tree(root, work, keep_data={p.name for p in (root / "data").iterdir()}
                       if (root / "data").is_dir() else set(), processed=None)
            (work / "data" / "processed").symlink_to(root / "data" / "processed")
            (work / "reports").mkdir()
            (staging / "report" / "notebooks").mkdir(parents=True)
            label = f"{ALL} {source.stem}"
            progress.start(label)
            result = execute_step({
                "source": str(source), "work": str(work), "root": str(root),
                "out_dir": str(staging / "report"), "name": source.stem, "jurisdiction": ALL,
                "lang": "en", "report": False,
                "rel_out": f"reports/{ALL}/notebooks/{source.stem}.ipynb",
                "failed": str(root / "reports" / "_failed" / ALL / source.name),
                "failed_rel": f"reports/_failed/{ALL}/{source.name}",
                "sockets": f"/tmp/mwsn-{os.getpid()}-{uuid.uuid4().hex[:8]}"})
            if "error" in result:
                error = result["error"]
                progress.finish(label, "FAILED")
                _discard(staging)
                raise NotebookError(error["notebook"], error["cell"], error["message"],
                                    kept=error["kept"])
            for path in provenance.files_under(work / "reports"):
                target = root / "reports" / path.relative_to(work / "reports")
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
                written.append(target)
            for path in provenance.files_under(staging / "report"):
                target = root / "reports" / ALL / path.relative_to(staging / "report")
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
            _discard(staging)
            progress.finish(label, "executed", result["seconds"])
    finally:
        lock.release()
    return written


# -- verify ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


#: the three checks of :func:`verify`, in the order they are reported
CHECKS = {
    "rerun": "a fresh rerun gives the outputs the manifest records",
    "disk": "the files on disk are those the manifest records",
    "manifest": "the manifest is the one the run wrote (its SHA-256 is in index.html)",
}


@dataclass
class Verification:
    """The outcome of :func:`verify`: each check's differences, and warnings.

    ``checks`` maps each of :data:`CHECKS` to its differences (empty: passed).
    ``warnings`` say what differs from the recorded run without being a failure
    (another environment, changed inputs): they explain a failed rerun.
    """

    jurisdiction: str
    checks: dict[str, list[Difference]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [name for name, found in self.checks.items() if found]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def differences(self) -> list[Difference]:
        return [d for found in self.checks.values() for d in found]

    def __iter__(self):
        return iter(self.differences)

    def __len__(self) -> int:
        return len(self.differences)

    def __bool__(self) -> bool:        # truthy when something differs, like a list
        return not self.ok


def _environment_warnings(manifest: dict, basis: dict) -> list[str]:
    warnings = []
    lock = manifest.get("environment", {}).get("lock_sha256")
    if lock != basis["lock"]:
        warnings.append(f"the environment was installed from another requirements.lock "
                        f"(manifest {str(lock)[:12]}…, here {str(basis['lock'])[:12]}…): "
                        "outputs may differ for that reason alone; `make install` gives the "
                        "locked versions")
    if manifest.get("python") != basis["python"]:
        warnings.append(f"Python {basis['python']} here, {manifest.get('python')} in the manifest")
    for name in _changed(manifest.get("packages", {}), basis["packages"]):
        warnings.append(f"package {name}: {basis['packages'].get(name)} here, "
                        f"{manifest['packages'].get(name)} in the manifest")
    if manifest.get("mwsn") != basis["mwsn"]:
        warnings.append("the mwsn library's source differs from the one that wrote the manifest")
    return warnings


def _input_warnings(manifest: dict, basis: dict) -> list[str]:
    warnings = []
    for what, before, now in (
            ("input", manifest.get("inputs", {}), {**basis["raw"], **basis["external"]}),
            ("params file", manifest.get("parameters", {}).get("files", {}),
             basis["parameters"]["files"]),
            ("methods page", manifest.get("docs", {}), basis["docs"]),
            ("notebook", {r["notebook"]: r["source_sha256"]
                          for r in manifest.get("notebooks", {}).values()},
             {r["notebook"]: basis["notebooks"].get(r["notebook"])
              for r in manifest.get("notebooks", {}).values()})):
        for name in _changed(before, now):
            warnings.append(f"{what} {name} changed since the manifest was written")
    return warnings


def verify(jurisdiction: str, root: str | Path = ".", *, jobs: int = 1,
           progress: Progress | None = None) -> Verification:
    """Check a jurisdiction's outputs against its manifest, three ways.

    1. ``rerun``: every notebook is executed again in a temporary folder (from
       the same params, raw and external data); the outputs must have the
       SHA-256 the manifest records.
    2. ``disk``: every output the manifest lists is on disk with that SHA-256.
    3. ``manifest``: the manifest's own SHA-256 equals the one ``index.html``
       recorded when the run wrote both (an edited manifest fails here).

    Differences of environment (another lock file, Python or package version,
    library source) and inputs changed since the run are returned as warnings.

    Raises
    ------
    MwsnError
        When there is no readable manifest.
    """
    import tempfile

    where = paths(jurisdiction, root)
    manifest = _read_manifest(where)
    if manifest is None:
        raise MwsnError(f"{where.reports / MANIFEST} not found, unreadable or from an older "
                        f"version: run `mwsn run {jurisdiction}` first")
    params = load(jurisdiction, where.root)
    steps = plan(notebooks_dir(where.root), jurisdiction, list(params.languages))
    basis = _basis(where, steps)
    result = Verification(jurisdiction)
    result.warnings = _environment_warnings(manifest, basis) + _input_warnings(manifest, basis)
    recorded = manifest.get("outputs", {})

    seal = recorded_manifest_sha256(where.reports)
    actual = provenance.sha256_file(where.reports / MANIFEST)
    result.checks["manifest"] = [] if seal == actual else [Difference(
        f"reports/{jurisdiction}/{MANIFEST}",
        "no manifest SHA-256 in index.html" if seal is None else
        f"its SHA-256 is {actual[:12]}…, index.html recorded {seal[:12]}…: the manifest "
        "was changed after the run")]

    disk = []
    for rel, sha in recorded.items():
        path = where.root / rel
        if not path.is_file():
            disk.append(Difference(rel, "missing on disk"))
        elif provenance.sha256_file(path) != sha:
            disk.append(Difference(rel, "the file on disk differs from the manifest"))
    result.checks["disk"] = disk

    with tempfile.TemporaryDirectory(prefix=f"mwsn-verify-{jurisdiction}-") as tmp:
        copy = Path(tmp)
        _link_tree(where.root, copy, keep_data={"raw", "external"}, processed=None)
        run(jurisdiction, copy, force=True, jobs=jobs, progress=progress,
            command=["mwsn", "verify", jurisdiction])
        rerun = _read_manifest(paths(jurisdiction, copy))["outputs"]
    found = []
    for rel in sorted(set(recorded) | set(rerun)):
        if rel not in rerun:
            found.append(Difference(rel, "in the manifest but not produced by the rerun"))
        elif rel not in recorded:
            found.append(Difference(rel, "produced by the rerun but not in the manifest"))
        elif rerun[rel] != recorded[rel]:
            found.append(Difference(
                rel, f"rerun gives SHA-256 {rerun[rel][:12]}…, manifest has {recorded[rel][:12]}…"))
    result.checks["rerun"] = found
    result.checks = {name: result.checks[name] for name in CHECKS}
    return result


__all__ = ["ALL", "CHECKS", "Contract", "Difference", "Planned", "Progress", "RunLocked",
           "RunResult", "Verification", "contract", "cross_jurisdiction", "dry_run",
           "execute_step", "notebooks_dir", "pipeline", "plan", "run", "run_many", "verify"]
