"""The order `make test` hands the tests to its workers (tests/conftest.py)."""

from __future__ import annotations

import pytest

import conftest


class _Item:
    """What the ordering reads of a collected test: its id, fixtures and marks."""

    def __init__(self, nodeid, fixtures=(), integration=False, group=None):
        self.nodeid, self.fixturenames = nodeid, list(fixtures)
        self._marks = ([pytest.mark.integration.mark] if integration else []) + (
            [pytest.mark.xdist_group(group).mark] if group else [])

    def get_closest_marker(self, name):
        return next((m for m in self._marks if m.name == name), None)

    def iter_markers(self, name):
        return (m for m in self._marks if m.name == name)


class _Cache:
    def __init__(self, durations):
        self.durations = durations

    def get(self, key, default):
        return self.durations if key == conftest.DURATIONS else default


class _Config:
    def __init__(self, durations=None):
        if durations is not None:
            self.cache = _Cache(durations)


def _ordered(items, config, monkeypatch) -> list[str]:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    conftest.pytest_collection_modifyitems(config, items)
    return [i.nodeid for i in items]


ITEMS = (("t.py::unit", (), False, None),
         ("t.py::reads_bc", ("bc_run", "tmp_path"), True, None),
         ("t.py::own_build", ("tmp_path",), True, None),
         ("t.py::reads_rerun", ("bc_rerun", "bc_run"), True, None),
         ("t.py::grouped_a@g", ("tmp_path",), True, "g"),
         ("t.py::unit_slow", (), False, None),
         ("t.py::grouped_b@g", ("tmp_path",), True, "g"))


def test_a_reader_of_the_session_build_first_then_what_needs_none_unit_tests_last(monkeypatch):
    items = [_Item(*spec) for spec in ITEMS]
    assert _ordered(items, _Config(), monkeypatch) == [   # a fresh checkout: the files' order
        "t.py::reads_bc", "t.py::own_build", "t.py::grouped_a@g", "t.py::grouped_b@g",
        "t.py::reads_rerun", "t.py::unit", "t.py::unit_slow"]


def test_the_slowest_of_the_last_run_first_within_each_kind(monkeypatch):
    items = [_Item(*spec) for spec in ITEMS]
    last = {"t.py::reads_rerun": 50.0, "t.py::reads_bc": 3.0, "t.py::own_build": 10.0,
            "t.py::grouped_a@g": 6.0, "t.py::grouped_b@g": 6.0, "t.py::unit_slow": 2.0}
    assert _ordered(items, _Config(last), monkeypatch) == [
        "t.py::reads_rerun",                                  # builds BC, then reruns it
        "t.py::grouped_a@g", "t.py::grouped_b@g",             # 12 s in all, together
        "t.py::own_build", "t.py::reads_bc", "t.py::unit_slow", "t.py::unit"]


def test_without_xdist_the_files_order_is_kept(monkeypatch):
    items = [_Item(*spec) for spec in ITEMS]
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    conftest.pytest_collection_modifyitems(_Config({"t.py::unit": 99.0}), items)
    assert [i.nodeid for i in items] == [spec[0] for spec in ITEMS]
