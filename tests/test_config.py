"""Params are validated into typed objects; errors name the file, line and key."""

from __future__ import annotations

import pytest

from mwsn import config
from mwsn.errors import InputError


def test_bc_params_load_with_published_facts(project_root):
    params = config.load("bc", project_root)
    # seed: $3.4 million budgeted, March 2018 to March 2020
    assert params.budget.amount == 3_400_000
    assert (params.period.start, params.period.end) == ("2018-03", "2020-03")
    assert params.min_cell == 5
    # seed: seven considerations
    assert len(params.considerations) == 7


def _rewrite(root, old, new):
    path = root / "params" / "bc.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_unknown_key_is_named_with_its_line(project_root):
    _rewrite(project_root, "min_cell: 5", "min_cell: 5\nmin_cel: 3")
    with pytest.raises(InputError) as err:
        config.load("bc", project_root)
    (problem,) = err.value.problems
    assert "unknown key 'min_cel'" in problem.message
    assert problem.file.endswith("bc.yaml")
    lines = (project_root / "params" / "bc.yaml").read_text().splitlines()
    assert lines[problem.row - 1].startswith("min_cel:")


def test_missing_key_is_named(project_root):
    _rewrite(project_root, "budget: {amount: 3400000, currency: CAD}\n", "")
    with pytest.raises(InputError, match="missing key 'budget'"):
        config.load("bc", project_root)


def test_invalid_yaml_reports_its_line(project_root):
    _rewrite(project_root, "min_cell: 5", "min_cell: [5")
    with pytest.raises(InputError) as err:
        config.load("bc", project_root)
    assert "not valid YAML" in err.value.problems[0].message
    assert err.value.problems[0].row is not None


@pytest.mark.parametrize("code", ["../x", "BC", "b", "bc/..", "", "a b", "x" * 17])
def test_jurisdiction_code_that_is_not_plain_is_refused(code, project_root):
    with pytest.raises(InputError, match="not a plain short code"):
        config.paths(code, project_root)


def test_list_jurisdictions_ignores_shared_params(project_root):
    assert "bc" in config.list_jurisdictions(project_root)
    assert "codebook" not in config.list_jurisdictions(project_root)


def test_a_yaml_file_read_again_is_its_own_copy_and_an_edit_is_read(tmp_path):
    # the parsed text is kept (the shared params, read once per jurisdiction validated):
    # each reader may change what it got, and a file edited since is parsed again
    path = tmp_path / "shared.yaml"
    path.write_text("groups: [employer, worker]\nmin_cell: 5\n", encoding="utf-8")
    first = config.read_yaml(path)
    first["groups"].append("changed by a reader")
    assert config.read_yaml(path) == {"groups": ["employer", "worker"], "min_cell": 5}
    path.write_text("groups: [employer]\nmin_cell: 5\n", encoding="utf-8")
    assert config.read_yaml(path) == {"groups": ["employer"], "min_cell": 5}
    path.write_text("groups: [employer\n", encoding="utf-8")
    for _ in range(2):                               # an error is never kept: said each time
        with pytest.raises(InputError, match="not valid YAML"):
            config.read_yaml(path)
