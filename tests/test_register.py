"""The indicator register (params/indicators.yaml) is checked like every params file."""

from __future__ import annotations

import shutil

import pytest

from mwsn.errors import InputError
from mwsn.register import SERVICE_METRICS, load_register, targets_for
from conftest import SHIPPED


@pytest.fixture
def root(tmp_path):
    shutil.copytree(SHIPPED / "params", tmp_path / "params")
    return tmp_path


def test_shipped_register_loads_with_every_field(root):
    register = load_register(root)
    entry = register.entry("workers_know_rights")
    assert entry.data_type == "share" and entry.target.value == 0.75
    assert entry.target.by == "2024-03" and entry.baseline.wave == "first"
    assert entry.owner.fr and entry.definition.fr
    assert "services_outside_agriculture" in SERVICE_METRICS


def _edit(root, old, new):
    path = root / "params" / "indicators.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1  # the line edited


def test_unknown_indicator_is_named_with_its_line(root):
    line = _edit(root, "- id: repeat_use", "- id: repeat_usage")
    with pytest.raises(InputError) as caught:
        load_register(root)
    (problem,) = caught.value.problems
    assert problem.row == line and problem.column == "id"
    assert "'repeat_usage' is neither an indicator" in problem.message


def test_share_target_above_one_is_refused_with_its_line(root):
    line = _edit(root, "target: {value: 0.75, by: 2024-03}", "target: {value: 75, by: 2024-03}")
    with pytest.raises(InputError) as caught:
        load_register(root)
    (problem,) = caught.value.problems
    assert "between 0 and 1" in problem.message
    assert problem.file.endswith("indicators.yaml") and problem.row is not None
    assert problem.row <= line


def test_bad_month_and_unknown_key_are_refused(root):
    _edit(root, "by: 2025-03}", "by: March 2025}")
    _edit(root, "    frequency: quarterly\n", "    frequency: quarterly\n    cadence: q\n")
    with pytest.raises(InputError) as caught:
        load_register(root)
    messages = " ".join(p.message for p in caught.value.problems)
    assert "expected a month as YYYY-MM" in messages and "unknown key" in messages
    assert all(p.row for p in caught.value.problems)


def test_a_jurisdiction_target_overrides_the_register(root):
    from mwsn.register import Target

    register = load_register(root)
    targets = targets_for(register, {"repeat_use": Target(value=0.6, by="2026-03")})
    assert targets["repeat_use"].value == 0.6
    assert targets["workers_know_rights"].value == 0.75
