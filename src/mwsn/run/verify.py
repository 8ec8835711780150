"""``mwsn verify``: three checks of a jurisdiction's outputs against its manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mwsn import provenance
from mwsn.config import (
    NATIONAL, SHARED_PARAMS, Paths, list_jurisdictions, load, national_paths, paths)
from mwsn.errors import MwsnError
from mwsn.run.cache import (
    MANIFEST, _changed, _read_manifest, job_paths, new_job, recorded_manifest_sha256)
from mwsn.run.orchestrate import run_level_job, run_many
from mwsn.run.plan import ALL, contract, national, notebooks_dir
from mwsn.run.progress import Progress
from mwsn.run.staging import _link_tree


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

    #: the jurisdiction's code, or ``code/wave``
    jurisdiction: str
    checks: dict[str, list[Difference]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: the outputs the manifest records, {path: sha256}
    recorded: dict[str, str] = field(default_factory=dict)

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
           progress: Progress | None = None, wave: str | None = None) -> Verification:
    """Check a jurisdiction's outputs (one wave's, with ``wave``; its latest wave's when it
    has waves) against its manifest, three ways (:func:`verify_waves`); ``all``: the
    comparison's (:func:`verify_comparison`)."""
    if jurisdiction == ALL:
        return verify_comparison(root, jobs=jobs, progress=progress)
    params = load(jurisdiction, root)
    return verify_waves(jurisdiction, root, jobs=jobs, progress=progress,
                        wave=wave if wave is not None else params.wave_ids[-1])[-1]


def verify_waves(jurisdiction: str, root: str | Path = ".", *, jobs: int = 1,
                 progress: Progress | None = None,
                 wave: str | None = None) -> list[Verification]:
    """Check a jurisdiction's outputs against its manifest, three ways, one result per wave
    (every wave, or ``wave``; one result for a jurisdiction without waves), after the result
    of the national context its reports read (``_national``), which the rerun computes too.
    ``all`` checks the comparison (:func:`verify_comparison`).

    1. ``rerun``: every notebook is executed again in a temporary folder that
       holds only what the rerun reads (:func:`rerun_view`: never another
       jurisdiction's raw exports), removed however verify ends (Ctrl-C,
       SIGTERM, a failure), every wave in order, with the run options the
       manifest records; the outputs must have the SHA-256 the manifest records.
    2. ``disk``: every output the manifest lists is on disk with that SHA-256.
    3. ``manifest``: the manifest's own SHA-256 equals the one ``index.html``
       recorded when the run wrote both (an edited manifest fails here).

    Differences of environment (another lock file, Python or package version,
    library source) and inputs changed since the run are returned as warnings.

    Raises
    ------
    MwsnError
        When a wave checked has no readable manifest.
    InputError
        The params are invalid, or have no such wave.
    """
    import tempfile

    if jurisdiction == ALL:
        return [verify_comparison(root, jobs=jobs, progress=progress)]
    params = load(jurisdiction, root, wave)
    waves = [wave] if wave is not None else params.wave_ids
    units = [(paths(jurisdiction, root, w), params.for_wave(w) if wave is None else params)
             for w in waves]
    if national(notebooks_dir(Path(root))):
        units.insert(0, (national_paths(root), None))
    results = [_check_recorded(where, p, jurisdiction) for where, p in units]
    # rerun with the run's options, as the manifests record them
    options = {k: v for where, _ in units for k, v in _read_manifest(where).get("options",
                                                                               {}).items()}
    with tempfile.TemporaryDirectory(prefix=f"mwsn-verify-{jurisdiction}-") as tmp:
        copy = Path(tmp)
        rerun_view(paths(jurisdiction, root), copy)
        run_many([jurisdiction], copy, force=True, jobs=jobs, progress=progress,
                 command=["mwsn", "verify", jurisdiction], options=options)
        for result, (where, _) in zip(results, units):
            rerun = _read_manifest(job_paths(where.jurisdiction, copy, where.wave))["outputs"]
            result.checks["rerun"] = _rerun_differences(result.recorded, rerun)
            result.checks = {name: result.checks[name] for name in CHECKS}
    return results


def rerun_view(where: Paths, copy: Path) -> None:
    """Make ``copy`` the project as a jurisdiction's rerun reads it, and nothing more: links
    to its params file and the shared ones, its raw exports (``data/raw/<jur>/``, every
    wave), the published context data, the notebooks and the methods pages; the other
    jurisdictions' params files only when the national context reads what they say of their
    Network (``jurisdictions`` in its reads: it is rerun too). No other jurisdiction's raw
    exports, no processed tables or reports: the rerun writes its own."""
    root = where.root
    (copy / "params").mkdir(parents=True)
    names = [where.params_file.name, *(f"{name}.yaml" for name in SHARED_PARAMS)]
    if any(contract(nb).reads_input("jurisdictions") for nb in national(notebooks_dir(root))):
        names += [f"{code}.yaml" for code in list_jurisdictions(root)]
    for name in sorted(set(names)):
        if (root / "params" / name).is_file():
            (copy / "params" / name).symlink_to(root / "params" / name)
    if (root / "notebooks").is_dir():
        (copy / "notebooks").symlink_to(root / "notebooks")
    pages = sorted((root / "docs").glob("methods*.md"))
    if pages:
        (copy / "docs").mkdir()
        for page in pages:
            (copy / "docs" / page.name).symlink_to(page)
    (copy / "data" / "raw").mkdir(parents=True)
    if where.raw.is_dir():
        (copy / "data" / "raw" / where.jurisdiction).symlink_to(where.raw)
    if where.external.is_dir():
        (copy / "data" / "external").symlink_to(where.external)


def verify_comparison(root: str | Path = ".", *, jobs: int = 1,
                      progress: Progress | None = None) -> Verification:
    """Check the comparison (``reports/all/manifest.json``) three ways, as :func:`verify_waves`
    does a jurisdiction's: its rerun reads every jurisdiction's tables as they are on disk.

    Raises
    ------
    MwsnError
        When the comparison has no readable manifest (``mwsn run --all`` writes it).
    """
    import tempfile

    where = job_paths(ALL, root)
    result = _check_recorded(where, None)
    with tempfile.TemporaryDirectory(prefix="mwsn-verify-all-") as tmp:
        copy = Path(tmp)
        _link_tree(where.root, copy, keep_data={"raw", "external"}, processed=None)
        processed = where.root / "data" / "processed"
        if processed.is_dir():
            (copy / "data" / "processed").mkdir()
            for entry in sorted(processed.iterdir()):
                if entry.name != NATIONAL and not entry.name.startswith("."):
                    (copy / "data" / "processed" / entry.name).symlink_to(entry)
        run_level_job(ALL, copy, force=True, jobs=jobs, progress=progress,
                      command=["mwsn", "verify", ALL])
        rerun = _read_manifest(job_paths(ALL, copy))["outputs"]
        result.checks["rerun"] = _rerun_differences(result.recorded, rerun)
        result.checks = {name: result.checks[name] for name in CHECKS}
    return result


def _check_recorded(where, params, verified: str | None = None) -> Verification:
    """The manifest and disk checks of one wave (the rerun is compared later); ``verified``:
    the jurisdiction verified (whose run computes the national context)."""
    manifest = _read_manifest(where)
    if manifest is None:
        command = ("mwsn run --all" if where.jurisdiction == ALL else
                   f"mwsn run {verified or where.jurisdiction}" if where.jurisdiction == NATIONAL
                   else f"mwsn run {where.jurisdiction}"
                   + (f" --wave {where.wave}" if where.wave is not None else ""))
        raise MwsnError(f"{where.reports / MANIFEST} not found, unreadable or from an older "
                        f"version: run `{command}` first")
    job = new_job(where, params, force=False)
    result = Verification(where.label)
    result.warnings = (_environment_warnings(manifest, job.basis)
                       + _input_warnings(manifest, job.basis))
    result.recorded = manifest.get("outputs", {})

    seal = recorded_manifest_sha256(where.reports)
    actual = provenance.sha256_file(where.reports / MANIFEST)
    result.checks["manifest"] = [] if seal == actual else [Difference(
        f"{where.reports.relative_to(where.root).as_posix()}/{MANIFEST}",
        "no manifest SHA-256 in index.html" if seal is None else
        f"its SHA-256 is {actual[:12]}…, index.html recorded {seal[:12]}…: the manifest "
        "was changed after the run")]

    disk = []
    for rel, sha in result.recorded.items():
        path = where.root / rel
        if not path.is_file():
            disk.append(Difference(rel, "missing on disk"))
        elif provenance.sha256_file(path) != sha:
            disk.append(Difference(rel, "the file on disk differs from the manifest"))
    result.checks["disk"] = disk
    return result


def _rerun_differences(recorded: dict[str, str], rerun: dict[str, str]) -> list[Difference]:
    found = []
    for rel in sorted(set(recorded) | set(rerun)):
        if rel not in rerun:
            found.append(Difference(rel, "in the manifest but not produced by the rerun"))
        elif rel not in recorded:
            found.append(Difference(rel, "produced by the rerun but not in the manifest"))
        elif rerun[rel] != recorded[rel]:
            found.append(Difference(
                rel, f"rerun gives SHA-256 {rerun[rel][:12]}…, manifest has {recorded[rel][:12]}…"))
    return found
