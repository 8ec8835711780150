"""Write the test files we made ourselves (kobo/, stata/, exports/, broken/); see SOURCES.md.

Run from the repository root: ``.venv/bin/python tests/data/make_made_files.py``.
The outputs are committed; this script records exactly how each was made.
Everything in them is fictional (SYNTHETIC data from ``mwsn synth``, example.org
addresses, 555-01xx phone numbers) or derived from the real samples beside it.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import pyreadstat

from mwsn import config, synth

HERE = Path(__file__).resolve().parent
BROKEN = HERE / "broken"

# KoboToolbox CSV export as documented by Kobo (XML values and headers, group names
# included with "/" as separator, ";" as field separator, select_multiple shown both as
# one space-separated column and as one 0/1 column per option, metadata columns last).
KOBO_HEADER = [
    "start", "end", "consent_grp/consent", "profile/stakeholder_group", "profile/sector",
    "outcomes/know_rights", "outcomes/collaboration", "services/services_used",
    "services/services_used/legal_clinic", "services/services_used/workshop",
    "services/services_used/hotline", "contact/email", "contact/comments",
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
    "_submitted_by", "__version__", "_tags", "_index",
]
KOBO_ROWS = [
    ["2019-11-04T09:12:31.000-08:00", "2019-11-04T09:20:02.000-08:00", "yes", "migrant_worker",
     "agriculture", "4", "", "legal_clinic workshop", "1", "1", "0", "ana.cruz1@example.org",
     "L'atelier sur les normes d'emploi était très utile. Appelez-moi au 604-555-0101.",
     "101", "5d0f2b6e-1c7a-4f0e-9a51-0c1f3b2a1001", "2019-11-04T17:20:05", "", "[]",
     "submitted_via_web", "", "vHkTfXd3Qm7wGfRhYkS2Ue", "[]", "1"],
    ["2019-11-05T14:01:10.000-08:00", "2019-11-05T14:09:44.000-08:00", "yes",
     "support_organization", "caregiving", "", "5", "hotline", "0", "0", "1",
     "omar.singh2@example.org", "Réunions utiles; write to omar.singh2@example.org",
     "102", "5d0f2b6e-1c7a-4f0e-9a51-0c1f3b2a1002", "2019-11-05T22:09:50", "", "[]",
     "submitted_via_web", "", "vHkTfXd3Qm7wGfRhYkS2Ue", "[]", "2"],
    ["2019-11-06T08:30:00.000-08:00", "2019-11-06T08:33:12.000-08:00", "no", "employer",
     "hospitality", "", "", "", "0", "0", "0", "luz.reyes3@example.org", "", "103",
     "5d0f2b6e-1c7a-4f0e-9a51-0c1f3b2a1003", "2019-11-06T16:33:20", "", "[]",
     "submitted_via_web", "", "vHkTfXd3Qm7wGfRhYkS2Ue", "[]", "3"],
    ["2019-11-07T10:45:00.000-08:00", "2019-11-07T11:02:51.000-08:00", "yes", "migrant_worker",
     "food_processing", "5", "", "workshop hotline", "0", "1", "1", "jun.chen4@example.org",
     "Plus de séances en espagnol et en tagalog, s'il vous plaît.", "104",
     "5d0f2b6e-1c7a-4f0e-9a51-0c1f3b2a1004", "2019-11-07T19:02:58", "", "[]",
     "submitted_via_web", "", "vHkTfXd3Qm7wGfRhYkS2Ue", "[]", "4"],
]


def _csv(rows, delimiter=",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def kobo() -> None:
    (HERE / "kobo").mkdir(exist_ok=True)
    (HERE / "kobo" / "kobo_export.csv").write_text(_csv([KOBO_HEADER, *KOBO_ROWS], ";"),
                                                   encoding="utf-8", newline="")


def stata() -> None:
    """The pyreadstat SPSS sample written as Stata 15 .dta, value labels kept."""
    (HERE / "stata").mkdir(exist_ok=True)
    frame, meta = pyreadstat.read_sav(str(HERE / "spss" / "sample.sav"))
    frame = frame[["mychar", "mynum", "mylabl", "myord"]]
    pyreadstat.write_dta(frame, str(HERE / "stata" / "sample.dta"), version=15,
                         variable_value_labels={"mylabl": {1: "Male", 2: "Female"},
                                                "myord": {1: "low", 2: "medium", 3: "high"}})


# SurveyMonkey CSV export ("All individual responses", "Actual answer text"), laid out as
# SurveyMonkey's help centre describes it: two header rows; the first names each metadata
# column and holds each question's text once, over the first of its columns; the second
# says "Response" or "Open-Ended Response" for a single-column question and names each row
# of a matrix (or each option of a select-all question) under it; dates month first.
SURVEYMONKEY_ROWS = [
    ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
     "First Name", "Last Name", "Custom Data 1", "Do you agree to take part in this assessment?",
     "Which best describes you?", "How much do you agree with each statement?", "",
     "Anything else you would like to tell us?"],
    ["", "", "", "", "", "", "", "", "", "Response", "Response",
     "I know more about my rights at work because of Network activities",
     "Network meetings improved collaboration among stakeholders", "Open-Ended Response"],
    ["11493271830", "431289665", "10/01/2019 09:51:07 AM", "10/01/2019 10:02:41 AM",
     "203.0.113.7", "ana.silva@example.org", "", "", "", "Yes, I agree to take part",
     "Migrant worker", "Agree", "Strongly agree", "Thank you."],
    ["11493290114", "431289665", "10/13/2019 02:10:00 PM", "10/13/2019 02:25:13 PM",
     "203.0.113.9", "li.wei@example.org", "", "", "", "Yes, I agree to take part",
     "Employer", "Neither agree nor disagree", "", ""],
    ["11493301552", "431289665", "10/20/2019 08:00:00 AM", "10/20/2019 08:07:30 AM",
     "203.0.113.11", "sam.roy@example.org", "", "", "", "No, I do not agree", "", "", "", ""],
]

# Google Forms responses CSV (Responses > Download responses), as Google documents it: one
# header row of question texts, "Timestamp" first (here with the form's time zone offset),
# "Email Address" when the form collects it, checkbox answers joined with ", ".
GOOGLE_FORMS_ROWS = [
    ["Timestamp", "Email Address", "Do you agree to take part in this assessment?",
     "Which best describes you?", "In which sectors do you work? (tick all that apply)",
     "I know more about my rights at work because of Network activities"],
    ["2019/10/01 9:51:07 AM GMT-4", "ana.silva@example.org", "Yes, I agree to take part",
     "Migrant worker", "Agriculture, Food processing", "Agree"],
    ["2019/10/13 2:10:00 PM GMT-4", "li.wei@example.org", "Yes, I agree to take part",
     "Support organization", "Caregiving", "Strongly agree"],
]


def exports() -> None:
    (HERE / "exports").mkdir(exist_ok=True)
    (HERE / "exports" / "surveymonkey_export.csv").write_text(
        _csv(SURVEYMONKEY_ROWS, ","), encoding="utf-8", newline="")
    (HERE / "exports" / "google_forms_export.csv").write_text(
        _csv(GOOGLE_FORMS_ROWS, ","), encoding="utf-8", newline="")


def _synthetic(name: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(Path(__file__).resolve().parents[2] / "params", Path(tmp) / "params")
        where = config.paths("bc", tmp)
        synth.generate(where)
        return (where.raw / name).read_text(encoding="utf-8")


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def broken() -> None:
    BROKEN.mkdir(exist_ok=True)
    survey, funding = _synthetic("survey_export.csv"), _synthetic("funding_ledger.csv")
    write = lambda name, text: (BROKEN / name).write_text(text, encoding="utf-8", newline="")  # noqa: E731

    (BROKEN / "empty.csv").write_bytes(b"")
    (BROKEN / "truncated.xlsx").write_bytes(
        (HERE / "ircc" / "EN_ODP_annual-TR-work-TFW_PT_program_year_end.xlsx").read_bytes()[:9000])
    (BROKEN / "truncated.sav").write_bytes((HERE / "spss" / "sample.sav").read_bytes()[:700])

    rows = _rows(funding)
    write("funding_colon_delimited.csv", _csv(rows, ":"))
    # an unquoted comma inside a cell on line 6: that record has one field too many
    lines = _csv(rows).split("\r\n")
    lines[5] = lines[5].replace("Recipient A", "Recipient A, Inc.", 1)
    write("funding_ragged.csv", "\r\n".join(lines))
    # line 4 saved as UTF-8 ("Société"), line 7 pasted from a Windows-1252 file ("Récipient")
    mixed = [r[:] for r in rows]
    mixed[3][3] = "Société A"
    text = _csv(mixed).encode("utf-8").split(b"\r\n")
    text[6] = text[6].replace(b"Recipient", "Récipient".encode("cp1252"), 1)
    (BROKEN / "funding_mixed_encoding.csv").write_bytes(b"\r\n".join(text))
    write("funding_missing_column.csv", _csv([r[:6] + r[7:] for r in rows]))
    values = [r[:] for r in rows]
    values[4][2] = "31/31/2019"            # line 5, date
    values[5][6] = "about 20 thousand"      # line 6, amount_cad
    values[6][5] = "loan"                   # line 7, entry_type
    write("funding_bad_values.csv", _csv(values))

    rows = _rows(survey)
    header = rows[0]
    col = header.index
    bad = [r[:] for r in rows]
    bad[5][col("know_rights")] = "Strongly agreee"   # line 6
    bad[6][col("stakeholder_group")] = "Farmer"      # line 7
    bad[7][col("RecordedDate")] = "2019-13-45 10:00:00"  # line 8
    write("survey_bad_values.csv", _csv(bad))
    dup = [r[:] for r in rows]
    copy = dup[8][:]                                  # the record on line 9, exported again
    copy[col("abuse_deterrence")] = ("Agree" if copy[col("abuse_deterrence")] != "Agree"
                                     else "Disagree")
    dup.append(copy)
    write("survey_duplicate_conflict.csv", _csv(dup))
    consent = [r[:] for r in rows]
    consent[9][col("consent")] = ""                   # line 10
    write("survey_missing_consent.csv", _csv(consent))

    params = (Path(__file__).resolve().parents[2] / "params" / "bc.yaml").read_text()
    write("params_invalid_yaml.yaml", params.replace("min_cell: 5", "min_cell: [5", 1))
    write("params_unknown_key.yaml", params.replace("min_cell: 5", "min_cell: 5\nmin_cel: 3", 1))
    write("params_missing_key.yaml", params.replace(
        "budget: {amount: 3400000, currency: CAD}\n", "", 1))


if __name__ == "__main__":
    kobo()
    stata()
    exports()
    broken()
