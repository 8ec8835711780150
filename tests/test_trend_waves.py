"""The trend step over three waves built from a real BC run, and its disclosure pass.

The waves are the BC run's processed tables (wave ``pilot``) and two later rounds made from
them by hand: every pilot respondent answers again (matched by pseudonym) with some
answers changed, and new people join. Each wave's own tables and disclosure pass are then
computed by the library functions the notebooks call. Expected shares are counted from the
survey tables here, never taken from the trend step's output.
"""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import dump_yaml, load_yaml
from mwsn import clean, config, disclosure, findings, ingest, privacy, stats, trends
from mwsn import trend_disclosure as td
from mwsn.codebook import likert_items, load_codebook

WAVES = {"pilot": ("2018-03", "2020-03"), "r2": ("2022-04", "2023-03"),
         "r3": ("2024-04", "2025-03")}
CLEANED = ("survey", "excerpts", "funding", "meetings", "recommendations")
#: every test here reads a real BC run (papermill), then builds waves from it; the tests
#: share the waves built once (one xdist worker: `make test` runs with --dist loadgroup)
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("trend_waves")]

ITEMS = ("know_rights", "info_support", "collaboration", "reporting_support",
         "abuse_deterrence", "policy_influence")


def drift(survey: pd.DataFrame, wave: int) -> pd.DataFrame:
    """The pilot's answers ``wave`` rounds later: every 4th respondent who agreed with an item
    now disagrees (2), every 3rd who did not now strongly agrees (5); then 20 × wave new
    people (copies of the first respondents under new pseudonyms) who strongly agree."""
    later = survey.copy()
    for item in ITEMS:
        answers = later[item].astype("Float64")
        agreed = answers.isin([4, 5]).fillna(False).to_numpy()
        step = np.arange(len(later))
        flip_down = agreed & (step % 4 == wave % 4)
        flip_up = ~agreed & answers.notna().to_numpy() & (step % 3 == wave % 3)
        later.loc[flip_down, item] = 2
        later.loc[flip_up, item] = 5
    new = survey.head(20 * wave).copy()
    new["participant"] = [f"P-new{wave}-{i:03d}" for i in range(len(new))]
    new["response_id"] = new["participant"]
    for item in ITEMS:
        new.loc[new[item].notna(), item] = 5
    out = pd.concat([later, new], ignore_index=True)
    for item in ITEMS:
        out[item] = out[item].astype(survey[item].dtype)
    return out


def build_wave(source: Path, target: Path, params, codebook, matrix, survey=None) -> None:
    """A wave's processed folder: ``source``'s tables, with ``survey`` (when given) and every
    table computed from it recomputed as notebooks 01, 03 and 06 do."""
    shutil.copytree(source, target)
    if survey is None:
        return
    cleaned = {n: ingest.read_processed(target, n) for n in CLEANED
               if (target / f"{n}.parquet").is_file()}
    cleaned["survey"] = survey
    participants = clean.participants(cleaned)
    protected = disclosure.compute(cleaned, participants, codebook, params, matrix)
    items = likert_items(codebook, "survey", scale="agreement", collected=survey)
    measured = {"survey": survey, "excerpts": cleaned.get("excerpts"),
                "participants": participants,
                "program_metrics": ingest.read_processed(target, "program_metrics")}
    indicators, _ = findings.assess(matrix, measured, codebook, params, robustness=False)
    ingest.write_processed({"survey": survey, "participants": participants,
                            privacy.PROCESSED: protected.frame(),
                            "survey_indicators": stats.agreement(survey, list(items), items,
                                                                 by="stakeholder_group"),
                            "indicator_scores": indicators}, target)


def make_waves_root(run_root: Path, tmp: Path) -> Path:
    """A project root under ``tmp`` whose BC has three waves made from ``run_root``'s run."""
    root = tmp / "waves"
    shutil.copytree(run_root / "params", root / "params")
    (root / "data" / "processed" / "bc").mkdir(parents=True)
    params_file = root / "params" / "bc.yaml"
    data = load_yaml(params_file.read_text(encoding="utf-8"))
    data["waves"] = [{"id": w, "period": {"start": s, "end": e}} for w, (s, e) in WAVES.items()]
    params_file.write_text(dump_yaml(data, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    codebook, matrix = load_codebook(root), findings.load_matrix(root)
    source = run_root / "data" / "processed" / "bc"
    pilot = ingest.read_processed(source, "survey")
    for k, wave in enumerate(WAVES):
        build_wave(source, config.paths("bc", root, wave).processed,
                   config.load("bc", root, wave), codebook, matrix,
                   None if k == 0 else drift(pilot, k))
    return root


@pytest.fixture(scope="module")
def waves_root(bc_run, tmp_path_factory) -> Path:
    return make_waves_root(bc_run, tmp_path_factory.mktemp("trend_waves"))


@functools.lru_cache(maxsize=8)
def run_trend(root: Path, wave: str):
    """The trend step's library calls, as notebooks/07_trends.ipynb makes them."""
    from mwsn import register

    params = config.load("bc", root, wave)
    matrix = findings.load_matrix(root)
    plan = trends.plan(register.load_register(root, matrix), matrix, params.targets)
    rounds = trends.rounds_so_far(params, root, wave)
    values = trends.values_by_round(rounds, plan.ids, params.min_cell)
    pairs = plan.pairs(rounds, values)
    splits = trends.splits_by_round(rounds, values, likert_items(load_codebook(root), "survey"),
                                    pairs)
    names = [r.name for r in rounds]
    ledger = td.trend_pass([r.processed for r in rounds], names, params.min_cell, values,
                           splits, disclosure.score_limits(matrix))
    shown = trends.values_as_shown(values, ledger, names)
    return (trends.trend(shown, plan.targets, plan.directions, plan.baselines),
            trends.trend_changes(shown, pairs, splits, ledger, names), ledger, splits)


def _agree_share(survey: pd.DataFrame, item: str) -> tuple[int, int]:
    answered = survey[item].dropna()
    return int(answered.isin([4, 5]).sum()), len(answered)


def test_each_wave_shows_the_share_counted_from_its_survey(waves_root):
    trend, _, _, _ = run_trend(waves_root, "r3")
    assert list(dict.fromkeys(trend["wave"])) == ["pilot", "r2", "r3"]
    # a statement whose base no wave hides (the others' no-opinion counts are small)
    rows = trend[trend["indicator_id"] == "policy_influence_agree"].set_index("wave")
    for wave in WAVES:
        survey = ingest.read_processed(config.paths("bc", waves_root, wave).processed, "survey")
        agree, n = _agree_share(survey, "policy_influence")
        # counted by hand from the wave's answers; the interval is Wilson's (stats.proportion_ci)
        assert rows.loc[wave, "n"] == n
        if not pd.isna(rows.loc[wave, "estimate"]):
            assert rows.loc[wave, "estimate"] == pytest.approx(agree / n)
            ci = stats.proportion_ci(agree, n).iloc[0]
            assert rows.loc[wave, "ci_low"] == pytest.approx(ci.ci_low)
    assert rows.loc["pilot", "is_baseline"] and not rows.loc["r3", "is_baseline"]


def test_an_earlier_wave_sees_only_the_waves_up_to_it(waves_root):
    trend, changes, _, _ = run_trend(waves_root, "r2")
    assert set(trend["wave"]) == {"pilot", "r2"}
    assert set(changes["span"]) <= {"consecutive"}           # no baseline → latest beyond r2


def test_matched_and_independent_counts_follow_the_pseudonyms(waves_root):
    _, changes, _, splits = run_trend(waves_root, "r2")
    pilot = ingest.read_processed(config.paths("bc", waves_root, "pilot").processed, "survey")
    later = ingest.read_processed(config.paths("bc", waves_root, "r2").processed, "survey")
    split = splits[("collaboration_agree", 0, 1)]
    answered = set(pilot.loc[pilot["collaboration"].notna(), "participant"])
    again = set(later.loc[later["collaboration"].notna(), "participant"])
    assert split["pairs"] == len(answered & again)
    assert split["only_later"] == len(again - answered)     # the newcomers
    assert split["only_earlier"] == 0
    row = changes[(changes["indicator_id"] == "collaboration_agree")
                  & (changes["design"] == "matched")].iloc[0]
    newcomers = changes[(changes["indicator_id"] == "collaboration_agree")
                        & (changes["design"] == "independent")].iloc[0]
    everyone = changes[(changes["indicator_id"] == "collaboration_agree")
                       & (changes["design"] == "all")].iloc[0]
    if 0 < split["only_later"] < 5 and not pd.isna(everyone["n_to"]):
        # r2's base is shown, so showing the pairs would give the few newcomers back
        assert pd.isna(newcomers["n_to"]) and pd.isna(row["n_to"])
        assert row["withheld"] in ("secondary", "small_count", "class_complement",
                                   "class_all_or_none")
    else:
        assert row["n_from"] == split["pairs"]


def test_no_hidden_wave_figure_can_be_worked_out_from_the_trend(waves_root):
    _, changes, ledger, _ = run_trend(waves_root, "r3")
    assert ledger.exposed() == []          # the linear-programming audit over all waves
    # and by hand: a wave's base hidden never has both of its parts (pairs + one wave only) shown
    for r in changes[changes["design"] != "all"].itertuples():
        if r.design == "matched" and not pd.isna(r.discordant):
            assert r.discordant == 0 or r.discordant >= ledger.min_cell
    published = ledger.frame()
    trend_cells = published[published["table"].str.startswith("change|")]
    shown_small = trend_cells[(trend_cells["rule"] == "") & (trend_cells["value"] > 0)
                              & (trend_cells["value"] < ledger.min_cell)
                              & trend_cells["column"].isin(["n", "agree_to_not",
                                                            "not_to_agree", "discordant"])]
    assert shown_small.empty


def test_a_test_is_shown_only_with_every_count_behind_it(waves_root):
    _, changes, _, _ = run_trend(waves_root, "r3")
    tested = changes[changes["design"].isin(["matched", "independent"])]
    shown = tested[tested["p_value"].notna()]
    assert shown["n_from"].notna().all() and shown["n_to"].notna().all()
    assert shown["share_from"].notna().all() and shown["share_to"].notna().all()
    assert (tested.loc[tested["p_value"].isna() & (tested["withheld"] != ""), "statistic"]
            .isna().all())


def test_a_change_is_shown_only_when_both_ends_are(waves_root):
    trend, changes, _, _ = run_trend(waves_root, "r3")
    values = trend.set_index(["indicator_id", "wave"])["estimate"]
    for r in changes[changes["design"] == "all"].itertuples():
        ends = values[(r.indicator_id, r.wave_from)], values[(r.indicator_id, r.wave_to)]
        if any(pd.isna(e) for e in ends):
            assert pd.isna(r.change)
        else:
            assert r.change == pytest.approx(ends[1] - ends[0])


def test_notebook_writes_the_trend_of_the_waves_so_far(waves_root, tmp_path):
    import papermill as pm

    project = Path(__file__).resolve().parents[1]
    pm.execute_notebook(str(project / "notebooks" / "07_trends.ipynb"),
                        str(tmp_path / "07_trends.ipynb"),
                        parameters={"jurisdiction": "bc", "root": str(waves_root),
                                    "wave": "r2"},
                        kernel_name="python3", progress_bar=False)
    folder = config.paths("bc", waves_root, "r2").processed
    trend = ingest.read_processed(folder, "trend")
    changes = ingest.read_processed(folder, "trend_changes")
    assert list(dict.fromkeys(trend["wave"])) == ["pilot", "r2"]
    assert set(changes["design"]) == {"all", "matched", "independent"}
    assert (folder / "trend_disclosure.parquet").is_file()


def test_the_report_of_a_wave_shows_its_rounds_and_hides_what_they_hide(waves_root):
    from mwsn import report

    trend, changes, _, _ = run_trend(waves_root, "r3")
    folder = config.paths("bc", waves_root, "r3").processed
    ingest.write_processed({"trend": trend, "trend_changes": changes}, folder)
    hidden = trend[trend["estimate"].isna() & (trend["withheld"] != "")]
    assert len(hidden)                       # the drifted waves hide some shares
    for lang in ("en", "fr"):
        html = report.load_report("bc", waves_root, lang, "r3").section("considerations")
        assert 'id="performance"' in html and html.index('id="performance"') < html.index("<ol>")
        for wave in WAVES:
            assert f"{wave} (" in html
    # an alt text names only shown values: the hidden wave's value is not in it
    from mwsn import plots
    rows = trend[trend["indicator_id"] == hidden.iloc[0]["indicator_id"]]
    chart = pd.DataFrame({"round": rows["wave"], "estimate": rows["estimate"],
                          "ci_low": rows["ci_low"], "ci_high": rows["ci_high"]})
    fig = plots.indicator_over_waves(chart, "en", title="x", target=0.75, target_by="2024-03")
    assert hidden.iloc[0]["wave"] in fig.alt.split("Not shown or not collected in:")[1]


def test_comparison_reads_the_latest_wave_and_shows_its_rounds(waves_root):
    from mwsn.report import compare

    trend, changes, _, _ = run_trend(waves_root, "r3")
    ingest.write_processed({"trend": trend, "trend_changes": changes},
                           config.paths("bc", waves_root, "r3").processed)
    assert compare.latest_round("bc", waves_root).wave == "r3"
    assert compare.jurisdictions(waves_root) == ["bc"]
    pages = compare.pages(waves_root)
    r3 = ingest.read_processed(config.paths("bc", waves_root, "r3").processed, "participants")
    for name, lang in (("compare.html", "en"), ("compare.fr.html", "fr")):
        html = pages[name]
        trends_part = html[html.index('id="trends"'):]
        for wave in WAVES:
            assert f"{wave} (" in trends_part
        # the participants figure is the latest wave's
        from mwsn import i18n
        assert i18n.number(r3["participant"].nunique(), lang) in html


def test_a_single_round_report_shows_each_indicator_against_its_target(bc_run):
    # the real run (runner, papermill): 07_trends writes one round, 08_report shows it
    folder = config.paths("bc", bc_run).processed
    trend = ingest.read_processed(folder, "trend")
    assert set(trend["wave_order"]) == {0}
    # the only round is the baseline of what it collected; the pilot kept no service
    # records, so a service metric has no baseline yet (never a round without its data)
    collected = trend["status"] == "measured"
    assert trend.loc[collected, "is_baseline"].all() and collected.any()
    assert not trend.loc[~collected, "is_baseline"].any()
    assert ingest.read_processed(folder, "trend_changes").empty
    for name, words in (("assessment.html", "Performance measurement"),
                        ("assessment.fr.html", "Mesure du rendement")):
        html = (bc_run / "reports" / "bc" / name).read_text(encoding="utf-8")
        assert words in html
        assert 'id="performance"' in html


@pytest.mark.xdist_group("waves_run")   # its own build: free to go to the other worker
def test_the_runner_gives_a_later_wave_the_earlier_ones(tmp_path):
    # the real pipeline over two waves of the same exports: everyone answered twice
    from conftest import NO_PDF, make_root
    from mwsn import runner
    from test_waves import _with_waves

    root = _with_waves(make_root(tmp_path))
    w1, w2 = runner.run_many(["bc"], root, jobs=2, options=NO_PDF)
    assert w1.error is None and w2.error is None and "07_trends" in w2.executed
    folder = config.paths("bc", root, "w2").processed
    trend = ingest.read_processed(folder, "trend")
    assert list(dict.fromkeys(trend["wave"])) == ["w1", "w2"]
    changes = ingest.read_processed(folder, "trend_changes").set_index(
        ["indicator_id", "design"])
    # the same answers in both rounds: every respondent matched, none alone, no change
    survey = ingest.read_processed(folder, "survey")
    n = int(survey["collaboration"].notna().sum())
    assert changes.loc[("collaboration_agree", "matched"), "n_from"] == n
    assert changes.loc[("collaboration_agree", "matched"), "discordant"] == 0
    shown = changes.xs("all", level="design")["change"].dropna()   # hidden: no base
    assert len(shown) and (shown == 0).all()
    html = (root / "reports" / "bc" / "w2" / "assessment.fr.html").read_text(encoding="utf-8")
    assert "w1 (2018-03 à 2020-03)" in html and "w2 (2020-04 à 2022-03)" in html
    # the executed notebooks are published for auditors: a table of hidden cells shows which
    # and why, never their values
    for path in sorted((root / "reports" / "bc").rglob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                table = "".join(output.get("data", {}).get("text/html", ""))
                if "<th>rule</th>" in table:
                    assert "<th>value</th>" not in table, path.name


def test_the_trends_audit_keeps_each_rounds_scores_as_bounds():
    # a round's report shows 'not met' (partly from 25%) beside its hidden count of
    # recommendations acted on; the trend repeats the round's base: the audit of the part
    # of the pass a trend figure touches must still read the score, or it would not see
    # that 1 of 7 is given back
    ledger = privacy.Ledger(5)
    count = ledger.cell(("r1|recommendations", "implemented", "count"), 1)
    total = ledger.cell(("r1|recommendations", "total", "count"), 7)
    trend = ledger.cell(("change|acted|r1|r2", "from", "n"), 7)
    ledger.total(trend, [total])
    ledger.bounds.append(([(count, 1.0), (total, -.25)], privacy.STRICT))
    part = td.linked_part(ledger, {trend})
    assert part.bounds == ledger.bounds
    assert part.exposed() == ledger.exposed() == [count]
