"""Service records as a source of a jurisdiction: validate, clean, the disclosure pass, the report.

Expected counts are counted by hand from the small files written here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from conftest import make_root
from mwsn import clean, cli, config, disclosure, findings, ingest, privacy, services, validate
from mwsn.codebook import load_codebook

RAW = "data/raw/bc"
FILE = "service_records.csv"
HEADER = "record_id,organization,service_date,service_type,worker,sector,language,outcome\n"


def _records(rows: list[str]) -> str:
    return HEADER + "\n".join(rows) + "\n"


def _quarters() -> list[str]:
    """53 services. 2018Q2: 20 rights_information by W-0..W-9 (agriculture) and 3 case_support
    by W-0, W-1 (caregiving); 2018Q3: 30 rights_information by W-20..W-31 (agriculture)."""
    rows = [f"S-{k + 1},Org A,2018-04-02,rights_information,W-{k % 10},agriculture,es,"
            "information_given" for k in range(20)]
    rows += [f"S-{21 + k},Org A,2018-05-02,case_support,W-{k % 2},caregiving,es,resolved"
             for k in range(3)]
    rows += [f"S-{24 + k},Org B,2018-08-02,rights_information,W-{20 + k % 12},agriculture,tl,"
             "resolved" for k in range(30)]
    return rows


def with_services(root: Path, text: str | None = None, source: str | None = None) -> Path:
    params = root / "params" / "bc.yaml"
    line = "  recommendations: {file: recommendations.csv, format: csv}\n"
    body = params.read_text(encoding="utf-8")
    assert line in body
    params.write_text(body.replace(line, line + (source or f"  services: {{file: {FILE}, "
                                                  "format: csv}\n")), encoding="utf-8")
    (root / RAW / FILE).write_text(_records(_quarters()) if text is None else text,
                                   encoding="utf-8")
    return root


@pytest.fixture
def root(tmp_path) -> Path:
    return with_services(make_root(tmp_path))


def _validate(root: Path, capsys) -> tuple[int, str, str]:
    code = cli.main(["validate", "bc", "--root", str(root)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return code, out.err, out.out


# -- validate ------------------------------------------------------------------------------------

def test_service_records_validate_through_arrow(root, capsys):
    code, err, out = _validate(root, capsys)
    assert code == 0, err
    assert "6 sources" in out
    frames = validate.read_and_check(config.load("bc", root), load_codebook(root),
                                     config.paths("bc", root))
    records = frames["services"]
    assert isinstance(records, pa.Table)           # never a DataFrame of the records
    assert records.num_rows == 53 and records.column("_row").to_pylist()[:2] == [2, 3]


def test_broken_service_records_are_located_at_file_row_and_column(root, capsys):
    rows = _quarters()
    rows[2] = rows[2].replace("rights_information", "workshop")       # line 4
    rows[5] = rows[5].replace("2018-04-02", "02/04/2018")            # line 7
    rows[9] = rows[9].replace("2018-04-02", "2021-04-02")            # line 11: after the period
    rows[12] = rows[12].replace("W-2,", ",")                         # line 14: no worker
    (root / RAW / FILE).write_text(_records(rows), encoding="utf-8")
    code, err, _ = _validate(root, capsys)
    assert code == 2
    where = f"{RAW}/{FILE}"
    assert f"{where}:4:service_type: 'workshop' is not a known service type" in err
    assert f"{where}:7:service_date: not a date: write it as YYYY-MM-DD" in err
    assert f"{where}:11:service_date: date outside the period 2018-03 to 2020-03" in err
    assert f"{where}:14:worker: Worker identifier is empty" in err
    assert "nothing was written" in err


def test_a_ragged_service_record_is_named_by_its_line(root, capsys):
    rows = _quarters()
    rows[6] = "S-7,Org A,2018-04-02"                                  # line 8
    (root / RAW / FILE).write_text(_records(rows), encoding="utf-8")
    code, err, _ = _validate(root, capsys)
    assert code == 2
    assert f"{RAW}/{FILE}:8: this record has 3 fields but the header has 8" in err


def test_service_records_header_only_or_another_format_are_refused(tmp_path, capsys):
    root = with_services(make_root(tmp_path), HEADER)
    code, err, _ = _validate(root, capsys)
    assert code == 2 and f"{RAW}/{FILE}:1: the export has a header but no records" in err
    params = root / "params" / "bc.yaml"
    params.write_text(params.read_text().replace(f"{{file: {FILE}, format: csv}}",
                                                 f"{{file: {FILE}, format: xlsx}}"))
    code, err, _ = _validate(root, capsys)
    assert code == 2 and "service records are read as CSV, not xlsx" in err


def test_service_answers_recoded_and_columns_mapped_in_params(tmp_path, capsys):
    text = _records(_quarters()).replace("worker,", "client_id,", 1).replace(
        ",agriculture,", ",Agricultura,")
    root = with_services(make_root(tmp_path), text, source=(
        f"  services: {{file: {FILE}, format: csv, columns: {{client_id: worker}}, "
        "values: {sector: {Agricultura: agriculture}}}\n"))
    code, err, _ = _validate(root, capsys)
    assert code == 0, err


# -- cleaning ------------------------------------------------------------------------------------

def _cleaned(root: Path):
    params, codebook = config.load("bc", root), load_codebook(root)
    where = config.paths("bc", root)
    raw = validate.read_and_check(params, codebook, where)
    return clean.clean_all(raw, codebook, config.pseudonym_key(where)), params, codebook, where


@pytest.fixture(scope="module")
def cleaned_once(tmp_path_factory):
    """The records of :func:`_quarters` validated and cleaned once, for the tests that only
    read the result: ``(root, ((cleaned, log), params, codebook, where))``."""
    root = with_services(make_root(tmp_path_factory.mktemp("services")))
    return root, _cleaned(root)


def test_cleaning_pseudonymizes_the_worker_with_the_survey_function(cleaned_once):
    (cleaned, log), *_ = cleaned_once[1]
    records = cleaned["services"]
    assert isinstance(records, pa.Table)
    assert {"record_id", "worker", "_row"}.isdisjoint(records.column_names)
    key = config.DEMO_PSEUDONYM_KEY.encode()
    assert set(records.column("participant").to_pylist()) == {
        clean.pseudonym(f"W-{i}", key) for i in [*range(10), *range(20, 32)]}
    # one function for every pseudonym: the survey's e-mail and a worker id alike
    assert clean.pseudonyms(pd.Series([" W-3", None]), key).tolist()[0] == \
        clean.pseudonym("w-3", key)
    row = log.set_index("source").loc["services"]
    assert (row["rows_in"], row["rows_out"], row["dropped_columns"]) == (53, 53, "record_id")


def test_a_jurisdiction_without_service_records_gets_an_empty_table(tmp_path):
    root = make_root(tmp_path)
    (cleaned, _), *_ = _cleaned(root)
    assert cleaned["services"].num_rows == 0
    assert "participant" in cleaned["services"].column_names
    shown = services.service_indicators(cleaned["services"])
    assert set(shown["status"]) == {"not_collected"} and shown["count"].isna().all()
    assert services.services_by_quarter(cleaned["services"], totals=True).empty


def test_processed_service_records_are_written_from_arrow(cleaned_once, tmp_path):
    (cleaned, _), *_ = cleaned_once[1]
    ingest.write_processed({"services": cleaned["services"]}, tmp_path / "out")
    back = ingest.read_processed_arrow(tmp_path / "out", "services")
    assert back.num_rows == 53
    assert pa.types.is_dictionary(back.schema.field("participant").type)


# -- indicators and the disclosure pass -----------------------------------------------------------

def test_quarter_totals_count_each_worker_once(cleaned_once):
    (cleaned, _), *_ = cleaned_once[1]
    got = services.services_by_quarter(cleaned["services"], totals=True)
    rows = {(r.quarter, r.service_type): (r.services, r.workers) for r in got.itertuples()}
    # 2018Q2: W-0 and W-1 had both kinds of service: 10 distinct workers, not 12
    assert rows == {("2018Q2", "case_support"): (3, 2), ("2018Q2", "rights_information"): (20, 10),
                    ("2018Q2", "all"): (23, 10), ("2018Q3", "rights_information"): (30, 12),
                    ("2018Q3", "all"): (30, 12)}


def _pass(root, done=None):
    """The disclosure pass over the cleaned records of ``root`` (``done``: cleaned already,
    as :func:`_cleaned` gives them)."""
    (cleaned, _), params, codebook, where = done or _cleaned(root)
    people = clean.participants(cleaned)
    return disclosure.compute(cleaned, people, codebook, params,
                              findings.load_matrix(root)), cleaned


def test_small_service_counts_are_hidden_and_cannot_be_worked_back(cleaned_once):
    ledger, cleaned = _pass(*cleaned_once)
    records = cleaned["services"]
    by_quarter = privacy.protected_services_by_quarter(
        services.services_by_quarter(records, totals=True), ledger)
    cell = {(r.quarter, r.service_type): (r.services, r.workers)
            for r in by_quarter.itertuples()}
    # 3 services to 2 workers: both below min_cell (5)
    assert all(pd.isna(v) for v in cell[("2018Q2", "case_support")])
    # the quarter's total (23) is shown, so 23 - 20 would give the 3 back: 20 is hidden too
    assert cell[("2018Q2", "all")][0] == 23 and pd.isna(cell[("2018Q2", "rights_information")][0])
    assert not ledger.exposed()
    shown = privacy.protected_services(services.service_indicators(records), ledger)
    shown = shown.set_index("metric")
    # 3 services and 2 workers outside agriculture: hidden with their shares
    assert shown.loc["services_outside_agriculture", ["count", "share"]].isna().all()
    assert shown.loc["workers_served_outside_agriculture", "withheld"] == "small_count"
    # 22 of 22 workers came back: a share of 100% is class disclosure
    assert shown.loc["repeat_use", "withheld"] == "class_all_or_none"
    assert shown.loc["workers_served", "count"] == 22
    assert shown.loc["services_delivered", "count"] == 53


# -- the report -----------------------------------------------------------------------------------

def _processed(root: Path, done=None) -> None:
    ledger, cleaned = _pass(root, done)
    records = cleaned["services"]
    ingest.write_processed({
        privacy.PROCESSED: ledger.frame(),
        "service_indicators": services.service_indicators(records),
        "services_by_quarter": services.services_by_quarter(records, totals=True)},
        config.paths("bc", root).processed)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def processed_once(cleaned_once) -> Path:
    """The project of ``cleaned_once`` with the service tables its report part reads."""
    _processed(*cleaned_once)
    return cleaned_once[0]


@pytest.mark.parametrize("lang, words", [
    ("en", ["Service records", "22 distinct migrant workers", "53 services",
            "the shares outside agriculture are not shown to protect privacy",
            "Workers served (reach)", "Services delivered per quarter, by service type"]),
    ("fr", ["Dossiers de services", "22 travailleurs migrants distincts", "53 services",
            "les parts hors de l'agriculture ne sont pas présentées",
            "Travailleurs servis (portée)", "Services offerts par trimestre"])])
def test_report_part_shows_the_protected_figures_in_each_language(processed_once, lang, words):
    from mwsn.report import load_report

    root = processed_once
    html = str(load_report("bc", root, lang).section("services"))
    text = _text(html).replace("&#x27;", "'")
    for word in words:
        assert word in text
    alt = re.search(r'alt="([^"]*)"', html).group(1)
    assert ("53" in alt and "2018Q3" in alt) if lang == "en" else "53" in alt
    # the quarter table: the small cell and the cell that would give it back are marked
    quarter = re.search(r"<tr><th scope=\"row\">2018Q2</th>(.*?)</tr>", html).group(1)
    cells = re.findall(r"<td>(.*?)</td>", quarter)
    assert cells == ["x", "x", "23", "10"]


def test_report_part_says_not_collected_without_service_records(tmp_path):
    from mwsn.report import load_report

    root = make_root(tmp_path)
    (cleaned, _), *_ = _cleaned(root)
    ingest.write_processed({"service_indicators": services.service_indicators(
        cleaned["services"])}, config.paths("bc", root).processed)
    assert "Service records: not collected" in _text(
        str(load_report("bc", root, "en").section("services")))
    assert "Dossiers de services : non recueillis" in _text(
        str(load_report("bc", root, "fr").section("services")))


def test_records_without_the_optional_sector_leave_outreach_not_collected(tmp_path, capsys):
    from mwsn.report import load_report

    text = "\n".join(",".join(line.split(",")[:5] + line.split(",")[6:])
                     for line in _records(_quarters()).splitlines()) + "\n"
    root = with_services(make_root(tmp_path), text)
    code, err, _ = _validate(root, capsys)
    assert code == 0, err
    _processed(root)
    metrics = set(ingest.read_processed(config.paths("bc", root).processed,
                                        "service_indicators")["metric"])
    assert "services_outside_agriculture" not in metrics and "workers_served" in metrics
    assert "not collected, as the service records have no sector" in _text(
        str(load_report("bc", root, "en").section("services")))


def test_a_handful_of_service_records_is_not_counted_in_the_cleaning_log(tmp_path):
    root = with_services(make_root(tmp_path), _records(_quarters()[:3]))
    (_, log), params, *_ = _cleaned(root)
    shown = clean.log_as_shown(log, params.min_cell).set_index("source")
    assert shown.loc["services", ["rows_in", "rows_out"]].isna().all()
    assert shown.loc["survey", "rows_out"] > 0


# -- the notebooks --------------------------------------------------------------------------------

@pytest.mark.integration
def test_a_run_with_service_records_writes_and_reports_them(bc_rerun):
    # the built BC project rerun after with_services (and a survey answer changed, which no
    # service figure reads: conftest.bc_rerun)
    root = bc_rerun
    processed = config.paths("bc", root).processed
    indicators = ingest.read_processed(processed, "service_indicators")
    assert list(indicators.columns) == ["metric", "count", "base", "base_unit", "share", "status"]
    assert indicators.set_index("metric").at["workers_served", "count"] == 22
    by_quarter = ingest.read_processed(processed, "services_by_quarter")
    assert list(by_quarter.columns) == ["quarter", "service_type", "services", "workers"]
    assert "record_id" not in ingest.read_processed_arrow(processed, "services").column_names
    reports = config.paths("bc", root).reports
    english = _text((reports / "assessment.html").read_text(encoding="utf-8"))
    french = _text((reports / "assessment.fr.html").read_text(encoding="utf-8"))
    assert "22 distinct migrant workers" in english
    assert "22 travailleurs migrants distincts" in french
