"""mwsn.qualitative (agreement between coders) against published values.

Each test names where its expected value was published; tolerances follow the printed digits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mwsn import qualitative

NA = np.nan

# Fleiss (1971) Psychol Bull 76:378-382: 30 patients, each diagnosed by 6 psychiatrists
# (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other); the same data
# ship as irr::diagnoses in R.
DIAGNOSES = [[4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
            [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
            [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
            [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
            [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
            [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
            [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
            [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5]]

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", example C: 4 observers (rows)
# x 12 units (columns), NA where an observer did not code the unit.
KRIPPENDORFF_C = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
                 [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA]]

# R irr::anxiety: 20 subjects rated by 3 raters (rater1, rater2, rater3), as recorded in
# statsmodels stats/tests/test_inter_rater.py.
ANXIETY_RATER2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
ANXIETY_RATER3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]


def table_to_codes(table):
    """Two coders' codes that produce a given agreement table (rows: coder a)."""
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return a, b


def one(frame: pd.DataFrame) -> pd.Series:
    assert len(frame) == 1
    return frame.iloc[0]


# -- cohen_kappa -----------------------------------------------------------------------------------

SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def test_cohen_kappa_matches_sas_proc_freq():
    # SAS PROC FREQ AGREE printout recorded in statsmodels test_inter_rater.py
    # (TestUnweightedCohens): Kappa 0.4842, ASE 0.1380, 95% CI 0.2137 0.7547;
    # H0 test: Z 3.2626, two-sided Pr > |Z| 0.0011
    a, b = table_to_codes(SAS_TABLE)
    res = one(qualitative.cohen_kappa(a, b, categories=[0, 1, 2]))
    assert res.kappa == pytest.approx(0.4842, abs=5e-5)
    assert res.se == pytest.approx(0.1380, abs=5e-5)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.2137, 0.7547), abs=5e-5)
    assert res.z == pytest.approx(3.2626, abs=5e-5)
    assert res.p_value == pytest.approx(0.0011, abs=5e-5)


def test_weighted_cohen_kappa_matches_sas_proc_freq():
    # same source (TestWeightedCohens): Weighted Kappa 0.4701, ASE 0.1457, CI 0.1845 0.7558,
    # Z 3.2971 (SAS's default Cicchetti-Allison, i.e. linear, weights)
    a, b = table_to_codes(SAS_TABLE)
    res = one(qualitative.cohen_kappa(a, b, weights="linear", categories=[0, 1, 2]))
    assert res.kappa == pytest.approx(0.4701, abs=5e-5)
    assert res.se == pytest.approx(0.1457, abs=5e-5)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.1845, 0.7558), abs=5e-5)
    assert res.z == pytest.approx(3.2971, abs=5e-5)


@pytest.mark.parametrize("weights, kappa, z, p", [
    # R irr::kappa2(anxiety[, 2:3]), kappa2(..., "equal"), kappa2(..., "squared"), recorded in
    # statsmodels test_inter_rater.py (test_cohens_kappa_irr)
    (None, -0.006289308, -0.0604067, 0.9518317),
    ("linear", 0.1459075, 1.282472, 0.1996772),
    ("quadratic", 0.2520325, 1.437451, 0.1505898),
])
def test_cohen_kappa_matches_r_irr_anxiety(weights, kappa, z, p):
    res = one(qualitative.cohen_kappa(ANXIETY_RATER2, ANXIETY_RATER3, weights=weights))
    assert res.kappa == pytest.approx(kappa, abs=5e-7)
    assert res.z == pytest.approx(z, abs=5e-6)
    assert res.p_value == pytest.approx(p, abs=5e-7)


def test_cohen_kappa_degenerate_input():
    same = one(qualitative.cohen_kappa(["x", "x"], ["x", "x"]))
    assert np.isnan(same.kappa) and "kappa undefined" in same.note
    empty = one(qualitative.cohen_kappa([None, "x"], ["y", None]))
    assert empty.n == 0 and "no unit" in empty.note
    with pytest.raises(ValueError, match="weights must be"):
        qualitative.cohen_kappa([1], [1], weights="cubic")


# -- fleiss_kappa ----------------------------------------------------------------------------------

def test_fleiss_kappa_matches_fleiss_1971():
    # Fleiss (1971): kappa = .430; R irr::kappam.fleiss(diagnoses): Kappa = 0.4302445,
    # z = 17.65183 (recorded in statsmodels test_inter_rater.py, test_fleiss_kappa_irr)
    res = one(qualitative.fleiss_kappa(DIAGNOSES))
    assert res.kappa == pytest.approx(0.4302445, abs=5e-8)
    assert res.z == pytest.approx(17.65183, abs=5e-5)
    assert (res.n_units, res.n_coders, res.n_categories) == (30, 6, 5)


def test_fleiss_kappa_degenerate_input():
    constant = one(qualitative.fleiss_kappa([[1, 1], [1, 1]]))
    assert np.isnan(constant.kappa) and "kappa undefined" in constant.note
    nothing = one(qualitative.fleiss_kappa([[1, NA], [NA, 2]]))
    assert nothing.n_units == 0 and np.isnan(nothing.kappa)


# -- krippendorff_alpha ----------------------------------------------------------------------------

@pytest.mark.parametrize("level, alpha", [
    # Krippendorff (2011), example C: nominal .743, ordinal .815, interval .849, ratio .797
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)])
def test_krippendorff_alpha_matches_krippendorff_2011(level, alpha):
    res = one(qualitative.krippendorff_alpha(KRIPPENDORFF_C, level))
    assert res.alpha == pytest.approx(alpha, abs=5e-4)
    # unit 12 has one value only: not pairable
    assert (res.n_units, res.n_pairable, res.n_coders) == (12, 11, 4)


def test_krippendorff_alpha_degenerate_input():
    same = one(qualitative.krippendorff_alpha([[2, 2, NA], [2, 2, 2]]))
    assert np.isnan(same.alpha) and "alpha undefined" in same.note
    lonely = one(qualitative.krippendorff_alpha([[1, NA], [NA, 2]]))
    assert lonely.n_pairable == 0 and "no unit" in lonely.note
    with pytest.raises(ValueError, match="level must be"):
        qualitative.krippendorff_alpha([[1, 2], [1, 2]], "cardinal")


def test_krippendorff_alpha_accepts_labels_at_the_nominal_level():
    # Krippendorff (2011) example C with its codes 1..5 written as theme labels: same 0.743
    names = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}
    labelled = [[names.get(v, None) for v in row] for row in KRIPPENDORFF_C]
    assert one(qualitative.krippendorff_alpha(labelled)).alpha == pytest.approx(0.743, abs=5e-4)
    with pytest.raises(ValueError, match="only the nominal level"):
        qualitative.krippendorff_alpha(labelled, "ordinal")
