"""The table catalog: every table a notebook writes is declared once, writes are checked
against it, and docs/CONTRACTS.md says what it says."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from mwsn import catalog, ingest

PROJECT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((PROJECT / "notebooks").glob("*.ipynb"))


def _contracts():
    spec = importlib.util.spec_from_file_location("contracts", PROJECT / "tools" / "contracts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _declared_writes() -> dict[str, str]:
    writes = {}
    for path in NOTEBOOKS:
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("mwsn", {})
        for name in meta.get("writes", []):
            writes[name] = path.stem
    return writes


def test_every_table_a_notebook_writes_is_catalogued_with_that_notebook():
    writes = _declared_writes()
    assert writes, "no notebook declares metadata.mwsn.writes"
    missing = sorted(set(writes) - set(catalog.TABLES))
    assert not missing, (f"add a Table line for {missing} to src/mwsn/catalog.py, then run "
                         "python tools/contracts.py")
    for name, notebook in writes.items():
        assert catalog.TABLES[name].notebook == notebook, name


def test_every_catalogued_table_is_written_by_its_notebook():
    writes = _declared_writes()
    stale = sorted(set(catalog.TABLES) - set(writes))
    assert not stale, f"catalogued but no notebook declares writing them: {stale}"


def test_the_tables_section_of_contracts_is_current():
    contracts = _contracts()
    text = contracts.CONTRACTS.read_text(encoding="utf-8")
    assert contracts.updated(text) == text, "docs/CONTRACTS.md: run python tools/contracts.py"


def _listed_columns(text: str, name: str) -> set[str] | None:
    """The column names the hand-written table of CONTRACTS.md gives in brackets after a
    table's name (None when it gives none)."""
    match = re.search(rf"`{re.escape(name)}` \(", text)
    if not match:
        return None
    depth, end = 1, match.end()
    while depth and end < len(text):
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        end += 1
    inside = text[match.end():end - 1]
    # the columns come first; a semicolon or colon after them (outside backticks) starts
    # words about their values
    quoted, seen = False, False
    for i, ch in enumerate(inside):
        quoted ^= ch == "`"
        seen |= quoted
        if ch in ";:" and seen and not quoted:
            inside = inside[:i]
            break
    names = set()
    for quoted in re.findall(r"`([^`]*)`", inside):
        names.update(t.strip() for t in quoted.split(",") if re.fullmatch(r"\w+", t.strip()))
    return names


def test_the_written_words_of_contracts_agree_with_the_catalog():
    text = (PROJECT / "docs" / "CONTRACTS.md").read_text(encoding="utf-8")
    hand = text.split(_contracts().START)[0]
    checked = 0
    for table in catalog.TABLES.values():
        listed = _listed_columns(hand, table.name)
        if not listed or table.extra == catalog._VARIABLES:
            continue
        checked += 1
        unknown = {c for c in listed if c not in table.columns
                   and not (table.extra and re.fullmatch(table.extra, c))}
        assert not unknown, f"{table.name}: CONTRACTS.md names {unknown}, not in the catalog"
        if table.extra is None:
            assert set(table.columns) <= listed, (
                f"{table.name}: CONTRACTS.md leaves out {set(table.columns) - listed}")
    assert checked >= 20


def test_a_table_written_with_other_columns_is_refused_by_name_and_nothing_is_written(tmp_path):
    good = pd.DataFrame({c: [1] for c in catalog.TABLES["swot"].columns})
    bad = good.drop(columns=["share"]).assign(shares=[1])
    with pytest.raises(catalog.CatalogError) as error:
        ingest.write_processed({"quotes_unchecked": good, "swot": bad}, tmp_path)
    message = str(error.value)
    assert "'swot'" in message and "04_qualitative" in message
    assert "missing share" in message and "not declared shares" in message
    assert not list(tmp_path.iterdir())
    ingest.write_processed({"swot": good, "a_table_not_catalogued": bad}, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_table_not_catalogued.parquet",
                                                          "swot.parquet"]


def test_columns_that_depend_on_the_data_are_allowed_by_their_pattern(tmp_path):
    needs = catalog.TABLES["context_needs"]
    assert needs.problems([*needs.columns, "growth_scaled"]) == ([], [])
    assert needs.problems([*needs.columns, "growth_scaled_x "]) == ([], ["growth_scaled_x "])
    with pytest.raises(catalog.CatalogError, match="'context_needs'"):
        ingest.write_processed({"context_needs": pd.DataFrame(
            {c: [1] for c in [*needs.columns, "growth_scaled", "growth_rank"]})}, tmp_path)
    assert not list(tmp_path.iterdir())


def test_the_catalog_agrees_with_the_column_lists_the_library_keeps():
    from mwsn import privacy, trends

    assert catalog.TABLES["trend"].columns == tuple(trends.TREND_COLUMNS)
    assert catalog.TABLES["trend_changes"].columns == tuple(trends.CHANGE_TREND_COLUMNS)
    assert privacy.PROCESSED == "disclosure"
