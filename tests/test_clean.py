"""Cleaning: consent, duplicates, recoding with reasons for missingness, pseudonyms, scrubbing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mwsn import clean, ingest
from conftest import SHIPPED
from mwsn.codebook import load_codebook

PROJECT = Path(__file__).resolve().parents[1]
KEY = b"test-key"


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(SHIPPED)


def _survey(rows: list[dict]) -> pd.DataFrame:
    base = {"response_id": "R_1", "email": "a@example.org", "consent": "Yes, I agree to take part",
            "stakeholder_group": "Migrant worker", "finished": "True",
            "recorded_date": "2019-10-01 10:00:00", "know_rights": "Agree", "comments": ""}
    frame = pd.DataFrame([{**base, **row} for row in rows], dtype="string")
    frame.insert(0, ingest.ROW, range(4, 4 + len(frame)))
    frame.insert(0, ingest.FILE, "survey.csv")
    return frame


# -- consent and duplicates -------------------------------------------------------------------

def test_declined_consent_is_dropped_and_counted(codebook):
    frame = _survey([{"response_id": "R_1"},
                     {"response_id": "R_2", "email": "b@example.org",
                      "consent": "No, I do not agree"},
                     {"response_id": "R_3", "email": "c@example.org",
                      "consent": "oui, j'accepte de participer"}])  # the French label, any case
    out, log = clean.clean_source(frame, "survey", codebook.sources["survey"], codebook, KEY)
    assert log.declined_consent == 1
    # the export's record IDs are kept only as keyed pseudonyms (no key back to the export)
    assert out["response_id"].tolist() == clean.pseudonyms(
        pd.Series(["R_1", "R_3"], dtype="string"), KEY).tolist()


def test_latest_complete_submission_is_kept_and_the_others_counted(codebook):
    frame = _survey([
        {"response_id": "R_1", "finished": "False", "recorded_date": "2019-10-05 10:00:00",
         "know_rights": "Disagree"},  # latest, but incomplete
        {"response_id": "R_2", "finished": "True", "recorded_date": "2019-10-03 10:00:00",
         "know_rights": "Strongly agree"},  # latest complete: kept
        {"response_id": "R_3", "finished": "True", "recorded_date": "2019-10-01 10:00:00",
         "know_rights": "Agree"},
        {"response_id": "R_4", "email": " A@Example.org ", "finished": "True",
         "recorded_date": "2019-09-01 10:00:00"},  # same person: e-mail normalized
    ])
    out, log = clean.clean_source(frame, "survey", codebook.sources["survey"], codebook, KEY)
    assert log.duplicates_dropped == 3
    assert out["response_id"].tolist() == clean.pseudonyms(
        pd.Series(["R_2"], dtype="string"), KEY).tolist()
    assert out["know_rights"].tolist() == [5]


def test_identical_repeat_of_one_record_is_dropped(codebook):
    frame = _survey([{"response_id": "R_1"}, {"response_id": "R_1"}])
    out, log = clean.clean_source(frame, "survey", codebook.sources["survey"], codebook, KEY)
    assert (len(out), log.duplicates_dropped) == (1, 1)


# -- recoding -----------------------------------------------------------------------------------

def test_likert_recoded_in_scale_order_with_reasons_for_missingness_apart(codebook):
    answers = ["Strongly disagree", "Neither agree nor disagree", "Fortement d'accord", "4",
               "Don't know", "Sans objet", "Prefer not to say", ""]
    frame = _survey([{"response_id": f"R_{i}", "email": f"p{i}@example.org", "know_rights": a}
                     for i, a in enumerate(answers)])
    out, _ = clean.clean_source(frame, "survey", codebook.sources["survey"], codebook, KEY)
    assert out["know_rights"].tolist()[:4] == [1, 3, 5, 4]
    assert out["know_rights"].iloc[4:].isna().all()
    assert out["know_rights_missing"].tolist()[4:] == ["dont_know", "not_applicable",
                                                       "refused", "not_asked"]
    assert out["know_rights_missing"].iloc[:4].isna().all()


def test_categories_become_codes_from_english_or_french_labels(codebook):
    frame = _survey([{"response_id": "R_1", "stakeholder_group": "Employeur"},
                     {"response_id": "R_2", "email": "b@example.org",
                      "stakeholder_group": "support_organization"}])
    out, _ = clean.clean_source(frame, "survey", codebook.sources["survey"], codebook, KEY)
    assert out["stakeholder_group"].tolist() == ["employer", "support_organization"]


def test_numbers_and_dates_are_typed(codebook):
    frame = pd.DataFrame({"entry_id": ["F-1", "F-2"], "fiscal_year": ["2018-19", "2018-19"],
                          "date": ["2018-04-01", "2019-03-31"], "recipient": ["A", "B"],
                          "entry_type": ["agreement", "Dépense"],
                          "amount_cad": ["1,700,000", "12 345,50"]}, dtype="string")
    frame.insert(0, ingest.ROW, [2, 3])
    out, _ = clean.clean_source(frame, "funding", codebook.sources["funding"], codebook, KEY)
    assert out["amount_cad"].tolist() == [1_700_000.0, 12_345.5]
    assert out["date"].tolist() == [pd.Timestamp("2018-04-01"), pd.Timestamp("2019-03-31")]
    assert out["entry_type"].tolist() == ["agreement", "expenditure"]


# -- pseudonyms and identifying columns ---------------------------------------------------------

def test_pseudonym_is_a_keyed_hash_of_the_normalized_identifier():
    import hashlib

    # keyed BLAKE2b (RFC 7693), 8-byte digest, computed here with the standard library
    expected = "P-" + hashlib.blake2b(b"maria@example.org", key=KEY, digest_size=8).hexdigest()
    assert clean.pseudonym(" Maria@Example.org ", KEY) == expected
    assert clean.pseudonym("maria@example.org", b"another key") != expected
    frame = pd.Series([" Maria@Example.org ", "maria@example.org", None], dtype="string")
    assert clean.pseudonyms(frame, KEY).tolist()[:2] == [expected, expected]
    assert pd.isna(clean.pseudonyms(frame, KEY).iloc[2])


def test_long_keys_are_accepted():
    assert clean.pseudonym("a@example.org", b"k" * 200).startswith("P-")


def test_identifying_columns_are_dropped_and_the_respondent_pseudonymized(codebook):
    frame = _survey([{"response_id": "R_1"}])
    frame["first_name"], frame["last_name"], frame["ip_address"] = "Maria", "Santos", "203.0.113.9"
    out, log = clean.clean_source(frame, "survey", codebook.sources["survey"], codebook, KEY)
    assert {"first_name", "last_name", "ip_address", "email"}.isdisjoint(out.columns)
    assert {"first_name", "last_name", "ip_address"} <= set(log.dropped_columns)
    assert out["participant"].iloc[0] == clean.pseudonym("a@example.org", KEY)
    assert ingest.ROW not in out.columns and ingest.FILE not in out.columns


# -- scrubbing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("write to maria.santos+work@example.co.uk today", "write to [EMAIL] today"),
    ("call 604-555-0142 now", "call [PHONE] now"),
    ("call (778) 555-0142 now", "call [PHONE] now"),
    ("call +1 604 555 0142 now", "call [PHONE] now"),
    ("call 1-800-555-0199 now", "call [PHONE] now"),
    ("llamar +52 55 5555 0142 hoy", "llamar [PHONE] hoy"),
    ("appeler le +33 1 23 45 67 89", "appeler le [PHONE]"),
    ("ring +44 20 7946 0958", "ring [PHONE]"),
    ("my SIN is 046 454 286.", "my SIN is [SIN]."),
    ("NAS 046-454-286", "NAS [SIN]"),
    ("see https://www.example.org/maria-santos?x=1 and www.example.ca", "see [URL] and [URL]"),
    ("visit example.org/help", "visit [URL]"),
])
def test_scrub_replaces_identifiers_by_visible_tags(text, expected):
    assert clean.scrub(text) == expected


@pytest.mark.parametrize("text", [
    "Between 2018-2020 we met 12 times, on 2019-10-01 with 1,234 workers.",
    "The $3,400,000 budget covered 3 recipients.",
    "Meetings 4 and 5 were in March 2019.",
])
def test_scrub_leaves_dates_amounts_and_counts_alone(text):
    assert clean.scrub(text) == text


def test_scrub_names_from_the_datas_own_name_columns(codebook):
    names = {"Maria", "Santos", "Dela Cruz", "Maria Santos", "José Reyes", "José", "Reyes"}
    text = "Maria Santos helped me; ask maria or JOSÉ, or Ms. Dela Cruz. Santos said so."
    assert clean.scrub(text, names) == (
        "[NAME] helped me; ask [NAME] or [NAME], or Ms. [NAME]. [NAME] said so.")


def test_names_from_one_source_are_scrubbed_from_every_source(codebook):
    survey = _survey([{"response_id": "R_1", "comments": "Grace Tremblay told me about it"}])
    excerpts = pd.DataFrame({
        "excerpt_id": ["EX-1"], "session_id": ["INT-01"], "line_of_evidence": ["interview"],
        "participant_name": ["Grace Tremblay"], "participant_email": ["g@example.org"],
        "stakeholder_group": ["employer"], "coder": ["A"], "code": ["x"], "swot": ["strength"],
        "text": ["fine"]}, dtype="string")
    excerpts.insert(0, ingest.ROW, [2])
    cleaned, _ = clean.clean_all({"survey": survey, "excerpts": excerpts}, codebook, KEY)
    assert cleaned["survey"]["comments"].tolist() == ["[NAME] told me about it"]


# -- end to end: nothing identifying leaves 01_clean -------------------------------------------

@pytest.mark.integration
def test_planted_pii_appears_nowhere_under_processed_data_or_reports(bc_run):
    import re

    raw = ingest.read_qualtrics(bc_run / "data/raw/bc/survey_export.csv")
    excerpts = ingest.read_csv(bc_run / "data/raw/bc/coded_excerpts.csv")
    full_names = {f"{first} {last}" for first, last in zip(raw["RecipientFirstName"],
                                                            raw["RecipientLastName"])}
    needles = {v for v in [*raw["RecipientEmail"], *raw["RecipientLastName"], *raw["IPAddress"],
                           *raw["LocationLatitude"], *excerpts["participant_email"],
                           *excerpts["participant_name"], *full_names] if len(v) > 3}
    planted = " ".join([*raw["comments"], *excerpts["text"]])
    patterns = {
        "e-mail": r"@example\.(?:org|com|ca)\b",
        "URL": r"example\.org/[a-z]",
        "SIN": r"\b9\d\d \d\d\d \d\d\d\b",
        "phone": r"555-01\d\d|\+52 55 5555",
    }
    # the synthetic data does plant every kind, so finding none below means it was removed
    for kind, pattern in patterns.items():
        assert re.search(pattern, planted), kind
    assert len(needles) > 100
    texts = {}
    for path in (bc_run / "data/processed/bc").glob("*.parquet"):
        table = pd.read_parquet(path)
        assert {"email", "first_name", "last_name", "ip_address", "latitude",
                "participant_name", "participant_email"}.isdisjoint(table.columns), path
        texts[path] = table.to_csv()
    for path in (bc_run / "reports").rglob("*"):
        if path.suffix in (".html", ".ipynb", ".json", ".csv", ".txt"):
            texts[path] = path.read_text(encoding="utf-8")
    assert len(texts) > 5
    for path, text in texts.items():
        for needle in needles:  # substring search first (fast), word boundaries only if found
            if needle in text:
                assert not re.search(rf"(?<![\w/+=]){re.escape(needle)}(?![\w/+=])", text), (
                    path, needle)
        for kind, pattern in patterns.items():
            assert not re.search(pattern, text), (path, kind)


def test_pseudonyms_of_a_column_equal_the_pseudonym_of_each_value():
    values = pd.Series([" R_001 ", "r_001", "José", None, "", "R_002"] * 3, dtype="string")
    for key in (b"k", b"k" * 80):  # a key longer than BLAKE2b's 64 bytes is hashed down
        out = clean.pseudonyms(values, key)
        expected = [None if v is None or v is pd.NA else clean.pseudonym(v, key)
                    for v in values.astype(object).where(values.notna(), None)]
        assert out.isna().tolist() == [e is None for e in expected]
        assert out.dropna().tolist() == [e for e in expected if e is not None]
        assert str(out.dtype) == "string"


def test_pseudonyms_normalize_any_text_as_python_does(monkeypatch):
    # ASCII text is normalized by Arrow, the rest by str.strip/str.lower: both must agree
    # with pseudonym() (str.strip also removes \x1c-\x1f; 'İ' lowers to two characters)
    monkeypatch.setattr(clean, "PSEUDONYM_BATCH", 3)  # several batches
    values = pd.Series([" A\x1cB\x1f ", "\x1fx@Example.org ", "Zoë@Example.org", "\u2003a\u00a0",
                        "İSTANBUL", "\tMiXeD@Ex.org\n", None, "a\x85", "plain"] * 2,
                       dtype="string")
    out = clean.pseudonyms(values, KEY)
    for value, got in zip(values, out):
        if value is pd.NA:
            assert got is pd.NA
        else:
            assert got == clean.pseudonym(value, KEY), value


def test_pseudonyms_of_ascii_identifiers_trim_every_character_str_strip_trims():
    # every ASCII character around an identifier: Arrow trims exactly what str.strip does
    values = pd.Series([f"{chr(c)}Ana@Example.org{chr(c)}" for c in range(128)], dtype="string")
    out = clean.pseudonyms(values, KEY)
    assert out.tolist() == [clean.pseudonym(v, KEY) for v in values]


def test_pseudonyms_of_mostly_distinct_identifiers_are_hashed_row_by_row_alike(monkeypatch):
    # a record ID column (every value distinct) takes the row-by-row path; the pseudonyms
    # must be those of the distinct-value path, missing values and repeats included
    values = pd.Series([f" R_{i:03d} " for i in range(40)] + ["r_001", None, "José", None],
                       dtype="string")
    assert clean._mostly_distinct(clean._arrow_text(values))
    by_row = clean.pseudonyms(values, KEY)
    monkeypatch.setattr(clean, "_mostly_distinct", lambda text: False)
    by_distinct = clean.pseudonyms(values, KEY)
    pd.testing.assert_series_equal(by_row, by_distinct)
    assert by_row.isna().tolist() == values.isna().tolist()
    assert by_row.iloc[1] == by_row.iloc[40] == clean.pseudonym("r_001", KEY)
    assert by_row.iloc[42] == clean.pseudonym("José", KEY)


def test_map_distinct_of_a_categorical_calls_the_function_once_per_category_in_use():
    values = pd.Series(pd.Categorical(["b", None, "a", "b"], categories=["a", "b", "unused"]))
    calls = []

    def upper(value):
        calls.append(value)
        assert value != "unused", "a category no row holds is not mapped"
        return value.upper()

    out = clean.map_distinct(values.iloc[[0, 1, 3]], upper, dtype="string", missing="none")
    assert out.tolist() == ["B", "none", "B"] and sorted(calls) == ["b"]
    assert str(out.dtype) == "string"
    plain = clean.map_distinct(values.astype(object), str.upper, missing="none")
    assert plain.tolist() == ["B", "none", "A", "B"]


def test_text_read_by_arrow_is_made_missing_where_blank_as_str_strip_tells_it():
    # Arrow's test (empty, or all whitespace) and the text path (stripped text empty) agree,
    # Unicode spaces included, for a column taken whole or by rows
    texts = ["", " ", "\u3000\u2003", "\t\n", "a ", " b", "\u00a0c\u00a0", None, "d", "\x1c"]
    arrow = pd.Series(texts * 3, dtype="str")  # pyarrow-backed text, as read from an export
    plain = arrow.astype(object)  # the other path: astype("string"), then str.strip
    for rows in (None, [0, 4, 7, 9, 12, 13, 29]):
        got = clean._text_or_missing(arrow, rows)
        expected = clean._text_or_missing(plain, rows)
        pd.testing.assert_series_equal(got, expected)
        assert str(got.dtype) == "string"


def test_recoding_the_rows_kept_equals_recoding_every_row_then_taking_them(codebook):
    # each column is taken as it is recoded (a categorical by its codes, never as a column):
    # the same as recoding the whole frame, categories no kept row holds left unread
    frame = _survey([{"response_id": f"R_{i}", "email": f"p{i}@example.org",
                      "know_rights": ("Agree", "", "Don't know", "Strongly agree")[i % 4],
                      "stakeholder_group": ("Migrant worker", "Employer")[i % 2],
                      "comments": ("", "  ", "Thanks")[i % 3]} for i in range(12)])
    frame["know_rights"] = frame["know_rights"].astype("category")
    frame["stakeholder_group"] = frame["stakeholder_group"].astype("category")
    spec = codebook.sources["survey"]
    rows = [0, 2, 3, 6, 11]
    whole = clean.recode(frame, spec, codebook).iloc[rows]
    pd.testing.assert_frame_equal(clean.recode(frame, spec, codebook, rows=rows), whole)
    assert whole["comments"].isna().tolist() == [True, False, True, True, False]
    # a category no row holds is never read (not on the scale: reading it would fail)
    frame["know_rights"] = frame["know_rights"].cat.add_categories(["not a scale level"])
    pd.testing.assert_frame_equal(clean.recode(frame, spec, codebook, rows=rows), whole)
