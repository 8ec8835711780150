"""Awkward inputs to every mwsn.stats function: R's answer, or a ValueError naming the argument.

One row per case: the function, the input, what R does with the same input (and where that
is written), and what mwsn.stats does. Where R returns a number we return the same number;
where R returns NA/NaN without a word, accepts a negative weight, or stops, we stop with a
ValueError that names the argument (the evaluator's data has an error to fix). The one
deliberate difference is kept from the project's convention and listed: no answers at all
gives NaN with a note (an empty group is normal in a survey), where R's binom.test stops.

R sources quoted:
- stats::binom.test (R 4.x): stop("'x' must be nonnegative and integer") and
  stop("'n' must be a positive integer >= 'x'").
- stats::fisher.test (R 4.x): `if(!is.numeric(x) || any(x < 0) || anyNA(x)) stop("all
  entries of 'x' must be nonnegative and finite")`, then `x <- round(x)` and
  stop("'x' has entries too large to be integer") for Inf.
- stats::wilcox.test.default (R >= 4.0): paired: `OK <- complete.cases(x, y); x <- x[OK] -
  y[OK]`, then `x <- x[!is.na(x)]` (Inf - Inf is NaN and is dropped; Inf is kept and ranked
  largest).
- stats::weighted.mean.default: `sum((x*w)[w != 0])/sum(w)`: all-zero weights give NaN, a
  missing weight NA, an infinite weight NaN, a negative weight is used as is; zero-weight
  values are left out.
- stats::p.adjust: NA p-values are kept and not counted (`n = sum(!is.na(p))`).
- stats::var (used by psych::alpha): any Inf gives NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mwsn import stats

INF, NAN = float("inf"), float("nan")


def _frame(y, w):
    return pd.DataFrame({"y": y, "w": w})


def _likert(w, item=(5, 4, 2, 1)):
    return pd.DataFrame({"q": list(item), "w": w})


def _ordinal(w=None, x=(0, 1, 2, 0, 1, 2, 1, 2, 2, 0)):
    d = pd.DataFrame({"y": pd.Categorical(list("abcabcbcca"), ordered=True), "x": list(x)})
    return d if w is None else d.assign(w=w)


# (id, call, R's behaviour, expected): expected is ("error", argument) or ("value", check)
CASES = [
    # -- proportion_ci: R binom.test
    ("proportion_ci count NaN", lambda: stats.proportion_ci(NAN, 10),
     "binom.test: 'x' must be nonnegative and integer", ("error", "count")),
    ("proportion_ci count infinite", lambda: stats.proportion_ci(INF, 10),
     "binom.test: stops ('x' not integer)", ("error", "count")),
    ("proportion_ci count negative", lambda: stats.proportion_ci(-1, 10),
     "binom.test: 'x' must be nonnegative and integer", ("error", "count")),
    ("proportion_ci count fractional", lambda: stats.proportion_ci(2.5, 10),
     "binom.test: 'x' must be nonnegative and integer", ("error", "count")),
    ("proportion_ci nobs infinite", lambda: stats.proportion_ci(1, INF),
     "binom.test: 'n' must be a positive integer >= 'x'", ("error", "nobs")),
    ("proportion_ci nobs zero", lambda: stats.proportion_ci(0, 0),
     "binom.test stops; kept as NaN with a note (an empty group is normal)",
     ("value", lambda r: math.isnan(r["estimate"].iloc[0]) and "no answers" in r["note"].iloc[0])),
    # -- agreement / likert_summary: weights as R weighted.mean would take them, refused
    ("agreement infinite answer",
     lambda: stats.agreement(pd.DataFrame({"q": [5.0, INF]}), ["q"], {"q": [4, 5]}),
     "no R equivalent (an answer code); an infinite code is a data error", ("error", "q")),
    ("likert_summary all weights zero",
     lambda: stats.likert_summary(_likert([0.0] * 4), {"q": [4, 5]}, weights="w"),
     "weighted.mean: 0/0 = NaN without a word", ("error", "weights")),
    ("likert_summary missing weight",
     lambda: stats.likert_summary(_likert([1.0, NAN, 1.0, 1.0]), {"q": [4, 5]}, weights="w"),
     "weighted.mean: NA", ("error", "weights")),
    ("likert_summary negative weight",
     lambda: stats.likert_summary(_likert([1.0, -1.0, 1.0, 1.0]), {"q": [4, 5]}, weights="w"),
     "weighted.mean: used as is (a share can leave [0, 1])", ("error", "weights")),
    ("likert_summary infinite weight",
     lambda: stats.likert_summary(_likert([1.0, INF, 1.0, 1.0]), {"q": [4, 5]}, weights="w"),
     "weighted.mean: Inf/Inf = NaN", ("error", "weights")),
    ("likert_summary zero weight on one respondent",
     lambda: stats.likert_summary(_likert([1.0, 0.0, 1.0, 1.0]), {"q": [4, 5]}, weights="w",
                                  levels=[1, 2, 3, 4, 5]),
     "weighted.mean(c(1,1,0,0), c(1,0,1,1)) = 1/3: the zero-weight answer is left out",
     ("value", lambda r: r.loc[r.kind == "top_box", "pct"].iloc[0] == pytest.approx(1 / 3))),
    # -- fisher_exact: R fisher.test
    ("fisher_exact infinite cell", lambda: stats.fisher_exact([[INF, 1], [1, 3]]),
     "fisher.test: 'x' has entries too large to be integer", ("error", "table")),
    ("fisher_exact missing cell", lambda: stats.fisher_exact([[NAN, 1], [1, 3]]),
     "fisher.test: all entries of 'x' must be nonnegative and finite", ("error", "table")),
    ("fisher_exact negative cell", lambda: stats.fisher_exact([[-1, 1], [1, 3]]),
     "fisher.test: all entries of 'x' must be nonnegative and finite", ("error", "table")),
    # -- crosstab_test: R table() leaves NA out of the table
    ("crosstab_test missing answers are left out",
     lambda: stats.crosstab_test(pd.DataFrame({"a": [1, 1, 1, 0, 0, 0, 1, 0, None],
                                               "g": list("aaaabbbbb")}), "a", "g"),
     "table(a, g) drops NA: fisher.test(matrix(c(3,1,1,3),2)) p = 0.4857 (34/70)",
     ("value", lambda r: r["p_value"].iloc[0] == pytest.approx(34 / 70) and r["n"].iloc[0] == 8)),
    # -- paired_change: R wilcox.test(paired = TRUE)
    ("paired_change infinite change",
     lambda: stats.paired_change([0, 0, 0, 0, 0, 0], [INF, 1, 2, -3, 4.5, 6]),
     "wilcox.test(c(Inf,1,2,-3,4.5,6), rep(0,6), paired=TRUE, exact=FALSE): V = 18, Inf "
     "ranked largest", ("value", lambda r: r["statistic"].iloc[0] == 18 and r["n_used"].iloc[0] == 6
                        and not math.isnan(r["p_value"].iloc[0]))),
    ("paired_change infinite on both sides",
     lambda: stats.paired_change([INF, 1, 2, 3, 4, 5, 6], [INF, 2, 4, 6, 8, 10, 12]),
     "Inf - Inf is NaN, dropped by x[!is.na(x)]: the same as the 6 other pairs",
     ("value", lambda r: r["n_pairs"].iloc[0] == 6 and "infinite before and after"
      in r["note"].iloc[0] and r["statistic"].iloc[0] == 21)),
    ("paired_change missing value",
     lambda: stats.paired_change([NAN, 1, 2], [1, 2, 4]),
     "complete.cases drops the pair", ("value", lambda r: r["n_pairs"].iloc[0] == 2)),
    # -- ordinal_regression: weights are whole frequencies
    ("ordinal_regression missing weight", lambda: stats.ordinal_regression(
        _ordinal([1, 1, NAN, 1, 1, 1, 1, 1, 1, 1]), "y ~ x", weights="w"),
     "polr: case weights; NA is not a frequency", ("error", "weights")),
    ("ordinal_regression negative weight", lambda: stats.ordinal_regression(
        _ordinal([1, 1, -1, 1, 1, 1, 1, 1, 1, 1]), "y ~ x", weights="w"),
     "a frequency cannot be negative", ("error", "weights")),
    ("ordinal_regression infinite weight", lambda: stats.ordinal_regression(
        _ordinal([1, 1, INF, 1, 1, 1, 1, 1, 1, 1]), "y ~ x", weights="w"),
     "an infinite frequency (was an integer overflow)", ("error", "weights")),
    ("ordinal_regression all weights zero", lambda: stats.ordinal_regression(
        _ordinal([0] * 10), "y ~ x", weights="w"),
     "no observation left to fit", ("error", "weights")),
    ("ordinal_regression infinite predictor", lambda: stats.ordinal_regression(
        _ordinal(x=(0, 1, 2, 0, 1, INF, 1, 2, 2, 0)), "y ~ x"),
     "model.frame keeps Inf and the fit fails", ("error", "x")),
    # -- cronbach_alpha: R var() with Inf is NaN
    ("cronbach_alpha infinite answer", lambda: stats.cronbach_alpha(
        pd.DataFrame({"a": [1, 2, 3, INF], "b": [2, 2, 3, 5]})),
     "var(c(1,2,3,Inf)) = NaN, alpha NaN without a word", ("error", "a")),
    # -- adjust_pvalues: R p.adjust
    ("adjust_pvalues missing p", lambda: stats.adjust_pvalues([0.01, NAN, 0.04]),
     "p.adjust(c(0.01, NA, 0.04), 'holm') = 0.02, NA, 0.04 (NA kept, n = 2)",
     ("value", lambda r: np.allclose(r["p_adjusted"].to_numpy(), [0.02, NAN, 0.04],
                                     equal_nan=True))),
    ("adjust_pvalues infinite p", lambda: stats.adjust_pvalues([0.01, INF]),
     "p.adjust caps at 1 without a word; not a p-value", ("error", "p")),
    # -- poststratify
    ("poststratify zero population", lambda: stats.poststratify(
        pd.DataFrame({"g": ["a", "b"]}), "g", {"a": 10, "b": 0}),
     "postStratify: the group's weights become 0", ("error", "population")),
    ("poststratify infinite population", lambda: stats.poststratify(
        pd.DataFrame({"g": ["a", "b"]}), "g", {"a": 10, "b": INF}),
     "infinite weights", ("error", "population")),
    ("poststratify negative base weight", lambda: stats.poststratify(
        pd.DataFrame({"g": ["a", "a"], "w": [1.0, -1.0]}), "g", {"a": 10}, weights="w"),
     "a weight cannot be negative", ("error", "weights")),
    # -- weighted_mean / weighted_proportion: R weighted.mean
    ("weighted_mean all weights zero", lambda: stats.weighted_mean(
        _frame([1.0, 2.0], [0.0, 0.0]), "y", "w"),
     "weighted.mean(c(1,2), c(0,0)) = NaN (was ZeroDivisionError)", ("error", "weights")),
    ("weighted_mean missing weight", lambda: stats.weighted_mean(
        _frame([1.0, 2.0, 3.0], [1.0, NAN, 1.0]), "y", "w"),
     "weighted.mean: NA (was: dropped while n counted the person)", ("error", "weights")),
    ("weighted_mean negative weight", lambda: stats.weighted_mean(
        _frame([1.0, 2.0, 3.0], [1.0, -1.0, 1.0]), "y", "w"),
     "weighted.mean: used as is", ("error", "weights")),
    ("weighted_mean infinite weight", lambda: stats.weighted_mean(
        _frame([1.0, 2.0, 3.0], [1.0, INF, 1.0]), "y", "w"),
     "weighted.mean: NaN (was SE 0, 'no variation')", ("error", "weights")),
    ("weighted_mean infinite value", lambda: stats.weighted_mean(
        _frame([1.0, INF, 3.0], [1.0, 1.0, 1.0]), "y", "w"),
     "weighted.mean: Inf", ("error", "y")),
    ("weighted_mean zero weight on an infinite value", lambda: stats.weighted_mean(
        _frame([1.0, INF, 3.0], [1.0, 0.0, 1.0]), "y", "w"),
     "weighted.mean(c(1,Inf,3), c(1,0,1)) = 2: zero-weight values are left out",
     ("value", lambda r: r["estimate"].iloc[0] == 2.0)),
    # -- mcnemar: R mcnemar.test (`if (any(x < 0) || anyNA(x)) stop("all entries of 'x' must
    #    be nonnegative and finite")`; Inf passes R's check and gives NaN)
    ("mcnemar missing cell", lambda: stats.mcnemar([[NAN, 3], [4, 5]]),
     "mcnemar.test: all entries of 'x' must be nonnegative and finite", ("error", "table")),
    ("mcnemar infinite cell", lambda: stats.mcnemar([[1, INF], [4, 5]]),
     "mcnemar.test: NaN statistic without a word", ("error", "table")),
    ("mcnemar no one changed", lambda: stats.mcnemar([[10, 0], [0, 5]]),
     "mcnemar.test: 0/0, statistic NaN, p NA", ("value", lambda r: math.isnan(
         r["statistic"].iloc[0]) and "no one changed" in r["note"].iloc[0])),
    # -- chisq_power: power needs a finite sample size and an effect size of 0 or more
    ("chisq_power infinite n", lambda: stats.chisq_power(0.3, INF, 1),
     "no power for an infinite sample (1 - pchisq(..., ncp = Inf) is 1 without meaning)",
     ("error", "n")),
    ("chisq_power negative w", lambda: stats.chisq_power(-0.3, 50, 1),
     "Cohen's w is 0 or more; a negative one is a mistake", ("error", "w")),
    ("weighted_proportion all weights zero", lambda: stats.weighted_proportion(
        pd.DataFrame({"agree": [1, 0], "w": [0.0, 0.0]}), "agree", "w"),
     "weighted.mean: NaN", ("error", "weights")),
]


@pytest.mark.parametrize("call, r_behaviour, expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_awkward_input_gives_r_answer_or_names_the_argument(call, r_behaviour, expected):
    kind, what = expected
    if kind == "error":
        with pytest.raises(ValueError, match=f"'{what}'"):
            call()
    else:
        assert what(call()), r_behaviour


def test_every_stats_function_is_in_the_table():
    public = {name for name in dir(stats) if not name.startswith("_")
              and callable(getattr(stats, name)) and getattr(
                  getattr(stats, name), "__module__", "") == "mwsn.stats"}
    covered = {case[0].split()[0] for case in CASES}
    assert public <= covered, sorted(public - covered)


def test_a_fit_that_does_not_converge_says_so_in_the_table():
    # complete separation: x predicts the level exactly, the coefficient runs off to infinity
    d = pd.DataFrame({"y": pd.Categorical(list("aaaabbbbcccc"), ordered=True),
                      "x": [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]})
    with np.errstate(all="ignore"):
        out = stats.ordinal_regression(d, "y ~ x")
    assert out["note"].str.contains("unreliable").all()
