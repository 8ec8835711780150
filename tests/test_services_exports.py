"""Service-records exports as organizations really send them: a French case-management export
(``;`` delimiter, French headers, labels holding commas), day-month dates, impossible dates.

Expected values are counted by hand from the small files written here.
"""

from __future__ import annotations

from datetime import date

import pytest

from conftest import make_root
from mwsn import cli, config, services, validate
from mwsn.codebook import load_codebook

RAW = "data/raw/bc"
FILE = "export_dossiers.csv"
#: a French case-management export: its own headers, ';' between fields, labels in French
#: (the codebook's FR labels, one of which holds commas), dates written day first
FR_HEADER = ("N° de dossier;Organisme;Date du service;Type de service;Identifiant;Secteur;"
             "Langue;Résultat\n")
FR_COLUMNS = ("{'N° de dossier': record_id, Organisme: organization, 'Date du service': "
              "service_date, 'Type de service': service_type, Identifiant: worker, "
              "Secteur: sector, Langue: language, 'Résultat': outcome}")


def _fr_rows(n: int = 40) -> list[str]:
    """``n`` records: even ones a cultural activity (a label with commas), odd ones an
    interpretation; each on a day-month date of April 2018 (day = k % 28 + 1)."""
    kinds = ["Activité sociale, culturelle ou récréative", "interpretation"]
    return [f"D-{k + 1};Centre d'aide;{k % 28 + 1:02d}/04/2018;{kinds[k % 2]};T-{k % 7};"
            "agriculture;es;information_given" for k in range(n)]


def _root(tmp_path, rows: list[str], options: str = ", dayfirst: true"):
    root = make_root(tmp_path)
    params = root / "params" / "bc.yaml"
    line = "  recommendations: {file: recommendations.csv, format: csv}\n"
    body = params.read_text(encoding="utf-8")
    assert line in body
    params.write_text(body.replace(line, line + f"  services: {{file: {FILE}, format: csv, "
                                   f"columns: {FR_COLUMNS}{options}}}\n"), encoding="utf-8")
    (root / RAW / FILE).write_text(FR_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return root


def _validate(root, capsys) -> tuple[int, str]:
    code = cli.main(["validate", "bc", "--root", str(root)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return code, out.err


def test_a_semicolon_french_export_is_read_with_its_own_headers(tmp_path, capsys):
    root = _root(tmp_path, _fr_rows())
    code, err = _validate(root, capsys)
    assert code == 0, err                  # not "this record has 2 fields but the header has 1"
    frames = validate.read_and_check(config.load("bc", root), load_codebook(root),
                                     config.paths("bc", root))
    records = frames["services"]
    assert records.num_rows == 40
    codebook = load_codebook(root)
    cleaned = services.clean_service_records(records, codebook.sources["services"], codebook,
                                             b"k")
    kinds = cleaned.column("service_type").to_pylist()
    assert kinds[:2] == ["social_event", "interpretation"]
    days = cleaned.column("service_date").to_pylist()
    assert days[0] == date(2018, 4, 1) and days[11] == date(2018, 4, 12)   # day first


def test_errors_name_the_exports_own_header(tmp_path, capsys):
    rows = _fr_rows()
    rows[8] = rows[8].replace("Activité sociale, culturelle ou récréative", "Atelier")  # line 10
    code, err = _validate(_root(tmp_path, rows), capsys)
    assert code == 2
    assert (f"{RAW}/{FILE}:10:Type de service (service_type): 'Atelier' is not a known "
            "service type") in err
    assert "fields but the header has" not in err


@pytest.mark.parametrize("written", ["2018-02-30", "2018-04-31", "2018-6-5", "31/04/2018"])
def test_an_impossible_or_loose_date_is_refused_not_rolled_over(tmp_path, capsys, written):
    rows = _fr_rows()
    rows[3] = rows[3].replace("04/04/2018", written)                           # line 5
    code, err = _validate(_root(tmp_path, rows), capsys)
    assert code == 2
    assert f"{RAW}/{FILE}:5:Date du service (service_date): not a date: write it as YYYY-MM-DD" \
        in err
    assert repr(written) in err


def test_day_month_dates_need_the_order_and_honour_it(tmp_path, capsys):
    ambiguous = [r.replace("/04/2018", "/03/2019") for r in _fr_rows(12)]   # days 01-12 only
    code, err = _validate(_root(tmp_path, ambiguous, options=""), capsys)
    assert code == 2 and "not a date: write it as YYYY-MM-DD" in err and "dayfirst" in err
    code, err = _validate(_root(tmp_path / "b", ambiguous), capsys)          # dayfirst: true
    assert code == 0, err
    code, err = _validate(_root(tmp_path / "c", ambiguous, options=", date_format: '%d/%m/%Y'"),
                          capsys)
    assert code == 0, err


def test_dates_are_read_once_per_distinct_text_against_the_calendar():
    import pyarrow as pa

    texts = pa.array(["2024-02-29", "2023-02-29", "2023-02-30", "2023-04-31", "2023-6-5",
                      "02/03/2024", "31/12/2023", None, "2023-12-31"])
    got = services._distinct_dates(texts, dayfirst=True).to_pylist()
    assert [None if d is None else d.date() for d in got] == [
        date(2024, 2, 29), None, None, None, None, date(2024, 3, 2), date(2023, 12, 31), None,
        date(2023, 12, 31)]
    monthfirst = services._distinct_dates(pa.array(["02/03/2024"]), dayfirst=False).to_pylist()
    assert monthfirst[0].date() == date(2024, 2, 3)


def test_survey_dates_are_not_rolled_over_either():
    import pandas as pd

    from mwsn.codebook import parse_datetimes

    got = parse_datetimes(pd.Series(["2023-02-30", "2023-04-31 10:00:00", "2024-02-29 08:00:00",
                                     "2019-10-01"], dtype="string"))
    assert got.isna().tolist() == [True, True, False, False]
    assert got.iloc[2] == pd.Timestamp("2024-02-29 08:00:00")


@pytest.mark.parametrize("delimiter", ["\t", "|", ";"])
def test_every_common_delimiter_is_found(tmp_path, delimiter):
    codebook = load_codebook(make_root(tmp_path))
    spec = codebook.sources["services"]
    lines = [FR_HEADER.rstrip("\n"), *_fr_rows(5)]
    path = tmp_path / "export.txt"
    path.write_text("\n".join(line.replace(";", delimiter) for line in lines) + "\n",
                    encoding="cp1252" if delimiter == "|" else "utf-8")
    columns = {"N° de dossier": "record_id", "Organisme": "organization",
               "Date du service": "service_date", "Type de service": "service_type",
               "Identifiant": "worker", "Secteur": "sector", "Langue": "language",
               "Résultat": "outcome"}
    table = services.read_service_records(path, spec, columns, dayfirst=True)
    assert table.num_rows == 5 and table.column("_row").to_pylist() == [2, 3, 4, 5, 6]
    assert services.check_service_records(table, spec, codebook, "export.txt") == []
    assert table.column("service_type").to_pylist()[0] == (
        "Activité sociale, culturelle ou récréative")


def test_survey_dates_before_1970_and_before_year_1000_keep_their_day():
    import pandas as pd

    from mwsn.codebook import parse_datetimes

    got = parse_datetimes(pd.Series(["1969-12-31 23:00:00", "0999-01-05", "1900-02-29"],
                                    dtype="string"))
    assert got.iloc[0] == pd.Timestamp("1969-12-31 23:00:00")
    assert got.iloc[1] == pd.Timestamp("0999-01-05")
    assert pd.isna(got.iloc[2])  # 1900 is not a leap year: not rolled over to 1 March
