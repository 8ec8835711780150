"""The runner: provenance, plan, incremental and parallel runs, atomic swap, lock, verify."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from conftest import NO_PDF, TOY_COUNT, make_root, toy_notebook
from mwsn import cli, config, provenance, runner
from mwsn.errors import MwsnError
from mwsn.run import kernels, orchestrate
from test_run_publishes import PAGE


def _files(root: Path, code: str = "bc") -> dict[str, bytes]:
    """Every output of a jurisdiction's run (the run's log aside), by path relative to root."""
    found = {}
    for folder in (root / "reports" / code, root / "data" / "processed" / code):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != runner.RUN_LOG:
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def _copy(root: Path, dest: Path) -> Path:
    shutil.copytree(root, dest, symlinks=True)
    return dest


def _manifest(root: Path, code: str = "bc") -> dict:
    return json.loads((root / "reports" / code / runner.MANIFEST).read_text(encoding="utf-8"))


# -- provenance and plan (no kernel) -------------------------------------------------------------

def test_snapshot_hashes_inputs_params_notebooks_and_versions(project_root):
    snap = provenance.snapshot(config.paths("bc", project_root))
    survey = project_root / "data/raw/bc/survey_export.csv"
    # a raw export's fingerprint is keyed (test_privacy: no guess of its content can be
    # confirmed by it): the synthetic data's, under the documented demonstration key
    assert snap["inputs"]["data/raw/bc/survey_export.csv"] == provenance.KEYED + hmac.new(
        config.DEMO_PSEUDONYM_KEY.encode(), b"mwsn raw export v1|" + survey.read_bytes(),
        hashlib.sha256).hexdigest()
    assert "params/bc.yaml" in snap["parameters"]["files"]
    assert "params/codebook.yaml" in snap["parameters"]["files"]
    assert len(snap["parameters"]["sha256"]) == 64
    assert "01_clean.ipynb" in snap["notebooks"]
    assert snap["packages"]["pandas"] and snap["python"].count(".") == 2
    assert list(snap) == ["jurisdiction", "parameters", "inputs", "notebooks", "mwsn", "python",
                          "packages"]


def _notebook(folder: Path, name: str, reads=None, writes=None, **more) -> None:
    nb = nbformat.v4.new_notebook()
    if reads is not None or writes is not None or more:
        nb.metadata["mwsn"] = {k: v for k, v in (("reads", reads), ("writes", writes),
                                                 *more.items()) if v is not None}
    nbformat.write(nb, folder / name)


def test_plan_follows_declared_reads_and_waits_for_undeclared_ones(tmp_path):
    _notebook(tmp_path, "01_clean.ipynb", reads=["raw"], writes=["survey", "funding"])
    _notebook(tmp_path, "02_profile.ipynb", reads=["funding"], writes=["profile"])
    _notebook(tmp_path, "03_survey.ipynb", reads=["survey"], writes=["survey_indicators"])
    _notebook(tmp_path, "06_findings.ipynb")                  # declares nothing
    _notebook(tmp_path, "08_report.ipynb", writes=[], each_language=True)
    _notebook(tmp_path, "90_compare.ipynb")
    steps = runner.plan(tmp_path, "xx", ["en", "fr"])
    deps = {s.name: sorted(steps[d].name for d in s.deps) for s in steps}
    assert deps == {
        "01_clean": [],
        "02_profile": ["01_clean"],
        "03_survey": ["01_clean"],          # 02 and 03 can run side by side
        "06_findings": ["01_clean", "02_profile", "03_survey"],
        "08_report": ["01_clean", "02_profile", "03_survey", "06_findings"],
        "08_report.fr": ["01_clean", "02_profile", "03_survey", "06_findings"],
    }
    assert [s.lang for s in steps if s.contract.each_language] == ["en", "fr"]
    assert [p.name for p in runner.cross_jurisdiction(tmp_path)] == ["90_compare.ipynb"]


def test_progress_degrades_to_plain_lines_off_a_terminal():
    out = io.StringIO()
    progress = runner.Progress(out)
    progress.start("bc 01_clean")
    progress.tick()
    progress.finish("bc 01_clean", "executed", 2.04)
    progress.close()
    assert out.getvalue() == "bc 01_clean: started\nbc 01_clean: executed in 2.0 s\n"


def test_second_run_of_a_jurisdiction_exits_at_once_while_one_is_running(project_root, capsys):
    lock = runner._lock(config.paths("bc", project_root))
    lock.acquire()
    try:
        started = time.monotonic()
        assert cli.main(["run", "bc", "--root", str(project_root)]) == 3
        assert time.monotonic() - started < 5
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert "mwsn run bc is already running" in err and str(os.getpid()) in err
    assert "Traceback" not in err


def test_a_committed_swap_interrupted_halfway_is_completed_by_the_next_run(tmp_path):
    staging, report, processed = tmp_path / "staging", tmp_path / "report", tmp_path / "processed"
    for folder, text in ((report, "old report"), (processed, "old data"),
                         (staging / "report", "new report"), (staging / "processed", "new data")):
        folder.mkdir(parents=True)
        (folder / "file.txt").write_text(text)
    (staging / "COMMIT").write_text("complete")
    # killed after moving the old processed folder aside, before the new one took its place
    (staging / "old").mkdir()
    processed.rename(staging / "old" / "processed")
    runner._recover(staging, {"processed": processed, "report": report})
    assert (processed / "file.txt").read_text() == "new data"
    assert (report / "file.txt").read_text() == "new report"
    assert not staging.exists()


def test_uncommitted_staging_is_discarded_and_outputs_left_alone(tmp_path):
    staging, report = tmp_path / "staging", tmp_path / "report"
    (staging / "report").mkdir(parents=True)
    (staging / "report" / "file.txt").write_text("half written")
    report.mkdir()
    (report / "file.txt").write_text("previous")
    runner._recover(staging, {"report": report})
    assert (report / "file.txt").read_text() == "previous" and not staging.exists()


# -- real runs ---------------------------------------------------------------------------------



@pytest.mark.integration
def test_manifest_records_inputs_notebooks_outputs_and_versions(bc_run):
    manifest = _manifest(bc_run)
    text = (bc_run / "reports/bc" / runner.MANIFEST).read_text(encoding="utf-8")
    assert text == json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert manifest["jurisdiction"] == "bc"
    assert manifest["parameters"]["files"]["params/bc.yaml"] == provenance.sha256_file(
        bc_run / "params/bc.yaml")
    assert set(manifest["inputs"]) >= {"data/raw/bc/survey_export.csv",
                                       "data/raw/bc/funding_ledger.csv"}
    assert manifest["python"] and manifest["packages"]["papermill"]
    assert manifest["mwsn"]["version"]
    clean = manifest["notebooks"]["01_clean"]
    log = json.loads((bc_run / "reports/bc" / runner.RUN_LOG).read_text(encoding="utf-8"))
    assert log["notebooks"]["01_clean"]["status"] == "executed"
    assert log["notebooks"]["01_clean"]["seconds"] > 0 and "seconds" not in clean
    assert clean["source_sha256"] == provenance.sha256_file(
        runner.notebooks_dir(bc_run) / "01_clean.ipynb")
    assert "data/processed/bc/survey.parquet" in clean["outputs"]
    reads = manifest["notebooks"]["03_survey"]["reads"]   # the tables it declares, as written
    assert reads["data/processed/bc/survey.parquet"] == \
        manifest["outputs"]["data/processed/bc/survey.parquet"]
    assert all(rel.startswith("data/processed/bc/") for rel in reads)
    for rel, sha in manifest["outputs"].items():
        assert provenance.sha256_file(bc_run / rel) == sha, rel
    # every output but the index, which records the manifest's own hash
    assert set(manifest["outputs"]) | {"reports/bc/index.html", "reports/bc/manifest.json"} \
        == set(_files(bc_run))
    assert runner.recorded_manifest_sha256(bc_run / "reports/bc") == provenance.sha256_file(
        bc_run / "reports/bc" / runner.MANIFEST)
    assert manifest["environment"]["lock_sha256"] == provenance.lock_sha256()


@pytest.mark.integration
def test_executed_notebooks_carry_no_timings_or_absolute_paths(bc_run):
    text = (bc_run / "reports/bc/notebooks/01_clean.ipynb").read_text(encoding="utf-8")
    assert str(bc_run) not in text and "start_time" not in text and "duration" not in text
    assert '"id": "injected-parameters"' in text


@pytest.mark.integration
def test_two_parallel_builds_side_by_side_give_byte_identical_outputs(bc_run, tmp_path):
    # two builds at the same time, each two notebooks at a time: `mwsn verify --jobs 2`
    # executes every notebook of the session's build again in a folder of its own (warm
    # kernels, the default) and checks each output against the manifest, while a fresh project
    # is built on a Dask cluster of two workers (`mwsn run --scheduler`: the workers start a
    # cold kernel per notebook); both give the session's build byte for byte, PDFs included
    # (the run's log aside). The same verify passes on a clean run: its three checks hold (the
    # failing ones: the toy run's tests below). Without the dask extra, the fresh project is
    # built here, cold kernels, `--jobs 2`.
    root = make_root(tmp_path / "cold")
    verify = subprocess.Popen(
        [sys.executable, "-m", "mwsn", "verify", "bc", "--jobs", "2", "--root", str(bc_run)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        import distributed
    except ImportError:
        build = subprocess.run(
            [sys.executable, "-m", "mwsn", "run", "bc", "--jobs", "2", "--root", str(root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, kernels.SWITCH: "0"})
        assert build.returncode == 0, build.stderr
    else:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            result = runner.run("bc", root, scheduler=cluster.scheduler_address)
        assert len(result.executed) == 9    # 01-08 with 07_trends, and the French report
        manifest = (root / "reports/bc" / runner.MANIFEST).read_text(encoding="utf-8")
        assert "worker_environment" not in manifest      # the workers run this environment
    out, err = verify.communicate()
    assert verify.returncode == 0, out + err
    assert "every output matches" in out
    for code in (runner.NATIONAL, "bc"):  # the national context ran on the cluster too
        expected, found = _files(bc_run, code), _files(root, code)
        assert sorted(found) == sorted(expected)
        for rel in sorted(expected):      # processed tables first: the cause, then the pages
            assert found[rel] == expected[rel], rel


@pytest.mark.integration
def test_noop_run_says_up_to_date_without_importing_the_heavy_tools(bc_run):
    before = _files(bc_run)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "mwsn", "run", "bc",
                           "--root", str(bc_run)], capture_output=True, text=True, check=True)
    assert "everything is up to date" in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    for heavy in ("pandas", "papermill", "nbconvert", "nbformat", "numpy", "matplotlib"):
        assert heavy not in imported, heavy
    assert _files(bc_run) == before


@pytest.mark.integration
def test_changing_one_input_reruns_only_the_notebooks_downstream_of_it(bc_run, tmp_path):
    root = _copy(bc_run, tmp_path / "copy")
    ledger = root / "data/raw/bc/funding_ledger.csv"
    ledger.write_text(ledger.read_text().replace("118575.0", "118576.0", 1))
    survey_before = (root / "data/processed/bc/survey_indicators.parquet").read_bytes()
    result = runner.run("bc", root, options=NO_PDF)              # mwsn run --no-pdf
    assert {"01_clean", "08_report", "08_report.fr"} <= set(result.executed)
    assert "03_survey" in result.reused           # its input, the survey, did not change
    manifest, previous = _manifest(root), _manifest(bc_run)
    log = json.loads((root / "reports/bc" / runner.RUN_LOG).read_text(encoding="utf-8"))
    assert log["notebooks"]["03_survey"]["status"] == "reused"
    for name, record in manifest["notebooks"].items():
        upstream_changed = record["reads"] != previous["notebooks"][name]["reads"]
        status = log["notebooks"][name]["status"]
        if name == "01_clean":
            assert status == "executed"               # it reads the ledger
        else:                                         # others rerun only if what they read moved
            assert (status == "executed") == upstream_changed, name
    assert manifest["inputs"]["data/raw/bc/funding_ledger.csv"] == provenance.raw_inputs(
        config.paths("bc", root))["data/raw/bc/funding_ledger.csv"]
    assert (root / "data/processed/bc/survey_indicators.parquet").read_bytes() == survey_before
    assert _manifest(root)["outputs"]["data/processed/bc/funding.parquet"] != \
        _manifest(bc_run)["outputs"]["data/processed/bc/funding.parquet"]
    # the pages without their PDFs: none of the earlier run's is left beside them, the
    # manifest records the option (verify reruns with it), and a run without it reruns the
    # two report steps alone, which print them (the option is in their key)
    assert sorted((bc_run / "reports/bc").glob("*.pdf"))
    assert not sorted((root / "reports/bc").glob("*.pdf"))
    assert not [rel for rel in manifest["outputs"] if rel.endswith(".pdf")]
    assert manifest["options"] == {"pdf": False} and "options" not in previous
    assert _steps(runner.dry_run("bc", bc_run, options=NO_PDF))["08_report"] == (
        "run options changed: none last time, pdf=False now",)
    assert _steps(runner.dry_run("bc", root)) == {
        name: ("run options changed: pdf=False last time, none now",)
        for name in ("08_report", "08_report.fr")}
    assert not _steps(runner.dry_run("bc", root, options=NO_PDF))


def _processes_of(token: str) -> list[str]:
    """The live processes (zombies aside) whose environment holds ``token``: a run's workers,
    kernel server and kernels."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if token.encode() not in (entry / "environ").read_bytes():
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ValueError):
            continue                # not a process, gone, or not ours
    return found


def _left_behind(token: str, within: float = 15.0) -> list[str]:
    deadline = time.monotonic() + within
    while (left := _processes_of(token)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


#: a toy step that waits, in a run started by :func:`_killable_run`, until that run is killed
WAIT = """
import os, time
from mwsn import config
if os.environ.get("MWSN_TEST_RUN"):
    time.sleep(600)
where = config.paths(jurisdiction, root, wave)
count = (where.processed / "count.txt").read_text()
(where.processed / f"{name}.txt").write_text(count + " meetings")
"""


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory) -> Path:
    """BC built by a small pipeline of real notebooks over its raw data: a count of the
    meetings, then two steps side by side that read it and a page per language (which reads
    the methods pages): the runner's
    mechanics (kill, interrupt, verify) at a few seconds a run. Built once per module."""
    root = make_root(tmp_path_factory.mktemp("toy_run"))
    folder = root / "notebooks"
    folder.mkdir()
    toy_notebook(folder, "01_count.ipynb", TOY_COUNT, reads=["raw"], writes=["count.txt"])
    for name in ("02_first", "03_second"):
        toy_notebook(folder, f"{name}.ipynb", f"name = {name[3:]!r}\n" + WAIT,
                     reads=["count.txt"], writes=[f"{name[3:]}.txt"])
    toy_notebook(folder, "05_page.ipynb", PAGE, reads=["count.txt", "docs"], writes=[],
                 each_language=True, publishes=["page*.html"])
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(kernels.SWITCH, "0")        # the kill tests' own runs are warm
        assert not runner.run("bc", root, progress=runner.Progress(io.StringIO())).up_to_date
    return root


@pytest.fixture
def toy_built(toy_run, tmp_path) -> Path:
    """A copy of the toy pipeline's finished run, for a test to change."""
    return _copy(toy_run, tmp_path / "toy")


def _killable_run(root: Path, token: str, **popen) -> subprocess.Popen:
    """``mwsn run bc --force`` of the toy pipeline, once its kernels are running (the count's
    notebook written, the two waiting steps' kernels started)."""
    popen = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, **popen}
    proc = subprocess.Popen([sys.executable, "-m", "mwsn", "run", "bc", "--force", "--root",
                             str(root)], env={**os.environ, "MWSN_TEST_RUN": token}, **popen)
    deadline = time.monotonic() + 120
    while (not list((root / "reports").glob(".staging-bc-*/report/notebooks/01_count.ipynb"))
           and proc.poll() is None and time.monotonic() < deadline):
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    assert any("mwsn.run.kernels" in p for p in _processes_of(token))    # warm kernels
    return proc


@pytest.mark.integration
def test_killed_run_leaves_previous_outputs_and_the_next_run_succeeds(toy_built, monkeypatch):
    root = toy_built
    before = _files(root)
    manifest_before = (root / "reports/bc" / runner.MANIFEST).read_bytes()
    token = f"killed-{os.getpid()}-{time.monotonic_ns()}"
    proc = _killable_run(root, token)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # no worker, kernel server or kernel outlives the run
    assert _left_behind(token) == []
    assert _files(root) == before
    assert (root / "reports/bc" / runner.MANIFEST).read_bytes() == manifest_before
    monkeypatch.setenv(kernels.SWITCH, "0")       # the runs below: cold kernels start faster
    # the lock died with the process; the next run cleans up (its staging, and a kernel
    # sockets' folder a killed worker could leave) and finds nothing to do
    sockets = Path(f"{orchestrate.SOCKETS}-{proc.pid}-0000dead")
    sockets.mkdir()
    (sockets / "kernel-1").touch()
    assert cli.main(["run", "bc", "--root", str(root)]) == 0
    assert not list((root / "reports").glob(".staging-bc-*"))
    assert not sockets.exists()
    result = runner.run("bc", root, force=True)
    assert sorted(result.executed) == sorted(_manifest(root)["notebooks"]) and not result.reused
    assert len(result.executed) == 5
    assert _files(root) == before                 # deterministic: same bytes again


@pytest.mark.integration
@pytest.mark.parametrize("signum, to_group, status", [
    (signal.SIGINT, True, 130),        # Ctrl-C: the terminal signals its whole group
    (signal.SIGTERM, False, 143),      # kill, timeout, a batch scheduler: the run alone
])
def test_ctrl_c_stops_the_run_its_kernel_server_and_kernels(toy_built, signum, to_group,
                                                            status):
    root = toy_built
    before = _files(root)
    token = f"interrupted-{os.getpid()}-{time.monotonic_ns()}"
    with (root.parent / "ctrl-c.err").open("w+", encoding="utf-8") as err:
        proc = _killable_run(root, token, start_new_session=True, stderr=err)
        if to_group:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
        assert proc.wait(timeout=60) == status
        err.seek(0)
        said = err.read()
    assert _left_behind(token) == []
    assert _files(root) == before
    # one line from the run, no worker's or kernel's KeyboardInterrupt traceback
    assert "interrupted; earlier outputs are intact" in said and "Traceback" not in said, said


@pytest.mark.integration
def test_verify_says_which_of_its_three_checks_failed(toy_built, capsys, cold_kernels):
    root = toy_built
    tampered = root / "reports/bc/page.html"
    text = tampered.read_text(encoding="utf-8")
    tampered.write_text(text.replace(" meetings", "0 meetings"), encoding="utf-8")
    # one output hash flipped in the manifest (its file untouched), and another lock recorded
    manifest = _manifest(root)
    manifest["outputs"]["data/processed/bc/count.txt"] = "0" * 64
    manifest["environment"]["lock_sha256"] = "1" * 64
    (root / "reports/bc" / runner.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    result = runner.verify("bc", root)
    assert result.failed == ["rerun", "disk", "manifest"]
    assert [d.path for d in result.checks["manifest"]] == ["reports/bc/manifest.json"]
    disk = {d.path: d.what for d in result.checks["disk"]}
    assert set(disk) == {"reports/bc/page.html", "data/processed/bc/count.txt"}
    # the rerun reproduces page.html as recorded: only the flipped hash differs
    assert [d.path for d in result.checks["rerun"]] == ["data/processed/bc/count.txt"]
    assert any("requirements.lock" in w for w in result.warnings)
    assert cli.main(["verify", "bc", "--root", str(root)]) == 1
    captured = capsys.readouterr()
    assert "bc: manifest: FAILED" in captured.out and "bc: disk: FAILED" in captured.out
    assert "data/processed/bc/count.txt: rerun gives SHA-256" in captured.out
    assert "warning: the environment was installed from another requirements.lock" in \
        captured.err


@pytest.mark.integration
def test_a_run_on_an_export_cut_short_leaves_the_earlier_outputs(toy_built, capsys,
                                                                  cold_kernels):
    root = toy_built
    before = _files(root)
    ledger = root / "data/raw/bc/funding_ledger.csv"
    kept = ledger.read_bytes().splitlines(keepends=True)[:10]
    ledger.write_bytes(b"".join(kept) + b"F-010,2019-20")          # a record cut short
    assert cli.main(["run", "bc", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "data/raw/bc/funding_ledger.csv:" in err and "it was cut short" in err, err
    assert "Traceback" not in err
    assert _files(root) == before


def _listed(folder: Path) -> list[str]:
    """Every file under ``folder``, links followed, relative to it."""
    return sorted((Path(top) / name).relative_to(folder).as_posix()
                  for top, _, names in os.walk(folder, followlinks=True) for name in names)


@pytest.mark.integration
def test_verify_reruns_from_what_the_jurisdiction_reads_alone_and_removes_it(
        toy_built, monkeypatch, cold_kernels):
    from mwsn.run import verify as verifying

    root = toy_built
    other = root / "data/raw/on"
    other.mkdir(parents=True)
    (other / "survey_export.csv").write_text("respondent,name\n1,A real person\n")
    (root / "notes.txt").write_text("a file of the project the rerun does not read\n")
    seen, real = {}, verifying.run_many

    def spy(codes, copy, **options):
        seen["copy"], seen["files"] = Path(copy), _listed(Path(copy))
        return real(codes, copy, **options)

    monkeypatch.setattr(verifying, "run_many", spy)
    assert runner.verify("bc", root).ok
    files = seen["files"]
    assert not [f for f in files if f.startswith("data/raw/on")], files
    assert "data/raw/bc/meeting_records.csv" in files and "params/bc.yaml" in files
    assert "params/codebook.yaml" in files and "docs/methods.fr.md" in files
    assert "params/on.yaml" not in files     # no national context here reads it
    assert "notes.txt" not in files and not [f for f in files if f.startswith("reports/")]
    assert not seen["copy"].exists()

    def interrupted(codes, copy, **options):
        seen["copy"] = Path(copy)
        raise KeyboardInterrupt              # Ctrl-C, or SIGTERM as the command answers it

    monkeypatch.setattr(verifying, "run_many", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.verify("bc", root)
    assert not seen["copy"].exists()


@pytest.mark.integration
def test_a_step_sees_its_own_jurisdictions_raw_exports_alone(tmp_path, cold_kernels):
    root = make_root(tmp_path / "project", ("bc",))
    (root / "data/raw/on").mkdir(parents=True)
    (root / "data/raw/on/survey_export.csv").write_text("respondent,name\n1,A real person\n")
    (root / "notebooks").mkdir()
    toy_notebook(root / "notebooks", "01_list.ipynb", (
        "import os\nfrom pathlib import Path\nfrom mwsn import config\n"
        "where = config.paths(jurisdiction, root, wave)\n"
        "raw = Path(root) / 'data' / 'raw'\n"
        "(where.processed / 'seen.txt').write_text(' '.join(sorted(\n"
        "    (Path(top) / name).relative_to(raw).as_posix()\n"
        "    for top, _, names in os.walk(raw, followlinks=True) for name in names)))"),
        reads=["raw"], writes=["seen.txt"])
    runner.run("bc", root)
    seen = (root / "data/processed/bc/seen.txt").read_text().split()
    assert "bc/survey_export.csv" in seen
    assert not [name for name in seen if not name.startswith("bc/")], seen


def test_the_rerun_view_has_the_other_params_when_the_national_context_reads_them(
        project_root, tmp_path):
    from mwsn.run.verify import rerun_view

    (project_root / "data/raw/on").mkdir(parents=True)
    (project_root / "data/raw/on/export.csv").write_text("x\n1\n")
    rerun_view(config.paths("bc", project_root), tmp_path / "view")
    files = _listed(tmp_path / "view")
    # the package's national context reads what each jurisdiction says of its Network
    assert "params/on.yaml" in files and "params/bc.yaml" in files
    assert "data/raw/bc/survey_export.csv" in files
    assert not [f for f in files if f.startswith(("data/raw/on", "data/processed", "reports"))]


@pytest.mark.integration
def test_verify_fails_the_manifest_check_alone_when_only_the_manifest_was_edited(
        toy_built, cold_kernels):
    root = toy_built
    path = root / "reports/bc" / runner.MANIFEST
    text = path.read_text(encoding="utf-8")
    assert '"outputs"' in text
    path.write_text(text.replace('"outputs"', '"outputs" ', 1), encoding="utf-8")
    checks = runner.verify("bc", root, jobs=2).checks
    assert checks["rerun"] == [] and checks["disk"] == []
    assert "the manifest was changed after the run" in checks["manifest"][0].what


# -- exact rerun cache (no notebook reruns needlessly, none stays stale) ------------------------

def _steps(planned) -> dict[str, tuple[str, ...]]:
    return {p.label.split(" ", 1)[1]: p.reasons for p in planned if p.rerun}


@pytest.mark.integration
def test_an_edit_to_the_methods_page_reruns_the_report_alone(bc_rerun, tmp_path):
    # the session's rerun, built without the PDFs (`mwsn run --no-pdf`), rerun the same way:
    # the pages show the methods; printing them is no part of what reruns
    root = _copy(bc_rerun, tmp_path / "copy")
    with open(root / "docs/methods.md", "a", encoding="utf-8") as methods:
        methods.write("\nZyxwv: a sentence added to the methods.\n")
    assert not _steps(runner.dry_run("bc", bc_rerun, options=NO_PDF))
    planned = _steps(runner.dry_run("bc", root, options=NO_PDF))
    # the French report shows docs/methods.fr.md, so only the English one reruns
    assert set(planned) == {"08_report"}
    assert "methods pages changed: docs/methods.md" in planned["08_report"]
    # its kernel server imports what the report calls for, not the statistics or the detector
    from mwsn.run.cache import new_job

    job = new_job(config.paths("bc", root), config.load("bc", root), False, NO_PDF)
    assert kernels.preload_for(orchestrate._needs([job])) == kernels.DATA_TOOLS + kernels.OTHERS
    result = runner.run("bc", root, options=NO_PDF)
    assert sorted(result.executed) == ["08_report"]
    assert "Zyxwv" in (root / "reports/bc/assessment.html").read_text(encoding="utf-8")
    with open(root / "docs/methods.fr.md", "a", encoding="utf-8") as methods:
        methods.write("\nQwertz : une phrase ajoutée à la méthodologie.\n")
    assert sorted(runner.run("bc", root, options=NO_PDF).executed) == ["08_report.fr"]
    assert "Qwertz" in (root / "reports/bc/assessment.fr.html").read_text(encoding="utf-8")
    assert "Qwertz" not in (root / "reports/bc/assessment.html").read_text(encoding="utf-8")


@pytest.mark.integration
def test_each_languages_methods_page_reruns_that_languages_page_alone(toy_built):
    root = toy_built
    with open(root / "docs/methods.fr.md", "a", encoding="utf-8") as methods:
        methods.write("\nUne phrase ajoutée.\n")
    planned = _steps(runner.dry_run("bc", root))
    assert planned == {"05_page.fr": ("methods pages changed: docs/methods.fr.md",)}
    with open(root / "docs/methods.md", "a", encoding="utf-8") as methods:
        methods.write("\nA sentence added.\n")
    planned = _steps(runner.dry_run("bc", root))
    assert planned == {"05_page": ("methods pages changed: docs/methods.md",),
                       "05_page.fr": ("methods pages changed: docs/methods.fr.md",)}
    # without a page of its own, a language shows the English one, and reruns with it
    (root / "docs/methods.fr.md").unlink()
    planned = _steps(runner.dry_run("bc", root))
    assert planned["05_page.fr"] == (
        "methods pages changed: docs/methods.fr.md, docs/methods.md",)


@pytest.mark.integration
def test_a_run_starts_no_more_workers_than_steps_may_run(toy_built, monkeypatch, cold_kernels):
    # a rerun of one language's page alone: one worker, whatever --jobs allows (each worker
    # imports the notebook tools: a second one idle is a second import for nothing)
    from mwsn.run import executor

    started, local = [], executor.local
    monkeypatch.setattr(executor, "local",
                        lambda workers, needs=None: started.append(workers) or local(workers, needs))
    with open(toy_built / "docs/methods.fr.md", "a", encoding="utf-8") as methods:
        methods.write("\nUne phrase ajoutée.\n")
    assert runner.run("bc", toy_built, jobs=2).executed == ["05_page.fr"]
    assert started == [1]
    assert not runner.run("bc", toy_built, jobs=2, force=True).up_to_date
    assert started == [1, 2]


@pytest.mark.integration
def test_another_jurisdictions_params_rerun_only_what_reads_them(bc_run, tmp_path, capsys):
    root = _copy(bc_run, tmp_path / "copy")
    with open(root / "params/on.yaml", "a", encoding="utf-8") as other:
        other.write("# a comment on Ontario\n")
    assert runner.dry_run("bc", root) and not _steps(runner.dry_run("bc", root))
    assert runner.run("bc", root).up_to_date
    # a new jurisdiction without a Network, and a second one in a province with a Network:
    # nothing the context notebook reads changes (the provinces with a Network)
    text = (root / "params/bc.yaml").read_text(encoding="utf-8")
    alberta = (text.replace("code: bc", "code: ab")
               .replace("{en: British Columbia, fr: Colombie-Britannique}",
                        "{en: Alberta, fr: Alberta}"))
    (root / "params/ab.yaml").write_text(
        alberta.replace("network_in_place: true", "network_in_place: false"), encoding="utf-8")
    (root / "params/xx.yaml").write_text(text.replace("code: bc", "code: xx"), encoding="utf-8")
    assert not _steps(runner.dry_run(runner.NATIONAL, root))
    assert runner.run("bc", root).up_to_date
    # Alberta's Network starts: the context notebook ranks provinces with it apart
    (root / "params/ab.yaml").write_text(alberta, encoding="utf-8")
    planned = _steps(runner.dry_run(runner.NATIONAL, root))
    reason = "the provinces with a Network changed (the jurisdictions' params): Alberta"
    assert planned["00_context"] == (reason,)
    assert cli.main(["run", "bc", "--root", str(root), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"_national 00_context: would run: {reason}" in out
    assert "bc 01_clean: up to date" in out
    result = runner.run("bc", root, options=NO_PDF)
    # the national context reruns (once for the run) and only what reads its tables (the
    # report) may rerun: none of BC's own analyses (cleaning, profile, survey, qualitative,
    # program, findings)
    assert set(result.executed) <= {"08_report", "08_report.fr"}, result.executed
    log = json.loads((root / "reports" / runner.NATIONAL / runner.RUN_LOG).read_text())
    assert log["notebooks"]["00_context"]["status"] == "executed"
    assert "00_context" not in _manifest(root)["notebooks"]


@pytest.mark.integration
def test_a_comment_or_layout_edit_to_params_reruns_nothing_a_value_change_reruns(
        toy_built, capsys, cold_kernels):
    root = toy_built
    own, shared = root / "params/bc.yaml", root / "params/codebook.yaml"
    text, shared_text = own.read_text(encoding="utf-8"), shared.read_text(encoding="utf-8")
    exact = provenance.sha256_file(own)
    # a comment, blank lines and another layout of the same values: the same parsed content
    own.write_text("# a note on BC\n" + text.replace("min_cell: 5", "min_cell:   5  # as published")
                   .replace("languages: [en, fr]", "languages:\n  - en\n  - 'fr'") + "\n\n",
                   encoding="utf-8")
    shared.write_text(shared_text + "\n# a note on the codebook\n", encoding="utf-8")
    assert runner.dry_run("bc", root) and not _steps(runner.dry_run("bc", root))
    assert cli.main(["run", "bc", "--root", str(root), "--dry-run"]) == 0
    assert "params changed" not in capsys.readouterr().out
    assert runner.run("bc", root).up_to_date
    # the manifest still records each file's bytes, for an auditor checking the exact files
    recorded = _manifest(root)["parameters"]
    assert recorded["files"]["params/bc.yaml"] == exact
    assert set(recorded["content"]) == set(recorded["files"])
    # a real change of value reruns every step, naming the file
    own.write_text(text.replace("min_cell: 5", "min_cell: 6"), encoding="utf-8")
    planned = _steps(runner.dry_run("bc", root))
    assert set(planned) == {"01_count", "02_first", "03_second", "05_page", "05_page.fr"}
    # naming the key whose value changed
    assert planned["01_count"] == ("params changed: params/bc.yaml (min_cell)",)
    own.write_text(text, encoding="utf-8")
    shared.write_text(shared_text.replace('{en: "Agreement"', '{en: "Agreement level"', 1),
                      encoding="utf-8")
    assert _steps(runner.dry_run("bc", root))["01_count"] == (
        "params changed: params/codebook.yaml (scales.agreement)",)


def test_params_content_ignores_comments_and_layout_but_not_values_or_types(tmp_path):
    path = tmp_path / "x.yaml"

    def content(text: str) -> str:
        path.write_text(text, encoding="utf-8")
        return provenance.params_content_sha256(path)

    base = content("a: 1\nb: {c: [x, y], d: 2018-03-01}\nn: 0.10\n")
    assert content("# note\na:   1   # one\nb:\n  c:\n    - x\n    - 'y'\n  d: 2018-03-01\n"
                   "n: 1.0e-1\n") == base
    assert content("x: &k 1\ny: *k\n") == content("x: 1\ny: 1\n")
    # another value, or the same characters of another type, is a change
    for changed in ("a: 2\nb: {c: [x, y], d: 2018-03-01}\nn: 0.10\n",
                    "a: '1'\nb: {c: [x, y], d: 2018-03-01}\nn: 0.10\n",
                    "a: 1.0\nb: {c: [x, y], d: 2018-03-01}\nn: 0.10\n",
                    "a: 1\nb: {c: [x, y], d: '2018-03-01'}\nn: 0.10\n",
                    "a: 1\nb: {c: [y, x], d: 2018-03-01}\nn: 0.10\n",
                    "b: {c: [x, y], d: 2018-03-01}\na: 1\nn: 0.10\n",     # order of keys
                    "1: 1\nb: {c: [x, y], d: 2018-03-01}\nn: 0.10\n"):
        assert content(changed) != base, changed
    assert content("1: x\n") != content("'1': x\n")
    # a file that does not parse counts by its bytes
    assert content("a: [1\n") != content("a: [1 \n")


def test_a_params_change_is_named_by_its_key(tmp_path):
    path = tmp_path / "x.yaml"

    def keys(text: str) -> dict:
        path.write_text(text, encoding="utf-8")
        return provenance.params_keys_sha256(path)

    base = keys("min_cell: 5\nsources:\n  survey: {file: a.csv}\n  ledger: {file: b.csv}\n"
                "languages: [en, fr]\n")
    assert provenance.changed_keys(base, keys(
        "min_cell: 5  # a note\nsources:\n  survey: {file: a.csv}\n  ledger: {file: b.csv}\n"
        "languages:\n  - en\n  - fr\n")) == []
    # the inner key, not also the mapping it is in; an added key; a removed key last
    assert provenance.changed_keys(base, keys(
        "min_cell: 6\nsources:\n  survey: {file: c.csv}\n  ledger: {file: b.csv}\n"
        "waves: {}\n")) == ["min_cell", "sources.survey", "waves", "languages"]
    assert keys("a: [1\n") == {}


@pytest.mark.integration
def test_a_new_pseudonym_key_reruns_the_cleaning_and_is_never_recorded(bc_run, monkeypatch):
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-rotated-secret-key-0123456789")
    planned = _steps(runner.dry_run("bc", bc_run))
    assert planned["01_clean"] == ("the pseudonym key changed",)
    assert "08_report" in planned and "05_program" in planned   # downstream of the clean
    # the raw exports' fingerprints are keyed by it: they all differ, but no export changed
    assert not [r for reasons in planned.values() for r in reasons if "raw data" in r]
    monkeypatch.delenv("MWSN_PSEUDONYM_KEY")
    assert not _steps(runner.dry_run("bc", bc_run))
    manifest = (bc_run / "reports/bc" / runner.MANIFEST).read_text(encoding="utf-8")
    assert config.DEMO_PSEUDONYM_KEY not in manifest


def test_a_key_fingerprint_changes_with_the_key_and_does_not_contain_it(tmp_path, monkeypatch):
    where = config.paths("bc", tmp_path)
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "first-key")
    first = provenance.pseudonym_key_fingerprint(where)
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "second-key")
    second = provenance.pseudonym_key_fingerprint(where)
    assert len(first) == 64 and first != second and "key" not in first
    # HMAC-SHA-256 (RFC 2104) keyed by the secret over a fixed message
    import hmac
    assert second == hmac.new(b"second-key", b"mwsn pseudonym key fingerprint v1",
                              hashlib.sha256).hexdigest()


def test_params_of_another_jurisdiction_are_not_an_input(project_root):
    files = provenance.parameters(config.paths("bc", project_root))["files"]
    assert "params/bc.yaml" in files and "params/codebook.yaml" in files
    assert "params/on.yaml" not in files


# -- run --all keeps going -------------------------------------------------------------------------

@pytest.mark.integration
def test_run_all_builds_the_others_when_one_fails_validation(bc_run, tmp_path, capsys):
    root = _copy(bc_run, tmp_path / "copy")
    text = (root / "params/bc.yaml").read_text(encoding="utf-8")
    (root / "params/zz.yaml").write_text(
        text.replace("code: bc", "code: zz").replace(
            "{en: British Columbia, fr: Colombie-Britannique}", "{en: Manitoba, fr: Manitoba}"),
        encoding="utf-8")
    shutil.copytree(root / "data/raw/bc", root / "data/raw/zz")
    (root / "data/raw/zz/survey_export.csv").write_text("not,a,survey\n1,2,3\n",
                                                       encoding="utf-8")
    assert not (root / "data/raw/on").exists()          # the shipped example has no data
    assert cli.main(["run", "--all", "--root", str(root), "--no-pdf"]) == 1
    captured = capsys.readouterr()
    assert "on: skipped (no raw data in data/raw/on/)" in captured.out
    # zz's params are valid (only its survey is broken): its Network (Manitoba) reaches BC's context
    # step, which may rerun; BC builds either way
    assert re.search(r"^bc: (everything is up to date|done in)", captured.out, re.M), captured.out
    assert "zz: FAILED" in captured.err and "survey_export.csv" in captured.err
    assert "1 of 3 jurisdictions failed (zz); 1 built or up to date, 1 skipped" in captured.err
    # the national context ran once for the whole run (zz's Network is new), in no
    # jurisdiction's own run
    assert captured.err.count("00_context: executed") == 1          # the progress lines
    assert "_national 00_context: executed" in captured.err
    assert re.search(r"^all: done in", captured.out, re.M), captured.out
    assert not (root / "reports/zz").exists()
    assert (root / "reports/compare.html").is_file()      # the comparison still ran
    assert "the comparison" not in captured.err           # zz has no earlier tables in it
    assert cli.main(["run", "--all", "--exclude", "zz", "--no-demo", "--root", str(root),
                     "--no-pdf"]) == 0
    assert "on:" not in capsys.readouterr().out
    # BC fails now: the comparison still shows its tables of the earlier run, and says so
    (root / "data/raw/bc/survey_export.csv").write_text("not,a,survey\n1,2,3\n",
                                                       encoding="utf-8")
    assert cli.main(["run", "--all", "--exclude", "zz", "--no-demo", "--root", str(root),
                     "--no-pdf"]) == 1
    assert "the comparison (reports/compare.html) shows bc as of the last run that built it" \
        in capsys.readouterr().err


def test_dry_run_says_what_the_run_would_skip_or_stop_on_instead_of_promising_it(
        project_root, capsys):
    root = project_root
    assert not (root / "data/raw/on").exists()          # the shipped example has no data
    assert cli.main(["run", "--all", "--dry-run", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "on: would be skipped (no raw data in data/raw/on/)" in out     # as the run says
    assert not re.search(r"^\s*on \d\d_", out, re.M), out    # none of its notebooks listed
    assert re.search(r"^  bc 01_clean: would run", out, re.M), out
    # what would rerun reads exports the dry run did not open: it says what checks them
    assert out.endswith("a dry run reads no export's contents: `mwsn validate bc` checks "
                        "them\n"), out
    # without --all the run stops on it before any notebook (exit 2): the dry run says so
    assert cli.main(["run", "on", "--dry-run", "--root", str(root)]) == 2
    captured = capsys.readouterr()
    assert "on: would fail before any notebook runs:\n  data/raw/on: raw data folder not " \
        "found" in captured.out
    assert "`mwsn validate on` checks every input" in captured.err
    assert "Traceback" not in captured.err
    # an export missing, another empty: named, with the source they are declared as
    (root / "data/raw/bc/funding_ledger.csv").unlink()
    (root / "data/raw/bc/meeting_records.csv").write_bytes(b"")
    assert cli.main(["run", "bc", "--dry-run", "--root", str(root)]) == 2
    out = capsys.readouterr().out
    assert "data/raw/bc/funding_ledger.csv: file not found: put the export here or fix " \
        "sources.funding.file in the params file" in out
    assert "data/raw/bc/meeting_records.csv: the file is empty: export the data again" in out
    assert "bc 01_clean" not in out
    assert cli.main(["run", "--all", "--dry-run", "--root", str(root)]) == 1
    captured = capsys.readouterr()
    assert "1 would fail (bc), the others would build" in captured.err
    # the run's own check finds the same
    assert cli.main(["validate", "bc", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "data/raw/bc/funding_ledger.csv: file not found: put the export here or fix " \
        "sources.funding.file in the params file" in err
    assert "<name>" not in err


def test_verify_before_any_run_names_the_command_to_run(project_root):
    with pytest.raises(MwsnError) as found:
        runner.verify("bc", project_root)
    assert "run `mwsn run bc` first" in str(found.value), found.value


def _toy_notebook(path: Path, code: str, parameters: str = 'jurisdiction = "xx"\nroot = "."\n'
                  'lang = "en"', **mwsn) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    if mwsn:
        nb.metadata["mwsn"] = mwsn
    nb.cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)


def _toy_national(notebooks: Path, counted: bool = False) -> None:
    """A toy national context writing ``n.txt``; ``counted``: each execution adds a line to
    the file ``MWSN_TEST_COUNT`` names."""
    count = ("import os\nwith open(os.environ['MWSN_TEST_COUNT'], 'a') as f:\n"
             "    f.write('run\\n')\n") if counted else ""
    _toy_notebook(notebooks / "00_context.ipynb", count + (
        "from mwsn import config\n"
        "out = config.national_paths(root).processed\nout.mkdir(parents=True, exist_ok=True)\n"
        "(out / 'n.txt').write_text('national')"),
        parameters='jurisdiction = "_national"\nroot = "."\nlang = "en"',
        scope="national", reads=["jurisdictions"], writes=["n.txt"])


def _toy_seen(path: Path, reads: list[str]) -> None:
    """A toy jurisdiction step copying the national context's ``n.txt`` into ``seen.txt``."""
    _toy_notebook(path, (
        "from mwsn import config\n"
        "seen = (config.national_paths(root).processed / 'n.txt').read_text()\n"
        "(config.paths(jurisdiction, root).processed / 'seen.txt').write_text(seen)"),
        parameters='jurisdiction = "xx"\nroot = "."\nlang = "en"\nwave = None',
        reads=reads, writes=["seen.txt"])


def _toy_compare(root: Path) -> None:
    (root / "notebooks").mkdir()
    (root / "data" / "processed" / "xx").mkdir(parents=True)
    (root / "data" / "processed" / "xx" / "t.txt").write_text("from xx")
    _toy_notebook(root / "notebooks" / "90_compare.ipynb", (
        "from pathlib import Path\n"
        "seen = (Path(root) / 'data/processed/xx/t.txt').read_text()\n"
        "(Path(root) / 'reports/compare.html').write_text(jurisdiction + ': ' + seen)"))


@pytest.mark.integration
def test_the_comparison_is_a_job_like_any_other_cached_staged_and_in_its_manifest(
        tmp_path, cold_kernels):
    root = tmp_path
    _toy_compare(root)
    assert _steps(runner.dry_run(runner.ALL, root)) == {
        "90_compare": ("no earlier run (or its manifest is from an older version)",)}
    result = runner.run_level_job(runner.ALL, root)
    assert result.executed == ["90_compare"] and result.run_level
    assert (root / "reports/compare.html").read_text() == "all: from xx"
    assert (root / "reports" / runner.ALL / "notebooks/90_compare.ipynb").is_file()
    assert not list((root / "reports").glob(".staging-*"))
    manifest = _manifest(root, runner.ALL)
    assert manifest["outputs"]["reports/compare.html"] == provenance.sha256_file(
        root / "reports/compare.html")
    assert "data/processed/xx/t.txt" in manifest["tables"]
    assert manifest["notebooks"]["90_compare"]["key_parts"]["tables"]
    assert runner.recorded_manifest_sha256(root / "reports" / runner.ALL) == \
        provenance.sha256_file(root / "reports" / runner.ALL / runner.MANIFEST)
    # nothing it reads changed: not run again; a jurisdiction's table changed: run again
    out = io.StringIO()
    assert runner.run_level_job(runner.ALL, root, progress=runner.Progress(out)).up_to_date
    assert not _steps(runner.dry_run(runner.ALL, root))
    (root / "data" / "processed" / "xx" / "t.txt").write_text("from xx, again")
    assert _steps(runner.dry_run(runner.ALL, root)) == {
        "90_compare": ("jurisdictions' tables changed: xx",)}
    assert runner.run_level_job(runner.ALL, root).executed == ["90_compare"]
    assert (root / "reports/compare.html").read_text() == "all: from xx, again"
    # an output edited by hand is rebuilt
    (root / "reports/compare.html").write_text("edited")
    assert runner.run_level_job(runner.ALL, root).executed == ["90_compare"]
    assert (root / "reports/compare.html").read_text() == "all: from xx, again"
    assert runner.verify(runner.ALL, root).ok


@pytest.mark.integration
def test_a_comparison_killed_after_its_commit_point_is_completed_by_the_next_run(
        tmp_path, monkeypatch, cold_kernels):
    from mwsn.run import orchestrate

    root = tmp_path
    _toy_compare(root)
    runner.run_level_job(runner.ALL, root)
    (root / "data" / "processed" / "xx" / "t.txt").write_text("from xx, changed")

    def killed(staging, targets):         # the COMMIT marker is written, then the process dies
        (staging / "COMMIT").write_text("complete: swap in\n", encoding="ascii")
        raise KeyboardInterrupt

    monkeypatch.setattr(orchestrate, "_commit", killed)
    with pytest.raises(KeyboardInterrupt):
        runner.run_level_job(runner.ALL, root)
    assert (root / "reports/compare.html").read_text() == "all: from xx"   # not swapped in yet
    monkeypatch.undo()
    # the next run completes the swap it finds committed, then finds nothing to do
    assert runner.run_level_job(runner.ALL, root).up_to_date
    assert (root / "reports/compare.html").read_text() == "all: from xx, changed"
    assert not list((root / "reports").glob(".staging-*"))
    assert _manifest(root, runner.ALL)["outputs"]["reports/compare.html"] == \
        provenance.sha256_file(root / "reports/compare.html")


@pytest.mark.integration
def test_the_national_context_runs_once_for_every_jurisdiction(tmp_path, monkeypatch, capsys,
                                                               cold_kernels):
    # toy notebooks over two jurisdictions' real params and synthetic data: the national step
    # counts its executions in a file outside the project
    root = make_root(tmp_path / "project", ("bc", "on"))
    count = tmp_path / "national-executions.txt"
    monkeypatch.setenv("MWSN_TEST_COUNT", str(count))
    (root / "notebooks").mkdir()
    _toy_national(root / "notebooks", counted=True)
    _toy_seen(root / "notebooks" / "01_seen.ipynb", reads=["national"])
    assert cli.main(["run", "--all", "--jobs", "2", "--root", str(root)]) == 0
    assert count.read_text() == "run\n"                       # once, not once per jurisdiction
    for code in ("bc", "on"):
        assert (root / f"data/processed/{code}/seen.txt").read_text() == "national"
        assert _manifest(root, code)["national"] == {
            "data/processed/_national/n.txt": provenance.sha256_file(
                root / "data/processed/_national/n.txt")}
    assert _manifest(root, runner.NATIONAL)["outputs"]["data/processed/_national/n.txt"]
    progress = capsys.readouterr().err
    assert progress.count("00_context: executed") == 1 and "bc 01_seen: executed" in progress
    # Ontario's Network starts: the national step reruns (once); its table comes out
    # the same, so BC does not rerun (Ontario does: its own params file changed)
    text = (root / "params/on.yaml").read_text(encoding="utf-8")
    assert "network_in_place: false" in text
    (root / "params/on.yaml").write_text(
        text.replace("network_in_place: false", "network_in_place: true"), encoding="utf-8")
    assert cli.main(["run", "--all", "--dry-run", "--root", str(root)]) == 0
    planned = capsys.readouterr().out
    assert "_national 00_context: would run: the provinces with a Network changed (the " \
        "jurisdictions' params): Ontario" in planned
    assert "bc 01_seen: would run: reads the national context's tables, which rerun" in planned
    assert [r.up_to_date for r in runner.run_many(["bc", "on"], root)] == [True, False]
    assert count.read_text() == "run\nrun\n"


@pytest.mark.integration
def test_steps_that_do_not_read_the_national_context_run_beside_it(tmp_path, capsys,
                                                                    cold_kernels):
    # with two workers, BC's first step (it reads no national table) starts with the national
    # context, not after it; the step that reads the context's table waits for its commit
    root = make_root(tmp_path / "project", ("bc",))
    (root / "notebooks").mkdir()
    _toy_national(root / "notebooks")
    _toy_notebook(root / "notebooks" / "01_first.ipynb", (
        "from mwsn import config\n"
        "(config.paths(jurisdiction, root).processed / 'first.txt').write_text('first')"),
        parameters='jurisdiction = "xx"\nroot = "."\nlang = "en"\nwave = None',
        reads=["raw"], writes=["first.txt"])
    _toy_seen(root / "notebooks" / "02_seen.ipynb", reads=["national", "first.txt"])
    assert cli.main(["run", "bc", "--jobs", "2", "--root", str(root)]) == 0
    lines = capsys.readouterr().err.splitlines()
    order = [line for line in lines if line.startswith(("_national", "bc 0"))]
    context_done = next(i for i, line in enumerate(order)
                        if line.startswith("_national 00_context: executed"))
    assert order.index("bc 01_first: started") < context_done, order
    assert order.index("bc 02_seen: started") > context_done, order
    assert (root / "data/processed/bc/seen.txt").read_text() == "national"
    # a bad input found while the context and a slow first step run: the running steps are
    # stopped (the slow one never gets to write), and nothing of either is committed
    shutil.rmtree(root / "data/processed")
    shutil.rmtree(root / "reports")
    late = tmp_path / "late.txt"
    _toy_notebook(root / "notebooks" / "01_first.ipynb", (
        f"import time\ntime.sleep(30)\nopen({str(late)!r}, 'w').write('late')"),
        parameters='jurisdiction = "xx"\nroot = "."\nlang = "en"\nwave = None',
        reads=["raw"], writes=["first.txt"])
    survey = root / "data/raw/bc/survey_export.csv"
    text = survey.read_text(encoding="utf-8")
    survey.write_text(text.replace("Strongly agree", "Strongly agreeeee", 1), encoding="utf-8")
    assert cli.main(["run", "bc", "--jobs", "2", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "'Strongly agreeeee' is not on the agreement scale" in err
    assert err.strip().endswith("nothing was written.") and "Traceback" not in err
    assert not (root / "data/processed").exists()
    assert not [p for p in (root / "reports").rglob("*") if not p.name.endswith(".lock")]
    time.sleep(2)                  # a cold kernel outlives its stopped worker by a poll or so
    assert not late.exists()
    # a notebook that fails: the run keeps its partly executed notebook for debugging
    survey.write_text(text, encoding="utf-8")
    _toy_notebook(root / "notebooks" / "01_first.ipynb", "raise ValueError('boom')",
                  parameters='jurisdiction = "xx"\nroot = "."\nlang = "en"\nwave = None',
                  reads=["raw"], writes=["first.txt"])
    assert cli.main(["run", "bc", "--jobs", "2", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    kept = root / "reports/_failed/bc/01_first.ipynb"
    assert "01_first" in err and str(kept) in err and "Traceback" not in err
    partial = kept.read_text(encoding="utf-8")
    assert '"ename": "ValueError"' in partial and '"evalue": "boom"' in partial


@pytest.mark.integration
def test_a_step_failing_on_a_bad_input_before_the_checks_end_writes_nothing(
        tmp_path, capsys, cold_kernels, monkeypatch):
    # the run's checks run beside the steps, at a low priority: when the first step fails on
    # the bad input before they end, the run still waits for them, stops with their error
    # (file, row, column) and writes nothing, not even the failed notebook
    root = make_root(tmp_path / "project", ("bc",))
    (root / "notebooks").mkdir()
    _toy_notebook(root / "notebooks" / "01_first.ipynb", "raise ValueError('bad answer')",
                  parameters='jurisdiction = "xx"\nroot = "."\nlang = "en"\nwave = None',
                  reads=["raw"], writes=["first.txt"])
    survey = root / "data/raw/bc/survey_export.csv"
    text = survey.read_text(encoding="utf-8")
    survey.write_text(text.replace("Strongly agree", "Strongly agreeeee", 1), encoding="utf-8")
    check = orchestrate._check_inputs

    def slow_check(*args, **kwargs):
        time.sleep(8)               # the step's cold kernel fails well before
        return check(*args, **kwargs)

    monkeypatch.setattr(orchestrate, "_check_inputs", slow_check)
    assert cli.main(["run", "bc", "--jobs", "2", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "'Strongly agreeeee' is not on the agreement scale" in err
    assert err.strip().endswith("nothing was written.") and "Traceback" not in err
    assert not [p for p in (root / "reports").rglob("*") if not p.name.endswith(".lock")]


def test_progress_on_a_terminal_redraws_one_status_line():
    out = io.StringIO()
    progress = runner.Progress(out, live=True)
    progress.total = 2
    progress.start("bc 01_clean")
    progress.start("on 01_clean")
    progress.finish("bc 01_clean", "executed", 1.0)
    progress.close()
    text = out.getvalue()
    assert "[0/2] running: bc 01_clean 0 s, on 01_clean 0 s" in text
    assert "\r\033[K" in text and "bc 01_clean: executed in 1.0 s\n" in text


def test_snapshot_is_the_same_seen_from_a_notebook_work_folder(project_root, tmp_path):
    work = tmp_path / "work"
    runner._link_tree(project_root, work, keep_data={"raw", "external"}, processed=None)
    here, there = (provenance.snapshot(config.paths("bc", r)) for r in (project_root, work))
    assert here == there
