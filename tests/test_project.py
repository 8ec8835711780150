"""`mwsn init`: a new assessment project that holds no other jurisdiction's text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import NO_PDF, PROJECT, load_yaml
from mwsn import cli, config, project, synth
from mwsn.codebook import load_codebook

BC_PARAMS = load_yaml((PROJECT / "params" / "bc.yaml").read_text(encoding="utf-8"))


def _bc_texts() -> list[str]:
    """British Columbia's own text in its params: name and considerations, EN and FR."""
    texts = [BC_PARAMS["name"]["en"], BC_PARAMS["name"]["fr"]]
    for item in BC_PARAMS["considerations"]:
        texts += [item["text"]["en"], item["text"]["fr"]]
    return texts


def test_init_creates_the_project_with_a_filled_params_file(tmp_path, capsys):
    root = tmp_path / "alberta"
    assert cli.main(["init", str(root), "--jurisdiction", "ab", "--name", "Alberta"]) == 0
    for folder in ("params", "data/raw/ab", "data/external", "reports"):
        assert (root / folder).is_dir(), folder
    assert (root / "README.md").is_file()
    assert (root / "data" / "external" / "SOURCES.md").is_file()
    assert sorted(p.name for p in (root / "params").iterdir()) == [
        "ab.yaml", "codebook.yaml", "context.yaml", "evaluation_matrix.yaml", "indicators.yaml",
        "logic_model.yaml"]
    params = config.load("ab", root)  # valid as written
    assert params.name.en == "Alberta" and params.name.fr == "Alberta"
    assert params.considerations == []
    load_codebook(root)
    assert config.list_jurisdictions(root) == ["ab"]


@pytest.fixture
def alberta(tmp_path, capsys) -> Path:
    """A project made by ``mwsn init`` for Alberta, with no data yet."""
    root = tmp_path / "alberta"
    assert cli.main(["init", str(root), "--jurisdiction", "ab", "--name", "Alberta"]) == 0
    capsys.readouterr()
    return root


def test_synth_gives_a_new_jurisdiction_data_shaped_like_the_pilot(alberta, tmp_path, capsys):
    # a new user's next step after init: demonstration data for their own jurisdiction
    root = alberta
    assert cli.main(["synth", "ab", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "shaped like BC's pilot" in out
    synth.generate(config.paths("bc", tmp_path / "bc"))
    assert sorted(p.name for p in (root / "data" / "raw" / "ab").iterdir()) == sorted(
        p.name for p in (tmp_path / "bc" / "data" / "raw" / "bc").iterdir())
    assert config.list_jurisdictions(root) == ["ab"]      # no BC params written beside it
    # the budget init writes (1 CAD) against the demonstration ledger's 3,400,000 of
    # agreements: the share spent would read 300,000,000%; validate says what to set
    assert "set budget: {amount: 3400000, currency: CAD}" in out
    capsys.readouterr()
    assert cli.main(["validate", "ab", "--root", str(root)]) == 2
    err = capsys.readouterr()
    said = err.out + err.err
    assert "budget.amount is 1 CAD" in said and "3,400,000" in said and "Traceback" not in said
    params = root / "params" / "ab.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("amount: 1,", "amount: 3400000,"),
                      encoding="utf-8")
    assert cli.main(["validate", "ab", "--root", str(root)]) == 0


def test_run_of_a_jurisdiction_with_no_data_says_so_before_any_work(alberta, capsys):
    root = alberta
    assert cli.main(["run", "ab", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "data/raw/ab" in err and "nothing was written" in err and "Traceback" not in err
    assert not (root / "data" / "processed" / "_national").exists()   # true: nothing ran
    assert not (root / "reports" / "_national").exists()


def test_french_name_comes_from_the_catalogue_of_provinces(tmp_path):
    project.init(tmp_path, "nl", "Newfoundland and Labrador")
    assert config.load("nl", tmp_path).name.fr == "Terre-Neuve-et-Labrador"
    project.init(tmp_path, "qc", "Quebec", name_fr="Québec (province)")
    assert config.load("qc", tmp_path).name.fr == "Québec (province)"


def test_template_explains_every_key_and_holds_no_bc_text():
    text = project.jurisdiction_params("ab", "Alberta")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[a-z_]+:", line):  # a top-level key: a comment right above it
            assert lines[i - 1].startswith("#"), line
    keys = {line.split(":")[0] for line in lines if re.match(r"^[a-z_]+:", line)}
    optional = {line[2:].split(":")[0] for line in lines if re.match(r"^# [a-z_]+: ", line)}
    assert keys | (optional & {"province", "summary_languages"}) | {"waves", "targets"} == set(
        config.Jurisdiction.model_fields)  # a key added to the params needs explaining here
    assert "\n# waves:\n" in text       # explained, commented out: one round unless declared
    assert "\n# targets:\n" in text     # explained, commented out: the register's unless set
    for bc_text in _bc_texts():
        assert bc_text not in text
    assert "considerations: []" in text and "findings" in text and "swot" in text


def test_init_without_a_jurisdiction_writes_a_template_that_is_no_jurisdiction(tmp_path):
    project.init(tmp_path)
    assert (tmp_path / "params" / project.TEMPLATE_NAME).is_file()
    assert config.list_jurisdictions(tmp_path) == []


def test_init_again_adds_a_jurisdiction_and_overwrites_nothing(tmp_path):
    project.init(tmp_path, "ab", "Alberta")
    edited = tmp_path / "params" / "ab.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("min_cell: 5", "min_cell: 10"),
                      encoding="utf-8")
    created = project.init(tmp_path, "sk", "Saskatchewan")
    assert tmp_path / "README.md" in created.kept
    assert (tmp_path / "params" / "sk.yaml") in created.written
    assert edited not in created.written
    assert config.load("ab", tmp_path).min_cell == 10
    assert config.list_jurisdictions(tmp_path) == ["ab", "sk"]


def test_init_refuses_a_code_that_is_no_plain_code(tmp_path, capsys):
    assert cli.main(["init", str(tmp_path), "--jurisdiction", "../x"]) == 2
    assert "not a plain short code" in capsys.readouterr().err


def test_synth_adds_the_demonstration_params_to_a_new_project(tmp_path):
    project.init(tmp_path)
    assert cli.main(["synth", "bc", "--root", str(tmp_path)]) == 0
    assert config.load("bc", tmp_path).code == "bc"
    assert (tmp_path / "data" / "raw" / "bc" / config.SYNTHETIC_MARKER).is_file()


@pytest.mark.integration
def test_new_jurisdiction_report_holds_no_other_jurisdictions_text(tmp_path):
    from mwsn import runner

    root = tmp_path / "alberta"
    project.init(root, "ab", "Alberta")
    params = root / "params" / "ab.yaml"  # the evaluator fills in period and budget
    params.write_text(params.read_text(encoding="utf-8")
                      .replace("{start: 2025-04, end: 2026-03}", "{start: 2018-03, end: 2020-03}")
                      .replace("amount: 1,", "amount: 3400000,"), encoding="utf-8")
    demo = tmp_path / "demo"  # SYNTHETIC raw exports, made for BC, used as Alberta's
    synth.generate(config.paths("bc", demo))
    shutil.copytree(demo / "data" / "raw" / "bc", root / "data" / "raw" / "ab",
                    dirs_exist_ok=True)
    runner.run("ab", root, options=NO_PDF)      # the pages it checks, not their print
    reports = root / "reports" / "ab"
    pages = sorted(reports.glob("assessment*.html")) + sorted(reports.glob("summary*.html"))
    assert len(pages) >= 2
    for path in pages:
        page = path.read_text(encoding="utf-8")
        assert "Alberta" in page, path.name
        for bc_text in _bc_texts()[2:]:  # its considerations, EN and FR
            assert bc_text not in page, (path.name, bc_text)
        # outside the official statistics' tables, which list every province, no other
        # jurisdiction is named
        beyond = re.sub(r"<table.*?</table>", "", page, flags=re.S)
        for other in ("British Columbia", "Colombie-Britannique", "Ontario"):
            assert other not in beyond, (path.name, other)


def test_make_lab_opens_the_project_root_and_allows_root(tmp_path):
    import os
    import subprocess

    done = subprocess.run(["make", "--no-print-directory", "-n", "lab"], cwd=PROJECT,
                          capture_output=True, text=True)
    command = [line for line in done.stdout.splitlines() if "jupyter" in line and " lab" in line][-1]
    assert f'--ServerApp.root_dir="{PROJECT}"' in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)


def test_a_plan_piped_into_a_reader_that_stops_ends_quietly(tmp_path):
    # `mwsn run --all --dry-run | head -1`: the reader closes the pipe early; the command
    # stops without a BrokenPipeError traceback (its pipe's reading end is closed at once)
    import os
    import subprocess
    import sys

    root = tmp_path / "project"
    assert cli.main(["init", str(root), "--jurisdiction", "bc"]) == 0
    read, write = os.pipe()
    os.close(read)
    done = subprocess.run([sys.executable, "-m", "mwsn", "run", "--all", "--dry-run",
                           "--root", str(root)], stdout=write, stderr=subprocess.PIPE,
                          text=True, timeout=120)
    os.close(write)
    assert done.returncode == 141
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
