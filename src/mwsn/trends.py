"""Indicators over data rounds (waves): change between waves, baseline and target.

Two rounds of a survey are rarely two independent samples or one panel: some
people answer both, most answer once. :func:`wave_change` keeps the two apart,
as the design requires (Agresti 2013, *Categorical Data Analysis*, ch. 11):
people who answered in both waves (matched by their pseudonym, which is the
same in every wave with the same key) are compared with themselves by
McNemar's test; people who answered in one wave only are two independent
samples, compared by Fisher's exact test. Neither is a statement about the
population unless the respondents were a random sample of it (see
``docs/methods.md``).

:func:`against_target` sets each indicator's latest value beside its baseline
(the register's baseline wave) and its target (the register, or the
jurisdiction's own), and says whether the target is met.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mwsn import stats

CHANGE_COLUMNS = ["item", "design", "n", "share_earlier", "share_later", "test", "statistic",
                  "p_value", "note"]


def _agree(frame: pd.DataFrame, item: str, agree_codes: Sequence[int]) -> pd.Series:
    """Per participant (latest answer kept), True/False for agreeing; no opinion left out."""
    answered = frame.dropna(subset=[item]).drop_duplicates("participant", keep="last")
    return pd.Series(answered[item].isin(agree_codes).to_numpy(),
                     index=answered["participant"].to_numpy())


def wave_change(earlier: pd.DataFrame, later: pd.DataFrame, item: str,
                agree_codes: Sequence[int]) -> pd.DataFrame:
    """Change in the share agreeing with ``item`` between two waves.

    Parameters
    ----------
    earlier, later : pandas.DataFrame
        Cleaned survey answers of two waves: ``participant`` (pseudonym) and
        ``item`` (the position on the scale; missing when no opinion).
    item : str
        The Likert item.
    agree_codes : sequence of int
        The scale positions that count as agreeing (the top box).

    Returns
    -------
    pandas.DataFrame
        Two rows, ``design`` = ``matched`` (people who answered in both waves:
        McNemar's test, :func:`mwsn.stats.mcnemar`; its exact p-value when
        fewer than 25 changed answer) and ``independent`` (people who answered
        in one wave only: Fisher's exact test, :func:`mwsn.stats.fisher_exact`).
        Columns ``item, design, n, share_earlier, share_later, test,
        statistic, p_value, note``; ``n`` counts people (pairs for matched).
        The counts behind the shares are people: a report shows them only
        through :mod:`mwsn.privacy`.
    """
    before, after = _agree(earlier, item, agree_codes), _agree(later, item, agree_codes)
    both = before.index.intersection(after.index)
    rows = []
    b, a = before[both], after[both]
    if len(both):
        table = [[int((b & a).sum()), int((b & ~a).sum())],
                 [int((~b & a).sum()), int((~b & ~a).sum())]]
        test = stats.mcnemar(table).iloc[0]
        exact = not np.isnan(test.p_exact)
        rows.append({"item": item, "design": "matched", "n": len(both),
                     "share_earlier": float(b.mean()), "share_later": float(a.mean()),
                     "test": "mcnemar_exact" if exact else "mcnemar",
                     "statistic": test.statistic,
                     "p_value": test.p_exact if exact else test.p_value, "note": test.note})
    else:
        rows.append({"item": item, "design": "matched", "n": 0, "share_earlier": np.nan,
                     "share_later": np.nan, "test": "mcnemar", "statistic": np.nan,
                     "p_value": np.nan, "note": "no one answered in both waves"})
    only_before = before.drop(both)
    only_after = after.drop(both)
    if len(only_before) and len(only_after):
        table = [[int(only_before.sum()), int((~only_before).sum())],
                 [int(only_after.sum()), int((~only_after).sum())]]
        test = stats.fisher_exact(table).iloc[0]
        rows.append({"item": item, "design": "independent",
                     "n": len(only_before) + len(only_after),
                     "share_earlier": float(only_before.mean()),
                     "share_later": float(only_after.mean()), "test": "fisher_exact",
                     "statistic": test.odds_ratio, "p_value": test.p_value, "note": test.note})
    else:
        rows.append({"item": item, "design": "independent",
                     "n": len(only_before) + len(only_after), "share_earlier": np.nan,
                     "share_later": np.nan, "test": "fisher_exact", "statistic": np.nan,
                     "p_value": np.nan,
                     "note": "no one answered in only one of the two waves on one side"})
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


TARGET_COLUMNS = ["indicator_id", "baseline_wave", "baseline", "latest_wave", "latest",
                  "target", "target_by", "direction", "change", "target_status"]


def against_target(by_wave: pd.DataFrame, targets: dict, baselines: dict[str, str] | None = None,
                   directions: dict[str, str] | None = None,
                   waves: Sequence[str] | None = None) -> pd.DataFrame:
    """Each registered indicator's baseline, latest value and target.

    Parameters
    ----------
    by_wave : pandas.DataFrame
        ``wave, indicator_id, estimate``: one row per indicator and wave
        (missing estimate: not collected, insufficient or suppressed).
    targets : dict
        indicator id → :class:`mwsn.register.Target` (``value``, ``by``).
    baselines : dict, optional
        indicator id → the baseline wave id (``first``, the default, is the
        first wave in ``waves`` order with an estimate).
    directions : dict, optional
        indicator id → ``higher`` (default) or ``lower`` is better.
    waves : sequence of str, optional
        Wave ids in time order (default: the order they appear in ``by_wave``).

    Returns
    -------
    pandas.DataFrame
        ``indicator_id, baseline_wave, baseline, latest_wave, latest, target,
        target_by, direction, change, target_status``: ``change`` is latest −
        baseline; ``target_status`` is ``met`` when the latest value reaches
        the target in its direction, ``not_met`` otherwise, ``no_data`` when no
        wave has an estimate.
    """
    baselines, directions = baselines or {}, directions or {}
    order = list(waves) if waves is not None else list(dict.fromkeys(by_wave["wave"]))
    rank = {w: i for i, w in enumerate(order)}
    rows = []
    for indicator, target in targets.items():
        found = by_wave[(by_wave["indicator_id"] == indicator) & by_wave["estimate"].notna()]
        found = found.assign(_rank=found["wave"].map(rank)).sort_values("_rank")
        direction = directions.get(indicator, "higher")
        row = {"indicator_id": indicator, "baseline_wave": None, "baseline": np.nan,
               "latest_wave": None, "latest": np.nan, "target": float(target.value),
               "target_by": target.by, "direction": direction, "change": np.nan,
               "target_status": "no_data"}
        if not found.empty:
            wanted = baselines.get(indicator, "first")
            base = found.iloc[0] if wanted == "first" else found[found["wave"] == wanted]
            base = base if isinstance(base, pd.Series) else (base.iloc[0] if len(base) else None)
            latest = found.iloc[-1]
            row.update(latest_wave=latest["wave"], latest=float(latest["estimate"]))
            if base is not None:
                row.update(baseline_wave=base["wave"], baseline=float(base["estimate"]),
                           change=float(latest["estimate"] - base["estimate"]))
            reached = (latest["estimate"] >= target.value if direction == "higher"
                       else latest["estimate"] <= target.value)
            row["target_status"] = "met" if reached else "not_met"
        rows.append(row)
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)
