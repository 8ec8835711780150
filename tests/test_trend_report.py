"""The performance measurement section and the management response across waves, EN/FR.

Trend tables are made by hand here (values chosen so the expected status is plain), run
through :func:`mwsn.trends.trend` with the shipped register's targets.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from mwsn import config, findings, ingest, privacy, register, response, trends
from mwsn import trend_disclosure as td
from mwsn.errors import InputError
from mwsn.report import load_report, performance
from conftest import SHIPPED

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
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["waves"] = WAVES
    data["management_response"] = ACTIONS
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
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
def test_the_action_history_is_in_the_trend_section(root, lang, done, late):
    _write_trend(root, _values([
        ("pilot", 0, "2020-03", "collaboration_agree", 0.5, 0.3, 0.7, 24, ""),
        ("r2", 1, "2025-03", "collaboration_agree", 0.8, 0.6, 0.9, 30, "")]))
    html = performance.render(load_report("bc", root, lang, "r2"))
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
