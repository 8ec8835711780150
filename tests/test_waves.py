"""Waves: a jurisdiction's data rounds in params, and the runner running them in order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import TOY_COUNT as COUNT
from conftest import make_root, toy_notebook
from mwsn import cli, config, runner, validate
from mwsn.codebook import load_codebook
from mwsn.errors import InputError

WAVES = """
waves:
  - id: w1
    period: {start: 2018-03, end: 2020-03}
  - id: w2
    period: {start: 2020-04, end: 2022-03}
    crosswalk:
      survey: {q7_rights: know_rights}
"""


def _with_waves(root: Path, block: str = WAVES) -> Path:
    """Turn a single-round synthetic BC into two waves (the same exports in each)."""
    params = root / "params" / "bc.yaml"
    params.write_text(params.read_text(encoding="utf-8") + block, encoding="utf-8")
    raw = root / "data" / "raw" / "bc"
    first = root / "data" / "raw" / "w1"
    raw.rename(first)
    raw.mkdir()
    first.rename(raw / "w1")
    shutil.copytree(raw / "w1", raw / "w2")
    survey = raw / "w2" / "survey_export.csv"       # the item was renamed in the second round
    header, rest = survey.read_text(encoding="utf-8").split("\n", 1)
    survey.write_text(header.replace(",know_rights,", ",q7_rights,") + "\n" + rest,
                      encoding="utf-8")
    return root


# -- params -------------------------------------------------------------------------------------

def test_a_wave_sees_its_own_period_and_the_crosswalk_in_its_sources(tmp_path):
    root = _with_waves(make_root(tmp_path))
    params = config.load("bc", root)
    assert params.wave_ids == ["w1", "w2"]
    second = config.load("bc", root, "w2")
    assert (second.period.start, second.period.end) == ("2020-04", "2022-03")
    assert second.sources["survey"].columns["q7_rights"] == "know_rights"
    assert "q7_rights" not in config.load("bc", root, "w1").sources["survey"].columns
    where = config.paths("bc", root, "w2")
    assert where.raw == root.resolve() / "data/raw/bc/w2"
    assert where.processed == root.resolve() / "data/processed/bc/w2"
    assert where.reports == root.resolve() / "reports/bc/w2"
    assert (where.label, where.key) == ("bc/w2", "bc@w2")


def test_a_project_without_waves_keeps_its_folders(project_root):
    params = config.load("bc", project_root)
    assert params.wave_ids == [None]
    where = config.paths("bc", project_root)
    assert where.raw == project_root.resolve() / "data/raw/bc" and where.label == "bc"


@pytest.mark.parametrize("block, words, line", [
    ("waves:\n  - id: w1\n    period: {start: 2018-03, end: 2020-03}\n"
     "  - id: w1\n    period: {start: 2020-04, end: 2022-03}\n", "'w1' is used twice", 4),
    ("waves:\n  - id: w2\n    period: {start: 2020-04, end: 2022-03}\n"
     "  - id: w1\n    period: {start: 2018-03, end: 2020-03}\n", "oldest first", 5),
    ("waves:\n  - id: Wave-1\n    period: {start: 2018-03, end: 2020-03}\n",
     "not a plain wave id", 2),
    ("waves:\n  - id: w1\n    period: {start: 2018-03, end: 2020-03}\n"
     "    crosswalk: {services: {a: b}}\n", "does not have", 4),
])
def test_invalid_waves_are_refused_naming_the_file(tmp_path, block, words, line):
    root = make_root(tmp_path)
    params = root / "params" / "bc.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "\n" + block, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        config.load("bc", root)
    message = str(caught.value)
    assert words in message and "bc.yaml" in message
    if line is not None:          # lines counted from the block's first line
        first = params.read_text(encoding="utf-8").splitlines().index("waves:") + 1
        assert caught.value.problems[0].row == first + line - 1, message


def test_an_unknown_wave_is_an_error_listing_the_waves(tmp_path, capsys):
    root = _with_waves(make_root(tmp_path))
    assert cli.main(["validate", "bc", "--wave", "w9", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "no wave 'w9': its waves are w1, w2" in err and "Traceback" not in err


def test_validate_checks_every_wave_and_names_the_wave_folder(tmp_path, capsys):
    root = _with_waves(make_root(tmp_path))
    assert cli.main(["validate", "bc", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "bc/w1: 5 sources" in out and "bc/w2: 5 sources" in out
    frames = validate.read_and_check(config.load("bc", root, "w2"), load_codebook(root),
                                     config.paths("bc", root, "w2"))
    first = validate.read_and_check(config.load("bc", root, "w1"), load_codebook(root),
                                    config.paths("bc", root, "w1"))
    assert frames["survey"]["know_rights"].equals(first["survey"]["know_rights"])
    (root / "data/raw/bc/w2/funding_ledger.csv").write_text("nonsense\n1\n", encoding="utf-8")
    assert cli.main(["validate", "bc", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "data/raw/bc/w2/funding_ledger.csv" in err and "w1/" not in err


# -- the runner, over small notebooks -----------------------------------------------------------

def _notebook(folder: Path, name: str, code: str, reads, writes) -> None:
    toy_notebook(folder, name, code, reads=reads, writes=writes)


SERIES = """
from mwsn import config
params = config.load(jurisdiction, root)
counts = []
for w in params.wave_ids[:params.wave_ids.index(wave) + 1]:
    counts.append(f"{w}={(config.paths(jurisdiction, root, w).processed / 'count.txt').read_text()}")
(config.paths(jurisdiction, root, wave).processed / "series.txt").write_text(" ".join(counts))
"""


@pytest.fixture
def two_waves(tmp_path, cold_kernels) -> Path:
    """Two waves of BC and a two-step pipeline: a count per wave, then the series over waves."""
    root = _with_waves(make_root(tmp_path))
    (root / "notebooks").mkdir()
    _notebook(root / "notebooks", "01_count.ipynb", COUNT, ["raw"], ["count.txt"])
    _notebook(root / "notebooks", "07_series.ipynb", SERIES, ["count.txt", "waves", "register"],
              ["series.txt"])
    return root


def _series(root: Path, wave: str) -> str:
    return (root / "data/processed/bc" / wave / "series.txt").read_text()


@pytest.mark.integration
def test_waves_run_in_order_and_a_change_in_one_reruns_it_and_what_reads_it(two_waves):
    root = two_waves
    w1, w2 = runner.run_many(["bc"], root, jobs=2)
    assert (w1.label, w2.label) == ("bc/w1", "bc/w2")
    meetings = len((root / "data/raw/bc/w1/meeting_records.csv").read_text().splitlines())
    assert _series(root, "w2") == f"w1={meetings} w2={meetings}"
    for wave in ("w1", "w2"):
        manifest = json.loads((root / "reports/bc" / wave / runner.MANIFEST).read_text())
        assert manifest["wave"] == wave
        assert f"data/processed/bc/{wave}/count.txt" in manifest["outputs"]

    assert all(r.up_to_date for r in runner.run_many(["bc"], root))     # nothing changed

    # the second wave's export changes: only that wave reruns
    with (root / "data/raw/bc/w2/meeting_records.csv").open("a", encoding="utf-8") as f:
        f.write("\n")
    w1, w2 = runner.run_many(["bc"], root)
    assert w1.up_to_date and sorted(w2.executed) == ["01_count", "07_series"]
    assert _series(root, "w2") == f"w1={meetings} w2={meetings + 1}"

    # the first wave's export changes: it reruns, and so does the step reading it in wave 2
    with (root / "data/raw/bc/w1/meeting_records.csv").open("a", encoding="utf-8") as f:
        f.write("\n\n")
    planned = {p.label: p for p in runner.dry_run("bc", root, wave="w1")}
    assert planned["bc/w1 01_count"].rerun
    later = {p.label: p for p in runner.dry_run("bc", root, wave="w2", earlier_rerun=("bc/w1",))}
    assert not later["bc/w2 01_count"].rerun
    assert "reads the tables of earlier waves, and bc/w1 reruns" in str(later["bc/w2 07_series"])
    w1, w2 = runner.run_many(["bc"], root)
    assert sorted(w1.executed) == ["01_count", "07_series"]
    assert w2.executed == ["07_series"] and w2.reused == ["01_count"]
    assert _series(root, "w2") == f"w1={meetings + 2} w2={meetings + 1}"

    # a target changes in the indicator register: only the steps that read it rerun
    register = root / "params" / "indicators.yaml"
    register.write_text(register.read_text(encoding="utf-8").replace(
        "target: {value: 0.75, by: 2024-03}", "target: {value: 0.8, by: 2024-03}", 1),
        encoding="utf-8")
    w1, w2 = runner.run_many(["bc"], root)
    assert w1.executed == w2.executed == ["07_series"]
    assert w1.reused == w2.reused == ["01_count"]


@pytest.mark.integration
def test_run_one_wave_and_verify_every_wave(two_waves, capsys):
    root = two_waves
    assert cli.main(["run", "bc", "--wave", "w1", "--root", str(root), "-j", "1"]) == 0
    assert (root / "reports/bc/w1/manifest.json").is_file()
    assert not (root / "reports/bc/w2").exists()
    assert cli.main(["run", "bc", "--root", str(root), "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "bc/w1: everything is up to date" in out and "bc/w2: done" in out
    assert "bc: reports by data round:" in out
    for name, words in (("index.html", "reports by data round"),
                        ("index.fr.html", "rapports par cycle de collecte")):
        landing = (root / "reports/bc" / name).read_text(encoding="utf-8")
        assert words in landing and 'href="w2/index.html"' in landing
        assert landing.index(">w2<") < landing.index(">w1<")        # newest first
    assert cli.main(["verify", "bc", "--root", str(root), "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "bc/w1: every output matches" in out and "bc/w2: every output matches" in out
