"""The one disclosure pass: primary rules, class disclosure, secondary suppression across
linked tables, and an attacker who solves every public output for the hidden figures.

Case values are those of ../shared/cases/privacy-differencing (synthetic BC, no edits).
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from mwsn import privacy


def participants_frame(cells: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = []
    for (group, line), n in cells.items():
        rows += [{"participant": f"{group}-{line}-{i}", "stakeholder_group": group,
                  "line_of_evidence": line} for i in range(n)]
    return pd.DataFrame(rows)


CASE_PEOPLE = {("employer", "survey"): 6, ("employer", "interview"): 4,
               ("government", "survey"): 6, ("government", "interview"): 6,
               ("other", "interview"): 4, ("support_organization", "survey"): 18,
               ("support_organization", "interview"): 12, ("migrant_worker", "survey"): 14,
               ("migrant_worker", "focus_group"): 8}


def survey_frame(item: str, rows: dict[str, tuple[int, int]]) -> pd.DataFrame:
    out = [{"item": item, "group": "all", "n": sum(n for n, _ in rows.values()),
            "agree": sum(a for _, a in rows.values())}]
    out += [{"item": item, "group": g, "n": n, "agree": a} for g, (n, a) in rows.items()]
    frame = pd.DataFrame(out)
    frame["agree_pct"] = frame["agree"] / frame["n"]
    return frame


def test_participants_case_no_hidden_cell_can_be_worked_out():
    survey = survey_frame("info_support", {"employer": (6, 3), "government": (6, 3),
                                           "support_organization": (18, 9)})
    ledger = privacy.protect_report({"participants": participants_frame(CASE_PEOPLE),
                                     "survey_indicators": survey}, 5)
    assert ledger.hidden(("participants", "employer", "interview"))
    assert ledger.hidden(("participants", "other", "interview"))
    assert ledger.exposed() == []
    # the survey table's bases cannot pin the survey column down: 44 - 18 - 14 = 12 = 6 + 6
    emp, gov = ("participants", "employer", "survey"), ("participants", "government", "survey")
    lo, hi = ledger.intervals([emp]).get(emp, (6, 6)) if ledger.hidden(emp) else (6, 6)
    assert not ledger.hidden(emp) or hi - lo >= 1
    assert ledger.hidden(gov) is False or ledger.intervals([gov])[gov][1] > 6


def test_attendance_case_row_total_chart_label_and_alt_total_do_not_give_the_cell_back():
    attendance = pd.DataFrame({"meeting_type": ["plenary", "working_group",
                                                "migrant_workers_forum", "government_network"],
                               "employer": [20, 11, 0, 0], "government": [44, 42, 14, 50],
                               "migrant_worker": [16, 0, 72, 0], "other": [15, 16, 2, 0],
                               "support_organization": [53, 74, 31, 0]})
    ledger = privacy.protect_report({"attendance": attendance}, 5)
    forum_other = ("attendance", "migrant_workers_forum", "other")
    assert ledger.hidden(forum_other)
    # 119 - 0 - 14 - 72 - 31 = 2: another cell of the row must be hidden with it
    row = [("attendance", "migrant_workers_forum", g) for g in
           ("government", "migrant_worker", "support_organization")]
    assert any(ledger.hidden(k) for k in row)
    lo, hi = ledger.intervals([forum_other])[forum_other]
    assert hi - lo >= 1
    assert ledger.shown(("attendance", "total", "total")) == 460


def test_class_disclosure_hides_all_none_and_all_but_a_few():
    survey = pd.concat([
        survey_frame("info_support", {"employer": (6, 5), "government": (5, 5),
                                      "support_organization": (13, 11)}),
        survey_frame("abuse_deterrence", {"employer": (6, 0), "government": (6, 0),
                                          "migrant_worker": (16, 6),
                                          "support_organization": (13, 4)}),
    ])
    ledger = privacy.protect_report({"survey_indicators": survey}, 5)
    assert ledger.rule[("survey:info_support", "government", "agree")] == "class_all_or_none"
    assert ledger.rule[("survey:info_support", "employer", "agree")] == "class_complement"
    assert ledger.rule[("survey:abuse_deterrence", "employer", "agree")] == "class_all_or_none"
    assert ledger.shown(("survey:abuse_deterrence", "migrant_worker", "agree")) == 6
    assert ledger.exposed() == []


def _two_tables(second_total: float) -> privacy.Ledger:
    """Two tables that share no figure: a = a1 + a2 (10 = 3 + 7) and b = b1 + b2 + b3
    (``second_total`` = 2 + 8 + 9), the small counts hidden."""
    ledger = privacy.Ledger(5)
    a = [ledger.cell(("a", "row", c), v) for c, v in (("total", 10), ("one", 3), ("two", 7))]
    b = [ledger.cell(("b", "row", c), v)
         for c, v in (("total", second_total), ("one", 2), ("two", 8), ("three", 9))]
    ledger.total(a[0], a[1:])
    ledger.total(b[0], b[1:])
    return ledger


def test_each_hidden_cell_is_bounded_by_the_figures_related_to_it():
    ledger = _two_tables(19).protect()
    # each table hides its small count and the smallest other part: a1 + a2 = 10 with both
    # at least 1 gives 1..9; b1 + b2 = 19 - 9 = 10 likewise; no figure of one table bounds
    # the other's
    assert sorted(ledger.rule) == [("a", "row", "one"), ("a", "row", "two"),
                                   ("b", "row", "one"), ("b", "row", "two")]
    assert ledger.intervals() == {k: (1.0, 9.0) for k in ledger.rule}
    assert ledger.exposed() == []


def test_a_table_whose_figures_do_not_add_up_is_audited_with_the_others():
    # 20 is not 2 + 8 + 9: a reader still works the hidden 2 out as 20 - 8 - 9 = 3, and the
    # hidden 3 of the other table as 10 - 7; one more part of each is hidden
    ledger = _two_tables(20)
    assert ledger.intervals() == {("a", "row", "one"): (3.0, 3.0),
                                  ("b", "row", "one"): (3.0, 3.0)}
    ledger.protect()
    assert sorted(ledger.rule) == [("a", "row", "one"), ("a", "row", "two"),
                                   ("b", "row", "one"), ("b", "row", "two")]
    assert ledger.intervals([("a", "row", "one"), ("b", "row", "one")]) == {
        ("a", "row", "one"): (1.0, 9.0), ("b", "row", "one"): (1.0, 10.0)}


def _recommendations(**score) -> tuple[pd.DataFrame, pd.DataFrame]:
    """7 recommendations, 1 acted on, 3 under consideration, 3 unanswered, and the indicator
    of those acted on (1 of 7), with ``score``'s columns (``min_n``, ``score``) if given."""
    outcomes = pd.DataFrame({"status": ["implemented", "under_consideration", "no_response"],
                             "recommendations": [1, 3, 3]})
    indicators = pd.DataFrame([{
        "question_id": "q", "indicator_id": "acted", "line_of_evidence": "program_data",
        "kind": "program_metric", "subject": "recommendations_acted_on", "group": None,
        "unit": "share", "people": False, "estimate": 1 / 7, "ci_low": .03, "ci_high": .5,
        "count": 1, "n": 7, **score}])
    return outcomes, indicators


def test_recommendations_are_program_records_under_the_same_rule_everywhere():
    outcomes, indicators = _recommendations()
    ledger = privacy.protect_report({"recommendation_outcomes": outcomes,
                                     "indicator_scores": indicators}, 5)
    assert ledger.hidden(("recommendations", "implemented", "count"))
    shown = privacy.protected_indicators(indicators, ledger)
    assert pd.isna(shown["estimate"].iloc[0]) and shown["withheld"].iloc[0] == "small_count"


def test_a_small_sub_grant_count_is_hidden_in_the_indicator_and_its_base():
    indicators = pd.DataFrame([{
        "question_id": "q", "indicator_id": "subs", "line_of_evidence": "program_data",
        "kind": "program_metric", "subject": "sub_grantees", "group": None, "unit": "count",
        "people": False, "estimate": 4.0, "ci_low": np.nan, "ci_high": np.nan,
        "count": pd.NA, "n": 4}])
    recipients = pd.DataFrame({"recipient": ["Recipient A", "Recipient B"],
                               "sub_grants": [4, 0], "workers_reached": [50, 60]})
    ledger = privacy.protect_report({"recipients": recipients, "indicator_scores": indicators},
                                    5)
    shown = privacy.protected_indicators(indicators, ledger)
    assert pd.isna(shown["estimate"].iloc[0]) and pd.isna(shown["n"].iloc[0])
    assert ledger.hidden(("recipients", "Recipient A", "sub_grants"))


def test_an_item_the_survey_tables_do_not_show_is_still_covered_by_the_pass():
    # TRIAL_PRIVACY R3 (Ontario): "rate their knowledge of their rights high: 7% (1%-31%),
    # of 14", count 1: knowledge_after is not an agreement item, so it had no cell and the
    # indicator passed through unprotected
    indicators = pd.DataFrame([{
        "question_id": "needs", "indicator_id": "workers_low_knowledge",
        "line_of_evidence": "survey", "kind": "survey_agreement", "subject": "knowledge_after",
        "group": "migrant_worker", "unit": "share", "people": True, "estimate": 1 / 14,
        "ci_low": .01, "ci_high": .31, "count": 1, "n": 14}])
    people = participants_frame({("migrant_worker", "survey"): 14})
    ledger = privacy.protect_report({"participants": people, "indicator_scores": indicators}, 5)
    assert ledger.hidden(("survey:knowledge_after", "migrant_worker", "agree"))
    shown = privacy.protected_indicators(indicators, ledger)
    assert pd.isna(shown["estimate"].iloc[0]) and pd.isna(shown["count"].iloc[0])
    assert shown["withheld"].iloc[0] == "small_count"


ON_PEOPLE = {("employer", "survey"): 5, ("employer", "interview"): 3,
             ("government", "survey"): 4, ("government", "interview"): 3,
             ("migrant_worker", "survey"): 14, ("migrant_worker", "focus_group"): 10,
             ("other", "interview"): 2, ("support_organization", "survey"): 8,
             ("support_organization", "interview"): 6}


def test_a_code_shares_base_is_a_margin_of_the_participation_table():
    # TRIAL_PRIVACY R3 (synthetic Ontario): "most of 24" interview and focus-group
    # participants, interview total 14 shown, gave focus groups = 10 and survey = 55 - 24 = 31
    def share(indicator, group, n):
        return {"question_id": "q", "indicator_id": indicator,
                "line_of_evidence": "interviews_focus_groups", "kind": "code_share",
                "subject": indicator, "group": group, "unit": "share", "people": True,
                "estimate": .6, "ci_low": np.nan, "ci_high": np.nan, "count": pd.NA, "n": n}

    indicators = pd.DataFrame([
        share("need_information", np.nan, 24),
        share("interest_in_network", "support_organization,employer,government,other", 14)])
    ledger = privacy.protect_report({"participants": participants_frame(ON_PEOPLE),
                                     "indicator_scores": indicators}, 5)
    assert ledger.exposed() == []
    assert ledger.hidden(("participants", "all", "focus_group"))
    # the introduction and the plain summary say "55 stakeholders took part" in words: the
    # total stays shown and the interview total or the code share's base is hidden instead
    assert ledger.shown(("participants", "all", "total")) == 55
    assert (ledger.hidden(("participants", "all", "interview"))
            or ledger.hidden(("qualitative:all", "all", "n")))


def test_an_indicator_figure_no_cell_covers_is_refused_not_passed_through():
    indicators = pd.DataFrame([
        {"question_id": "q", "indicator_id": "new", "line_of_evidence": "program_data",
         "kind": "program_metric", "subject": "workers_housed", "group": None, "unit": "count",
         "people": True, "estimate": 12.0, "ci_low": np.nan, "ci_high": np.nan, "count": 12,
         "n": 12},
        {"question_id": "q", "indicator_id": "types", "line_of_evidence": "program_data",
         "kind": "program_metric", "subject": "meeting_types_held", "group": None,
         "unit": "count", "people": False, "estimate": 3.0, "ci_low": np.nan,
         "ci_high": np.nan, "count": pd.NA, "n": 12}])
    shown = privacy.protected_indicators(indicators, privacy.protect_report(
        {"indicator_scores": indicators}, 5))
    assert pd.isna(shown["estimate"].iloc[0]) and shown["withheld"].iloc[0] == "uncovered"
    # a count of meeting types counts no people: shown as is
    assert shown["estimate"].iloc[1] == 3 and shown["withheld"].iloc[1] == ""


# -- the attacker: every public output of a real run ---------------------------------------

class Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts, with its caption."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.row, self.cell, self.caption = [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self.caption = ""
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "caption" and self.caption is not None:
            self.tables[-1]["caption"] = self.caption
            self.caption = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join(self.cell.split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[-1]["rows"].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.caption is not None:
            self.caption += data
        if self.cell is not None:
            self.cell += data


def number(text: str):
    text = text.replace("\u00a0", "").replace("\u202f", "").replace(",", "").replace(" ", "")
    return None if text in ("x", "") else float(text.rstrip("%").replace("$", ""))


def page_tables(html: str) -> list[dict]:
    """The tables of a report page."""
    parser = Tables()
    parser.feed(html)
    return parser.tables


def participation(tables, en: bool) -> list[list[str]]:
    """The rows of the page's "Stakeholders who took part" table (Annex 3)."""
    return table_with(tables, "Stakeholders who took part" if en else
                      "Intervenants ayant participé")


def table_with(tables, caption_part):
    found = [t for t in tables if caption_part in t["caption"]]
    assert found, caption_part
    return found[0]["rows"]


@pytest.mark.integration
@pytest.mark.parametrize("page", ["assessment.html", "assessment.fr.html"])
def test_no_hidden_figure_can_be_worked_out_from_the_public_page(bc_run, page):
    html = (bc_run / "reports/bc" / page).read_text(encoding="utf-8")
    tables, en = page_tables(html), page == "assessment.html"
    processed = bc_run / "data/processed/bc"
    truth = privacy.load_pass(processed, 5)
    people = participation(tables, en)
    groups = {r[0]: r for r in people[1:]}
    # the page's participants table: each 'x' is a hidden cell, every figure matches the pass
    hidden_on_page = 0
    for label, row in groups.items():
        for cell in row[1:]:
            hidden_on_page += cell == "x"
    assert hidden_on_page == sum(1 for k in truth.rule if k[0] == "participants")
    # relations exactly as the ledger holds them; the attacker knows every shown figure
    from mwsn import config, disclosure, findings
    from mwsn.codebook import load_codebook

    cleaned = {name: pd.read_parquet(processed / f"{name}.parquet") for name in
               ("survey", "excerpts", "funding", "meetings", "recommendations")}
    rebuilt = disclosure.compute(cleaned, pd.read_parquet(processed / "participants.parquet"),
                                 load_codebook(bc_run), config.load("bc", bc_run),
                                 findings.load_matrix(bc_run))
    assert set(rebuilt.rule) == set(truth.rule)
    assert rebuilt.exposed() == []
    # the chart's bar labels and alt text: only shown totals
    svgs = [base64.b64decode(m).decode("utf-8") for m in
            re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    for key, value in truth.value.items():
        if key[0] == "attendance" and key[2] == "total" and key in truth.rule:
            assert not any(f">{int(value)}<" in s for s in svgs), key
    # no share of 0% or 100% of a group, anywhere a share is shown for a group
    survey = table_with(tables, "by survey statement" if en else "énoncé")
    for row in survey[1:]:
        assert row[3] not in ("0%", "100%", "0 %", "100 %"), row
    # the text never gives a hidden indicator back
    csv = (bc_run / "reports/bc/findings.csv").read_text(encoding="utf-8")
    for rows in (html, csv):
        assert "100% (" not in rows and "0% (95%" not in rows


@pytest.mark.integration
def test_quotes_come_only_from_groups_the_report_shows(bc_run):
    quotes = pd.read_parquet(bc_run / "data/processed/bc/quotes.parquet")
    truth = privacy.load_pass(bc_run / "data/processed/bc", 5)
    assert len(quotes)
    for q in quotes.itertuples():
        assert truth.shown(("participants", q.stakeholder_group, q.line_of_evidence)) >= 5


@pytest.mark.integration
def test_processed_survey_has_no_export_record_id_and_only_dates(bc_run):
    raw = pd.read_csv(bc_run / "data/raw/bc/survey_export.csv", skiprows=[1, 2], dtype=str,
                      keep_default_na=False)
    survey = pd.read_parquet(bc_run / "data/processed/bc/survey.parquet")
    assert not set(raw["ResponseId"]) & set(survey["response_id"].astype(str))
    for column in ("start_date", "end_date", "recorded_date"):
        stamps = pd.to_datetime(survey[column]).dropna()
        assert (stamps == stamps.dt.normalize()).all(), column


@pytest.mark.integration
def test_restricted_bundle_is_written_only_on_request_to_its_own_folder(bc_run):
    from mwsn.report import restricted

    assert not (bc_run / "restricted").exists()  # a plain run writes none
    assert not list((bc_run / "reports").rglob("suppression_audit.csv"))
    out = restricted.write_bundle("bc", bc_run)
    assert out == bc_run / "restricted" / "bc"
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "RESTRICTED" in html and "authorized auditors only" in html
    audit = pd.read_csv(out / "suppression_audit.csv")
    assert list(audit.columns) == ["cell", "table", "row", "column", "value", "rule", "kind"]
    assert set(audit["kind"]) <= {"primary", "secondary"}
    truth = privacy.load_pass(bc_run / "data/processed/bc", 5)
    assert len(audit) == len(truth.rule)


def notebook_tables(path):
    """Every HTML table the executed notebook displays, as lists of rows (header first)."""
    import json

    tables = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            html = "".join((output.get("data") or {}).get("text/html", []))
            if "<table" in html:
                parser = Tables()
                parser.feed(html)
                tables += [t["rows"] for t in parser.tables]
    return tables


def column_of(rows, name):
    header = rows[0]
    return header.index(name) if name in header else None


HIDDEN_TEXT = ("<NA>", "NaN", "", "nan")


@pytest.mark.integration
def test_default_auditor_notebooks_hide_what_the_report_hides(bc_run):
    truth = privacy.load_pass(bc_run / "data/processed/bc", 5)
    notebooks = bc_run / "reports/bc/notebooks"
    checked = 0
    # 02: who took part by group and line, and against target
    for rows in notebook_tables(notebooks / "02_profile.ipynb"):
        group_col = column_of(rows, "stakeholder_group")
        if group_col is None:
            continue
        for row in rows[1:]:
            for (table, group, column), rule in truth.rule.items():
                if table != "participants" or row[group_col] != group:
                    continue
                name = "took_part" if column == "total" and "took_part" in rows[0] else column
                j = column_of(rows, name)
                if j is not None:
                    assert row[j] in HIDDEN_TEXT, (rows[0], row)
                    checked += 1
    # 03: agreement by statement and group
    for rows in notebook_tables(notebooks / "03_survey.ipynb"):
        item_col, group_col, pct = (column_of(rows, "item"), column_of(rows, "group"),
                                    column_of(rows, "agree_pct"))
        if None in (item_col, group_col, pct):
            continue
        for row in rows[1:]:
            key = (f"survey:{row[item_col]}", row[group_col], "agree")
            if key in truth.rule:
                assert row[pct] in HIDDEN_TEXT, row
                checked += 1
    # 05: program metrics, attendance, recommendations
    for rows in notebook_tables(notebooks / "05_program.ipynb"):
        metric_col = column_of(rows, "metric")
        if metric_col is not None:
            for row in rows[1:]:
                if row[metric_col] == "recommendations_acted_on":
                    assert row[column_of(rows, "count")] in HIDDEN_TEXT, row
                    checked += 1
        status_col = column_of(rows, "status")
        if status_col is not None and column_of(rows, "recommendations") is not None:
            for row in rows[1:]:
                if ("recommendations", row[status_col], "count") in truth.rule:
                    assert row[column_of(rows, "recommendations")] in HIDDEN_TEXT, row
                    checked += 1
    assert checked >= 5


@pytest.mark.integration
def test_auditor_notebooks_show_no_dropped_person_and_no_exact_share_of_a_theme(bc_run):
    # TRIAL_PRIVACY: 01_clean showed 1 declined consent and 1 duplicate (46 read, 44 kept);
    # 04 and 06 printed shares of 34 participants to six decimals (0.088235 x 34 = 3)
    notebooks = bc_run / "reports/bc/notebooks"
    for rows in notebook_tables(notebooks / "01_clean.ipynb"):
        for name in ("declined_consent", "duplicates_dropped"):
            j = column_of(rows, name)
            if j is not None:
                assert all(row[j] in HIDDEN_TEXT or not 0 < int(row[j]) < 5
                           for row in rows[1:]), rows
    checked = 0
    for rows in notebook_tables(notebooks / "04_qualitative.ipynb"):
        if column_of(rows, "words") is not None:  # the SWOT table
            assert column_of(rows, "share") is None, rows[0]
            checked += 1
    for rows in notebook_tables(notebooks / "06_findings.ipynb"):
        kind, estimate = column_of(rows, "kind"), column_of(rows, "estimate")
        if None in (kind, estimate):
            continue
        for row in rows[1:]:
            if row[kind] == "code_share":
                assert row[estimate] in HIDDEN_TEXT, row
                checked += 1
    # a wide table's HTML may elide its middle columns: the SWOT table is always there
    assert checked >= 1



def test_a_base_a_few_below_the_survey_takers_is_hidden_so_no_one_is_counted_by_subtraction():
    # a new user's case (differencing): 17 migrant workers took the survey (Annex 3 says so)
    # and 16 gave an opinion on know_rights, so 17 - 16 = 1 gave none: a count below min_cell
    # (5, params/bc.yaml) worked out by subtraction. Hand-derived: a base 1 to 4 below its
    # takers is hidden (16 of 17; 6 of 9 support organizations); 0 below (17 of 17) or
    # 7 below (10 of 17: 7 >= 5) is shown.
    people = participants_frame({("migrant_worker", "survey"): 17,
                                 ("support_organization", "survey"): 9,
                                 ("employer", "survey"): 17, ("government", "survey"): 11})
    survey = pd.concat([
        survey_frame("know_rights", {"migrant_worker": (16, 8), "support_organization": (9, 4),
                                     "employer": (10, 5), "government": (11, 5)}),
        survey_frame("info_support", {"migrant_worker": (17, 9), "support_organization": (6, 3),
                                      "employer": (17, 8), "government": (11, 6)}),
    ])
    ledger = privacy.protect_report({"participants": people, "survey_indicators": survey}, 5)
    assert ledger.hidden(("survey:know_rights", "migrant_worker", "n"))          # 17 - 16 = 1
    assert ledger.hidden(("survey:info_support", "support_organization", "n"))   # 9 - 6 = 3
    assert ledger.shown(("survey:info_support", "migrant_worker", "n")) == 17    # 17 - 17 = 0
    assert ledger.shown(("survey:know_rights", "employer", "n")) == 10           # 17 - 10 = 7
    # its share goes with a hidden base; the takers stay shown (the base is hidden instead)
    assert ledger.hidden(("survey:know_rights", "migrant_worker", "agree"))
    assert ledger.shown(("participants", "migrant_worker", "survey")) == 17
    assert ledger.shown(("participants", "support_organization", "survey")) == 9
    # nor can a reader get the hidden base back from the statement's total over the groups
    assert ledger.exposed() == []
    for rest in (("survey:know_rights", "migrant_worker", "no_opinion"),
                 ("survey:info_support", "support_organization", "no_opinion")):
        assert ledger.rule[rest] == "small_count"
        lo, hi = ledger.intervals([rest])[rest]
        assert hi - lo >= 1, rest


def test_a_statement_asked_of_some_groups_hides_its_total_a_few_below_their_takers():
    # asked of employers, government and support organizations only (no migrant worker row):
    # 6 + 6 + 14 = 26 took the survey in those groups, 5 + 6 + 13 = 24 gave an opinion, so
    # 26 - 24 = 2 of those asked gave none (hand-derived): the statement's total is hidden too
    people = participants_frame({("employer", "survey"): 6, ("government", "survey"): 6,
                                 ("support_organization", "survey"): 14,
                                 ("migrant_worker", "survey"): 18})
    survey = survey_frame("collaboration", {"employer": (5, 2), "government": (6, 3),
                                            "support_organization": (13, 7)})
    ledger = privacy.protect_report({"participants": people, "survey_indicators": survey}, 5)
    assert ledger.hidden(("survey:collaboration", "employer", "n"))              # 6 - 5 = 1
    assert ledger.hidden(("survey:collaboration", "support_organization", "n"))  # 14 - 13 = 1
    assert ("survey:collaboration", "government", "no_opinion") not in ledger.rule  # 6 - 6 = 0
    assert ledger.hidden(("survey:collaboration", "all", "n"))                   # 26 - 24 = 2
    asked = ("survey:collaboration", "groups_asked", "no_opinion")
    assert ledger.value[asked] == 2 and ledger.rule[asked] == "small_count"
    lo, hi = ledger.intervals([asked])[asked]
    assert hi - lo >= 1
    assert ledger.exposed() == []


def no_opinion_is_safe(takers: float, n: float) -> bool:
    """Whether survey takers less a statement's respondents is 0 or at least min_cell (5)."""
    return not 0 < takers - n < 5


@pytest.mark.integration
@pytest.mark.parametrize("page", ["assessment.html", "assessment.fr.html"])
def test_no_one_without_an_opinion_is_counted_by_subtraction_on_the_page(bc_run, page):
    # a new user's case (differencing): Annex 3's survey takers of a group less a statement's
    # respondents of that group, as the page shows both, is never 1 to 4 people
    html = (bc_run / "reports/bc" / page).read_text(encoding="utf-8")
    tables, en = page_tables(html), page == "assessment.html"
    people = participation(tables, en)
    takers = {row[0]: number(row[1]) for row in people[1:-1]}
    everyone = number(people[-1][1])
    survey = table_with(tables, "by survey statement" if en else "énoncé")
    checked, asked = 0, {}
    for statement, group, n, *_ in survey[1:]:
        whole = takers.get(group, everyone)
        if group in takers:
            asked.setdefault(statement, []).append(group)
        if n != "x" and whole is not None:
            assert no_opinion_is_safe(whole, number(n)), (statement, group, whole, n)
            checked += 1
    assert checked >= 5
    # a statement asked of some groups only: those groups' takers less its total
    for statement, group, n, *_ in survey[1:]:
        if group not in takers and n != "x" and None not in [takers[g] for g in
                                                             asked[statement]]:
            whole = sum(takers[g] for g in asked[statement])
            assert whole == everyone or no_opinion_is_safe(whole, number(n)), statement
    # the findings' sentences (page and findings.csv): a base stated in words is safe too,
    # a statement of the survey tables or another (a knowledge level)
    pattern = (r"(\d+) (?:respondents who gave an opinion; survey statement|respondents gave one"
               r" of the two answers \(survey statement) “([^”]+)”(?: \(([^)]+)\))?")
    csv = (bc_run / "reports/bc/findings.csv").read_text(encoding="utf-8")
    for text in ((html, csv) if en else ()):
        for n, statement, group in re.findall(pattern, text):
            whole = takers.get(group, everyone) if group else everyone
            assert no_opinion_is_safe(whole, float(n)), (statement, group, n)


@pytest.mark.integration
def test_auditor_survey_notebook_hides_the_bases_the_pass_hides(bc_run):
    # a base the pass hides (a few below its group's survey takers, or what gives one back)
    # is hidden in 03_survey's agreement table and in its group tests' respondents too
    truth = privacy.load_pass(bc_run / "data/processed/bc", 5)
    checked = 0
    for rows in notebook_tables(bc_run / "reports/bc/notebooks/03_survey.ipynb"):
        item, group, n = (column_of(rows, "item"), column_of(rows, "group"),
                          column_of(rows, "n"))
        outcome = column_of(rows, "outcome")
        for row in rows[1:]:
            if row[0] == "...":
                continue
            if outcome is not None and n is not None:
                key = (f"survey:{row[outcome]}", "all", "n")
            elif None not in (item, group, n) and column_of(rows, "agree") is not None:
                key = (f"survey:{row[item]}", row[group], "n")
            else:
                continue
            if key in truth.value and truth.hidden(key):
                assert row[n] in HIDDEN_TEXT, (rows[0], row)
                checked += 1
    assert checked >= 5


def test_an_interval_is_worked_out_over_the_related_cells_only_and_kept_while_they_stay():
    # two unrelated tables: a + b = 10 with a hidden (3), b shown (7): a is exactly 10 - 7;
    # c + d = 20 with c (2) and d (18) both hidden: as a hidden count is not 0 (a zero is
    # shown), each is only known to lie in 1..19
    ledger = privacy.Ledger(5)
    a, b = ledger.cell(("t1", "r", "a"), 3), ledger.cell(("t1", "r", "b"), 7)
    ledger.total(ledger.cell(("t1", "r", "total"), 10), [a, b])
    c, d = ledger.cell(("t2", "r", "c"), 2), ledger.cell(("t2", "r", "d"), 18)
    ledger.total(ledger.cell(("t2", "r", "total"), 20), [c, d])
    ledger.rule[d] = "secondary"                 # a and c are below 5: hidden already
    solved: dict = {}
    spans = ledger.intervals(solved=solved)
    assert spans[a] == pytest.approx((3, 3))
    assert spans[c] == pytest.approx((1, 19)) and spans[d] == pytest.approx((1, 19))
    assert ledger.exposed(solved=solved) == [a]
    # hiding b changes a's part only (a in 1..9): c and d are not worked out again
    ledger.rule[b] = "secondary"
    kept = {key: value for key, value in solved.items() if c in key[1]}
    assert ledger.intervals([a], solved)[a] == pytest.approx((1, 9))
    assert {key: value for key, value in solved.items() if c in key[1]} == kept
    # a, c, d before; a again, over a and b
    assert len([key for key in solved if key[0] == "interval"]) == 4


def test_a_cell_that_may_be_one_more_is_not_exposed_unless_the_figures_do_not_add_up():
    # a + b = 10, both hidden (4 and 6): a lies in 1..9, its largest 5 above its own 4
    ledger = privacy.Ledger(5)
    a, b = ledger.cell(("t", "r", "a"), 4), ledger.cell(("t", "r", "b"), 6)
    ledger.total(ledger.cell(("t", "r", "total"), 10), [a, b])
    ledger.rule[b] = "secondary"
    assert ledger.exposed() == []
    # a hidden 2 beside a shown 8, under a total given as 11 (the figures do not add up):
    # a reader works a out as 11 - 8 = 3, one above the 2 it holds; being able to be one
    # more than its own value does not make it safe here
    ledger = privacy.Ledger(5)
    a, b = ledger.cell(("t", "r", "a"), 2), ledger.cell(("t", "r", "b"), 8)
    ledger.total(ledger.cell(("t", "r", "total"), 11), [a, b])
    assert ledger.intervals() == {a: (3.0, 3.0)}
    assert ledger.exposed() == [a]


def _limits(indicator_id: str, met: float, partly: float) -> pd.DataFrame:
    return pd.DataFrame([{"question_id": "q", "indicator_id": indicator_id,
                          "direction": "higher", "met": met, "met_strict": False,
                          "partly": partly, "partly_strict": False}])


@pytest.mark.parametrize("with_limits", [False, True])
def test_a_score_beside_a_hidden_count_does_not_give_it_back(with_limits):
    # BC's evidence table and findings.csv (EN and FR) showed "Recommendations ... acted on:
    # x, n = 7, not met" under a rule "partly met from 25%": fewer than 1.75 of 7, and a
    # zero would be shown, so exactly 1 was acted on
    outcomes, indicators = _recommendations(min_n=5, score="not_met")
    tables = {"recommendation_outcomes": outcomes, "indicator_scores": indicators}
    if with_limits:
        tables["score_limits"] = _limits("acted", .5, .25)
    ledger = privacy.protect_report(tables, 5)
    shown = privacy.protected_indicators(indicators, ledger)
    # the attacker: every count the score allows beside the base shown (0 would be shown)
    n = shown["n"].iloc[0]
    candidates = [] if pd.isna(n) else [c for c in range(1, int(n) + 1) if c / int(n) < .25]
    if with_limits:
        assert len(candidates) != 1, candidates
        assert ledger.hidden(("recommendations", "total", "count"))
    else:  # what the pass did before it read the scores
        assert candidates == [1]


def test_a_score_beside_a_hidden_share_does_not_say_a_whole_group_agreed():
    # 6 migrant workers took the survey and all 6 agreed (hidden: 100%); "met at 90%" beside
    # the shown base of 6 says so, and so it does beside the 6 survey takers with the base
    # hidden (a base of 5 or 6, 90% of it or more: all of it)
    people = participants_frame({("migrant_worker", "survey"): 6,
                                 ("migrant_worker", "focus_group"): 8,
                                 ("support_organization", "survey"): 10,
                                 ("support_organization", "interview"): 7,
                                 ("government", "survey"): 7, ("government", "interview"): 6})
    survey = survey_frame("rights", {"migrant_worker": (6, 6), "support_organization": (10, 5),
                                     "government": (7, 2)})
    indicators = pd.DataFrame([{
        "question_id": "q", "indicator_id": "rights", "line_of_evidence": "survey",
        "kind": "survey_agreement", "subject": "rights", "group": "migrant_worker",
        "unit": "share", "people": True, "estimate": 1.0, "ci_low": .6, "ci_high": 1.0,
        "count": 6, "n": 6, "min_n": 5, "score": "met"}])
    ledger = privacy.protect_report({"participants": people, "survey_indicators": survey,
                                     "indicator_scores": indicators,
                                     "score_limits": _limits("rights", .9, .5)}, 5)
    n = ledger.shown(("survey:rights", "migrant_worker", "n"))
    takers = ledger.shown(("participants", "migrant_worker", "survey"))
    # the attacker: the bases the shown figures allow (at least min_n, at most the takers),
    # and for each, the answers the score allows
    bases = [int(n)] if n is not None else (range(5, int(takers) + 1) if takers is not None
                                            else range(5, 100))
    answers = {(b, a) for b in bases for a in range(b + 1) if a / b >= .9}
    assert any(a < b for b, a in answers), sorted(answers)


@pytest.mark.parametrize("agree, score, met, partly, side_known", [
    (9, "met", .65, .4, True),       # 9 of 10, 'met from 65%': those who did not agree, < 5
    (6, "partly", .7, .3, False)])   # 6 of 10, 'partly from 30%': 3, 4 or 6 agreed
def test_the_reason_a_share_is_hidden_and_its_score_bound_it_together(agree, score, met,
                                                                      partly, side_known):
    # the evidence text says why a share is hidden ('fewer than 5 of the 10 respondents gave
    # one of the two answers') and the score which of the two answers that was, where it can:
    # the ledger knows what such a reader knows
    people = participants_frame({("migrant_worker", "survey"): 10,
                                 ("support_organization", "survey"): 10})
    survey = survey_frame("rights", {"migrant_worker": (10, agree),
                                     "support_organization": (10, 5)})
    indicators = pd.DataFrame([{
        "question_id": "q", "indicator_id": "rights", "line_of_evidence": "survey",
        "kind": "survey_agreement", "subject": "rights", "group": "migrant_worker",
        "unit": "share", "people": True, "estimate": agree / 10, "ci_low": .5, "ci_high": 1.,
        "count": agree, "n": 10, "min_n": 5, "score": score}])
    ledger = privacy.protect_report({"participants": people, "survey_indicators": survey,
                                     "indicator_scores": indicators,
                                     "score_limits": _limits("rights", met, partly)}, 5)
    count = ("survey:rights", "migrant_worker", "agree")
    assert ledger.rule[count] == "class_complement"
    rest = ("survey:rights", "migrant_worker", "agree_rest")
    low, _ = ledger.intervals([count])[count]
    assert ledger.exposed() == []
    if side_known:
        assert ledger.high[rest] == 4 and low >= 6
    else:   # 3 or 4 agreed is as consistent with the page as 6
        assert ledger.high[rest] is None and ledger.high[count] is None and low <= 3
