"""The manager report, the auditor's index and the charts: safe, self-contained, bilingual."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from mwsn import config, plots, privacy, report
from mwsn.errors import DisclosureError
from mwsn.report import annex, html
from conftest import PROJECT, SHIPPED

HOSTILE = "<script>alert('comment')</script>"


# -- building blocks ---------------------------------------------------------------------

def test_text_from_data_is_escaped_in_a_table():
    frame = privacy.suppress(pd.DataFrame({"quote": [HOSTILE], "n": [12]}), ["n"], 5)
    out = html.table(frame, "Quotes", name="quotes", lang="en", min_cell=5, counts=["n"],
                     formats={"n": "count"})
    assert "<script" not in out
    assert "&lt;script&gt;alert(&#x27;comment&#x27;)&lt;/script&gt;" in out


def test_quotes_show_markup_as_text():
    out = html.quotes([HOSTILE, "Plain & simple"], ["Migrant worker", "Employer"])
    assert "<script" not in out and "&lt;script&gt;" in out and "Plain &amp; simple" in out
    assert out.count("<blockquote>") == 2


def test_table_refuses_an_unsuppressed_small_count_naming_the_table():
    frame = pd.DataFrame({"group": ["a", "b"], "n": [12, 3]})
    with pytest.raises(DisclosureError, match="table 'participants_by_group'.*below 5.*'n'"):
        html.table(frame, "People", name="participants_by_group", lang="en", min_cell=5,
                   counts=["n"])


def test_table_shows_a_suppressed_count_as_the_mark_and_keeps_zero():
    frame = privacy.suppress(pd.DataFrame({"group": ["a", "b", "c"], "n": [12, 3, 0]}),
                             ["n"], 5)
    out = html.table(frame, "People", name="people", lang="fr", min_cell=5, counts=["n"],
                     formats={"n": "count"})
    cells = re.findall(r"<td>(.*?)</td>", out)
    assert cells == ["12", "x", "0"]
    assert "<caption>People</caption>" in out and '<th scope="col">' in out


def test_a_suppression_threshold_lower_than_min_cell_does_not_count_as_suppressed():
    frame = privacy.suppress(pd.DataFrame({"group": ["a"], "n": [4]}), ["n"], 3)
    with pytest.raises(DisclosureError):
        html.table(frame, "People", name="people", lang="en", min_cell=5, counts=["n"])


def test_page_is_self_contained_and_forbids_scripts_and_requests():
    out = html.page("<h1>x</h1>", "fr", "Titre", synthetic=True)
    assert '<html lang="fr">' in out
    assert "Content-Security-Policy" in out and "default-src 'none'" in out
    assert not re.search(r"<(script|link)\b|src=\"http|url\(", out, flags=re.IGNORECASE)
    # the banner on screen, and in the top margin of every printed page
    assert 'class="banner"' in out and "DONNÉES SYNTHÉTIQUES" in out
    assert "@top-center" in out and "break-before: page" in out


def test_page_without_synthetic_data_has_no_banner():
    out = html.page("<h1>x</h1>", "en", "Title", synthetic=False)
    assert "SYNTHETIC" not in out and "@top-center" not in out


def test_css_string_cannot_close_the_style_element():
    assert "</style" not in html._css_string("a</style><script>")


def test_markdown_escapes_raw_html_and_fits_headings_under_the_annex():
    out = html.markdown(f"# Methods\n\nText {HOSTILE}\n\n## Tests\n\n| a | b |\n|---|---|\n| 1 | 2 |",
                        top_level=4)
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "<h4>Methods</h4>" in out and "<h5>Tests</h5>" in out
    assert "<table>" in out


# -- charts ------------------------------------------------------------------------------

LEVELS = [(1, "Strongly disagree"), (2, "Disagree"), (3, "Neither"), (4, "Agree"),
          (5, "Strongly agree")]


def _likert():
    # group A: 10% + 20% + 10% + 40% + 20%: 60% agree; group B: 30% agree
    rows = [("A", c, p) for c, p in zip(range(1, 6), (.1, .2, .1, .4, .2))]
    rows += [("B", c, p) for c, p in zip(range(1, 6), (.3, .3, .1, .2, .1))]
    return pd.DataFrame(rows, columns=["group", "level", "pct"]).assign(n=10)


def _charts(lang):
    funding = pd.DataFrame({"date": pd.to_datetime(["2018-06-30", "2018-09-30", "2018-06-30"]),
                            "recipient": ["Recipient A", "Recipient A", "Recipient B"],
                            "amount": [100_000.0, 200_000.0, 50_000.0]})
    attendance = pd.DataFrame({"meeting_type": ["Plenary", "Plenary", "Forum"],
                               "group": ["Employer", "Government", "Employer"],
                               "attendees": pd.array([12, None, 30], dtype="Float64")})
    elements = pd.DataFrame({"stage": ["inputs", "activities", "ultimate"],
                             "id": ["i", "a", "u"], "text": ["Funding", "Meetings", "Protection"]})
    dots = pd.DataFrame({"indicator": ["Know rights", "Collaborate"], "estimate": [0.8, 0.55],
                         "ci_low": [0.72, 0.40], "ci_high": [0.88, 0.70]})
    return {
        "likert": plots.likert_bars(_likert(), LEVELS, lang, statement="Statement"),
        "dots": plots.indicator_dots(dots, lang, thresholds={"strong": 0.7, "some": 0.5}),
        "spending": plots.spending_over_time(funding, lang, budget=1_000_000),
        "attendance": plots.meeting_attendance(attendance, lang),
        "logic_model": plots.logic_model(elements, lang),
    }


def test_charts_are_byte_identical_on_a_second_run_and_carry_no_date():
    first, second = _charts("en"), _charts("en")
    for name in first:
        assert first[name].svg == second[name].svg, name
        assert first[name].svg.startswith("<svg"), name
        assert not re.search(r"<dc:date>|20\d\d-\d\d-\d\dT", first[name].svg), name


def test_chart_alt_texts_state_the_main_number_in_each_language():
    en, fr = _charts("en"), _charts("fr")
    # hand-computed from the inputs above
    assert "A (60%)" in en["likert"].alt and "B (30%)" in en["likert"].alt
    assert "A (60\u00a0%)" in fr["likert"].alt
    assert "80%" in en["dots"].alt and "Know rights" in en["dots"].alt
    assert "1 indicator(s)" in en["dots"].alt  # only 0.72 clears the 0.7 threshold
    assert "$350,000" in en["spending"].alt and "35%" in en["spending"].alt
    assert "350\u00a0000\u00a0$" in fr["spending"].alt
    # the suppressed attendance is left out, never counted as zero or shown
    assert "42 attendances" in en["attendance"].alt and "Forum drew the most (30)" in \
        en["attendance"].alt
    assert "Protection" in en["logic_model"].alt
    for name in en:
        assert en[name].alt != fr[name].alt, name
        assert en[name].title and fr[name].title != en[name].title, name


def test_a_chart_with_everything_suppressed_says_so():
    empty = pd.DataFrame({"indicator": ["x"], "estimate": [None], "ci_low": [None],
                          "ci_high": [None]})
    assert "suppressed" in plots.indicator_dots(empty, "en").alt


# -- sections, on a real project root ----------------------------------------------------

@pytest.fixture
def assessment(project_root):
    return report.load_report("bc", project_root, "en")


def _funding(recipient="Recipient A", reached=(80.0, 90.0)):
    return pd.DataFrame({
        "entry_id": ["F-1", "F-2", "F-3"], "fiscal_year": ["2018-19"] * 3,
        "date": pd.to_datetime(["2018-04-01", "2018-06-30", "2018-09-30"]),
        "recipient": [recipient] * 3, "sub_grantee": [None] * 3,
        "entry_type": ["agreement", "expenditure", "expenditure"],
        "amount_cad": [1_000_000.0, 100_000.0, 150_000.0],
        "workers_reached": [None, *reached]})


def _meetings(attendees=(20, 3)):
    return pd.DataFrame({"meeting_id": ["M-1", "M-1"], "meeting_type": ["plenary"] * 2,
                         "date": pd.to_datetime(["2018-07-13"] * 2),
                         "stakeholder_group": ["government", "employer"],
                         "attendees": list(attendees)})


def test_about_escapes_names_from_data(assessment, monkeypatch):
    frames = {"funding": _funding(recipient=HOSTILE), "meetings": _meetings()}
    monkeypatch.setattr(type(assessment), "processed", lambda self, name: frames[name])
    out = assessment.section("about")
    assert "<script" not in out and "&lt;script&gt;" in out


def test_about_leaves_small_attendance_counts_out_of_the_chart(assessment, monkeypatch):
    from mwsn import privacy, program

    frames = {"funding": _funding(), "meetings": _meetings(attendees=(20, 3))}
    monkeypatch.setattr(type(assessment), "processed", lambda self, name: frames[name])
    # the jurisdiction's one disclosure pass, computed from the same meeting records
    assessment._protected = privacy.protect_report(
        {"attendance": program.attendance_by_group(frames["meetings"]),
         "meetings_by_type": program.meetings_by_type(frames["meetings"])}, 5)
    out = assessment.section("about")
    alts = re.findall(r'alt="([^"]*)"', out)
    # 3 employers is below 5: neither 3 nor 20 (= 23 - 3, the shown total minus the
    # government's cell) may be drawn, said or labelled anywhere in the section
    assert not re.search(r"\b(3|20) attendances", " ".join(alts)), alts
    assert ">3<" not in out and ">20<" not in out
    assert any("$250,000 was spent, 7% of the $3,400,000 budget" in a for a in alts), alts


def test_annex_says_what_it_lacks_and_shows_provenance(assessment):
    out = assessment.section("annex")
    assert 'id="annex-logic-model"' in out and 'id="annex-provenance"' in out
    for name in ("survey_export.csv", "pandas", "bc.yaml"):
        assert name in out, name
    assert re.search(r"[0-9a-f]{64}", out)


def test_annex_draws_the_logic_model_from_params(assessment):
    model = {"inputs": [{"id": "funding", "label": {"en": "Funding", "fr": "Financement"},
                         "leads_to": ["meetings"]}],
             "activities": [{"id": "meetings", "label": {"en": "Meetings", "fr": "Réunions"},
                             "leads_to": ["protection"]}],
             "outcomes": {"ultimate": [{"id": "protection",
                                        "label": {"en": "Protection", "fr": "Protection"}}]}}
    elements, links = annex.logic_model_frames(model, "fr")
    assert list(elements["text"]) == ["Financement", "Réunions", "Protection"]
    assert list(zip(links["source"], links["target"])) == [("funding", "meetings"),
                                                           ("meetings", "protection")]


def test_run_date_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1583020800")  # 2020-03-01T00:00:00Z
    assert annex.run_date() == "2020-03-01"


def test_auditor_index_links_only_what_exists(assessment):
    page = report.auditor.index_page(
        assessment.where, assessment.params, assessment.codebook,
        ["assessment.html", "notebooks/01_clean.html", "notebooks/01_clean.ipynb"], "en")
    assert 'href="assessment.html"' in page and 'href="notebooks/01_clean.html"' in page
    assert "assessment.fr.html" not in page and "manifest.json" not in page
    assert "No manifest was written" in page


# -- the real pipeline -------------------------------------------------------------------

@pytest.mark.integration
def test_report_shows_no_code_and_keeps_the_limitations(bc_run):
    text = (bc_run / "reports/bc/assessment.html").read_text(encoding="utf-8")
    assert "Limitations" in text
    assert not re.search(r"<script|jp-OutputPrompt|Out\[|DataFrame|class=\"dataframe\"|Warning",
                         text)


@pytest.mark.integration
@pytest.mark.parametrize("name", ["assessment.html", "assessment.fr.html"])
def test_contents_link_every_section_by_its_own_heading(bc_run, name):
    text = (bc_run / "reports/bc" / name).read_text(encoding="utf-8")
    toc = re.search(r'<nav[^>]*class="toc"[^>]*>(.*?)</nav>', text, flags=re.S).group(1)
    links = re.findall(r'<a href="#([a-z_0-9-]+)">([^<]*)</a>', toc)
    headings = dict(re.findall(r'<section id="([a-z_0-9-]+)"><h2>([^<]*)</h2>', text))
    headings.pop("executive")      # above the contents
    assert links == list(headings.items())


@pytest.mark.integration
def test_auditor_index_and_data_dictionary_after_a_run(bc_run):
    text = (bc_run / "reports/bc/index.html").read_text(encoding="utf-8")
    assert 'href="assessment.fr.html"' in text and 'href="notebooks/03_survey.html"' in text
    assert 'id="table-survey_indicators"' in text and "agree_pct" in text
    # labels from the codebook
    assert "I know more about my rights at work because of Network activities" in text


@pytest.mark.integration
def test_comparison_shows_every_jurisdiction_run(bc_compared):
    written = bc_compared
    assert [p.name for p in written] == ["compare.html", "compare.fr.html"]
    text = written[0].read_text(encoding="utf-8")
    assert "British Columbia" in text and "$3,400,000" in text and ">78<" in text
    assert "SYNTHETIC DATA" in text
    assert "Colombie-Britannique" in written[1].read_text(encoding="utf-8")


def test_the_page_is_every_section_in_order_each_rendered_once(project_root, monkeypatch):
    """What a cell happened to display besides a section (a DataFrame, a warning) cannot reach
    the page: the page is the sections themselves, rendered once for the cell and the page."""
    import importlib

    calls = []
    for name in report.SECTIONS:
        module = importlib.import_module(f"mwsn.report.{name}")
        monkeypatch.setattr(module, "render", lambda rep, name=name: (
            calls.append(name), html.Html(f'<section id="{name}"></section>'))[1])
    rep = report.load_report("bc", project_root, "fr")
    shown = rep.section("executive")
    assert rep.section("executive") is shown
    assert rep.body() == "\n".join(f'<section id="{n}"></section>' for n in report.SECTIONS)
    assert sorted(calls) == sorted(report.SECTIONS)
    page = publish.assessment_page(rep)
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert f"<main>\n{rep.body()}\n</main>" in page and '<div class="banner"' in page


@pytest.mark.integration
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_page_holds_exactly_the_sections_the_executed_notebook_shows(bc_run, lang):
    """The manager page and the auditor's executed notebook show the same sections, in order,
    and the page has no code."""
    import nbformat

    from mwsn import hygiene

    folder = bc_run / "reports/bc"
    suffix = "" if lang == "en" else f".{lang}"
    nb = nbformat.read(folder / f"notebooks/08_report{suffix}.ipynb", as_version=4)
    shown = [out["data"]["text/html"] for cell in nb.cells if cell.cell_type == "code"
             for out in cell.outputs if out.get("metadata", {}).get(html.REPORT_OUTPUT)]
    assert len(shown) == len(report.SECTIONS)
    page = (folder / f"assessment{suffix}.html").read_text(encoding="utf-8")
    main = page[page.index("<main>\n") + 7:page.index("\n</main>")]
    assert main == hygiene.strip_bidi("\n".join(shown))
    assert "load_report" not in page and "In&nbsp;[" not in page
    assert page.startswith(f'<!DOCTYPE html>\n<html lang="{lang}">')
    assert i18n.t("banner.synthetic", lang) in page


def test_scoring_rules_read_in_words_in_each_language():
    from mwsn import findings

    matrix = findings.load_matrix(SHIPPED)
    know = matrix.indicator("information", "workers_know_rights")
    assert annex.rule_text(know, matrix, "en") == (
        "met at 65% or more; partly met at 40% or more "
        "(scored only with at least 10 respondents who gave an opinion)")
    assert annex.rule_text(know, matrix, "fr").startswith("atteint à 65\u00a0% ou plus")
    # a program share is written as a share, whatever the metric is called (Annex B printed
    # "met at 0 or more" for recommendations acted on, 50% / 25%)
    acted = matrix.indicator("policy_influence", "recommendations_acted_on")
    assert annex.rule_text(acted, matrix, "en").startswith(
        "met at 50% or more; partly met at 25% or more")
    reached = matrix.indicator("reporting_support", "workers_reached")
    assert annex.rule_text(reached, matrix, "en") == "met at 2,000 or more; partly met at 500 or more"
    # interview shares are scored on the words the report prints
    persists = matrix.indicator("abuse_deterrence", "abuse_persists_mentioned")
    assert annex.rule_text(persists, matrix, "en").startswith(
        "met when \u201ca few\u201d participants or fewer raise it; partly met at \u201csome\u201d")


def test_annex_matrix_shows_the_questions_for_a_jurisdiction_with_a_network(assessment):
    out = assessment.section("annex")
    assert "To what extent did the Network improve collaboration" in out
    assert "Is there a local need" not in out
    assert "met at 65% or more" in out
    assert "Set by this project for the synthetic demonstration" in out and "(2026-11-26)" in out
    assert "context: shown, not scored" in out  # fear of reprisal is context
    assert "No computed rating was changed" in out


def test_annex_lists_every_override_with_its_reason_and_role(assessment):
    path = assessment.where.params_dir / "evaluation_matrix.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("overrides: []", """overrides:
  - {jurisdiction: bc, question: abuse_deterrence, rating: some_progress, role: "Lead evaluator",
     date: 2020-03-31, reason: {en: "Program files show two referrals acted on", fr: "Les dossiers montrent deux signalements suivis"}}
  - {jurisdiction: "on", question: local_need, rating: strong_case, role: "Lead evaluator",
     reason: {en: "Other province", fr: "Autre province"}}"""), encoding="utf-8")
    out = assessment.section("annex")
    assert "Program files show two referrals acted on" in out and "Lead evaluator" in out
    assert "2020-03-31" in out and "Other province" not in out


def test_a_pinned_source_date_epoch_gives_no_date_rather_than_1970(monkeypatch, assessment):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert annex.run_date() is None
    assert "recorded in the manifest of the run" in assessment.section("annex")
    assert "1970" not in assessment.section("annex")


def test_annex_shows_the_provenance_snapshot(assessment, monkeypatch):
    from mwsn import provenance

    monkeypatch.setattr(provenance, "snapshot", lambda where: {
        "jurisdiction": "bc",
        "parameters": {"files": {"params/bc.yaml": "a" * 64}, "sha256": "b" * 64},
        "inputs": {"data/raw/bc/survey_export.csv": "c" * 64},
        "mwsn": {"version": "9.9.9", "source_sha256": "d" * 64},
        "python": "3.11.0", "packages": {"pandas": "2.2.0"}})
    out = assessment.section("annex")
    assert "params/bc.yaml" in out and "a" * 64 in out and "c" * 64 in out
    assert "9.9.9" in out and "2.2.0" in out and "manifest.json" in out


@pytest.mark.integration
def test_comparison_puts_jurisdictions_side_by_side_with_their_ratings(bc_run, tmp_path):
    import shutil

    shutil.copytree(bc_run / "params", tmp_path / "params")
    bc = (tmp_path / "params" / "bc.yaml").read_text(encoding="utf-8")
    (tmp_path / "params" / "xy.yaml").write_text(
        bc.replace("code: bc", "code: xy").replace("{en: British Columbia", "{en: Testland"),
        encoding="utf-8")
    for code in ("bc", "xy"):
        shutil.copytree(bc_run / "data/processed/bc", tmp_path / "data/processed" / code)
    (tmp_path / "data/processed/xy/findings.csv").unlink(missing_ok=True)  # xy: not rated
    pd.DataFrame({"question_id": ["collaboration"], "question": ["Collaboration?"],
                  "rating": ["strong_progress"]}).to_csv(
        tmp_path / "data/processed/bc/findings.csv", index=False)
    comparison = report.compare.load_comparison(tmp_path, "en")
    assert comparison.codes == ["bc", "xy"]
    ratings = comparison.section("ratings")
    row = re.search(r"<tr><th scope=\"row\">[^<]*</th>(.*?)</tr>", ratings).group(1)
    assert re.findall(r"<td>(.*?)</td>", row) == [comparison.rating_label("strong_progress"),
                                                   "not assessed"]
    indicators = comparison.section("indicators")
    assert ">British Columbia<" in indicators and ">Testland<" in indicators
    assert indicators.count("<td>78</td>") == 2


def test_about_without_a_network_describes_a_consultation_and_reads_no_program_data(
        assessment, monkeypatch):
    assessment.params = assessment.params.model_copy(update={"network_in_place": False})

    def no_program_data(self, name):
        raise AssertionError(f"read {name}")

    monkeypatch.setattr(type(assessment), "processed", no_program_data)
    out = assessment.section("about")
    assert "No Network was in place in British Columbia" in out and "<img" not in out


# -- the published structure, the executive summary, the plain summary, the PDF ----------

from mwsn import i18n  # noqa: E402
from mwsn.report import annexes, plain, publish, regroup  # noqa: E402

#: section headings of the published assessment, in order (seed/full_report_facts.md, section 1:
#: the French table of contents; the English names are the report's own)
PUBLISHED = {
    "en": ["Executive summary", "Introduction", "Assessment overview", "Achievement of outcomes",
           "Achievement of sub-objectives", "SWOT analysis", "Going forward"],
    "fr": ["Sommaire", "Introduction", "Aperçu de l'évaluation", "Atteinte des résultats",
           "Atteinte des sous-objectifs", "Analyse des forces, faiblesses, possibilités et menaces",
           "À l'avenir"],
}


def test_regroup_moves_parts_of_a_rendered_section_and_ignores_escaped_data():
    section = ('<section id="x"><h2>X</h2><p>lead &lt;article id="finding-z"&gt;</p>'
               '<table><caption>c</caption></table><p class="note">x: suppressed</p>'
               '<article id="finding-a" class="finding"><h3>A</h3></article>'
               "<h3>Sub</h3><p>tail</p></section>")
    inner = regroup.inner(section)
    rest, found = regroup.articles(inner)
    assert list(found) == ["finding-a"] and "finding-z" in rest
    without, tables = regroup.take_tables(rest)
    assert tables == ['<table><caption>c</caption></table><p class="note">x: suppressed</p>']
    lead, subs = regroup.subsections(without)
    assert lead == '<p>lead &lt;article id="finding-z"&gt;</p>' and subs == ["<h3>Sub</h3><p>tail</p>"]
    assert regroup.demote('<h3 id="s">S</h3>') == '<h4 id="s">S</h4>'
    assert regroup.drop_heading(subs[0]) == "<p>tail</p>"
    with pytest.raises(ValueError):
        regroup.inner("<div>not a section</div>")


def test_contribution_agreements_sum_each_recipients_ledger():
    ledger = pd.concat([_funding(), _funding(recipient="Recipient B").assign(
        entry_type=["agreement", "expenditure", "sub_grant"])])
    frame = annexes.agreements_frame(ledger).set_index("recipient")
    # by hand from _funding(): agreed 1,000,000; expenditures 100,000 + 150,000
    a = frame.loc["Recipient A"]
    assert (a.agreed, a.spent, a.share_spent, a.reports) == (1_000_000, 250_000, 0.25, 2)
    assert (a.signed, a.first_report, a.last_report) == ("2018-04-01", "2018-06-30",
                                                         "2018-09-30")
    b = frame.loc["Recipient B"]
    assert (b.spent, b.sub_grants, b.sub_granted) == (100_000, 1, 150_000)


def _scored(n=16, count=8, estimate=0.5):
    """One question's findings and indicator scores, shaped as 06_findings writes them."""
    findings_frame = pd.DataFrame([{
        "question_id": "information", "rubric": "progress", "rating": "strong_progress",
        "n_indicators": 1, "n_scored": 1, "n_met": 1, "n_not_met": 0, "mean_score": 2.0,
        "lines_of_evidence": "survey"}])
    scores = pd.DataFrame([{
        "question_id": "information", "indicator_id": "workers_know_rights",
        "line_of_evidence": "survey", "kind": "survey_agreement", "subject": "know_rights",
        "group": "migrant_worker", "unit": "share", "people": True, "estimate": estimate,
        "ci_low": 0.28, "ci_high": 0.72, "count": count, "n": n, "min_n": 10, "score": "met"}])
    people = pd.DataFrame({"participant": [f"p{i}" for i in range(30)]})
    survey = pd.DataFrame({"item": ["know_rights"], "group": ["migrant_worker"], "n": [n],
                           "agree": [count]})
    return {"findings": findings_frame, "indicator_scores": scores, "participants": people,
            "survey_indicators": survey}


def _use(assessment, monkeypatch, frames):
    """The report reads ``frames`` as its processed tables and their disclosure pass."""
    ledger = privacy.protect_report({k: frames[k] for k in ("survey_indicators",
                                                            "indicator_scores")}, 5)
    monkeypatch.setattr(type(assessment), "processed", lambda self, name: frames[name])
    monkeypatch.setattr(type(assessment), "protected", property(lambda self: ledger))


def test_executive_summary_gives_each_rating_its_reason_and_figures(assessment, monkeypatch):
    _use(assessment, monkeypatch, _scored())
    out = assessment.section("executive")
    assert "Strong progress" in out
    assert "1 of 1 indicators scored, 1 met." in out
    assert "50% (28%-72%), of 16 respondents" in out
    assert "rating stable" not in out              # these findings carry no robustness
    assert out.count("<li><a href=\"#consideration-") == len(assessment.params.considerations)


@pytest.mark.parametrize("n, count, estimate", [(4, 3, 0.75), (16, 14, 0.875)])
def test_executive_summary_says_fewer_than_min_cell_for_a_withheld_figure(
        assessment, monkeypatch, n, count, estimate):
    # 4 respondents: a small base; 14 of 16: only 2 disagree (a class disclosure)
    _use(assessment, monkeypatch, _scored(n=n, count=count, estimate=estimate))
    out = assessment.section("executive")
    assert "not shown (fewer than 5 in a count behind it)" in out
    assert f"{estimate:.0%}" not in out and f"of {n} " not in out


def test_executive_summary_reads_robustness_when_findings_carry_it(assessment, monkeypatch):
    frames = _scored()
    frames["findings"] = frames["findings"].assign(robustness="sensitive", bootstrap_share=0.6,
                                                   threshold_share=1.0)
    _use(assessment, monkeypatch, frames)
    assert "1 of 1 indicators scored, 1 met; rating sensitive." in assessment.section("executive")


def _plain_frames(monkeypatch):
    frames = _scored()
    frames["findings"] = pd.concat([frames["findings"], frames["findings"].assign(
        question_id="abuse_deterrence", rating="limited_progress")])
    frames["disclosure"] = pd.DataFrame(columns=["table", "row", "column", "value", "rule",
                                                 "published"])   # no group counts in it
    monkeypatch.setattr(plain.ingest, "read_processed", lambda folder, name: frames[name])


@pytest.mark.parametrize("workers, said", [
    (10, "Many of them were migrant workers."),      # 10 of 30: a third
    (9, "Some of them were migrant workers."),
    (0, None),
    (3, None),      # hidden by the pass (fewer than 5): no word bounds it
])
def test_plain_summary_says_many_or_some_were_migrant_workers_only_as_the_pass_shows(
        project_root, monkeypatch, workers, said):
    frames = _scored()
    groups = ["migrant_worker"] * workers + ["employer"] * (30 - workers)
    frames["participants"] = pd.DataFrame({"participant": [f"p{i}" for i in range(30)],
                                           "stakeholder_group": groups,
                                           "line_of_evidence": "survey"})

    def read(folder, name):
        if name not in ("findings", "participants"):
            raise FileNotFoundError(name)     # the pass is worked out from what there is
        return frames[name]

    monkeypatch.setattr(plain.ingest, "read_processed", read)
    params = report.load_report("bc", project_root).params
    for lang in ("en", "fr", "es", "tl"):
        page = plain.render_page(params, lang, project_root, synthetic=True)
        many, some = (i18n.t(f"plain.workers.{k}", lang) for k in ("many", "some"))
        expected = {None: None, "Many of them were migrant workers.": many,
                    "Some of them were migrant workers.": some}[said]
        for sentence in (many, some):
            assert (sentence in page) == (sentence == expected), (lang, sentence)


@pytest.mark.parametrize("lang, words", [
    ("en", ["What we looked at", "March 2018", "30 people", "little progress"]),
    ("fr", ["Ce que nous avons examiné", "mars 2018", "Colombie-Britannique", "peu de progrès"]),
    ("es", ["Qué revisamos", "marzo de 2018", "30 personas", "poco avance"]),
    ("tl", ["Ano ang aming tiningnan", "Marso 2018", "30 na tao", "maliit na pag-unlad"]),
])
def test_plain_summary_says_what_was_assessed_found_and_next_in_each_language(
        project_root, monkeypatch, lang, words):
    _plain_frames(monkeypatch)
    params = report.load_report("bc", project_root).params
    page = plain.render_page(params, lang, project_root, synthetic=True)
    assert f'<html lang="{lang}">' in page and page.count("<h2>") == 3
    for word in words:
        assert word in page, word
    assert i18n.t("plain.banner", lang) in page


def test_plain_summary_reads_at_a_plain_language_level(project_root, monkeypatch):
    """Readability per language with textstat: Flesch reading ease (English), Kandel-Moles
    (French) and Fernandez-Huerta (Spanish) at 70 or more read as 'fairly easy' or easier
    (the bands of Flesch 1948, which the other two adapt); Tagalog has no syllable model in
    textstat, so its sentences are held to the same length (at most 15 words on average)."""
    import html as html_lib

    textstat = pytest.importorskip("textstat")
    _plain_frames(monkeypatch)
    params = report.load_report("bc", project_root).params
    scores = {}
    for lang in ("en", "fr", "es", "tl"):
        main = re.search(r"<main[^>]*>(.*)</main>",
                         plain.render_page(params, lang, project_root, False), re.S).group(1)
        text = html_lib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"</(h1|h2|li)>", ". ", main)))
        text = re.sub(r"\s+", " ", text).replace(":.", ".")
        textstat.set_lang("en" if lang == "tl" else lang)
        words = textstat.lexicon_count(text) / textstat.sentence_count(text)
        score = (textstat.fernandez_huerta(text) if lang == "es"
                 else textstat.flesch_reading_ease(text) if lang != "tl" else None)
        scores[lang] = (round(words, 1), score and round(score))
    for lang, (words, score) in scores.items():
        assert words <= 15, scores
        assert score is None or score >= 70, scores


def test_a_summary_language_must_be_one_the_catalogue_has(project_root):
    from pydantic import ValidationError

    params = report.load_report("bc", project_root).params
    with pytest.raises(ValidationError):
        type(params).model_validate({**params.model_dump(), "summary_languages": ["de"]})
    assert params.model_copy(update={"summary_languages": None}).plain_languages == ["en", "fr"]


def test_without_a_pdf_renderer_the_run_says_so_in_one_line_and_writes_the_rest(
        project_root, monkeypatch):
    _plain_frames(monkeypatch)

    def cannot(html, pdf):
        raise OSError("no renderer here")

    monkeypatch.setattr(publish, "RENDERERS", (cannot, cannot))
    folder = project_root / "staged"
    folder.mkdir()
    (folder / "assessment.html").write_text("<html></html>")
    rep = report.load_report("bc", project_root)
    notes = publish.write(folder, rep.where, rep.params, project_root)
    assert notes == [publish.NO_RENDERER] and "\n" not in notes[0]
    assert sorted(p.name for p in folder.iterdir()) == [
        "assessment.html", "summary.en.html", "summary.es.html", "summary.fr.html",
        "summary.tl.html"]


def test_weasyprint_prints_the_same_bytes_twice(tmp_path):
    pytest.importorskip("weasyprint")
    page = html.page('<section id="a"><h2>A</h2><p>1</p></section>', "en", "T", True)
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    try:
        publish.weasyprint_pdf(tmp_path / "p.html", tmp_path / "one.pdf")
    except OSError:
        pytest.skip("WeasyPrint cannot load Pango here")
    publish.weasyprint_pdf(tmp_path / "p.html", tmp_path / "two.pdf")
    assert (tmp_path / "one.pdf").read_bytes() == (tmp_path / "two.pdf").read_bytes()


def _text(page: str) -> str:
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.integration
@pytest.mark.parametrize("name, lang", [("assessment.html", "en"), ("assessment.fr.html", "fr")])
def test_executive_summary_comes_first_and_every_figure_in_it_is_in_the_body(bc_run, name, lang):
    page = (bc_run / "reports/bc" / name).read_text(encoding="utf-8")
    summary = re.search(r'<section id="executive">.*?</section>', page, re.S).group(0)
    assert page.index("</header>") < page.index(summary) < re.search(r'<nav[^>]*class="toc"',
                                                                      page).start()
    assert summary.count('<td class="rating') == 7
    body = _text(page.replace(summary, ""))
    figures = set(re.findall(r"\d+(?:[.,\u00a0\u202f]\d+)*", _text(summary)))
    assert figures
    missing = sorted(f for f in figures if f not in body)
    assert not missing, f"figures of the executive summary not in the body: {missing}"
    # each share with its interval reads exactly as in the question's evidence table
    intervals = re.findall(r"\d+[\u00a0 ]?% \(\d+[\u00a0 ]?%-\d+[\u00a0 ]?%\)", _text(summary))
    assert intervals and all(i in body for i in intervals), intervals


@pytest.mark.integration
@pytest.mark.parametrize("name, lang", [("assessment.html", "en"), ("assessment.fr.html", "fr")])
def test_sections_follow_the_published_report_in_order_and_name(bc_run, name, lang):
    page = (bc_run / "reports/bc" / name).read_text(encoding="utf-8")
    import html as html_lib

    headings = {k: html_lib.unescape(v) for k, v in
                re.findall(r'<section id="([a-z_0-9-]+)"[^>]*><h2>([^<]*)</h2>', page)}
    ids = list(headings)
    assert ids[:7] == ["executive", "introduction", "overview", "outcomes", "sub_objectives",
                       "swot", "considerations"]
    assert [headings[i] for i in ids[:7]] == PUBLISHED[lang]
    assert ids[7:] == [f"annex-{n}" for n in range(1, 8)]
    annex_names = [headings[f"annex-{n}"] for n in (1, 2, 3)]
    assert annex_names == [i18n.t(f"annex.{n}.heading", lang) for n in (1, 2, 3)]
    # the delivery questions sit under sub-objectives, the outcome questions under outcomes
    outcomes = page[page.index('<section id="outcomes"'):page.index('<section id="sub_objectives"')]
    subs = page[page.index('<section id="sub_objectives"'):page.index('<section id="swot"')]
    assert 'id="finding-information"' in outcomes and 'id="finding-information"' not in subs
    assert 'id="finding-funding_program_delivery"' in subs
    assert "Recipient A" in page[page.index('id="annex-1"'):page.index('id="annex-2"')]


def _words(text: str) -> str:
    """``text`` (HTML or a PDF page's) as its words, one space apart."""
    import html as html_lib

    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.mark.integration
def test_pdfs_have_page_numbers_the_banner_on_every_page_and_a_bookmark_per_section(bc_run):
    pypdf = pytest.importorskip("pypdf")
    folder = bc_run / "reports/bc"
    if not (folder / "assessment.pdf").exists():
        pytest.skip("no PDF renderer on this machine")
    for name, lang in (("assessment.pdf", "en"), ("assessment.fr.pdf", "fr")):
        pdf = pypdf.PdfReader(folder / name)
        pages = len(pdf.pages)
        banner = i18n.t("banner.synthetic", lang)
        for number, page in enumerate(pdf.pages, 1):
            text = re.sub(r"\s+", " ", page.extract_text())
            assert banner in text and f"{number} / {pages}" in text, (name, number)
        sections = [o.title for o in pdf.outline[1] if not isinstance(o, list)]
        assert sections[:1] + sections[2:9] == [i18n.t("section.summary", lang)] + [
            h for h in PUBLISHED[lang][1:]] + [i18n.t("annex.1.heading", lang)]
        # no heading or table caption is left at the foot of a page, away from what it heads
        # (once, a whole page held "Going forward" alone, and others a table's caption alone)
        html_page = (folder / publish.page_name(lang)).read_text(encoding="utf-8")
        titles = {_words(t) for t in re.findall(r"<(?:h[2-4]|caption)\b[^>]*>(.*?)</(?:h[2-4]"
                                                 r"|caption)>", html_page, re.S)}
        for number, page in enumerate(pdf.pages, 1):
            text = _words(page.extract_text().replace(banner, "")
                          .replace(f"{number} / {pages}", ""))
            assert not any(text.endswith(title) for title in titles if title), (name, number,
                                                                                  text[-80:])
    for lang in ("en", "fr", "es", "tl"):
        assert len(pypdf.PdfReader(folder / f"summary.{lang}.pdf").pages) == 1, lang


def test_banner_text_links_and_chart_colours_meet_wcag_aa_contrast():
    """WCAG 2.1: text 4.5:1 (1.4.3), graphical objects 3:1 (1.4.11), as coloraide computes
    the WCAG 2.1 contrast ratio."""
    coloraide = pytest.importorskip("coloraide")
    css = dict(re.findall(r"--([a-z]+):(#[0-9a-fA-F]{3,6})", html.CSS))

    def ratio(a, b):
        return coloraide.Color(a).contrast(b, method="wcag21")

    assert ratio("#ffffff", css["banner"]) >= 4.5          # banner: white on red
    assert ratio(css["banner"], "#ffffff") >= 4.5          # printed banner: red on white
    for name in ("ink", "muted", "accent"):               # body text, notes, links and headings
        assert ratio(css[name], "#ffffff") >= 4.5, name
    for colour in plots.PALETTE:
        assert ratio(colour, "#ffffff") >= 3, colour


def test_spending_chart_data_gives_each_report_and_the_cumulative_total():
    from mwsn.report import chart_data

    frame = chart_data.spending_by_quarter(_funding())
    # by hand from _funding(): 100,000 then 150,000, so 100,000 and 250,000 to date
    assert frame["date"].tolist() == ["2018-06-30", "2018-09-30"]
    assert frame["Recipient A"].tolist() == [100_000, 150_000]
    assert frame["cumulative"].tolist() == [100_000, 250_000]


def test_logic_model_has_a_data_table_naming_what_each_element_leads_to(assessment):
    from mwsn.report import chart_data

    model = {"inputs": [{"id": "funding", "label": {"en": "Funding", "fr": "Financement"},
                         "leads_to": ["meetings"]}],
             "activities": [{"id": "meetings", "label": {"en": "Meetings", "fr": "Réunions"}}]}
    out = chart_data.logic_model_table(assessment, model)
    assert '<th scope="row">Funding</th><td>Inputs</td><td>Meetings</td>' in out


# -- the methods appendix, in each language -----------------------------------------------

def _methods_report(tmp_path, lang: str) -> report.Report:
    """A report in ``lang`` over a copy of the shipped params and methods pages."""
    root = tmp_path / "project"
    shutil.copytree(SHIPPED / "params", root / "params")
    (root / "docs").mkdir()
    for page in sorted((PROJECT / "docs").glob("methods*.md")):
        shutil.copy2(page, root / "docs" / page.name)
    return report.Report(params=config.load("bc", root), where=config.paths("bc", root),
                         codebook=None, lang=lang)


def _outline(text: str) -> dict:
    """What must stay the same between the methods pages of two languages: the headings
    (level by level, in order), list items, tables, paragraphs and code spans (identifiers,
    file names, formulas and R calls are not translated)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    inline = [child for tok in tokens if tok.type == "inline" for child in tok.children or []]
    return {"headings": [tok.tag for tok in tokens if tok.type == "heading_open"],
            "list_items": sum(tok.type == "list_item_open" for tok in tokens),
            "ordered_lists": sum(tok.type == "ordered_list_open" for tok in tokens),
            "tables": sum(tok.type == "table_open" for tok in tokens),
            "paragraphs": sum(tok.type == "paragraph_open" for tok in tokens),
            "code": sorted(child.content for child in inline if child.type == "code_inline")}


def test_the_french_annex_shows_the_french_methods_page(tmp_path):
    fr = _methods_report(tmp_path, "fr")
    assert annex.methods_file(fr) == fr.where.root / "docs" / "methods.fr.md"
    out = annex._methods(fr)
    assert '<div class="methods">' in out and 'lang="en"' not in out
    assert i18n.t("annex.methods_english_only", "fr") not in out
    assert "<h4>Conventions qui s'appliquent partout</h4>" in out
    assert "Conventions that apply everywhere" not in out
    # the document's own title stands under the annex's heading, in each language
    assert "Annexe méthodologique :" not in out and "<h3>" not in out.split("</h3>", 1)[1]
    en = _methods_report(tmp_path / "en", "en")
    assert annex.methods_file(en).name == "methods.md"
    assert "<h4>Conventions that apply everywhere</h4>" in annex._methods(en)


def test_the_methods_pages_of_both_languages_have_the_same_structure():
    en = (PROJECT / "docs" / "methods.md").read_text(encoding="utf-8")
    fr = (PROJECT / "docs" / "methods.fr.md").read_text(encoding="utf-8")
    outline_en, outline_fr = _outline(en), _outline(fr)
    for part in outline_en:
        assert outline_fr[part] == outline_en[part], part


def _numbers(text: str) -> list[str]:
    """Every number of a methods page outside code spans, written the English way (a
    decimal comma as a point, no thousands space)."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"(\d)[ \u00a0\u202f](\d{3})\b", r"\1\2", text)
    return sorted(re.sub(r"(\d),(\d)", r"\1.\2", n)
                  for n in re.findall(r"\d+(?:[.,]\d+)*(?:e-\d+)?", text))


def test_the_french_methods_page_keeps_every_number():
    en = (PROJECT / "docs" / "methods.md").read_text(encoding="utf-8")
    fr = (PROJECT / "docs" / "methods.fr.md").read_text(encoding="utf-8")
    assert _numbers(fr) == _numbers(en)
