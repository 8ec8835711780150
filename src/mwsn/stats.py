"""Thin, tested wrappers over scipy/statsmodels returning tidy frames.

Each function takes arrays or a tidy DataFrame and returns a DataFrame with
stable column names, in the manner of pingouin. Tests check them against
published values (see ``tests/test_stats.py`` and ``docs/methods.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

_METHODS = {"wilson": "wilson", "clopper-pearson": "beta", "agresti-coull": "agresti_coull"}


def proportion_ci(count: int, nobs: int, method: str = "wilson",
                  alpha: float = 0.05) -> pd.DataFrame:
    """Estimate and confidence interval of a binomial proportion.

    Wraps ``statsmodels.stats.proportion.proportion_confint``. ``method`` is
    ``"wilson"`` (score interval without continuity correction; Newcombe 1998
    method 3), ``"clopper-pearson"`` (exact) or ``"agresti-coull"``.
    With ``nobs == 0`` the estimate and interval are missing (NaN), not an error.

    >>> proportion_ci(81, 263).round(4).to_dict("records")
    [{'estimate': 0.308, 'ci_low': 0.2553, 'ci_high': 0.3662, 'n': 263}]
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, not {method!r}")
    if count < 0 or nobs < 0 or count > nobs:
        raise ValueError(f"need 0 <= count <= nobs, got count={count}, nobs={nobs}")
    if nobs == 0:
        return pd.DataFrame([{"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0}])
    low, high = proportion_confint(count, nobs, alpha=alpha, method=_METHODS[method])
    return pd.DataFrame([{"estimate": count / nobs, "ci_low": float(low),
                          "ci_high": float(high), "n": int(nobs)}])


def agreement(df: pd.DataFrame, items: list[str], agree_codes: dict[str, list[int]],
              by: str | None = None) -> pd.DataFrame:
    """Top-box agreement per item (× group) with Wilson 95% CIs.

    ``df`` holds Likert codes (missing = no opinion, excluded from the base).
    Returns ``item, group, n, agree, agree_pct, ci_low, ci_high``.
    """
    rows = []
    groups = [("all", df)] if by is None else [("all", df), *df.groupby(by, sort=True)]
    for item in items:
        for group, part in groups:
            answered = part[item].dropna()
            agree = int(answered.isin(agree_codes[item]).sum())
            ci = proportion_ci(agree, len(answered)).iloc[0]
            rows.append({"item": item, "group": str(group), "n": len(answered), "agree": agree,
                         "agree_pct": ci.estimate, "ci_low": ci.ci_low, "ci_high": ci.ci_high})
    return pd.DataFrame(rows)
