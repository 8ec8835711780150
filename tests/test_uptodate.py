"""The no-op's quick answer (mwsn.uptodate): "up to date" only when nothing a run reads
or wrote changed since it last succeeded; anything else goes the exact way."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT, SHIPPED

from mwsn import cli, runner, uptodate

LINES = ["bc: everything is up to date (10 notebook runs, nothing changed; --force reruns all)"]


def _root(tmp: Path) -> Path:
    """A project root with the shipped params and methods pages, and a raw export."""
    shutil.copytree(SHIPPED / "params", tmp / "params")
    (tmp / "docs").mkdir()
    shutil.copy2(PROJECT / "docs" / "methods.md", tmp / "docs" / "methods.md")
    (tmp / "data" / "raw" / "bc").mkdir(parents=True)
    (tmp / "data" / "raw" / "bc" / "survey_export.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return tmp


@pytest.fixture
def recorded(tmp_path) -> Path:
    """A project root with BC's params and a raw export, some outputs, and a record."""
    root = _root(tmp_path)
    for folder in (root / "reports" / "bc", root / "data" / "processed" / "bc"):
        folder.mkdir(parents=True)
        (folder / "out.txt").write_text("built", encoding="utf-8")
    uptodate.record(root, "bc", None, uptodate.inputs(root, "bc"), LINES)
    return root


def _edit(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\n")


def test_nothing_changed_gives_the_recorded_lines(recorded):
    assert uptodate.unchanged(recorded, "bc", None) == LINES


@pytest.mark.parametrize("place", [
    "params/bc.yaml", "params/on.yaml", "docs/methods.md", "data/raw/bc/survey_export.csv",
    "reports/bc/out.txt", "data/processed/bc/out.txt"])
def test_an_edited_input_or_output_means_ask_the_runner(recorded, place):
    path = recorded / place
    assert path.is_file(), place
    _edit(path)
    assert uptodate.unchanged(recorded, "bc", None) is None


def test_a_new_file_in_a_folder_read_means_ask_the_runner(recorded):
    (recorded / "params" / "ab.yaml").write_text("code: ab\n", encoding="utf-8")
    assert uptodate.unchanged(recorded, "bc", None) is None


def test_a_deleted_output_means_ask_the_runner(recorded):
    (recorded / "reports" / "bc" / "out.txt").unlink()
    assert uptodate.unchanged(recorded, "bc", None) is None


def test_a_rotated_pseudonym_key_means_ask_the_runner(recorded, monkeypatch):
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", "a-new-long-random-secret")
    assert uptodate.unchanged(recorded, "bc", None) is None


def test_the_key_itself_is_never_written(tmp_path, monkeypatch):
    secret = "do-not-write-this-secret-anywhere"
    monkeypatch.setenv("MWSN_PSEUDONYM_KEY", secret)
    root = _root(tmp_path)
    (root / "reports").mkdir()
    uptodate.record(root, "bc", None, uptodate.inputs(root, "bc"), LINES)
    assert secret not in (root / "reports" / ".bc.uptodate.json").read_text(encoding="utf-8")
    assert uptodate.unchanged(root, "bc", None) == LINES


def test_another_wave_or_jurisdiction_has_its_own_record(recorded):
    assert uptodate.unchanged(recorded, "bc", "2024q1") is None
    assert uptodate.unchanged(recorded, "on", None) is None
    assert uptodate.unchanged(recorded, "../bc", None) is None


def test_a_run_under_way_means_ask_the_runner(recorded):
    held = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time; "
         "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); "
         "print('held', flush=True); time.sleep(60)",
         str(recorded / "reports" / ".bc.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert held.stdout.readline().strip() == "held"
        assert uptodate.unchanged(recorded, "bc", None) is None
    finally:
        held.kill()
        held.wait()
    assert uptodate.unchanged(recorded, "bc", None) == LINES


def test_run_answers_from_the_record_without_the_runner(recorded, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("the runner was asked")

    monkeypatch.setattr(runner, "run_many", refuse)
    assert cli.main(["run", "bc", "--root", str(recorded)]) == 0
    assert capsys.readouterr().out.splitlines() == LINES
    with pytest.raises(AssertionError, match="runner was asked"):
        cli.main(["run", "bc", "--root", str(recorded), "--force"])


def test_a_run_without_pdfs_asks_the_runner_and_leaves_no_record(recorded, monkeypatch, capsys):
    # `--no-pdf` changes the report's rerun key (test_runner): never answered from the record,
    # and a run with it records nothing, so the next run without it prints the PDFs
    asked = []

    def answer(codes, root, **options):
        asked.append(options["options"])
        return [runner.RunResult("bc", Path(root) / "reports" / "bc", up_to_date=True)]

    monkeypatch.setattr(runner, "run_many", answer)
    assert cli.main(["run", "bc", "--root", str(recorded), "--no-pdf"]) == 0
    assert asked == [{"pdf": False}]
    assert not (recorded / "reports" / ".bc.uptodate.json").exists()
    assert cli.main(["run", "bc", "--root", str(recorded)]) == 0
    assert asked == [{"pdf": False}, {}]
    assert (recorded / "reports" / ".bc.uptodate.json").exists()


def test_a_failed_run_forgets_the_record(recorded, monkeypatch):
    (recorded / "params" / "bc.yaml").write_text("code: [broken\n", encoding="utf-8")
    assert cli.main(["run", "bc", "--root", str(recorded)]) != 0
    assert not (recorded / "reports" / ".bc.uptodate.json").exists()


@pytest.mark.integration
def test_a_second_run_is_answered_from_the_record(bc_run, tmp_path):
    root = tmp_path / "copy"       # the shared build stays untouched
    shutil.copytree(bc_run, root, symlinks=True)
    command = [sys.executable, "-X", "importtime", "-m", "mwsn", "run", "bc", "--root", str(root)]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "everything is up to date" in first.stdout
    assert (root / "reports" / ".bc.uptodate.json").is_file()
    second = subprocess.run(command, capture_output=True, text=True, check=True)
    assert second.stdout == first.stdout
    imported = {line.split("|")[-1].strip() for line in second.stderr.splitlines()
                if line.startswith("import time:")}
    for heavy in ("pydantic", "yaml", "mwsn.config", "mwsn.run"):
        assert heavy not in imported, heavy
