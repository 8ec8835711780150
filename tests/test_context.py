"""Context from the TFWP statistics: figures for a jurisdiction, and the needs ranking.

Expected values are published figures (ESDC TFWP annual statistics tables 7 and 13, 2023
edition; IRCC work-permit holders to December 31 2024) or derived from them by hand in the
comments; the needs-ranking cases are worked by hand from the definition in
params/context.yaml (each indicator rescaled 0..1 across the provinces ranked, score = the
weighted average).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import SHIPPED, dump_yaml, load_yaml
from mwsn import config, context, report
from mwsn.errors import InputError

PROJECT = Path(__file__).resolve().parents[1]
BC = "British Columbia"


@pytest.fixture(scope="module")
def settings():
    return context.load_settings(SHIPPED)


@pytest.fixture(scope="module")
def tables(settings):
    return context.read_tables(config.paths("bc", SHIPPED), settings)


def test_positions_by_stream_for_british_columbia(tables):
    streams = context.positions_by_stream(tables["positions_by_stream"], BC)
    agriculture = streams[streams["stream"] == "Primary Agriculture"]
    assert agriculture["positions"].tolist() == [9674, 10800, 16790, 13251, 15753]
    total_2018 = streams[(streams["stream"] == "Total") & (streams["year"] == 2018)]
    assert total_2018["positions"].tolist() == [28739]
    # 16,790 / 28,739
    assert agriculture.loc[agriculture["year"] == 2018, "share"].iloc[0] == pytest.approx(
        0.584223, abs=1e-6)


def test_share_outside_primary_agriculture(tables):
    outside = context.outside_agriculture(tables["positions_by_stream"], BC).set_index("year")
    # 2018: 28,739 - 16,790 = 11,949 outside, 11,949 / 28,739 = 41.58%
    assert outside.loc[2018, "outside_agriculture"] == 11949
    assert outside.loc[2018, "share_outside"] == pytest.approx(0.41578, abs=1e-5)
    # 2019: 32,284 - 13,251 = 19,033
    assert outside.loc[2019, "outside_agriculture"] == 19033


def test_an_unknown_stream_name_is_a_clear_error(tables):
    with pytest.raises(InputError, match="streams.agriculture"):
        context.outside_agriculture(tables["positions_by_stream"], BC, "Agriculture")


def test_an_unknown_province_is_a_clear_error(tables):
    with pytest.raises(InputError, match="province"):
        context.positions_by_stream(tables["positions_by_stream"], "Colombie-Britannique")


def test_leading_occupations(tables):
    top = context.leading_occupations(tables["positions_by_occupation"], BC, n=3)
    # table 7, British Columbia, 2020: 8431 general farm workers 10,799; 8432 nursery and
    # greenhouse workers 3,429; 6322 cooks 1,930
    assert top["code"].tolist() == ["8431", "8432", "6322"]
    assert top["positions"].tolist() == [10799, 3429, 1930]
    assert top["occupation"].iloc[0] == "General farm workers"
    assert top["share"].iloc[0] == pytest.approx(10799 / 30861)


def test_standing_among_provinces(tables):
    standing = context.standing(tables["positions_by_stream"], tables["work_permit_holders"])
    bc = standing.set_index("province").loc[BC]
    # 2020: Ontario 41,496 > Quebec 32,956 > British Columbia 30,861; IRCC 2024:
    # Quebec 72,280 > Ontario 56,545 > British Columbia 50,905
    assert (bc["rank_positions"], bc["rank_holders"]) == (3, 3)
    assert bc["work_permit_holders"] == 50905
    assert bc["share_of_canada"] == pytest.approx(30861 / 125279)
    assert len(standing) == 13


# -- needs assessment --------------------------------------------------------------------------

def _three_provinces() -> pd.DataFrame:
    return pd.DataFrame({
        "province": ["A", "B", "C"], "first_year": 2016, "last_year": 2020, "permit_year": 2024,
        "positions": [1000.0, 1000.0, 1000.0],
        "workforce": [300.0, 200.0, 100.0],        # rescaled 1, 0.5, 0
        "growth": [0.0, 0.5, 1.0],                  # rescaled 0, 0.5, 1
        "low_wage_share": [0.2, 0.2, 0.2],          # all equal: rescaled 0
        "agriculture_share": [0.1, 0.1, 0.3],       # rescaled 0, 0, 1
    })


def _order(ranking: pd.DataFrame) -> list[str]:
    return ranking.loc[ranking["ranked"], "province"].tolist()


def test_changing_a_weight_changes_the_ranking_as_derived_by_hand():
    indicators = _three_provinces()
    # workforce 3, growth 1: A = 3/4*1 + 1/4*0 = .75, B = 3/4*.5 + 1/4*.5 = .5, C = .25
    first = context.needs_ranking(indicators, {"workforce": 3, "growth": 1})
    assert _order(first) == ["A", "B", "C"]
    assert first.set_index("province")["score"].tolist() == pytest.approx([0.75, 0.5, 0.25])
    # workforce 1, growth 3: A = .25, B = .5, C = .75 -> the order reverses
    second = context.needs_ranking(indicators, {"workforce": 1, "growth": 3})
    assert _order(second) == ["C", "B", "A"]
    # workforce 1, growth 1, agriculture 2: A = (1+0+0)/4 = .25, B = (.5+.5+0)/4 = .25,
    # C = (0+1+2)/4 = .75: C first, A and B tied second
    third = context.needs_ranking(indicators, {"workforce": 1, "growth": 1,
                                               "agriculture_share": 2}).set_index("province")
    assert third["rank"].tolist() == [1, 2, 2] and third.index[0] == "C"


def test_provinces_with_a_network_or_few_positions_are_listed_not_ranked():
    indicators = _three_provinces()
    indicators.loc[2, "positions"] = 100.0
    ranking = context.needs_ranking(indicators, {"workforce": 1}, min_positions=500,
                                    networks=["A"]).set_index("province")
    assert ranking.loc["B", "rank"] == 1 and ranking.loc["B", "ranked"]
    assert ranking.loc["A", "reason"] == "network_in_place"
    assert ranking.loc["C", "reason"] == "few_positions"
    assert pd.isna(ranking.loc["A", "rank"]) and pd.isna(ranking.loc["C", "score"])


def test_needs_ranking_on_the_published_figures(tables, settings):
    indicators = context.needs_indicators(tables["positions_by_stream"],
                                          tables["work_permit_holders"])
    rank = lambda weights: _order(context.needs_ranking(  # noqa: E731
        indicators, weights, settings.needs_assessment.min_positions, [BC]))
    # only the workforce: IRCC 2024, Quebec 72,280 > Ontario 56,545 > Alberta 36,530
    assert rank({"workforce": 1})[:3] == ["Quebec", "Ontario", "Alberta"]
    # only agriculture: 2020 shares, Nova Scotia 2,352/3,259 = 72.2% > Ontario
    # 28,444/41,496 = 68.5%
    assert rank({"agriculture_share": 1})[:2] == ["Nova Scotia", "Ontario"]
    # only growth 2016-2020: New Brunswick 2,886/1,471 - 1 = 96.2% > Prince Edward Island
    # 1,724/946 - 1 = 82.2%
    assert rank({"growth": 1})[:2] == ["New Brunswick", "Prince Edward Island"]
    # territories (fewer than 500 positions in 2020) and British Columbia are not ranked
    assert len(rank({"workforce": 1})) == 9 and BC not in rank({"workforce": 1})


def test_default_weights_score_quebec_first_as_worked_by_hand(tables, settings):
    indicators = context.needs_indicators(tables["positions_by_stream"],
                                          tables["work_permit_holders"])
    ranking = context.needs_ranking(indicators, context.weights(settings),
                                    settings.needs_assessment.min_positions, [BC])
    scores = ranking.set_index("province")["score"]
    # Quebec: workforce (72,280 - 1,230) / (72,280 - 1,230) = 1; growth (.6226 + .4675) /
    # (.9619 + .4675) = .7626; low wage (.1889 - .0970) / (.7859 - .0970) = .1333;
    # agriculture (.6111 - .0874) / (.7217 - .0874) = .8256;
    # score .4*1 + .2*(.7626 + .1333 + .8256) = .7443
    assert scores["Quebec"] == pytest.approx(0.7443, abs=5e-4)
    # Ontario: .4*.7785 + .2*(.5816 + .0469 + .9429) = .6257
    assert scores["Ontario"] == pytest.approx(0.6257, abs=5e-4)
    assert ranking["province"].iloc[0] == "Quebec"


def _write_context(root: Path, edit) -> None:
    path = root / "params" / "context.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(dump_yaml(data, allow_unicode=True), encoding="utf-8")


def test_settings_refuse_unknown_indicators_and_all_zero_weights(tmp_path):
    shutil.copytree(SHIPPED / "params", tmp_path / "params")
    _write_context(tmp_path, lambda d: d["needs_assessment"]["weights"].update(
        {"housing": d["needs_assessment"]["weights"]["growth"]}))
    with pytest.raises(InputError, match="housing"):
        context.load_settings(tmp_path)
    _write_context(tmp_path, lambda d: [d["needs_assessment"]["weights"].pop("housing")] + [
        w.update(weight=0) for w in d["needs_assessment"]["weights"].values()])
    with pytest.raises(InputError, match="every needs-assessment weight is 0"):
        context.load_settings(tmp_path)


def test_province_key_defaults_to_the_english_name():
    params = config.load("bc", SHIPPED)
    assert params.tfwp_province == params.name.en


# -- the report section ------------------------------------------------------------------------

@pytest.mark.integration
def test_bc_report_shows_the_published_figures_with_sources(bc_run):
    html = (bc_run / "reports/bc/assessment.html").read_text(encoding="utf-8")
    # the national context is Annex 4 of the published structure
    section = html[html.index('<section id="annex-4"'):html.index('<section id="annex-5"')]
    for figure in ("9,674", "10,800", "16,790", "13,251", "15,753", "28,739", "32,284",
                   "50,905", "10,799"):
        assert figure in section, figure
    assert section.count("Source: Employment and Social Development Canada") >= 4
    assert "Source: Immigration, Refugees and Citizenship Canada" in section
    assert section.count("<table>") == section.count('class="note source"') - 1  # + the chart
    assert html.index('id="overview"') < html.index('id="annex-3"') < html.index('id="annex-4"')
    fr = (bc_run / "reports/bc/assessment.fr.html").read_text(encoding="utf-8")
    assert "9\u00a0674" in fr and "Source : Emploi et Développement social Canada" in fr
    assert "Agriculture primaire" in fr


@pytest.mark.integration
def test_a_jurisdiction_without_a_network_gets_its_rank(tmp_path):
    import papermill

    shutil.copytree(SHIPPED / "params", tmp_path / "params")
    text = (SHIPPED / "params/bc.yaml").read_text(encoding="utf-8")
    text = (text.replace("code: bc", "code: ontario")
            .replace("{en: British Columbia, fr: Colombie-Britannique}", "{en: Ontario, fr: Ontario}")
            .replace("network_in_place: true", "network_in_place: false"))
    (tmp_path / "params/ontario.yaml").write_text(text, encoding="utf-8")
    papermill.execute_notebook(str(PROJECT / "notebooks/00_context.ipynb"),
                               str(tmp_path / "00_context.ipynb"),
                               parameters={"root": str(tmp_path), "lang": "en"},
                               kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    section = report.load_report("ontario", tmp_path, "en").section("context")
    # default weights: Quebec .744 first, Ontario .626 second among the 9 ranked
    assert "Ontario has no Network" in section and "comes 2 of 9" in section
    assert "Not ranked, a Network is already in place: British Columbia." in section
