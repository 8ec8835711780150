"""Thin, tested wrappers over scipy/statsmodels returning tidy frames.

Each function takes arrays or a tidy DataFrame and returns a DataFrame with
stable column names, in the manner of pingouin. Each docstring says what is
computed, with which library call, and which published values the tests
check it against (``tests/test_stats.py``; the methods appendix is
``docs/methods.md``).

Degenerate input gets a clear answer: where a statistic cannot be computed
(no answers, a constant item, a single category) the value is NaN and the
``note`` column says why; where the question itself is meaningless (a
regression with one outcome level, alpha of one item) a ``ValueError`` says
what to do.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

_CI_METHODS = {"wilson": "wilson", "clopper-pearson": "beta", "agresti-coull": "agresti_coull"}
ALL = "all"  # the group label of the whole sample
MONTE_CARLO_RESAMPLES = 100_000  # r×c Fisher tables too large for the exact algorithm
MONTE_CARLO_SEED = 20180301      # fixed, so that reruns give the same p-value


def _note(condition: bool, text: str) -> str:
    return text if condition else ""


def _check_weights(w, function: str, argument: str = "weights") -> np.ndarray:
    """Survey weights as floats; a ValueError naming ``argument`` for a weight that is
    missing, negative or infinite, or when every weight is zero (R's ``weighted.mean``
    would give NA or NaN, or accept a negative weight, without a word)."""
    w = np.asarray(w, dtype=float)
    for bad, what in ((np.isnan(w), "missing (NaN)"), (np.isinf(w), "infinite"),
                      (w < 0, "negative")):
        if bad.any():
            raise ValueError(f"{function}: {int(bad.sum())} {what} value(s) in {argument!r}: "
                             "every respondent needs a finite weight of 0 or more; fix or "
                             "drop those rows before weighting")
    if len(w) and not w.sum() > 0:
        raise ValueError(f"{function}: every value in {argument!r} is zero: the weighted "
                         "estimate would be 0/0; check the weights")
    return w


def _check_finite(values, function: str, argument: str) -> None:
    """A ValueError naming ``argument`` when it holds an infinite value (NaN is missing)."""
    v = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(float)
    if np.isinf(v).any():
        raise ValueError(f"{function}: {int(np.isinf(v).sum())} infinite value(s) in "
                         f"{argument!r}: an infinite answer is a data error; fix or drop it")


def _check_count(value, function: str, argument: str) -> int:
    """A whole, finite, non-negative count (R's ``binom.test``: "'x' must be nonnegative and
    integer"), else a ValueError naming ``argument``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{function}: {argument!r} must be a number, not {value!r}") from None
    if not np.isfinite(number) or number < 0 or number != round(number):
        raise ValueError(f"{function}: {argument!r} must be a whole number of 0 or more, "
                         f"not {value!r}")
    return int(number)


# -- proportions ---------------------------------------------------------------------------------

def proportion_ci(count: int, nobs: int, method: str = "wilson",
                  alpha: float = 0.05) -> pd.DataFrame:
    """Estimate and confidence interval of a binomial proportion.

    Wraps ``statsmodels.stats.proportion.proportion_confint``:

    - ``"wilson"``: score interval without continuity correction (Wilson 1927;
      Newcombe 1998 method 3), ``p~ ± z/(1+z²/n)·sqrt(p(1-p)/n + z²/4n²)``
      around ``p~ = (x + z²/2)/(n + z²)``. The default: good coverage at
      small n and near 0 or 1.
    - ``"clopper-pearson"``: exact interval from beta quantiles (R ``binom.test``).
    - ``"agresti-coull"``: ``p~ ± z·sqrt(p~(1-p~)/n~)`` with ``n~ = n + z²``.

    Returns one row ``estimate, ci_low, ci_high, n, method, note``.
    0 of n and n of n give the one-sided intervals the methods define
    (lower or upper limit exactly 0 or 1). With ``nobs == 0`` there is nothing
    to estimate: values are NaN and ``note`` says so.

    Raises
    ------
    ValueError
        ``count`` or ``nobs`` missing, infinite, negative or not whole (as R's
        ``binom.test``), ``count > nobs``, or ``alpha`` outside (0, 1).

    Verified against Newcombe (1998) Table I, R ``binom.test``/``prop.test``
    examples and R ``binom::binom.confint(4, 20)``.

    >>> proportion_ci(81, 263).round(4)[["estimate", "ci_low", "ci_high", "n"]].to_dict("records")
    [{'estimate': 0.308, 'ci_low': 0.2553, 'ci_high': 0.3662, 'n': 263}]
    """
    if method not in _CI_METHODS:
        raise ValueError(f"method must be one of {sorted(_CI_METHODS)}, not {method!r}")
    count = _check_count(count, "proportion_ci", "count")
    nobs = _check_count(nobs, "proportion_ci", "nobs")
    if not 0 < alpha < 1:
        raise ValueError(f"proportion_ci: 'alpha' must lie between 0 and 1, not {alpha!r}")
    if count > nobs:
        raise ValueError(f"proportion_ci: 'count' ({count}) cannot exceed 'nobs' ({nobs})")
    if nobs == 0:
        return pd.DataFrame([{"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0,
                              "method": method, "note": "no answers: nothing to estimate"}])
    low, high = proportion_confint(count, nobs, alpha=alpha, method=_CI_METHODS[method])
    if count == 0:
        low = 0.0
    if count == nobs:
        high = 1.0
    return pd.DataFrame([{"estimate": count / nobs, "ci_low": float(low), "ci_high": float(high),
                          "n": int(nobs), "method": method,
                          "note": _note(nobs == 1, "one answer only")}])


def agreement(df: pd.DataFrame, items: Sequence[str], agree_codes: dict[str, list[int]],
              by: str | None = None) -> pd.DataFrame:
    """Top-box agreement per item (× group) with Wilson 95% CIs.

    ``df`` holds Likert codes (missing = no opinion, excluded from the base).
    Returns ``item, group, n, agree, agree_pct, ci_low, ci_high, note``; the
    group ``"all"`` is the whole sample. The same numbers as the ``top_box``
    rows of :func:`likert_summary`, in the shape the report reads.
    """
    for item in items:
        _check_finite(df[item], "agreement", item)
    rows = []
    for item in items:
        for group, part in _groups(df, by):
            answered = part[item].dropna()
            agree = int(answered.isin(agree_codes[item]).sum())
            ci = proportion_ci(agree, len(answered)).iloc[0]
            rows.append({"item": item, "group": str(group), "n": len(answered), "agree": agree,
                         "agree_pct": ci.estimate, "ci_low": ci.ci_low, "ci_high": ci.ci_high,
                         "note": ci.note})
    # no item (a survey that asked none of them): the same columns, no rows
    return pd.DataFrame(rows, columns=["item", "group", "n", "agree", "agree_pct", "ci_low",
                                       "ci_high", "note"])


def _groups(df: pd.DataFrame, by: str | None):
    yield ALL, df
    if by is not None:
        yield from df.groupby(by, sort=True, observed=True)


def likert_summary(df: pd.DataFrame, items: dict[str, Sequence[int]] | Sequence[str],
                   by: str | None = None, weights: str | None = None,
                   levels: Sequence[int] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Distribution of Likert answers per item × group × level, and the top-box share.

    ``items`` maps each item to its top-box ("agree") codes, as
    :func:`mwsn.codebook.likert_items` returns it (a plain list of items
    means no top box). Missing values (don't know, refused, not asked) are
    not opinions and are left out of the base ``n``. ``levels`` lists every
    code of the scale so that levels nobody chose appear with 0.

    For each item × group (group ``"all"`` first, then each value of
    ``by``): one row per level (``kind = "level"``, ``level`` = the code)
    and one row for the top box (``kind = "top_box"``, ``level`` = <NA>).
    Columns: ``item, group, kind, level, count, n, pct, ci_low, ci_high,
    n_eff, note``. Every ``pct`` has its Wilson interval (:func:`proportion_ci`).

    - Unweighted: ``pct = count / n``.
    - ``weights`` (a column name): ``count`` is the sum of weights, ``pct``
      the weighted share, and the Wilson interval uses Kish's effective
      sample size ``n_eff = (Σw)²/Σw²`` (Kish 1965) instead of ``n``.

    An item × group with no answers has ``n = 0``, NaN shares and the note
    "no answers in this group"; one with a single respondent is computed and
    noted (tables shown in the report suppress it below ``min_cell``). A weight
    that is missing, negative or infinite, all weights zero, or an infinite
    answer raise ``ValueError`` naming the column.

    >>> d = pd.DataFrame({"q": [5, 4, 2, None], "g": ["a", "a", "b", "b"]})
    >>> out = likert_summary(d, {"q": [4, 5]}, levels=[1, 2, 3, 4, 5])
    >>> out[out.kind == "top_box"][["group", "count", "n", "pct"]].to_dict("records")
    [{'group': 'all', 'count': 2.0, 'n': 3, 'pct': 0.6666666666666666}]
    """
    top = items if isinstance(items, dict) else {item: [] for item in items}
    for item in top:
        _check_finite(df[item], "likert_summary", item)
    if weights:
        answered_any = df[list(top)].notna().any(axis=1)
        _check_weights(df.loc[answered_any, weights], "likert_summary")
    if levels is None:
        seen = pd.unique(pd.concat([df[item] for item in top]).dropna()) if top else []
        levels = sorted({*map(int, seen), *(c for codes in top.values() for c in codes)})
    rows = []
    for item, agree_codes in top.items():
        for group, part in _groups(df, by):
            answered = part[part[item].notna()]
            n = len(answered)
            w = (answered[weights].astype(float) if weights else
                 pd.Series(1.0, index=answered.index))
            total = float(w.sum())
            n_eff = total ** 2 / float((w ** 2).sum()) if n else 0.0
            note = ("no answers in this group" if n == 0 else
                    "one respondent only" if n == 1 else "")
            shares = [("level", int(level), answered[item] == level) for level in levels]
            if agree_codes:
                shares.append(("top_box", pd.NA, answered[item].isin(agree_codes)))
            for kind, level, chosen in shares:
                count = float(w[chosen].sum())
                pct, low, high = _share_ci(count, total, n, n_eff, bool(weights), alpha)
                rows.append({"item": item, "group": str(group), "kind": kind, "level": level,
                             "count": count, "n": n, "pct": pct, "ci_low": low,
                             "ci_high": high, "n_eff": n_eff, "note": note})
    out = pd.DataFrame(rows, columns=["item", "group", "kind", "level", "count", "n", "pct",
                                      "ci_low", "ci_high", "n_eff", "note"])
    out["level"] = out["level"].astype("Int64")
    return out


def _share_ci(count: float, total: float, n: int, n_eff: float, weighted: bool,
              alpha: float) -> tuple[float, float, float]:
    if n == 0:
        return np.nan, np.nan, np.nan
    share = count / total
    if not weighted:
        ci = proportion_ci(int(count), n, alpha=alpha).iloc[0]
        return share, ci.ci_low, ci.ci_high
    low, high = proportion_confint(share * n_eff, n_eff, alpha=alpha, method="wilson")
    return share, float(low) if share > 0 else 0.0, float(high) if share < 1 else 1.0


# -- tables ----------------------------------------------------------------------------------------

def fisher_exact(table, alternative: str = "two-sided", conf_level: float = 0.95) -> pd.DataFrame:
    """Fisher's exact test of independence in a contingency table, as R's ``fisher.test``.

    - 2×2: ``scipy.stats.fisher_exact`` (two-sided p = sum of the
      probabilities of tables no more likely than the observed one, R's rule)
      and the *conditional* maximum-likelihood odds ratio with its exact CI,
      ``scipy.stats.contingency.odds_ratio(kind="conditional")`` — what R
      prints, not the sample odds ratio ad/bc.
    - r×c: the network algorithm of Mehta & Patel (1983), the one R uses,
      from the ``fisher-rxc`` package (``fisher.exact``); only two-sided.
      Should the table be too large for its workspace, the p-value is a
      Monte Carlo one (``scipy.stats.fisher_exact(method=MonteCarloMethod)``,
      100 000 tables with the same margins, fixed seed), like R's
      ``simulate.p.value = TRUE``; ``test`` then says ``fisher_monte_carlo``.

    Returns ``test, p_value, odds_ratio, ci_low, ci_high, n, alternative, note``.
    A table with an empty row or column carries no information about
    association: p = 1 and a note. Odds ratios exist only for 2×2 tables
    (NaN otherwise, with a note). A missing, negative, infinite or fractional
    cell raises ``ValueError`` naming ``table`` (R's ``fisher.test`` stops too).

    Verified against R's ``fisher.test`` examples (tea tasting, Agresti 2002
    p.91; job satisfaction 4×4, Agresti 2002 p.57, p = 0.7827).

    >>> fisher_exact([[3, 1], [1, 3]]).round(4)[["p_value", "odds_ratio"]].to_dict("records")
    [{'p_value': 0.4857, 'odds_ratio': 6.4083}]
    """
    t = np.asarray(table, dtype=float)
    if t.ndim != 2:
        raise ValueError("fisher_exact: 'table' must be a two-dimensional table of counts")
    if np.isnan(t).any() or (t < 0).any():  # R: "all entries of 'x' must be nonnegative and finite"
        raise ValueError("fisher_exact: every entry of 'table' must be a count of 0 or more "
                         "(no missing or negative cell)")
    if np.isinf(t).any() or (t > np.iinfo(np.int32).max).any():  # R: "too large to be integer"
        raise ValueError("fisher_exact: 'table' has entries too large to be counts "
                         "(infinite, or above 2,147,483,647)")
    if not np.allclose(t, np.round(t)):
        raise ValueError("fisher_exact: 'table' must hold whole counts")
    t = t.astype(np.int64)
    n = int(t.sum())
    row = {"test": "fisher_exact", "p_value": np.nan, "odds_ratio": np.nan, "ci_low": np.nan,
           "ci_high": np.nan, "n": n, "alternative": alternative, "note": ""}
    kept = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if kept.shape[0] < 2 or kept.shape[1] < 2:
        row.update(p_value=1.0, note="fewer than two non-empty rows or columns: "
                   "no association can be tested")
        return pd.DataFrame([row])
    if t.shape == (2, 2):
        row["p_value"] = float(sps.fisher_exact(t, alternative=alternative).pvalue)
        odds = sps.contingency.odds_ratio(t, kind="conditional")
        ci = odds.confidence_interval(confidence_level=conf_level, alternative=alternative)
        row.update(odds_ratio=float(odds.statistic), ci_low=float(ci.low), ci_high=float(ci.high))
        return pd.DataFrame([row])
    if alternative != "two-sided":
        raise ValueError("for tables larger than 2×2 only the two-sided test exists")
    import fisher  # the fisher-rxc package

    p = fisher.exact(kept.tolist())
    if p < 0:  # the network algorithm ran out of workspace: R's simulate.p.value instead
        method = sps.MonteCarloMethod(n_resamples=MONTE_CARLO_RESAMPLES,
                                      rng=np.random.default_rng(MONTE_CARLO_SEED))
        p = sps.fisher_exact(kept, method=method).pvalue
        row.update(test="fisher_monte_carlo",
                   note=f"table too large for the exact algorithm: Monte Carlo p-value from "
                        f"{MONTE_CARLO_RESAMPLES} tables with the same margins (seed "
                        f"{MONTE_CARLO_SEED}); odds ratio is defined for 2×2 tables only")
    else:
        row["note"] = "odds ratio is defined for 2×2 tables only"
    row["p_value"] = float(min(max(p, 0.0), 1.0))
    return pd.DataFrame([row])


def _cochran_ok(expected: np.ndarray) -> bool:
    """Cochran (1954): no expected count below 1 and at most 20% below 5."""
    return bool(expected.min() >= 1 and (expected < 5).mean() <= 0.2)


def crosstab_test(df: pd.DataFrame, outcome: str | Sequence[str] | dict[str, Sequence[int]],
                  group: str) -> pd.DataFrame:
    """Association between an answer and a group: chi-square or Fisher's exact test.

    The rule (Cochran 1954, as in Agresti 2007 sec. 2.4.5): Pearson's
    chi-square test of independence (``scipy.stats.chi2_contingency``; Yates'
    continuity correction for 2×2, as R's ``chisq.test``) when no expected
    count is below 1 and at most 20% of them are below 5; otherwise Fisher's
    exact test (:func:`fisher_exact`, exact for 2×2 and r×c).

    ``outcome`` is a column, a list of columns, or a dict mapping columns to
    their top-box codes (then each answer is collapsed to agree / not agree
    before the test). Rows with a missing outcome or group are left out.

    One row per outcome: ``outcome, test, statistic_name, statistic, dof,
    p_value, p_holm, cramers_v, n, min_expected, power_medium, note``; ``dof`` only for
    chi-square. ``power_medium`` is the power the table's size gave to detect a
    medium association (Cohen's w = 0.3, :func:`chisq_power`): with a few dozen
    respondents it is low, and a non-significant result then says little. ``statistic`` is X²
    for chi-square, the conditional odds ratio for a 2×2 Fisher test and
    NaN for r×c Fisher (which has no single statistic; ``statistic_name``
    says so). ``cramers_v = sqrt(X²/(n·(min(r,c)-1)))`` from the uncorrected
    X² (``scipy.stats.contingency.association``). ``p_holm`` adjusts the
    p-values of the outcomes tested together (Holm 1979, :func:`adjust_pvalues`).
    Fewer than two answer categories or groups: no test, p NaN, and a note.

    Verified against R's ``chisq.test`` example (Agresti 2007 p.39: X² = 30.07,
    df = 2, p = 2.954e-07) and the ``fisher.test`` examples.

    >>> d = pd.DataFrame({"agree": [1, 1, 1, 0, 0, 0, 1, 0], "g": list("aaaabbbb")})
    >>> crosstab_test(d, "agree", "g")[["test", "p_value"]].round(4).to_dict("records")
    [{'test': 'fisher_exact', 'p_value': 0.4857}]
    """
    outcomes = list(outcome) if not isinstance(outcome, str) else [outcome]
    codes = outcome if isinstance(outcome, dict) else {}
    rows = []
    for name in outcomes:
        part = df[[name, group]].dropna()
        answer = part[name].isin(codes[name]).map({True: "agree", False: "not_agree"}) \
            if name in codes else part[name]
        table = pd.crosstab(answer, part[group])
        rows.append({"outcome": name, **_crosstab_row(table)})
    out = pd.DataFrame(rows, columns=["outcome", "test", "statistic_name", "statistic", "dof",
                                      "p_value", "cramers_v", "n", "min_expected", "power_medium",
                                      "note"])
    tested = out["p_value"].notna()
    out["p_holm"] = np.nan
    if tested.any():
        out.loc[tested, "p_holm"] = adjust_pvalues(out.loc[tested, "p_value"], "holm")[
            "p_adjusted"].to_numpy()
    return out[["outcome", "test", "statistic_name", "statistic", "dof", "p_value", "p_holm",
                "cramers_v", "n", "min_expected", "power_medium", "note"]]


#: Cohen's (1988) "medium" association for a contingency table
MEDIUM_W = 0.3


def chisq_power(w: float, n: int, dof: int, alpha: float = 0.05) -> float:
    """Power of the chi-square test of independence to detect an association of size ``w``.

    Cohen (1988, ch. 7): under an association of effect size ``w`` (Cohen's w, 0.1
    small, 0.3 medium, 0.5 large) the statistic follows a noncentral chi-square with
    ``dof`` degrees of freedom and noncentrality ``λ = n·w²``; the power is the chance
    that it exceeds the critical value ``χ²_{1−alpha}(dof)``
    (``scipy.stats.ncx2.sf(scipy.stats.chi2.isf(alpha, dof), dof, n·w²)``). This is the
    power the design had before the data, not a "post-hoc" power from the observed
    association.

    Verified against Cohen (1988) Table 7.4.6 (w = 0.3, df = 1: N = 87 for power 0.80)
    and G*Power's a-priori result for the same case (total N = 88, power 0.8035).

    >>> round(chisq_power(0.3, 88, 1), 4)
    0.8035
    """
    for name, value in (("w", w), ("n", n), ("alpha", alpha)):
        if not np.isfinite(float(value)) or float(value) < 0:
            raise ValueError(f"chisq_power: {name!r} must be a finite number of 0 or more, "
                             f"not {value!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"chisq_power: 'alpha' must lie between 0 and 1, not {alpha!r}")
    if int(dof) < 1:
        raise ValueError(f"chisq_power: 'dof' must be 1 or more, not {dof!r}")
    return float(sps.ncx2.sf(sps.chi2.isf(alpha, int(dof)), int(dof), float(n) * float(w) ** 2))


def _crosstab_row(table: pd.DataFrame) -> dict:
    n = int(table.to_numpy().sum())
    row = {"test": "none", "statistic_name": "", "statistic": np.nan, "dof": np.nan,
           "p_value": np.nan, "cramers_v": np.nan, "n": n, "min_expected": np.nan,
           "power_medium": np.nan, "note": ""}
    if n == 0:
        return {**row, "note": "no answers"}
    if table.shape[0] < 2 or table.shape[1] < 2:
        return {**row, "note": "only one answer category or one group: nothing to compare"}
    t = table.to_numpy()
    x2, p, dof, expected = sps.chi2_contingency(t)
    cramers_v = float(sps.contingency.association(t, method="cramer"))
    row.update(dof=int(dof), cramers_v=cramers_v, min_expected=float(expected.min()),
               power_medium=chisq_power(MEDIUM_W, n, int(dof)))
    if _cochran_ok(expected):
        return {**row, "test": "chi_square", "statistic_name": "X2", "statistic": float(x2),
                "p_value": float(p)}
    fisher = fisher_exact(t).iloc[0]
    two_by_two = t.shape == (2, 2)
    return {**row, "test": fisher.test, "p_value": fisher.p_value, "dof": np.nan,
            "statistic_name": "odds_ratio" if two_by_two else "none (exact r×c test)",
            "statistic": fisher.odds_ratio if two_by_two else np.nan,
            "note": "expected counts too small for chi-square (Cochran's rule)"}


# -- paired change -------------------------------------------------------------------------------

def paired_change(before, after, *, data: pd.DataFrame | None = None, by: str | None = None,
                  alternative: str = "two-sided", exact: bool | None = None,
                  correct: bool = True) -> pd.DataFrame:
    """Wilcoxon signed-rank test of the change from ``before`` to ``after``, as R's ``wilcox.test``.

    For retrospective pre/post items ("knowledge before the Network, looking
    back" and "knowledge now"). Differences ``d = after − before``; pairs
    with a missing value are left out (``n_pairs`` counts the complete ones);
    zero differences are dropped (``n_zero``) as R does; the remaining
    ``n_used`` absolute differences are ranked with average ranks for ties.

    - ``statistic`` is R's V: the sum of the ranks of the positive differences.
    - ``exact=None`` follows R: the exact null distribution when
      ``n_used < 50`` and there are no ties and no zeros; otherwise the normal
      approximation with tie-corrected variance and, with ``correct=True``, a
      continuity correction of 0.5 towards the mean. Computed by
      ``scipy.stats.wilcoxon(d, zero_method="wilcox", method=...)``.
    - ``median_change`` is the median of all complete-pair differences
      (zeros included), in scale points.
    - ``rank_biserial`` is the matched-pairs rank-biserial correlation
      ``(V − (S − V))/S`` with ``S = n_used(n_used+1)/2`` (Kerby 2014):
      +1 when every change is an increase, −1 when every change is a decrease.

    ``data`` and ``by``: ``before``/``after`` are then column names and one
    row is returned for the whole sample (``group = "all"``) and each group.
    No complete pair, or no change at all, gives NaN with a ``note``. As R 4.x,
    an infinite change is ranked as the largest, and a pair infinite on both
    sides (change undefined) is left out of ``n_pairs`` with a note.

    Verified against R's ``wilcox.test`` example (Hollander & Wolfe 1973 p.29,
    depression scale: V = 40, p = 0.03906).

    >>> x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    >>> y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    >>> paired_change(y, x)[["statistic", "p_value", "n_used"]].round(5).to_dict("records")
    [{'statistic': 40.0, 'p_value': 0.03906, 'n_used': 9}]
    """
    if data is not None:
        rows = []
        for group, part in _groups(data, by):
            row = _signed_rank(part[before], part[after], alternative, exact, correct)
            rows.append({"group": str(group), **row})
        return pd.DataFrame(rows)
    return pd.DataFrame([_signed_rank(before, after, alternative, exact, correct)])


def _signed_rank(before, after, alternative, exact, correct) -> dict:
    pairs = pd.DataFrame({"before": pd.to_numeric(pd.Series(np.asarray(before, dtype=float))),
                          "after": pd.to_numeric(pd.Series(np.asarray(after, dtype=float)))})
    pairs = pairs.dropna()
    d = (pairs["after"] - pairs["before"]).to_numpy()
    # R 4.x: x[OK] - y[OK], then x[!is.na(x)]: a pair infinite on both sides has no
    # defined change (Inf - Inf is NaN) and is left out; an infinite change is ranked largest
    undefined = int(np.isnan(d).sum())
    d = d[~np.isnan(d)]
    nonzero = d[d != 0]
    n_zero, n_used = int((d == 0).sum()), len(nonzero)
    row = {"statistic": np.nan, "p_value": np.nan, "rank_biserial": np.nan,
           "median_change": float(np.median(d)) if len(d) else np.nan, "n_pairs": len(d),
           "n_used": n_used, "n_zero": n_zero, "method": "", "alternative": alternative,
           "note": ""}
    dropped = _note(undefined > 0, f"{undefined} pair(s) infinite before and after: change "
                                   "undefined, left out (as R)")
    if len(d) == 0:
        return {**row, "note": "; ".join(t for t in ("no complete before/after pairs", dropped)
                                         if t)}
    if n_used == 0:
        return {**row, "note": "no pair changed: nothing to test"}
    ranks = sps.rankdata(np.abs(nonzero))
    v = float(ranks[nonzero > 0].sum())
    s = n_used * (n_used + 1) / 2
    ties = len(np.unique(np.abs(nonzero))) < n_used
    use_exact = (n_used < 50 and not ties and n_zero == 0) if exact is None else exact
    if use_exact and (ties or n_zero):
        use_exact = False  # as R: no exact p-value with ties or zeros
    res = sps.wilcoxon(nonzero, zero_method="wilcox", alternative=alternative,
                       method="exact" if use_exact else "asymptotic",
                       correction=bool(correct and not use_exact))
    method = ("exact" if use_exact else
              "normal approximation" + (" with continuity correction" if correct else ""))
    notes = [text for cond, text in [(ties, "tied differences"), (n_zero, "zero changes dropped"),
                                     (undefined, dropped)] if cond]
    return {**row, "statistic": v, "p_value": float(res.pvalue),
            "rank_biserial": (v - (s - v)) / s, "method": method, "note": "; ".join(notes)}


# -- models ----------------------------------------------------------------------------------------

def ordinal_regression(df: pd.DataFrame, formula: str, weights: str | None = None,
                       alpha: float = 0.05) -> pd.DataFrame:
    """Proportional-odds (cumulative logit) regression, reported as ``MASS::polr``.

    Fits ``statsmodels.miscmodels.ordinal_model.OrderedModel.from_formula(
    formula, data, distr="logit")`` by maximum likelihood (BFGS). The outcome
    must be an ordered ``pandas.Categorical`` (its order is the scale's
    order); predictors use treatment contrasts with the first level as
    reference, as R does.

    Model, in polr's sign convention: ``logit P(Y ≤ j) = ζ_j − x'β``.
    statsmodels uses the same sign but estimates the thresholds in an
    unconstrained form: its threshold parameters are ``θ_1 = ζ_1`` (the
    first cutoff, row ``"Low/Medium"`` in its output) and then
    ``θ_j = log(ζ_j − ζ_{j−1})`` (the log of each increment) for j ≥ 2. We
    report ``ζ_j = θ_1 + Σ_{k=2..j} exp(θ_k)`` (``model.transform_threshold_params``)
    with delta-method standard errors from the Jacobian ``∂ζ_j/∂θ_1 = 1``,
    ``∂ζ_j/∂θ_k = exp(θ_k)`` (2 ≤ k ≤ j), so thresholds read as polr's
    ``zeta`` ("Low|Medium", ...).

    ``weights`` names a column of whole-number frequency weights (as polr's
    ``weights`` for a table of counts): rows are repeated that many times,
    which gives the same likelihood. Other weights are refused.

    Returns one row per term: ``term, kind ("coefficient"|"threshold"),
    estimate, se, z, p_value, ci_low, ci_high, n, note`` (Wald z, normal CI), with
    ``deviance`` (−2 log L), ``aic`` and ``converged`` in ``.attrs``; a fit that did
    not converge, or whose information matrix could not be inverted, says so in
    ``note`` on every row (R's ``polr`` warns). Missing, negative, infinite or
    fractional ``weights``, or an infinite predictor, raise ``ValueError``.

    Verified against the MASS ``polr`` housing example (Venables & Ripley
    2002 sec. 7.3): InflMedium 0.5664, InflHigh 1.2888, ..., ζ -0.4961, 0.6907.

    The example's answers overlap across ``x`` (perfectly separated data has
    no finite estimate: the fit would drift and warn, differently by version):

    >>> d = pd.DataFrame({"y": pd.Categorical(list("abcabcbccaab"), ordered=True),
    ...                   "x": [0, 1, 2, 1, 0, 2, 2, 1, 0, 2, 0, 1]})
    >>> fit = ordinal_regression(d, "y ~ x")
    >>> list(fit["term"]), round(float(fit["estimate"].iloc[0]), 2)
    (['x', 'a|b', 'b|c'], 0.62)
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    outcome = formula.split("~")[0].strip()
    data = df.dropna(subset=[outcome]).copy()
    if len(data) == 0:
        raise ValueError(f"ordinal_regression: no rows with an answer in {outcome!r}")
    y = data[outcome]
    if not (isinstance(y.dtype, pd.CategoricalDtype) and y.dtype.ordered):
        raise ValueError(f"ordinal_regression: {outcome!r} must be an ordered pandas Categorical "
                         "(pd.Categorical(values, categories=[low, ..., high], ordered=True))")
    data[outcome] = y.cat.remove_unused_categories()
    if data[outcome].nunique() < 2:
        raise ValueError(f"ordinal_regression: {outcome!r} has fewer than two levels answered: "
                         "there is no order to model")
    if weights is not None:
        w = _check_weights(data[weights], "ordinal_regression")
        if not np.allclose(w, np.round(w)):
            raise ValueError("ordinal_regression: 'weights' must be whole-number frequencies")
        data = data.loc[data.index.repeat(np.round(w).astype(int))].reset_index(drop=True)
    predictors = [c for c in data.columns if c != outcome and c in formula]
    for column in predictors:
        if pd.api.types.is_numeric_dtype(data[column]):
            _check_finite(data[column], "ordinal_regression", column)
    model = OrderedModel.from_formula(formula, data, distr="logit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-8)
    params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    levels = list(data[outcome].cat.categories)
    k = len(params) - (len(levels) - 1)
    # R's names for treatment contrasts: "Infl[T.Medium]" -> "InflMedium"
    names = [re.sub(r"\[T\.(.*?)\]", r"\1", name) for name in fit.model.exog_names[:k]]
    zeta = model.transform_threshold_params(params)[1:-1]
    jac = np.zeros((len(zeta), len(params)))
    for j in range(len(zeta)):
        jac[j, k] = 1.0
        for m in range(1, j + 1):
            jac[j, k + m] = np.exp(params[k + m])
    zeta_cov = jac @ cov @ jac.T
    est = np.concatenate([params[:k], zeta])
    se = np.sqrt(np.concatenate([np.diag(cov)[:k], np.diag(zeta_cov)]))
    z = est / se
    q = sps.norm.isf(alpha / 2)
    out = pd.DataFrame({
        "term": names + [f"{a}|{b}" for a, b in pairwise(levels)],
        "kind": ["coefficient"] * k + ["threshold"] * len(zeta),
        "estimate": est, "se": se, "z": z, "p_value": 2 * sps.norm.sf(np.abs(z)),
        "ci_low": est - q * se, "ci_high": est + q * se, "n": len(data)})
    converged = bool(fit.mle_retvals.get("converged", True))
    hessian = any("Hessian" in str(w.message) or "covariance" in str(w.message).lower()
                  for w in caught)
    separated = -2 * fit.llf < 1e-6  # a perfect fit: the likelihood has no maximum
    notes = [text for cond, text in [
        (not converged, "the fit did not converge: estimates are unreliable (separation or too "
                        "few answers per level?)"),
        (separated, "the predictors separate the answer levels perfectly: estimates and "
                    "standard errors run to infinity and are unreliable"),
        (not np.isfinite(se).all(), "some standard errors could not be computed: unreliable"),
        (hessian, "the information matrix could not be inverted: standard errors unreliable")]
        if cond]
    out["note"] = "; ".join(notes)
    out.attrs.update(deviance=float(-2 * fit.llf), aic=float(fit.aic), converged=converged)
    return out


# -- reliability and multiplicity ------------------------------------------------------------------

def cronbach_alpha(items: pd.DataFrame, ci: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha of a set of items, with Feldt's confidence interval.

    ``alpha = k/(k−1) · (1 − Σ var(item_i) / var(Σ items))`` (Cronbach 1951),
    sample variances (ddof = 1), respondents with any missing item left out
    (listwise). The interval is Feldt's (Feldt, Woodruff & Salih 1987):
    ``1 − (1 − alpha)·F`` with ``F`` the ``(1 ± ci)/2`` quantiles of
    F(n − 1, (n − 1)(k − 1)), computed with ``scipy.stats.f``.

    Returns ``alpha, ci_low, ci_high, n, k, note``. Fewer than two items, or
    fewer than two complete respondents, raise ``ValueError``; a total
    score with no variance (everyone gave the same answers) gives NaN and a note.

    Verified against R ``psych::alpha`` on pingouin's 15 × 10 example
    (raw alpha 0.592), and Feldt's interval against pingouin's independent
    implementation of the same formulas on those data (0.195 to 0.840).

    >>> d = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 3, 5], "c": [1, 3, 3, 4]})
    >>> round(float(cronbach_alpha(d)["alpha"].iloc[0]), 4)
    0.9474
    """
    data = pd.DataFrame(items).apply(pd.to_numeric, errors="coerce")
    for column in data.columns:
        _check_finite(data[column], "cronbach_alpha", str(column))
    data = data.dropna()
    n, k = data.shape
    if k < 2:
        raise ValueError("cronbach_alpha needs at least two items")
    if n < 2:
        raise ValueError("cronbach_alpha needs at least two respondents who answered every item")
    total_var = float(data.sum(axis=1).var(ddof=1))
    if total_var == 0:
        return pd.DataFrame([{"alpha": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": n,
                              "k": k, "note": "total score has no variance: alpha undefined"}])
    alpha = k / (k - 1) * (1 - float(data.var(ddof=1).sum()) / total_var)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * sps.f.isf((1 - ci) / 2, df1, df2)
    high = 1 - (1 - alpha) * sps.f.isf((1 + ci) / 2, df1, df2)
    return pd.DataFrame([{"alpha": alpha, "ci_low": float(low), "ci_high": float(high),
                          "n": n, "k": k, "note": ""}])


_ADJUST = {"holm": "holm", "fdr_bh": "fdr_bh", "bh": "fdr_bh", "bonferroni": "bonferroni",
           "hochberg": "simes-hochberg", "fdr_by": "fdr_by", "by": "fdr_by"}


def adjust_pvalues(p, method: str = "holm", alpha: float = 0.05) -> pd.DataFrame:
    """Adjust p-values for multiple comparisons, as R's ``p.adjust``.

    Wraps ``statsmodels.stats.multitest.multipletests``. ``method``:
    ``"holm"`` (Holm 1979 step-down, controls the family-wise error rate),
    ``"fdr_bh"`` (Benjamini & Hochberg 1995, false discovery rate), and
    ``"bonferroni"``, ``"hochberg"``, ``"fdr_by"``; R's names ``"BH"`` and
    ``"BY"`` are accepted. Adjusted values are capped at 1 and returned in
    input order. Missing p-values stay missing and are not counted, as in
    R's ``p.adjust`` (``n = sum(!is.na(p))``).

    Returns ``p_value, p_adjusted, reject`` (at ``alpha``), one row per input.

    Verified against R ``multtest::mt.rawp2adjp`` on a published set of ten p-values.

    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm")["p_adjusted"].round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    key = method.lower()
    if key not in _ADJUST:
        raise ValueError(f"method must be one of {sorted(_ADJUST)}, not {method!r}")
    values = np.asarray(p, dtype=float)
    if ((values < 0) | (values > 1)).any():  # infinite values included
        raise ValueError("adjust_pvalues: every value of 'p' must lie between 0 and 1 "
                         "(missing values are kept as missing)")
    adjusted = np.full(values.shape, np.nan)
    reject = np.zeros(values.shape, dtype=bool)
    present = ~np.isnan(values)
    if present.any():
        rej, adj, _, _ = multipletests(values[present], alpha=alpha, method=_ADJUST[key])
        adjusted[present], reject[present] = np.minimum(adj, 1.0), rej
    return pd.DataFrame({"p_value": values, "p_adjusted": adjusted, "reject": reject})


# -- survey weights --------------------------------------------------------------------------------

def poststratify(df: pd.DataFrame, by: str, population: dict[str, float],
                 weights: str | None = None, name: str = "weight") -> pd.DataFrame:
    """Post-stratification weights from known population counts per stratum.

    ``population`` gives the number of people in each post-stratum (e.g. the
    known number of stakeholders per group, from the params file). Each
    respondent's weight is ``w_i · N_g / Σ_{j∈g} w_j`` (base weights ``w``
    default to 1), so weights add up to ``N_g`` in every post-stratum
    (Lohr 2010 sec. 4.7; R ``survey::postStratify``).

    Returns a copy of ``df`` with the weight in column ``name``; pass
    ``poststrata=by`` to :func:`weighted_mean` / :func:`weighted_proportion`
    for the post-stratified standard error. A respondent in a group missing
    from ``population``, or a population group with no respondent, raises
    ``ValueError`` (the weights would not add up to the population).

    >>> d = pd.DataFrame({"g": ["a", "a", "b"]})
    >>> poststratify(d, "g", {"a": 10, "b": 5})["weight"].tolist()
    [5.0, 5.0, 5.0]
    """
    out = df.copy()
    base = out[weights].astype(float) if weights else pd.Series(1.0, index=out.index)
    if weights:
        _check_weights(base, "poststratify")
    sizes = np.array([float(v) for v in population.values()])
    if not np.isfinite(sizes).all() or (sizes <= 0).any():
        raise ValueError("poststratify: every count in 'population' must be a finite number "
                         f"above 0, not {population!r}: drop a group nobody belongs to")
    if out[by].isna().any():
        raise ValueError(f"poststratify: {int(out[by].isna().sum())} rows have no {by!r}: "
                         "drop them or give them a group before weighting")
    unknown = sorted(set(out[by].astype(str)) - set(map(str, population)))
    if unknown:
        raise ValueError(f"poststratify: no population count for {by} = {unknown}: "
                         "add them to the population counts")
    totals = base.groupby(out[by].astype(str)).sum()
    empty = sorted(g for g in map(str, population) if totals.get(g, 0) == 0)
    if empty:
        raise ValueError(f"poststratify: no respondent in {by} = {empty}: collapse these "
                         "groups with others or drop them from the population counts")
    pop = pd.Series({str(g): float(v) for g, v in population.items()})
    out[name] = base * out[by].astype(str).map(pop / totals)
    return out


def weighted_mean(df: pd.DataFrame, column: str, weights: str, *, strata: str | None = None,
                  cluster: str | None = None, fpc: str | None = None,
                  poststrata: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Weighted (Hájek) mean with a design-based, Taylor-linearized standard error.

    ``ŷ = Σ w_i y_i / Σ w_i``. Its linearization (influence) values are
    ``z_i = w_i (y_i − ŷ) / Σ w``; with ``poststrata`` they are first
    replaced by their residuals from post-stratum means, as R's
    ``survey::postStratify`` does. Then, within each stratum h (one stratum
    if ``strata`` is None) over its ``n_h`` primary sampling units (each
    respondent, or each ``cluster``),
    ``V = Σ_h (1 − f_h) · n_h/(n_h − 1) · Σ_c (z_hc − z̄_h)²`` with ``z_hc``
    the PSU totals and ``f_h = n_h / N_h`` when ``fpc`` names a column of
    population PSU counts ``N_h`` (Lohr 2010 ch. 9; Lumley 2010 ch. 2;
    R ``survey::svymean``). CI: ``ŷ ± z·SE``.

    Returns ``estimate, se, ci_low, ci_high, n, note``. No answer: NaN and a
    note; a stratum with one PSU contributes no variance (noted). A respondent
    with weight 0 stays in the design (as a domain in R's ``survey``) and adds
    nothing to the estimate. A weight that is missing, negative or infinite,
    every weight zero, or an infinite value of ``column`` raise ``ValueError``
    naming the column.

    Verified against R ``survey`` ``example(api)``: stratified ``apistrat``
    mean 662.29, SE 9.4089; post-stratified cluster sample ``apiclus1``
    642.31, SE 23.921.

    >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 1.0, 1.0, 1.0]})
    >>> weighted_mean(d, "y", "w")[["estimate", "se"]].round(4).to_dict("records")
    [{'estimate': 2.5, 'se': 0.6455}]
    """
    cols = [c for c in (column, weights, strata, cluster, fpc, poststrata) if c]
    data = df[list(dict.fromkeys(cols))].dropna(subset=[column])
    n = len(data)
    if n == 0:
        return pd.DataFrame([{"estimate": np.nan, "se": np.nan, "ci_low": np.nan,
                              "ci_high": np.nan, "n": 0, "note": "no answers"}])
    y = data[column].astype(float).to_numpy()
    w = _check_weights(data[weights], "weighted_mean")
    _check_finite(y[w > 0], "weighted_mean", column)
    y = np.where(w > 0, y, 0.0)  # as R's weighted.mean: zero-weight values are left out
    total = w.sum()
    est = float((w * y).sum() / total)
    z = w * (y - est) / total
    if poststrata:
        u = pd.Series((y - est) / total, index=data.index)
        z = w * (u - u.groupby(data[poststrata]).transform("mean")).to_numpy()
    frame = pd.DataFrame({"z": z,
                          "h": data[strata].to_numpy() if strata else 0,
                          "c": data[cluster].to_numpy() if cluster else np.arange(n),
                          "N": data[fpc].astype(float).to_numpy() if fpc else np.inf})
    var, lonely = 0.0, False
    for _, stratum in frame.groupby("h"):
        psu = stratum.groupby("c")["z"].sum()
        n_h = len(psu)
        if n_h < 2:
            lonely = True
            continue
        f_h = n_h / stratum["N"].iloc[0]
        var += (1 - f_h) * n_h / (n_h - 1) * float(((psu - psu.mean()) ** 2).sum())
    se = float(np.sqrt(var))
    q = sps.norm.isf(alpha / 2)
    note = "; ".join(t for c, t in [(lonely, "a stratum with one sampling unit adds no variance"),
                                    (se == 0, "no variation: standard error is zero")] if c)
    return pd.DataFrame([{"estimate": est, "se": se, "ci_low": est - q * se,
                          "ci_high": est + q * se, "n": n, "note": note}])


def weighted_proportion(df: pd.DataFrame, column: str, weights: str,
                        success: Sequence | None = None, **design) -> pd.DataFrame:
    """Weighted share of respondents whose ``column`` is in ``success`` (or true).

    The weighted mean of the 0/1 indicator, with the design-based SE of
    :func:`weighted_mean` (same keyword arguments: ``strata``, ``cluster``,
    ``fpc``, ``poststrata``, ``alpha``). Missing answers are left out of the
    base. The interval is the normal one on the linearized SE, clipped to
    [0, 1]; when every answer is (or none is) a success the SE is 0 and the
    note says so: use :func:`proportion_ci` for an interval in that case.

    >>> d = pd.DataFrame({"agree": [1, 0, 1, 1], "w": [1.0, 1.0, 2.0, 2.0]})
    >>> float(weighted_proportion(d, "agree", "w")["estimate"].iloc[0])
    0.8333333333333334
    """
    data = df.copy()
    answered = data[column].notna()
    flag = data[column].isin(success) if success is not None else data[column].astype(bool)
    data["_success"] = flag.astype(float).where(answered)
    out = weighted_mean(data, "_success", weights, **design)
    out["ci_low"] = out["ci_low"].clip(lower=0.0)
    out["ci_high"] = out["ci_high"].clip(upper=1.0)
    return out
