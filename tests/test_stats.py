"""mwsn.stats against values published elsewhere (R documentation, textbooks, papers).

Every expected value below was printed by someone else; each test names its source.
Tolerances follow the digits published: half a unit in the last printed digit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mwsn import stats

# -- published data sets, rebuilt here with their sources -----------------------------------------

# MASS::housing (Venables & Ripley 2002, sec. 7.3; R package MASS, data/housing): the published
# frequency table Sat x Infl x Type x Cont with Freq, in the data set's order (Sat varies fastest,
# then Infl, Type, Cont).
HOUSING_FREQ = [21, 21, 28, 34, 22, 36, 10, 11, 36, 61, 23, 17, 43, 35, 40, 26, 18, 54, 13, 9, 10,
               8, 8, 12, 6, 7, 9, 18, 6, 7, 15, 13, 13, 7, 5, 11, 14, 19, 37, 17, 23, 40, 3, 5, 23,
               78, 46, 43, 48, 45, 86, 15, 25, 62, 20, 23, 20, 10, 22, 24, 7, 10, 21, 57, 23, 13,
               31, 21, 13, 5, 6, 13]
HOUSING_LEVELS = {"Sat": ["Low", "Medium", "High"], "Infl": ["Low", "Medium", "High"],
                  "Type": ["Tower", "Apartment", "Atrium", "Terrace"], "Cont": ["Low", "High"]}

# pingouin's data set datasets/cronbach_alpha.csv (15 respondents x 10 items), whose alpha
# pingouin's test suite compares with R psych::alpha.
CRONBACH_15x10 = [[3, 2, 4, 1, 4, 5, 1, 4, 3, 2], [5, 4, 6, 3, 5, 1, 2, 5, 5, 5],
                 [7, 3, 5, 5, 6, 4, 3, 3, 6, 5], [2, 4, 3, 3, 2, 2, 2, 6, 6, 3],
                 [6, 5, 6, 5, 4, 4, 4, 6, 7, 5], [1, 2, 3, 4, 2, 5, 2, 3, 5, 2],
                 [4, 3, 5, 3, 5, 2, 1, 2, 4, 3], [2, 4, 4, 3, 7, 2, 2, 4, 6, 5],
                 [6, 5, 5, 5, 1, 6, 5, 2, 3, 2], [5, 4, 6, 4, 3, 5, 3, 1, 7, 2],
                 [4, 3, 5, 2, 5, 3, 2, 3, 4, 1], [4, 2, 3, 2, 5, 3, 4, 2, 3, 4],
                 [5, 5, 6, 2, 3, 3, 2, 4, 4, 5], [6, 5, 5, 4, 2, 2, 1, 4, 6, 5],
                 [4, 3, 5, 5, 3, 1, 3, 2, 3, 4]]

# R survey package, data(api): apistrat, the stratified sample of 200 California schools
# (api00 by school type E/H/M, in data order); population sizes N_h = 4421, 755, 1018.
APISTRAT_API00 = {"E": [840, 516, 531, 501, 720, 805, 778, 731, 592, 669, 497, 638, 534, 705, 761,
                       771, 751, 474, 832, 559, 765, 744, 865, 782, 745, 892, 619, 616, 703, 509,
                       806, 759, 740, 642, 565, 726, 863, 765, 893, 398, 539, 776, 580, 503, 724,
                       476, 529, 870, 746, 836, 756, 423, 588, 606, 632, 651, 553, 676, 861, 588,
                       597, 884, 819, 542, 509, 493, 893, 709, 596, 609, 671, 720, 669, 650, 836,
                       542, 578, 814, 777, 719, 617, 856, 723, 609, 676, 668, 421, 667, 631, 845,
                       631, 696, 714, 788, 667, 568, 847, 679, 477, 521],
                 "H": [467, 522, 455, 509, 681, 666, 582, 641, 510, 527, 681, 724, 525, 712, 680,
                       784, 743, 593, 518, 770, 721, 713, 816, 641, 667, 610, 618, 717, 610, 868,
                       678, 418, 712, 784, 472, 764, 646, 585, 556, 600, 599, 706, 409, 635, 477,
                       710, 453, 546, 646, 624],
                 "M": [496, 505, 409, 609, 867, 685, 647, 745, 694, 676, 870, 500, 679, 552, 559,
                       650, 565, 443, 774, 668, 581, 878, 753, 528, 678, 535, 667, 534, 648, 551,
                       485, 765, 743, 403, 695, 551, 467, 669, 773, 780, 693, 635, 660, 733, 657,
                       606, 522, 601, 819, 627]}

# R survey package, data(api): apiclus1: one-stage cluster sample of 15 school districts
# (dnum) out of 757, all 183 schools of each; stype and api00 of each school, in data order.
APICLUS1 = {
    637: "H608 E684 E612 E710 E729 E714 E759 E585 E625 M664 M669",
    437: "H443 E467 M482 E496",
    778: "M411 E494",
    197: "E493 M592 E550 M689 M598 E628 E652 E628 E832 E777 E709 E709 E736",
    406: "E561 E555",
    815: "H696 M631 E564 E602",
    178: "H529 E491 E510 M547",
    255: "E814 E806 E715 E785 M720 E905 M617 E630 E629 E696 E476 E757 E825 E595 E552 M847",
    568: "H714 H724 H687 H723 E662 E699 E807 M679 E691",
    135: "E622 E754 E655 E764 E795 E505 E638 E733 E523 E511 E710 E657 E602 E490 E664 E651 E603 "
         "E698 E511 E814 E669 E711 E538 E705 E595 E551 E762 E521 E709 E780 E780 E722 E828 E737",
    510: "H595 H661 E502 M614 E585 E582 M642 E536 E746 E667 E629 E745 E674 E637 E696 E632 E639 "
         "E745 E789 M656 E789",
    716: "H517 H478 H582 E592 E587 E553 E516 E535 E566 E481 E472 E559 E610 E599 E551 E554 E561 "
         "E505 E492 E504 E487 E627 E465 E529 E625 E436 E542 E515 M461 M528 M512 M508 E670 E760 "
         "E652 E546 E717",
    61: "E701 E748 E735 M699 E685 E827 M711 E677 M759 E697 E742 E691 E700",
    413: "E551",
    448: "H703 E676 E714 E842 E824 E717 E836 M733 E719 M817 E749 E781",
}

# Ten raw p-values and their adjustments by R multtest::mt.rawp2adjp, as recorded in
# statsmodels/stats/tests/test_multi.py (pval0, res_multtest1), in input order.
PADJ_P = [0.838541367553, 0.642193923795, 0.680845947633, 0.967833824309, 0.71626938238,
         0.177096952723, 5.23656777208e-05, 0.0202732688798, 0.00028140506198, 0.0149877310796]
PADJ = {"BH": [0.9317126306144445, 0.895336727975, 0.895336727975, 0.967833824309, 0.895336727975,
              0.354193905446, 0.000523656777208, 0.0506831721995, 0.0014070253099,
              0.04995910359866667],
       "BY": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0015337740764175588, 0.14844940238274187,
              0.004121132465226944, 0.14632862843720582],
       "bonferroni": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.000523656777208, 0.202732688798,
                      0.0028140506198, 0.149877310796],
       "hochberg": [0.967833824309, 0.967833824309, 0.967833824309, 0.967833824309, 0.967833824309,
                    0.967833824309, 0.000523656777208, 0.1419128821586, 0.00253264555782,
                    0.1199018486368],
       "holm": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.000523656777208, 0.1419128821586, 0.00253264555782,
                0.1199018486368]}


def housing() -> pd.DataFrame:
    cells = [(s, i, t, c) for c in HOUSING_LEVELS["Cont"] for t in HOUSING_LEVELS["Type"]
             for i in HOUSING_LEVELS["Infl"] for s in HOUSING_LEVELS["Sat"]]
    frame = pd.DataFrame(cells, columns=["Sat", "Infl", "Type", "Cont"])
    for name, levels in HOUSING_LEVELS.items():
        frame[name] = pd.Categorical(frame[name], categories=levels, ordered=name == "Sat")
    frame["Freq"] = HOUSING_FREQ
    return frame


def apiclus1() -> pd.DataFrame:
    rows = [(dnum, school[0], int(school[1:])) for dnum, schools in APICLUS1.items()
            for school in schools.split()]
    frame = pd.DataFrame(rows, columns=["dnum", "stype", "api00"])
    frame["pw"], frame["fpc"] = 6194 / 183, 757
    return frame


def one(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1
    return frame.iloc[0]


# -- proportion_ci ---------------------------------------------------------------------------------

@pytest.mark.parametrize("x, n, low, high", [
    (81, 263, 0.2553, 0.3662),  # Newcombe (1998) Stat Med 17:857, Table I, method 3
    (0, 20, 0.0, 0.1611),       # Newcombe (1998) Table I, method 3: 0 of 20
])
def test_wilson_matches_newcombe_table_1(x, n, low, high):
    ci = one(stats.proportion_ci(x, n, "wilson"))
    assert ci.ci_low == pytest.approx(low, abs=5e-5)
    assert ci.ci_high == pytest.approx(high, abs=5e-5)


def test_wilson_matches_r_prop_test_without_correction():
    # R stats-Ex.Rout.save, prop.test(52, 100, correct = FALSE): 0.4231658 0.6153545
    ci = one(stats.proportion_ci(52, 100, "wilson"))
    assert (ci.ci_low, ci.ci_high) == pytest.approx((0.4231658, 0.6153545), abs=5e-8)


def test_clopper_pearson_matches_r_binom_test():
    # R stats-Ex.Rout.save, binom.test(682, 925, p = 0.75) (Conover 1971 p.97):
    # estimate 0.7372973, 95% CI 0.7076683 0.7654066
    ci = one(stats.proportion_ci(682, 925, "clopper-pearson"))
    assert ci.estimate == pytest.approx(0.7372973, abs=5e-8)
    assert (ci.ci_low, ci.ci_high) == pytest.approx((0.7076683, 0.7654066), abs=5e-8)


@pytest.mark.parametrize("method, low, high", [
    # R binom::binom.confint(x = 4, n = 20), recorded in statsmodels' results_proportion.py
    ("agresti-coull", 0.0749115102767071, 0.4217635845549845),
    ("wilson", 0.0806576625797981, 0.4160174322518935),
    ("clopper-pearson", 0.05733399705003284, 0.436614002996668),
])
def test_methods_match_r_binom_confint_4_of_20(method, low, high):
    ci = one(stats.proportion_ci(4, 20, method))
    assert (ci.ci_low, ci.ci_high) == pytest.approx((low, high), abs=1e-8)


def test_n_of_n_gives_upper_limit_one():
    # Mirror of Newcombe's 0 of 20 (Table I): 20 of 20 has interval (1 - 0.1611, 1)
    ci = one(stats.proportion_ci(20, 20, "wilson"))
    assert ci.ci_high == 1.0 and ci.ci_low == pytest.approx(1 - 0.1611, abs=5e-5)


def test_no_answers_gives_nan_with_a_reason():
    ci = one(stats.proportion_ci(0, 0))
    assert np.isnan(ci.estimate) and ci.n == 0 and "no answers" in ci.note


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError, match="cannot exceed .nobs."):
        stats.proportion_ci(5, 3)
    with pytest.raises(ValueError, match="method must be one of"):
        stats.proportion_ci(1, 3, "wald")


# -- likert_summary and agreement ------------------------------------------------------------------

LIKERT = pd.DataFrame({
    "q1": [5, 4, 4, 2, 1, np.nan, 3, 5],
    "q2": [np.nan] * 8,
    "group": ["a", "a", "a", "a", "b", "b", "b", "c"],
    "w": [1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 1.0, 4.0],
})


def test_likert_summary_counts_levels_and_top_box_per_group():
    # hand count: all 7 answers: 1,2,3,4,4,5,5 -> agree (4 or 5) = 4 of 7
    out = stats.likert_summary(LIKERT, {"q1": [4, 5]}, by="group", levels=[1, 2, 3, 4, 5])
    everyone = out[(out.group == "all")]
    by_level = everyone[everyone.kind == "level"].set_index("level")
    assert by_level["count"].tolist() == [1, 1, 1, 2, 2] and (by_level["n"] == 7).all()
    top = one(everyone[everyone.kind == "top_box"])
    assert pd.isna(top.level) and top["count"] == 4 and top.pct == pytest.approx(4 / 7)
    wilson = one(stats.proportion_ci(4, 7))
    assert (top.ci_low, top.ci_high) == pytest.approx((wilson.ci_low, wilson.ci_high))
    two = one(stats.proportion_ci(2, 7))  # every level share has its Wilson interval too
    assert by_level.loc[5, "ci_low"] == pytest.approx(two.ci_low)
    assert set(out.group) == {"all", "a", "b", "c"}


def test_likert_summary_weighted_shares():
    # hand computation: weights of agree answers 1+1+2+4 = 8 out of 1+1+2+2+1+1+4 = 12;
    # Kish's effective n = 12^2 / (1+1+4+4+1+1+16)
    out = stats.likert_summary(LIKERT, {"q1": [4, 5]}, weights="w", levels=[1, 2, 3, 4, 5])
    top = one(out[out.kind == "top_box"])
    assert top.pct == pytest.approx(8 / 12) and top["count"] == 8
    assert top.n_eff == pytest.approx(12 ** 2 / 28)


def test_likert_summary_all_missing_and_one_respondent_are_noted():
    out = stats.likert_summary(LIKERT, {"q1": [4, 5], "q2": [4, 5]}, by="group",
                               levels=[1, 2, 3, 4, 5])
    empty = out[out.item == "q2"]
    assert (empty["n"] == 0).all() and empty["pct"].isna().all()
    assert empty["note"].str.contains("no answers").all()
    single = out[(out.item == "q1") & (out.group == "c") & (out.kind == "level")]
    assert (single["note"] == "one respondent only").all() and single["pct"].sum() == 1


def test_likert_summary_constant_item():
    constant = pd.DataFrame({"q": [4, 4, 4, 4]})
    out = stats.likert_summary(constant, {"q": [4, 5]}, levels=[1, 2, 3, 4, 5])
    assert out.set_index("level").loc[4, "pct"] == 1.0
    top = one(out[out.kind == "top_box"])
    assert top.pct == 1.0 and top.ci_high == 1.0


def test_agreement_keeps_the_report_columns():
    out = stats.agreement(LIKERT, ["q1"], {"q1": [4, 5]}, by="group")
    assert {"item", "group", "n", "agree", "agree_pct", "ci_low", "ci_high"} <= set(out.columns)
    assert one(out[out.group == "all"]).agree == 4


# -- fisher_exact and crosstab_test ----------------------------------------------------------------

def test_fisher_tea_tasting_two_sided():
    # Agresti (2002) sec. 3.5.1, Fisher's tea taster: two-sided P = 0.486 (exactly 34/70)
    assert one(stats.fisher_exact([[3, 1], [1, 3]])).p_value == pytest.approx(34 / 70, abs=5e-5)


def test_fisher_tea_tasting_one_sided_and_conditional_odds_ratio():
    # R stats-Ex.Rout.save, fisher.test(TeaTasting, alternative = "greater"):
    # p-value = 0.2429, odds ratio 6.408309, 95% CI 0.3135693 Inf
    res = one(stats.fisher_exact([[3, 1], [1, 3]], alternative="greater"))
    assert res.p_value == pytest.approx(0.2429, abs=5e-5)
    # scipy's root finder agrees with R to 5 significant digits (not R's 7)
    assert res.odds_ratio == pytest.approx(6.408309, abs=5e-5)
    assert res.ci_low == pytest.approx(0.3135693, abs=5e-5) and res.ci_high == np.inf


def test_fisher_job_satisfaction_r_by_c():
    # R stats-Ex.Rout.save, fisher.test(Job) (Agresti 2002 p.57, 4x4): p-value = 0.7827
    job = [[1, 3, 10, 6], [2, 3, 10, 7], [1, 6, 14, 12], [0, 1, 9, 11]]
    res = one(stats.fisher_exact(job))
    assert res.p_value == pytest.approx(0.7827, abs=5e-5)
    assert np.isnan(res.odds_ratio) and "2×2" in res.note


def test_fisher_empty_row_is_not_a_test():
    res = one(stats.fisher_exact([[0, 0], [2, 3]]))
    assert res.p_value == 1.0 and "no association" in res.note


def _long(table, rows, cols, outcome="answer", group="group") -> pd.DataFrame:
    records = [(r, c) for i, r in enumerate(rows) for j, c in enumerate(cols)
               for _ in range(table[i][j])]
    return pd.DataFrame(records, columns=[group, outcome])


def test_chi_square_matches_r_chisq_test_party_by_gender():
    # R stats-Ex.Rout.save, chisq.test(M) (Agresti 2007 p.39): X-squared = 30.07, df = 2,
    # p-value = 2.954e-07; Cramer's V sqrt(30.07 / (2757 * 1)) = 0.1044 from the printed X2
    df = _long([[762, 327, 468], [484, 239, 477]], ["F", "M"], ["Dem", "Ind", "Rep"])
    res = one(stats.crosstab_test(df, "answer", "group"))
    assert res.test == "chi_square" and res.dof == 2
    assert res.statistic == pytest.approx(30.07, abs=5e-3)
    assert res.p_value == pytest.approx(2.954e-07, abs=5e-10)
    assert res.cramers_v == pytest.approx(0.1044, abs=5e-4)


def test_small_expected_counts_switch_to_fisher():
    # Agresti (2002) tea tasting again: every expected count is 2 (< 5) -> Fisher, P = 34/70
    df = _long([[3, 1], [1, 3]], ["milk", "tea"], ["milk", "tea"])
    res = one(stats.crosstab_test(df, "answer", "group"))
    assert res.test == "fisher_exact" and res.p_value == pytest.approx(34 / 70, abs=5e-5)
    assert res.min_expected == 2.0


def test_crosstab_collapses_to_top_box_and_adjusts_across_items():
    df = pd.DataFrame({"q": [5, 4, 1, 2, 5, 4, 4, 1] * 5, "r": [1] * 40,
                       "group": list("aabbaabb") * 5})
    out = stats.crosstab_test(df, {"q": [4, 5], "r": [4, 5]}, "group")
    q, r = out.iloc[0], out.iloc[1]
    assert q.n == 40 and q.test in {"chi_square", "fisher_exact"}
    assert r.test == "none" and np.isnan(r.p_value) and "one answer category" in r.note
    assert q.p_holm == pytest.approx(q.p_value)  # one test in the family


def test_crosstab_without_answers():
    df = pd.DataFrame({"q": [np.nan, np.nan], "group": ["a", "b"]})
    assert one(stats.crosstab_test(df, "q", "group")).note == "no answers"


# -- paired_change --------------------------------------------------------------------------------

DEPRESSION_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]  # first visit
DEPRESSION_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]  # second visit


def test_wilcoxon_matches_r_depression_example():
    # R stats-Ex.Rout.save, wilcox.test(x, y, paired = TRUE) (Hollander & Wolfe 1973 p.29):
    # V = 40, p-value = 0.03906; alternative = "greater": p-value = 0.01953
    res = one(stats.paired_change(DEPRESSION_Y, DEPRESSION_X))
    assert res.statistic == 40 and res.method == "exact"
    assert res.p_value == pytest.approx(0.03906, abs=5e-6)
    greater = one(stats.paired_change(DEPRESSION_Y, DEPRESSION_X, alternative="greater"))
    assert greater.p_value == pytest.approx(0.01953, abs=5e-6)
    # matched-pairs rank-biserial from the published V: (40 - 5) / 45
    assert res.rank_biserial == pytest.approx(35 / 45)


def test_wilcoxon_normal_approximation_matches_r():
    # same source: wilcox.test(y - x, alternative = "less", exact = FALSE, correct = FALSE):
    # V = 5, p-value = 0.01908
    res = one(stats.paired_change(DEPRESSION_X, DEPRESSION_Y, alternative="less", exact=False,
                                  correct=False))
    assert res.statistic == 5 and res.p_value == pytest.approx(0.01908, abs=5e-6)


def test_wilcoxon_zeros_are_dropped_and_ties_use_the_normal_approximation():
    # hand computation following R: d = 1, 1, 2, 0 -> zero dropped, ranks 1.5, 1.5, 3; V = 6;
    # tie-corrected variance 3*4*7/24 - (2^3-2)/48 = 3.375; z = (6 - 3 - 0.5)/sqrt(3.375)
    res = one(stats.paired_change([1, 2, 3, 4], [2, 3, 5, 4]))
    assert res.n_zero == 1 and res.n_used == 3 and res.statistic == 6
    assert res.method.startswith("normal approximation")
    z = 2.5 / np.sqrt(3.375)
    from scipy.stats import norm
    assert res.p_value == pytest.approx(2 * norm.sf(z), rel=1e-12)
    assert res.rank_biserial == 1.0


def test_paired_change_degenerate_input():
    none = one(stats.paired_change([np.nan, 1], [2, np.nan]))
    assert none.n_pairs == 0 and np.isnan(none.p_value) and "no complete" in none.note
    same = one(stats.paired_change([3, 3, 3], [3, 3, 3]))
    assert same.n_zero == 3 and np.isnan(same.p_value) and "no pair changed" in same.note


def test_paired_change_by_group_from_a_frame():
    df = pd.DataFrame({"before": DEPRESSION_Y + [1.0], "after": DEPRESSION_X + [2.0],
                       "g": ["x"] * 9 + ["y"]})
    out = stats.paired_change("before", "after", data=df, by="g")
    assert out["group"].tolist() == ["all", "x", "y"]
    assert out.set_index("group").loc["x", "statistic"] == 40
    assert out.set_index("group").loc["y", "n_used"] == 1


# -- ordinal_regression ----------------------------------------------------------------------------

def test_proportional_odds_matches_mass_polr_housing():
    # MASS-Ex.Rout.save (MASS 7.3-65), polr(Sat ~ Infl + Type + Cont, weights = Freq,
    # data = housing) (Venables & Ripley 2002 sec. 7.3): coefficients and zeta, printed to
    # 7 digits; tolerance 5e-5 because polr's optimiser converges to about 1e-5
    out = stats.ordinal_regression(housing(), "Sat ~ Infl + Type + Cont", weights="Freq")
    got = out.set_index("term")["estimate"]
    published = {"InflMedium": 0.5663937, "InflHigh": 1.2888191, "TypeApartment": -0.5723501,
                 "TypeAtrium": -0.3661866, "TypeTerrace": -1.0910149, "ContHigh": 0.3602841,
                 "Low|Medium": -0.4961353, "Medium|High": 0.6907083}
    for term, value in published.items():
        assert got[term] == pytest.approx(value, abs=5e-5), term
    # summary(house.plr) standard errors (3 significant digits)
    se = out.set_index("term")["se"]
    for term, value in {"InflMedium": 0.1047, "InflHigh": 0.1272, "TypeApartment": 0.1192,
                        "TypeAtrium": 0.1552, "TypeTerrace": 0.1515, "ContHigh": 0.0955,
                        "Low|Medium": 0.125, "Medium|High": 0.125}.items():
        assert se[term] == pytest.approx(value, abs=5e-4), term
    # Residual Deviance: 3479.149, AIC: 3495.149
    assert out.attrs["deviance"] == pytest.approx(3479.149, abs=5e-4)
    assert out.attrs["aic"] == pytest.approx(3495.149, abs=5e-4)
    assert (out.kind == "threshold").sum() == 2 and out["n"].iloc[0] == 1681


def test_ordinal_regression_refuses_meaningless_input():
    df = pd.DataFrame({"y": pd.Categorical(["a"] * 4, categories=["a", "b"], ordered=True),
                       "x": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match="fewer than two levels"):
        stats.ordinal_regression(df, "y ~ x")
    with pytest.raises(ValueError, match="ordered pandas Categorical"):
        stats.ordinal_regression(df.assign(y=[1, 2, 1, 2]), "y ~ x")
    with pytest.raises(ValueError, match="whole-number"):
        stats.ordinal_regression(df.assign(y=df.y.cat.set_categories(["a", "b"]).where(
            df.x < 3, "b"), w=0.5), "y ~ x", weights="w")


# -- cronbach_alpha --------------------------------------------------------------------------------

def test_cronbach_alpha_matches_r_psych():
    # pingouin tests/test_reliability.py, "compare results with the R package psych":
    # psych::alpha raw_alpha 0.592 on datasets/cronbach_alpha.csv
    res = one(stats.cronbach_alpha(pd.DataFrame(CRONBACH_15x10)))
    assert res.alpha == pytest.approx(0.592, abs=5e-4) and (res.n, res.k) == (15, 10)
    # Feldt (1987) F interval as pingouin prints it for these data, [0.195, 0.840]; an
    # independent implementation of formulas 6-7 of Feldt, Woodruff & Salih (1987)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.195, 0.840), abs=5e-4)


def test_cronbach_alpha_degenerate_input():
    with pytest.raises(ValueError, match="at least two items"):
        stats.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(ValueError, match="two respondents"):
        stats.cronbach_alpha(pd.DataFrame({"a": [1, np.nan], "b": [2, 3]}))
    flat = one(stats.cronbach_alpha(pd.DataFrame({"a": [3, 3, 3], "b": [2, 2, 2]})))
    assert np.isnan(flat.alpha) and "no variance" in flat.note


# -- adjust_pvalues --------------------------------------------------------------------------------

@pytest.mark.parametrize("method, published", [
    ("holm", "holm"), ("fdr_bh", "BH"), ("BH", "BH"), ("bonferroni", "bonferroni"),
    ("hochberg", "hochberg"), ("BY", "BY")])
def test_adjust_pvalues_matches_r_multtest(method, published):
    # R multtest::mt.rawp2adjp, recorded in statsmodels stats/tests/test_multi.py
    out = stats.adjust_pvalues(PADJ_P, method)
    assert out["p_adjusted"].to_numpy() == pytest.approx(PADJ[published], abs=1e-10)


def test_adjust_pvalues_keeps_missing_values_out_of_the_count():
    # R: p.adjust(c(0.01, NA, 0.02), "bonferroni") gives 0.02 NA 0.04 (n = non-missing)
    out = stats.adjust_pvalues([0.01, np.nan, 0.02], "bonferroni")
    assert out["p_adjusted"].tolist()[0] == pytest.approx(0.02)
    assert np.isnan(out["p_adjusted"].iloc[1]) and out["p_adjusted"].iloc[2] == pytest.approx(0.04)


# -- weights ---------------------------------------------------------------------------------------

def test_weighted_mean_stratified_matches_r_survey():
    # R survey tests/testoutput/api.Rout.saved: svymean(~api00, dstrat) with
    # svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc): 662.29, SE 9.4089
    n_h = {h: len(v) for h, v in APISTRAT_API00.items()}
    pop = {"E": 4421, "H": 755, "M": 1018}
    df = pd.DataFrame([(h, y) for h, ys in APISTRAT_API00.items() for y in ys],
                      columns=["stype", "api00"])
    df["fpc"] = df.stype.map(pop)
    df["pw"] = df.stype.map(lambda h: pop[h] / n_h[h])
    res = one(stats.weighted_mean(df, "api00", "pw", strata="stype", fpc="fpc"))
    assert res.estimate == pytest.approx(662.29, abs=5e-3)
    assert res.se == pytest.approx(9.4089, abs=5e-5)


def test_weighted_mean_cluster_sample_matches_r_survey():
    # R survey example(api): svymean(~api00, dclus1) with
    # svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc): 644.17, SE 23.542
    res = one(stats.weighted_mean(apiclus1(), "api00", "pw", cluster="dnum", fpc="fpc"))
    assert res.estimate == pytest.approx(644.17, abs=5e-3)
    assert res.se == pytest.approx(23.542, abs=5e-4)


def test_poststratified_mean_matches_r_survey():
    # R survey tests/testoutput/api.Rout.saved: postStratify(dclus1, ~stype, pop.types),
    # pop.types E 4421, H 755, M 1018; svymean(~api00): 642.31, SE 23.921. Our SE is
    # 23.92049 (as the hand formula of the linearization); R prints 5 significant digits,
    # so the tolerance is one unit in the last printed digit.
    weighted = stats.poststratify(apiclus1(), "stype", {"E": 4421, "H": 755, "M": 1018},
                                  weights="pw")
    assert weighted.groupby("stype")["weight"].sum().to_dict() == pytest.approx(
        {"E": 4421, "H": 755, "M": 1018})
    res = one(stats.weighted_mean(weighted, "api00", "weight", cluster="dnum", fpc="fpc",
                                  poststrata="stype"))
    assert res.estimate == pytest.approx(642.31, abs=5e-3)
    assert res.se == pytest.approx(23.921, abs=1e-3)


def test_weighted_proportion_and_its_degenerate_cases():
    df = pd.DataFrame({"agree": [1, 0, 1, 1, np.nan], "w": [1.0, 1.0, 2.0, 2.0, 5.0]})
    res = one(stats.weighted_proportion(df, "agree", "w"))
    assert res.estimate == pytest.approx(5 / 6) and res.n == 4  # missing answer left out
    everyone = one(stats.weighted_proportion(df.assign(agree=1), "agree", "w"))
    assert everyone.estimate == 1 and everyone.se == 0 and "zero" in everyone.note
    nobody = one(stats.weighted_proportion(df.assign(agree=np.nan), "agree", "w"))
    assert nobody.n == 0 and np.isnan(nobody.estimate) and nobody.note == "no answers"


def test_poststratify_refuses_groups_that_do_not_add_up():
    df = pd.DataFrame({"g": ["a", "b"]})
    with pytest.raises(ValueError, match="no population count"):
        stats.poststratify(df, "g", {"a": 3})
    with pytest.raises(ValueError, match="no respondent"):
        stats.poststratify(df, "g", {"a": 3, "b": 2, "c": 1})


def test_a_group_with_one_respondent_is_weighted():
    out = stats.poststratify(pd.DataFrame({"g": ["a", "a", "b"]}), "g", {"a": 10, "b": 7})
    assert out["weight"].tolist() == [5.0, 5.0, 7.0]


def test_fisher_falls_back_to_monte_carlo_when_the_network_algorithm_gives_up(monkeypatch):
    # the network algorithm reports failure with a negative code (fisher-rxc's convention)
    import fisher

    monkeypatch.setattr(fisher, "exact", lambda table, *a, **k: -7.0)
    job = [[1, 3, 10, 6], [2, 3, 10, 7], [1, 6, 14, 12], [0, 1, 9, 11]]
    res = one(stats.fisher_exact(job))
    assert res.test == "fisher_monte_carlo" and "Monte Carlo" in res.note
    # R's exact p = 0.7827 (stats-Ex.Rout.save); 100 000 tables give a standard error of
    # sqrt(0.78 * 0.22 / 1e5) = 0.0013, so four standard errors
    assert res.p_value == pytest.approx(0.7827, abs=0.0052)
    assert one(stats.fisher_exact(job)).p_value == res.p_value  # same seed, same answer


def test_docstring_examples_run():
    # each function's docstring carries a runnable example; keep them true
    import doctest

    from mwsn import qualitative

    for module in (stats, qualitative):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_chisq_power_matches_cohens_table():
    # Cohen (1988) Statistical Power Analysis, Table 7.4.6: w = 0.3, df = 1, alpha = 0.05
    # needs N = 87 for power 0.80; G*Power 3 (Faul et al. 2007) gives total N = 88 with
    # actual power 0.8035 for the same a-priori question
    assert stats.chisq_power(0.3, 88, 1) == pytest.approx(0.8035, abs=5e-4)
    assert stats.chisq_power(0.3, 87, 1) < 0.80 < stats.chisq_power(0.3, 88, 1)
    assert stats.chisq_power(0.0, 100, 1) == pytest.approx(0.05)  # no effect: alpha
