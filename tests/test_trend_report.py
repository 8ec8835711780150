"""The performance measurement section and the management response across waves, EN/FR.

Trend tables are made by hand here (values chosen so the expected status is plain), run
through :func:`mwsn.trends.trend` with the shipped register's targets.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from mwsn import config, findings, ingest, privacy, register, response, trends
from mwsn import trend_disclosure as td
from mwsn.errors import InputError
from mwsn.report import load_report, performance
from conftest import SHIPPED, dump_yaml, load_yaml

WAVES = [{"id": "pilot", "period": {"start": "2018-03", "end": "2020-03"}},
         {"id": "r2", "period": {"start": "2024-04", "end": "2025-03"}}]
ACTIONS = [
    {"consideration": "share_back", "response": "agree",
     "action": {"en": "Publish a summary of each meeting.",
                "fr": "Publier un résumé de chaque réunion."},
     "responsible": {"en": "Network coordinator", "fr": "Coordonnateur du Réseau"},
     "due": "2024-06", "progress": {"pilot": "not_started", "r2": "done"}},
    {"consideration": "extend_network", "response": "agree",
     "action": {"en": "Continue funding.", "fr": "Poursuivre le financement."},
     "responsible": {"en": "Director General", "fr": "Directeur général"},
     "due": "2020-01", "progress": {"pilot": "in_progress"}},
]


@pytest.fixture
def root(tmp_path):
    shutil.copytree(SHIPPED / "params", tmp_path / "params")
    path = tmp_path / "params" / "bc.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"))
    data["waves"] = WAVES
    data["management_response"] = ACTIONS
    path.write_text(dump_yaml(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path


def _values(rows: list[tuple]) -> pd.DataFrame:
    """``(wave, order, period_end, indicator, estimate, ci_low, ci_high, n, withheld)``."""
    frame = pd.DataFrame(rows, columns=["wave", "wave_order", "period_end", "indicator_id",
                                        "estimate", "ci_low", "ci_high", "n", "withheld"])
    return frame.assign(kind="survey_agreement", subject="", group="", unit="share",
                        status="measured", count=np.nan, count_cell="", n_cell="")


def _write_trend(root, values: pd.DataFrame) -> pd.DataFrame:
    matrix = findings.load_matrix(root)
    plan = trends.plan(register.load_register(root, matrix), matrix)
    plan = trends.Plan([i for i in plan.ids if i in set(values["indicator_id"])],
                       plan.targets, plan.directions, plan.baselines)
    trend = trends.trend(values, plan.targets, plan.directions, plan.baselines)
    changes = pd.DataFrame(columns=trends.CHANGE_TREND_COLUMNS)
    ingest.write_processed({"trend": trend, "trend_changes": changes},
                           config.paths("bc", root, "r2").processed)
    return trend


def test_target_status_in_the_indicators_direction():
    # met when reached; not met once the target month is past; not yet met before it
    assert trends.target_status(0.80, 0.75, "2024-03", "2020-03") == "met"
    assert trends.target_status(0.60, 0.75, "2024-03", "2025-03") == "not_met"
    assert trends.target_status(0.60, 0.75, "2024-03", "2024-03") == "not_met"
    assert trends.target_status(0.60, 0.75, "2024-03", "2023-12") == "not_yet_met"
    assert trends.target_status(0.10, 0.20, "2024-03", "2025-03", "lower") == "met"
    assert trends.target_status(np.nan, 0.75, "2024-03", "2025-03") == "no_data"


@pytest.mark.parametrize("lang, met, missed, none", [
    ("en", "Target met", "Target not met by its date", "No data (not collected or not shown)"),
    ("fr", "Cible atteinte", "Cible non atteinte à la date prévue",
     "Aucune donnée (non recueillie ou non présentée)")])
def test_a_target_met_and_a_target_missed_read_right(root, lang, met, missed, none):
    # collaboration_agree: target 70% by 2024-03, 80% in r2 (2025-03): met.
    # workers_know_rights: target 75% by 2024-03, 60% in r2 (2025-03): missed.
    # others_informed: hidden in r2 by its round's pass: no data, and no figure of it.
    trend = _write_trend(root, _values([
        ("pilot", 0, "2020-03", "collaboration_agree", 0.5, 0.3, 0.7, 24, ""),
        ("r2", 1, "2025-03", "collaboration_agree", 0.8, 0.6, 0.9, 30, ""),
        ("pilot", 0, "2020-03", "workers_know_rights", 0.55, 0.35, 0.72, 20, ""),
        ("r2", 1, "2025-03", "workers_know_rights", 0.6, 0.41, 0.76, 25, ""),
        ("pilot", 0, "2020-03", "others_informed", 0.7, 0.5, 0.85, 24, ""),
        ("r2", 1, "2025-03", "others_informed", np.nan, np.nan, np.nan, 26,
         "class_complement")]))
    latest = trend[trend["wave"] == "r2"].set_index("indicator_id")["target_status"]
    assert latest.to_dict() == {"collaboration_agree": "met", "workers_know_rights": "not_met",
                                "others_informed": "no_data"}
    html = performance.render(load_report("bc", root, lang, "r2"))
    summary = html[html.index("<table>"):html.index("</table>")]
    rows = {r.split("</th>")[0].rsplit(">", 1)[1]: r for r in summary.split("<tr>")[2:]}
    matrix = findings.load_matrix(root)
    label = {i.id: i.label(lang) for q in matrix.questions for i in q.indicators}
    esc = lambda text: text.replace("'", "&#x27;")  # noqa: E731
    assert met in rows[esc(label["collaboration_agree"])]
    assert missed in rows[esc(label["workers_know_rights"])]
    assert none in rows[esc(label["others_informed"])]
    assert ("80%" if lang == "en" else "80\xa0%") in rows[esc(label["collaboration_agree"])]
    assert ("70% by 2024-03" if lang == "en" else "70\xa0% d&#x27;ici 2024-03") in summary


def test_an_action_is_tracked_wave_by_wave(root):
    params = config.load("bc", root)
    rounds = [("pilot", "2020-03"), ("r2", "2025-03")]
    past = response.history(params.management_response, rounds).set_index(
        ["consideration", "wave"])["tracking"]
    assert past[("share_back", "pilot")] == "not_started"      # due 2024-06, not yet due
    assert past[("share_back", "r2")] == "done"
    assert past[("extend_network", "pilot")] == "late"         # due 2020-01, in progress
    assert past[("extend_network", "r2")] == "late"            # still in progress (last known)
    # each wave's report shows the status as of that wave
    got = response.progress(params.management_response, "2020-03", "pilot", ["pilot", "r2"])
    assert got.set_index("consideration").loc["share_back", "status"] == "not_started"


@pytest.mark.parametrize("lang, done, late", [("en", "Done", "Late"),
                                               ("fr", "Terminée", "En retard")])
def test_the_action_history_is_with_the_management_response(root, lang, done, late):
    from mwsn.report import response as response_section

    html = response_section.render(load_report("bc", root, lang, "r2"))
    part = html[html.index('id="actions-history"'):]
    part = part[:part.index("</table>")]
    assert done in part and late in part and "pilot (2018-03" in part


def test_progress_for_an_unknown_wave_is_refused(root):
    path = root / "params" / "bc.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("r2: done", "r9: done"),
                    encoding="utf-8")
    with pytest.raises(InputError, match="progress names wave.*'r9'"):
        config.load("bc", root)


def test_a_report_without_the_trend_step_says_so(root):
    html = performance.render(load_report("bc", root, "en", "r2"))
    assert "the trend step (07_trends) has not run" in html


def test_trend_charts_name_only_the_values_shown():
    from mwsn import plots

    over = pd.DataFrame({"round": ["pilot", "r2", "r3"], "estimate": [0.5, np.nan, 0.625],
                         "ci_low": [0.3, np.nan, 0.45], "ci_high": [0.7, np.nan, 0.78]})
    fig = plots.indicator_over_waves(over, "en", title="Know their rights", target=0.75,
                                     target_by="2024-03")
    assert fig.alt == ("Know their rights across data rounds: pilot: 50%; r3: 62%. Target: 75% "
                       "by 2024-03. Not shown or not collected in: r2.")
    across = pd.DataFrame({"jurisdiction": ["A", "A", "B"], "round": ["w1", "w2", "w1"],
                           "period_end": ["2020-03", "2022-03", "2021-03"],
                           "estimate": [0.5, np.nan, 0.8]})
    fig = plots.indicator_across_jurisdictions(across, "fr", title="Droits")
    assert fig.alt == ("Droits : par administration et par collecte de données, "
                       "A : w1 50\xa0%; B : w1 80\xa0%.")


def test_split_tests_give_r_published_values():
    # R: mcnemar.test(Performance) (Agresti 1990 p.350): 794 approve twice, 150 approve then
    # not, 86 the reverse, 570 neither: McNemar's chi-squared = 16.818, p-value = 4.115e-05.
    # R: fisher.test(TeaTasting) (Agresti 2002 p.91) [[3, 1], [1, 3]]: p-value = 0.4857.
    # Source: ../shared/reference/stat_refs.json (wch/r-source stats-Ex.Rout.save).
    split = {"pairs": 1600, "pairs_agree_earlier": 944, "pairs_agree_later": 880,
             "agree_to_not": 150, "not_to_agree": 86, "only_earlier": 4,
             "only_earlier_agree": 3, "only_later": 4, "only_later_agree": 1}
    got = {t["design"]: t for t in trends.split_tests(split)}
    assert got["matched"]["test"] == "mcnemar"
    assert got["matched"]["statistic"] == pytest.approx(16.818, abs=5e-4)
    assert got["matched"]["p_value"] == pytest.approx(4.115e-05, abs=5e-09)
    assert got["independent"]["p_value"] == pytest.approx(0.4857, abs=5e-5)


def test_a_hidden_base_cannot_be_rebuilt_from_pairs_and_newcomers():
    # wave 1: 4 people answered (hidden, fewer than 5); wave 2: 30 (shown). 3 answered again,
    # 1 only in wave 1. Showing 'pairs = 3' or 'only wave 1 = 1' would tell; showing a total
    # pairs + newcomers would give wave 2's n, which is shown: fine. The pass must hide
    # enough that wave 1's 4 has no single value.
    ledger = privacy.Ledger(5)
    n1, a1 = ("w1|survey:x", "all", "n"), ("w1|survey:x", "all", "agree")
    n2, a2 = ("w2|survey:x", "all", "n"), ("w2|survey:x", "all", "agree")
    ledger.cell(n1, 4), ledger.cell(a1, 2), ledger.share(a1, n1)
    ledger.cell(n2, 30), ledger.cell(a2, 20), ledger.share(a2, n2)
    ledger.keep(n2), ledger.keep(a2)
    split = {"pairs": 3, "pairs_agree_earlier": 2, "pairs_agree_later": 2, "agree_to_not": 0,
             "not_to_agree": 0, "only_earlier": 1, "only_earlier_agree": 0, "only_later": 27,
             "only_later_agree": 18}
    td.add_change(ledger, "change|x|w1|w2", split, (a1, n1), (a2, n2))
    td.hide_the_obvious(ledger)
    ledger.protect()
    low, high = ledger.intervals([n1])[n1]
    assert high - low >= 1                                  # 4 is not pinned down
    assert ledger.hidden(("change|x|w1|w2", "pairs", "n"))  # 3 < 5
    # 27 newcomers = 30 - pairs: showing it would give pairs (3) back
    assert ledger.hidden(("change|x|w1|w2", "only_later", "n"))


@pytest.mark.parametrize("lang, change, shown, hidden", [
    ("en", "+30.0 points", "McNemar, p = &lt; 0.001",
     "not shown (it would give back a count below 5)"),
    ("fr", "+30,0 points", "McNemar, p = &lt; 0,001",
     "non présenté (il révélerait un nombre inférieur à 5)")])
def test_changes_read_with_their_tests_or_why_not(root, lang, change, shown, hidden):
    _write_trend(root, _values([
        ("pilot", 0, "2020-03", "collaboration_agree", 0.5, 0.3, 0.7, 24, ""),
        ("r2", 1, "2025-03", "collaboration_agree", 0.8, 0.6, 0.9, 30, "")]))
    changes = pd.DataFrame([
        {"indicator_id": "collaboration_agree", "wave_from": "pilot", "wave_to": "r2",
         "span": "consecutive", "design": "all", "n_from": 24, "n_to": 30, "share_from": 0.5,
         "share_to": 0.8, "change": 0.3, "discordant": np.nan, "test": "", "statistic": np.nan,
         "p_value": np.nan, "withheld": "", "note": ""},
        {"indicator_id": "collaboration_agree", "wave_from": "pilot", "wave_to": "r2",
         "span": "consecutive", "design": "matched", "n_from": 20, "n_to": 20,
         "share_from": 0.5, "share_to": 0.8, "change": 0.3, "discordant": 10,
         "test": "mcnemar", "statistic": 16.8, "p_value": 4e-5, "withheld": "", "note": ""},
        {"indicator_id": "collaboration_agree", "wave_from": "pilot", "wave_to": "r2",
         "span": "consecutive", "design": "independent", "n_from": np.nan, "n_to": 10,
         "share_from": np.nan, "share_to": np.nan, "change": np.nan, "discordant": np.nan,
         "test": "fisher_exact", "statistic": np.nan, "p_value": np.nan,
         "withheld": "small_count", "note": ""}])
    ingest.write_processed({"trend_changes": changes}, config.paths("bc", root, "r2").processed)
    html = performance.render(load_report("bc", root, lang, "r2"))
    assert change in html and shown in html and hidden in html


def test_a_service_figure_its_wave_hides_stays_hidden_in_the_trend(tmp_path):
    # 100 workers served, 3 of them came back: 3 people is a count below 5
    # so the wave's pass hides it, and so does the trend
    indicators = pd.DataFrame({
        "metric": ["services_delivered", "workers_served", "repeat_use"],
        "count": [240, 100, 3], "base": [np.nan, np.nan, 100],
        "base_unit": [None, None, "workers_served"], "share": [np.nan, np.nan, 0.03],
        "status": ["measured"] * 3})
    folder = tmp_path / "processed"
    ledger = privacy.protect_report({"service_indicators": indicators}, 5)
    ingest.write_processed({"service_indicators": indicators,
                            privacy.PROCESSED: ledger.frame()}, folder)
    values = trends.values_by_round([trends.Round(None, "2020-03", folder)],
                                    ["workers_served", "repeat_use"], 5).set_index(
        "indicator_id")
    assert values.loc["workers_served", "estimate"] == 100
    assert pd.isna(values.loc["repeat_use", "estimate"])
    assert values.loc["repeat_use", "withheld"] == "small_count"
    absent = indicators.assign(status="not_collected", count=np.nan)
    ingest.write_processed({"service_indicators": absent}, folder)
    values = trends.values_by_round([trends.Round(None, "2020-03", folder)],
                                    ["workers_served"], 5)
    assert values.iloc[0]["status"] == "not_collected"


def _services(rows: list[tuple]) -> pd.DataFrame:
    """Service-records values: ``(wave, order, period_end, metric, status, estimate, n)``."""
    frame = pd.DataFrame(rows, columns=["wave", "wave_order", "period_end", "indicator_id",
                                        "status", "estimate", "n"])
    return frame.assign(kind="service_metric", subject=frame["indicator_id"], group="",
                        unit="count", ci_low=np.nan, ci_high=np.nan, count=frame["estimate"],
                        withheld="", count_cell="", n_cell="")


def _ran(root) -> None:
    """What the comparison looks for to list a jurisdiction: r2's participants."""
    ingest.write_processed({"participants": pd.DataFrame(
        {"participant": ["p1"], "stakeholder_group": ["employer"],
         "line_of_evidence": ["survey"]})}, config.paths("bc", root, "r2").processed)


@pytest.mark.parametrize("lang, sentence", [
    ("en", "No indicator register is defined (params/indicators.yaml), so nothing is "
           "followed across data rounds."),
    ("fr", "Aucun répertoire des indicateurs n&#x27;est défini (params/indicators.yaml)")])
def test_without_a_register_the_report_and_comparison_say_so(root, lang, sentence):
    from mwsn.report import compare

    (root / "params" / "indicators.yaml").unlink()
    # the trend step's calls with an empty register: empty tables, no error
    matrix = findings.load_matrix(root)
    plan = trends.plan(register.load_register(root, matrix), matrix)
    assert plan.ids == []
    values = trends.values_by_round([], plan.ids, 5)
    trend = trends.trend(values, plan.targets, plan.directions, plan.baselines)
    changes = trends.trend_changes(values, plan.pairs([], values), {}, privacy.Ledger(5), [])
    assert trend.empty and changes.empty
    ingest.write_processed({"trend": trend, "trend_changes": changes},
                           config.paths("bc", root, "r2").processed)
    html = performance.render(load_report("bc", root, lang, "r2"))
    assert sentence in html and "<table>" not in html
    _ran(root)
    page = compare.load_comparison(root, lang).section("trends")
    assert sentence in page


def test_a_jurisdictions_own_target_replaces_the_registers(root):
    path = root / "params" / "bc.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"))
    data["targets"] = {"collaboration_agree": {"value": 0.9, "by": "2026-03"}}
    path.write_text(dump_yaml(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    params = config.load("bc", root)
    assert params.targets["collaboration_agree"].value == 0.9
    matrix = findings.load_matrix(root)
    plan = trends.plan(register.load_register(root, matrix), matrix, params.targets)
    assert (plan.targets["collaboration_agree"].value, plan.targets["collaboration_agree"].by) \
        == (0.9, "2026-03")
    assert plan.targets["workers_know_rights"].value == 0.75     # the register's
    got = trends.trend(_values([("r2", 1, "2025-03", "collaboration_agree", 0.8, 0.6, 0.9, 30,
                                 "")]), plan.targets, plan.directions, plan.baselines)
    assert got.iloc[0]["target_status"] == "not_yet_met"         # 80% < 90%, 2026 ahead


def test_a_jurisdictions_targets_are_checked_at_their_lines(root):
    path = root / "params" / "bc.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "targets:\n  no_such_indicator: {value: 3, by: 2026-03}\n"
                    "  collaboration_agree: {value: 75, by: 2026-03}\n"
                    "  workers_served: {value: 6000, by: March 2026}\n", encoding="utf-8")
    first = len(text.splitlines()) + 2
    with pytest.raises(InputError) as err:
        config.load("bc", root)
    message = str(err.value)
    assert f"bc.yaml:{first}" in message and "'no_such_indicator' is not an indicator" in message
    assert f"bc.yaml:{first + 1}" in message and "between 0 and 1" in message
    assert f"bc.yaml:{first + 2}" in message and "YYYY-MM" in message


def test_progress_for_an_unknown_wave_is_reported_with_the_other_problems_at_its_line(root):
    path = root / "params" / "bc.yaml"
    text = path.read_text(encoding="utf-8").replace("r2: done", "r2025: done")
    text = text.replace("min_cell: 5", "min_cell: five") if "min_cell: 5" in text \
        else text + "min_cell: five\n"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "r2025: done" in t)
    with pytest.raises(InputError) as err:
        config.load("bc", root)
    message = str(err.value)
    assert "min_cell" in message                                  # the other problem
    assert f"bc.yaml:{line}" in message and "progress names wave 'r2025'" in message


def test_the_baseline_first_is_the_first_round_that_collected_it(root):
    # no service records in the pilot: workers_served's baseline is r2, not the pilot
    values = _services([("pilot", 0, "2020-03", "workers_served", "not_collected", np.nan,
                         np.nan),
                        ("r2", 1, "2025-03", "workers_served", "measured", 5200.0, np.nan)])
    assert trends.first_collected(values) == {"workers_served": 1}
    trend = _write_trend(root, values)
    assert trend["is_baseline"].tolist() == [False, True]
    assert [p[:2] for p in trends.pairs_to_compare(
        [trends.Round(w, e, root) for w, e in [("pilot", "2020-03"), ("r2", "2025-03"),
                                               ("r3", "2026-03")]], "first", 1)] \
        == [(0, 1), (1, 2)]                                       # r2 → r3 is consecutive
    for lang, said, not_said in [("en", "Baseline: 5,200 in r2 (2024-04 to 2025-03)",
                                  "value not shown"),
                                 ("fr", "Valeur de référence : 5\xa0200 à la collecte r2",
                                  "valeur non présentée")]:
        html = performance.render(load_report("bc", root, lang, "r2"))
        assert said in html and not_said not in html


def test_a_named_baseline_round_without_the_data_reads_not_collected(root):
    reg = register.load_register(root)
    entry = reg.entry("workers_served").model_copy(
        update={"baseline": register.Baseline(wave="pilot")})
    rows = trends.trend(_services([("pilot", 0, "2020-03", "workers_served", "not_collected",
                                    np.nan, np.nan)]),
                        {"workers_served": entry.target}, {}, {"workers_served": "pilot"})
    rep = load_report("bc", root, "en", "r2")
    labels = {"pilot": "pilot (2018-03 to 2020-03)"}
    assert performance._baseline(rep, rows, entry, labels, "count") == \
        "round pilot (2018-03 to 2020-03), not collected"


@pytest.mark.parametrize("lang, name, na, records, rounds, latest", [
    ("en", "Workers served", "not applicable", "All service records in each round",
     "This report shows 2 rounds,", "5,200, r2"),
    ("fr", "Travailleurs servis", "sans objet", "Tous les dossiers de services à chaque collecte",
     "Ce rapport présente 2 collectes,", "5\xa0200, r2")])
def test_a_program_manager_reads_short_names_and_plain_cells(root, lang, name, na, records,
                                                            rounds, latest):
    values = pd.concat([
        _services([("pilot", 0, "2020-03", "workers_served", "measured", 4100.0, np.nan),
                   ("r2", 1, "2025-03", "workers_served", "measured", 5200.0, np.nan)]),
        _values([("pilot", 0, "2020-03", "collaboration_agree", 0.5, 0.3, 0.7, 24, ""),
                 ("r2", 1, "2025-03", "collaboration_agree", 0.8, 0.6, 0.9, 30, "")])])
    _write_trend(root, values)
    changes = pd.DataFrame([{
        "indicator_id": "workers_served", "wave_from": "pilot", "wave_to": "r2",
        "span": "consecutive", "design": "all", "n_from": np.nan, "n_to": np.nan,
        "share_from": 4100, "share_to": 5200, "change": 1100, "discordant": np.nan, "test": "",
        "statistic": np.nan, "p_value": np.nan, "withheld": "", "note": ""}])
    ingest.write_processed({"trend_changes": changes}, config.paths("bc", root, "r2").processed)
    html = performance.render(load_report("bc", root, lang, "r2"))
    definition = register.load_register(root).entry("workers_served").definition(lang)
    assert f'<h4 id="trend-workers_served">{name}</h4>' in html
    assert f"{definition}:" not in html and "round(s)" not in html and "collecte(s)" not in html
    block = html[html.index('id="trend-workers_served"'):]
    block = block[:block.index("</table>")]
    assert block.count(na) == 2 and ">x<" not in block            # a count has no base
    assert records in html and rounds in html
    summary = html[html.index("<table>"):html.index("</table>")]
    assert f"<td>{latest}</td>" in summary                        # the round's id only
    assert "2024-04" not in summary.split(name)[1].split("</tr>")[0].split("</td>")[1]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_action_history_follows_the_considerations(root, lang):
    # the considerations section is performance, the considerations, then the response
    from mwsn.report import response as response_section

    _write_trend(root, _values([
        ("pilot", 0, "2020-03", "collaboration_agree", 0.5, 0.3, 0.7, 24, ""),
        ("r2", 1, "2025-03", "collaboration_agree", 0.8, 0.6, 0.9, 30, "")]))
    rep = load_report("bc", root, lang, "r2")
    assert 'id="actions-history"' not in performance.render(rep)
    html = response_section.render(rep)
    assert html.index('id="management-response"') < html.index('id="actions-history"')


@pytest.mark.parametrize("lang, target", [("en", "70% by 2024-03"),
                                          ("fr", "70\xa0% d&#x27;ici 2024-03")])
def test_the_comparison_shows_each_indicators_target(root, lang, target):
    from mwsn.report import compare

    _write_trend(root, _values([
        ("pilot", 0, "2020-03", "collaboration_agree", 0.5, 0.3, 0.7, 24, ""),
        ("r2", 1, "2025-03", "collaboration_agree", 0.8, 0.6, 0.9, 30, "")]))
    _ran(root)
    page = compare.load_comparison(root, lang).section("trends")
    table = page[page.index("<table>"):page.index("</table>")]
    assert table.count(target) == 2                               # beside each round's value
    label = {i.id: i.label(lang) for q in findings.load_matrix(root).questions
             for i in q.indicators}["collaboration_agree"]
    assert label.replace("'", "&#x27;") in table


def test_the_restricted_bundle_carries_the_trends_suppression_audit(root):
    from mwsn.report import restricted

    ledger = privacy.Ledger(5)
    ledger.cell(("survey", "all", "n"), 30), ledger.keep(("survey", "all", "n"))
    trend = privacy.Ledger(5)
    pairs = ("change|collaboration_agree|pilot|r2", "pairs", "n")
    trend.cell(pairs, 3)
    trend.protect()
    folder = config.paths("bc", root, "r2").processed
    ingest.write_processed({privacy.PROCESSED: ledger.frame(),
                            "trend_disclosure": trend.frame()}, folder)
    out = restricted.write_bundle("bc", root)
    audit = pd.read_csv(out / restricted.TREND_AUDIT)
    assert audit[["cell", "value", "rule"]].values.tolist() == [
        ["change|collaboration_agree|pilot|r2/pairs/n", 3, "small_count"]]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert restricted.TREND_AUDIT in html and "change|collaboration_agree|pilot|r2" in html
