"""The synthetic demonstration data: deterministic, labelled, one profile per jurisdiction."""

from __future__ import annotations

import pandas as pd

from mwsn import config, synth


def test_same_seed_gives_byte_identical_files(tmp_path):
    first = synth.generate(config.paths("bc", tmp_path / "a"))
    second = synth.generate(config.paths("bc", tmp_path / "b"))
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_bc_plan_reaches_the_published_78_stakeholders():
    # seed: interviews, focus groups and surveys with 78 stakeholders
    p = synth.BC_PILOT
    assert sum(p.survey.values()) + sum(p.interview.values()) + sum(p.focus_group.values()) == 78


def test_consultation_jurisdiction_has_no_program_data_and_is_labelled(tmp_path):
    files = {p.name for p in synth.generate(config.paths("on", tmp_path))}
    assert files == {"survey_export.csv", "coded_excerpts.csv", config.SYNTHETIC_MARKER}
    assert "SYNTHETIC" in (tmp_path / "data/raw/on" / config.SYNTHETIC_MARKER).read_text()


def test_consultation_survey_does_not_ask_about_a_network_that_does_not_exist(tmp_path):
    synth.generate(config.paths("on", tmp_path))
    survey = pd.read_csv(tmp_path / "data/raw/on/survey_export.csv", skiprows=[1, 2],
                         dtype=str, keep_default_na=False)
    survey = survey[survey["consent"].str.startswith("Yes")]
    for item in synth.NETWORK_ONLY_ITEMS + ("knowledge_before",):
        assert (survey[item] == "").all(), item
    workers = survey[survey["stakeholder_group"] == "Migrant worker"]
    assert (workers["knowledge_after"] != "").all()


def test_every_synthetic_jurisdiction_has_a_params_file(tmp_path):
    from pathlib import Path

    project = Path(__file__).resolve().parents[1]
    for code in synth.PROFILES:
        assert config.load(code, project).code == code
