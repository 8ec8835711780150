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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mwsn import config, privacy, stats
from mwsn.config import Jurisdiction

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


# -- the trend step (notebooks/07_trends.ipynb) ---------------------------------------------

@dataclass(frozen=True)
class Round:
    """One data round as the trend step sees it.

    ``wave`` is the wave id (``None`` for a jurisdiction with one implicit round),
    ``period_end`` the last month it covers (``YYYY-MM``) and ``processed`` the folder
    of its processed tables.
    """

    wave: str | None
    period_end: str
    processed: Path

    @property
    def name(self) -> str:
        """The wave id, or ``-`` for the only round (a ledger key part, never shown)."""
        return self.wave if self.wave is not None else "-"


def rounds_so_far(params: Jurisdiction, root: str | Path, wave: str | None) -> list[Round]:
    """The rounds a wave's trend shows: every wave up to and including ``wave``, oldest first.

    Parameters
    ----------
    params : mwsn.config.Jurisdiction
        The jurisdiction's params (as :func:`mwsn.config.load` returns them).
    root : path
        The project root; each wave's processed tables are under
        ``data/processed/<jur>/<wave>/`` (the runner gives this step the earlier waves'
        folders read-only).
    wave : str or None
        This run's wave; ``None`` for a jurisdiction without waves (one round).

    Returns
    -------
    list of Round

    Raises
    ------
    KeyError
        ``wave`` is not a wave of the jurisdiction.
    """
    if not params.waves:
        return [Round(None, params.period.end, config.paths(params.code, root).processed)]
    ids = [w.id for w in params.waves]
    if wave is not None and wave not in ids:
        raise KeyError(f"no wave {wave!r} in {params.code}'s params (its waves: {', '.join(ids)})")
    last = ids.index(wave) if wave is not None else len(ids) - 1
    return [Round(w.id, w.period.end, config.paths(params.code, root, w.id).processed)
            for w in params.waves[:last + 1]]


VALUE_COLUMNS = ["wave", "wave_order", "period_end", "indicator_id", "kind", "subject", "group",
                 "unit", "status",
                 "estimate", "ci_low", "ci_high", "count", "n", "withheld", "count_cell",
                 "n_cell"]


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / f"{name}.parquet"
    return pd.read_parquet(path) if path.is_file() else None


def _cell_name(key) -> str:
    return "" if key is None else "/".join(key)


def _matrix_value(row: pd.DataFrame, ledger: privacy.Ledger) -> dict:
    """One indicator of ``indicator_scores`` as its wave's report shows it."""
    first = row.iloc[0]
    count, n = privacy.indicator_cells(first)
    group = first["group"] if isinstance(first["group"], str) else ""
    out = {"kind": first["kind"], "subject": first["subject"], "group": group,
           "unit": first["unit"], "count_cell": _cell_name(count),
           "n_cell": _cell_name(n)}
    if first["status"] != "measured":
        return {**out, "status": "not_collected", "estimate": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "count": np.nan, "n": np.nan, "withheld": ""}
    shown = privacy.protected_indicators(row.iloc[[0]], ledger).iloc[0]
    return {**out, "status": "measured", "estimate": shown["estimate"],
            "ci_low": shown["ci_low"], "ci_high": shown["ci_high"], "count": shown["count"],
            "n": shown["n"], "withheld": str(shown["withheld"])}


def _service_value(rows: pd.DataFrame, ledger: privacy.Ledger | None) -> dict:
    """A service-records metric (``service_indicators``) as its wave's report shows it
    (:func:`mwsn.privacy.protected_services`): a complete count, no interval."""
    metric = rows.iloc[0]["metric"]
    if (rows.iloc[0].get("status", "measured") != "measured"
            or pd.isna(rows.iloc[0]["count"])):  # the wave had no records
        return {"kind": "service_metric", "subject": metric, "group": "", "unit": "",
                "status": "not_collected", "estimate": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "count": np.nan, "n": np.nan, "withheld": "",
                "count_cell": "", "n_cell": ""}
    shown = (privacy.protected_services(rows.iloc[[0]], ledger).iloc[0] if ledger is not None
             else rows.iloc[0])
    base = privacy.SERVICE_BASES.get(metric)
    estimate = shown["share"] if base is not None else shown["count"]
    people = metric != "organizations_reporting"
    return {"kind": "service_metric", "subject": metric, "group": "",
            "unit": "share" if base is not None else "count", "status": "measured",
            "estimate": np.nan if pd.isna(estimate) else float(estimate), "ci_low": np.nan,
            "ci_high": np.nan,
            "count": np.nan if pd.isna(shown["count"]) else float(shown["count"]),
            "n": np.nan if base is None or pd.isna(shown["base"]) else float(shown["base"]),
            "withheld": str(shown.get("withheld", "") or "") if ledger is not None
            else "uncovered",
            "count_cell": f"services/{metric}/count" if people else "",
            "n_cell": f"services/{base}/count" if base is not None else ""}


def values_by_round(rounds: Sequence[Round], indicator_ids: Sequence[str],
                    min_cell: int) -> pd.DataFrame:
    """Each registered indicator's value in each round, as that round's report shows it.

    Parameters
    ----------
    rounds : sequence of Round
        Oldest first (:func:`rounds_so_far`).
    indicator_ids : sequence of str
        The register's indicators, in its order.
    min_cell : int
        The jurisdiction's smallest count shown.

    Returns
    -------
    pandas.DataFrame
        One row per round × indicator: ``wave, wave_order, period_end, indicator_id, kind,
        unit, status, estimate, ci_low, ci_high, count, n, withheld, count_cell, n_cell``.
        ``status`` is ``measured``, ``not_collected`` (the round did not collect it) or
        ``no_table`` (the round has no table holding it: no service records, say).
        Indicators of the evaluation matrix come from the round's ``indicator_scores``
        through its own disclosure pass (:func:`mwsn.privacy.protected_indicators`: a
        hidden figure is missing and ``withheld`` names the rule), with their Wilson 95%
        intervals; service-records metrics from ``service_indicators`` through the same
        pass (:func:`mwsn.privacy.protected_services`, no interval: complete counts).
        ``count_cell``/``n_cell`` name the ledger cells
        (``table/row/column``) behind the figure.
    """
    rows = []
    for order, one in enumerate(rounds):
        scores = _read(one.processed, "indicator_scores")
        services = _read(one.processed, "service_indicators")
        ledger = (privacy.load_pass(one.processed, min_cell)
                  if scores is not None or services is not None else None)
        for indicator in indicator_ids:
            found = (scores[scores["indicator_id"] == indicator]
                     if scores is not None else pd.DataFrame())
            metric = (services[services["metric"] == indicator]
                      if services is not None and "metric" in services else pd.DataFrame())
            if len(found):
                value = _matrix_value(found, ledger)
            elif len(metric):
                value = _service_value(metric, ledger)
            else:
                value = {"kind": "", "subject": "", "group": "", "unit": "",
                         "status": "no_table", "estimate": np.nan,
                         "ci_low": np.nan, "ci_high": np.nan, "count": np.nan, "n": np.nan,
                         "withheld": "", "count_cell": "", "n_cell": ""}
            rows.append({"wave": one.wave, "wave_order": order, "period_end": one.period_end,
                         "indicator_id": indicator, **value})
    out = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    for column in ("estimate", "ci_low", "ci_high", "count", "n"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    return out


def pairs_to_compare(rounds: Sequence[Round], baseline: str = "first",
                     first: int = 0) -> list[tuple[int, int, str]]:
    """``(earlier, later, span)`` positions in ``rounds``: each consecutive pair
    (``consecutive``) and, when it is not one of them, baseline → latest (``baseline``);
    ``first`` is the position of the baseline ``first`` (the first round that collected the
    indicator, :func:`first_collected`)."""
    found = [(i, i + 1, "consecutive") for i in range(len(rounds) - 1)]
    names = [r.wave for r in rounds]
    base = first if baseline == "first" else (names.index(baseline) if baseline in names else None)
    if base is not None and len(rounds) - 1 - base >= 2:
        found.append((base, len(rounds) - 1, "baseline"))
    return found


def agreement_split(earlier: pd.DataFrame, later: pd.DataFrame, item: str,
                    agree_codes: Sequence[int], group: str | None = None) -> dict[str, int]:
    """The counts behind a change in the share agreeing, people matched by pseudonym.

    Parameters
    ----------
    earlier, later : pandas.DataFrame
        Cleaned survey answers of two waves (``participant``, ``stakeholder_group``,
        ``item``).
    item : str
    agree_codes : sequence of int
    group : str, optional
        Only respondents of this stakeholder group (both waves), as the indicator counts.

    Returns
    -------
    dict
        ``pairs`` (people with an opinion in both waves), ``pairs_agree_earlier``,
        ``pairs_agree_later``, ``agree_to_not`` and ``not_to_agree`` (McNemar's
        discordant cells b and c), ``only_earlier``, ``only_earlier_agree``,
        ``only_later``, ``only_later_agree``. ``pairs + only_earlier`` is the earlier
        wave's base.
    """
    def part(frame):
        if group is not None and "stakeholder_group" in frame:
            frame = frame[frame["stakeholder_group"] == group]
        return _agree(frame, item, agree_codes)

    before, after = part(earlier), part(later)
    both = before.index.intersection(after.index)
    b, a = before[both], after[both]
    alone_before, alone_after = before.drop(both), after.drop(both)
    return {"pairs": len(both), "pairs_agree_earlier": int(b.sum()),
            "pairs_agree_later": int(a.sum()), "agree_to_not": int((b & ~a).sum()),
            "not_to_agree": int((~b & a).sum()), "only_earlier": len(alone_before),
            "only_earlier_agree": int(alone_before.sum()), "only_later": len(alone_after),
            "only_later_agree": int(alone_after.sum())}


def split_tests(split: dict[str, int]) -> list[dict]:
    """McNemar's test on the matched people, Fisher's exact test on the others.

    Parameters
    ----------
    split : dict
        Output of :func:`agreement_split`.

    Returns
    -------
    list of dict
        Two records, ``design`` ``matched`` and ``independent``, each with ``test,
        statistic, p_value, note`` (NaN and a note when the design has no one).
        McNemar's test (:func:`mwsn.stats.mcnemar`; its exact p-value when fewer than 25
        changed answer) and Fisher's exact test (:func:`mwsn.stats.fisher_exact`, the odds
        ratio as statistic), Agresti (2013), *Categorical Data Analysis*, ch. 11 and 3.5.
    """
    out = []
    if split["pairs"]:
        agree_both = split["pairs_agree_earlier"] - split["agree_to_not"]
        neither = split["pairs"] - agree_both - split["agree_to_not"] - split["not_to_agree"]
        test = stats.mcnemar([[agree_both, split["agree_to_not"]],
                              [split["not_to_agree"], neither]]).iloc[0]
        exact = not np.isnan(test.p_exact)
        out.append({"design": "matched", "test": "mcnemar_exact" if exact else "mcnemar",
                    "statistic": float(test.statistic),
                    "p_value": float(test.p_exact if exact else test.p_value),
                    "note": test.note})
    else:
        out.append({"design": "matched", "test": "mcnemar", "statistic": np.nan,
                    "p_value": np.nan, "note": "no one answered in both waves"})
    if split["only_earlier"] and split["only_later"]:
        table = [[split["only_earlier_agree"], split["only_earlier"] - split["only_earlier_agree"]],
                 [split["only_later_agree"], split["only_later"] - split["only_later_agree"]]]
        test = stats.fisher_exact(table).iloc[0]
        out.append({"design": "independent", "test": "fisher_exact",
                    "statistic": float(test.odds_ratio), "p_value": float(test.p_value),
                    "note": test.note})
    else:
        out.append({"design": "independent", "test": "fisher_exact", "statistic": np.nan,
                    "p_value": np.nan,
                    "note": "no one answered in only one of the two waves on one side"})
    return out


def splits_by_round(rounds: Sequence[Round], values: pd.DataFrame, agree_codes: dict,
                    pairs: dict) -> dict:
    """:func:`agreement_split` for each survey-agreement indicator and pair of rounds that
    both hold its answers (``survey``) and measured it.

    Parameters
    ----------
    rounds : sequence of Round
    values : pandas.DataFrame
        :func:`values_by_round` (plus the indicator's ``subject`` item and ``group``).
    agree_codes : dict
        item → its top-box codes (:func:`mwsn.codebook.likert_items`).
    pairs : dict
        indicator id → its :func:`pairs_to_compare`.

    Returns
    -------
    dict
        ``(indicator_id, earlier, later)`` → the split counts.
    """
    surveys = {i: _read(r.processed, "survey") for i, r in enumerate(rounds)}
    found = {}
    agreeing = values[(values["kind"] == "survey_agreement") & (values["status"] == "measured")]
    by = agreeing.set_index(["indicator_id", "wave_order"])
    for indicator in agreeing["indicator_id"].unique():
        for i, j, _ in pairs[indicator]:
            if (indicator, i) not in by.index or (indicator, j) not in by.index:
                continue
            row = by.loc[(indicator, i)]
            item, group = row["subject"], row["group"]
            if surveys[i] is None or surveys[j] is None or item not in agree_codes or any(
                    item not in s.columns for s in (surveys[i], surveys[j])):
                continue
            found[(indicator, i, j)] = agreement_split(
                surveys[i], surveys[j], item, agree_codes[item],
                group if isinstance(group, str) and group else None)
    return found


def _shown(ledger: privacy.Ledger, k) -> float:
    value = ledger.shown(k)
    return np.nan if value is None else float(value)


def values_as_shown(values: pd.DataFrame, ledger: privacy.Ledger,
                    wave_names: Sequence[str]) -> pd.DataFrame:
    """``values`` checked against the trend's pass: each figure went through its own wave's
    pass already, whose shown cells the trend's pass keeps, so this only guards a service
    figure the trend's pass hides; ``withheld`` says ``secondary`` for a base hidden."""
    from mwsn import trend_disclosure as td

    out = values.copy()
    for i, r in zip(out.index, out.itertuples(index=False)):
        if r.kind != "service_metric":
            continue
        for cell, columns in ((r.n_cell, ["estimate", "count", "n"]),
                              (r.count_cell, ["estimate", "count"])):
            if cell and ledger.hidden(td.key(wave_names[r.wave_order], cell)):
                out.loc[i, columns] = np.nan
                out.loc[i, "withheld"] = ledger.rule[td.key(wave_names[r.wave_order], cell)]
                break
    out["withheld"] = out["withheld"].replace("base_hidden", "secondary")
    return out


TREND_COLUMNS = ["wave", "wave_order", "period_end", "indicator_id", "unit", "status",
                 "estimate", "ci_low", "ci_high", "n", "withheld", "is_baseline",
                 "target", "target_by", "direction", "target_status"]


def target_status(estimate: float, target: float, by: str, as_of: str,
                  direction: str = "higher") -> str:
    """Where one shown value stands against its target at the end of its round.

    Returns
    -------
    str
        ``met`` (reached, in the indicator's direction), ``not_met`` (not reached and the
        target date, ``by``, is past at ``as_of``), ``not_yet_met`` (not reached, date
        still ahead) or ``no_data`` (no value shown: not collected or hidden).
    """
    if estimate is None or pd.isna(estimate):
        return "no_data"
    reached = estimate >= target if direction == "higher" else estimate <= target
    if reached:
        return "met"
    return "not_met" if as_of >= by else "not_yet_met"


def first_collected(values: pd.DataFrame) -> dict[str, int]:
    """indicator id → ``wave_order`` of the first round that collected it (its ``status`` is
    ``measured``, whether or not its figure is shown): the baseline ``first``. A round
    without the indicator's data (no service records in the pilot, say) is never its
    baseline; an indicator no round collected has none."""
    measured = values[values["status"] == "measured"]
    return {str(k): int(v) for k, v in measured.groupby("indicator_id")["wave_order"].min().items()}


def trend(values: pd.DataFrame, targets: dict, directions: dict[str, str],
          baselines: dict[str, str]) -> pd.DataFrame:
    """Each indicator in each round, against its baseline and target.

    Parameters
    ----------
    values : pandas.DataFrame
        :func:`values_as_shown`.
    targets : dict
        indicator id → :class:`mwsn.register.Target` (``value``, ``by``: ``YYYY-MM``).
    directions : dict
        indicator id → ``higher`` or ``lower`` (is better).
    baselines : dict
        indicator id → its baseline wave id (``first``: the first round that collected
        it, :func:`first_collected`; none while no round has).

    Returns
    -------
    pandas.DataFrame
        ``wave, wave_order, period_end, indicator_id, unit, status, estimate, ci_low,
        ci_high, n, withheld, is_baseline, target, target_by, direction, target_status``:
        one row per round × indicator, figures as shown (missing when hidden, with
        ``withheld`` naming the rule); ``target_status`` (:func:`target_status`) is judged
        at the round's ``period_end``.
    """
    first = first_collected(values)
    rows = []
    for r in values.itertuples(index=False):
        target = targets[r.indicator_id]
        direction = directions.get(r.indicator_id, "higher")
        base = baselines.get(r.indicator_id, "first")
        rows.append({"wave": r.wave, "wave_order": r.wave_order, "period_end": r.period_end,
                     "indicator_id": r.indicator_id, "unit": r.unit, "status": r.status,
                     "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high,
                     "n": r.n, "withheld": r.withheld,
                     "is_baseline": (r.wave_order == first.get(r.indicator_id)
                                     if base == "first" else r.wave == base),
                     "target": float(target.value), "target_by": target.by,
                     "direction": direction,
                     "target_status": target_status(r.estimate, float(target.value), target.by,
                                                    r.period_end, direction)})
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


CHANGE_TREND_COLUMNS = ["indicator_id", "wave_from", "wave_to", "span", "design", "n_from",
                        "n_to", "share_from", "share_to", "change", "discordant", "test",
                        "statistic", "p_value", "withheld", "note"]


def _first_rule(ledger: privacy.Ledger, keys) -> str:
    for k in keys:
        if k is not None and ledger.hidden(k):
            rule = ledger.rule[k]
            return "secondary" if rule == "base_hidden" else rule
    return ""


def trend_changes(values: pd.DataFrame, pairs: dict, splits: dict,
                  ledger: privacy.Ledger, wave_names: Sequence[str]) -> pd.DataFrame:
    """The change in each indicator between rounds, as shown, with its tests.

    Parameters
    ----------
    values : pandas.DataFrame
        :func:`values_as_shown`.
    pairs : dict
        indicator id → its :func:`pairs_to_compare`.
    splits : dict
        :func:`splits_by_round`.
    ledger : mwsn.privacy.Ledger
        The trend's pass (:func:`mwsn.trend_disclosure.trend_pass`).
    wave_names : sequence of str

    Returns
    -------
    pandas.DataFrame
        ``indicator_id, wave_from, wave_to, span, design, n_from, n_to, share_from,
        share_to, change, discordant, test, statistic, p_value, withheld, note``. Per
        indicator and pair, a row ``design = all`` (the change between the two rounds'
        shown values: missing unless both are shown) and, for survey-agreement
        indicators whose answers both rounds hold, ``matched`` (people who answered in
        both, by pseudonym: their shares, discordant pairs, McNemar's test) and
        ``independent`` (people in one round only: Fisher's exact test). A count or share
        the trend's pass hides is missing; a test is shown only when every count it is
        computed from is shown (``withheld`` names the first rule that hid one).
    """
    from mwsn import trend_disclosure as td

    by = values.set_index(["indicator_id", "wave_order"])
    rows = []
    for indicator in dict.fromkeys(values["indicator_id"]):
        for i, j, span in pairs[indicator]:
            a, b = by.loc[(indicator, i)], by.loc[(indicator, j)]
            both = not pd.isna(a["estimate"]) and not pd.isna(b["estimate"])
            hidden = "" if both else (a["withheld"] or b["withheld"] or "")
            rows.append({"indicator_id": indicator, "wave_from": wave_names[i],
                         "wave_to": wave_names[j], "span": span, "design": "all",
                         "n_from": a["n"], "n_to": b["n"], "share_from": a["estimate"],
                         "share_to": b["estimate"],
                         "change": float(b["estimate"] - a["estimate"]) if both else np.nan,
                         "discordant": np.nan, "test": "", "statistic": np.nan,
                         "p_value": np.nan, "withheld": hidden,
                         "note": "" if both else "an end is not shown"})
            split = splits.get((indicator, i, j))
            if split is None:
                continue
            table = td.change_table(indicator, wave_names[i], wave_names[j])
            cells = {name: (table, *cell) for name, cell in td.SPLIT_CELLS.items()}
            discordant = (table, "pairs", "discordant")
            tests = {t["design"]: t for t in split_tests(split)}
            for design, n_from, n_to, agree_from, agree_to, extra in (
                    ("matched", "pairs", "pairs", "pairs_agree_earlier", "pairs_agree_later",
                     ["agree_to_not", "not_to_agree"]),
                    ("independent", "only_earlier", "only_later", "only_earlier_agree",
                     "only_later_agree", [])):
                keys = [cells[n_from], cells[n_to], cells[agree_from], cells[agree_to]] + \
                    [cells[e] for e in extra] + ([discordant] if extra else [])
                count_from, count_to = (_shown(ledger, cells[agree_from]),
                                        _shown(ledger, cells[agree_to]))
                base_from, base_to = _shown(ledger, cells[n_from]), _shown(ledger, cells[n_to])
                share_from = count_from / base_from if base_from else np.nan
                share_to = count_to / base_to if base_to else np.nan
                rule = _first_rule(ledger, keys)
                test = tests[design]
                rows.append({"indicator_id": indicator, "wave_from": wave_names[i],
                             "wave_to": wave_names[j], "span": span, "design": design,
                             "n_from": base_from, "n_to": base_to, "share_from": share_from,
                             "share_to": share_to,
                             "change": share_to - share_from,
                             "discordant": _shown(ledger, discordant) if extra else np.nan,
                             "test": test["test"],
                             "statistic": np.nan if rule else test["statistic"],
                             "p_value": np.nan if rule else test["p_value"],
                             "withheld": rule,
                             "note": "not shown: it would give back a count below the "
                                     "smallest shown" if rule else test["note"]})
    out = pd.DataFrame(rows, columns=CHANGE_TREND_COLUMNS)
    for column in ("n_from", "n_to", "share_from", "share_to", "change", "discordant",
                   "statistic", "p_value"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    return out


@dataclass(frozen=True)
class Plan:
    """What the register says of each indicator the trend follows."""

    ids: list[str]
    targets: dict
    directions: dict[str, str]
    baselines: dict[str, str]

    def pairs(self, rounds: Sequence[Round], values: pd.DataFrame | None = None) -> dict:
        """indicator id → its :func:`pairs_to_compare` (each its own baseline; with
        ``values``, the baseline ``first`` is the first round that collected it)."""
        first = first_collected(values) if values is not None else {}
        return {i: pairs_to_compare(rounds, self.baselines[i], first.get(i, 0))
                for i in self.ids}


def plan(register, matrix, targets: dict | None = None) -> Plan:
    """The register's indicators, targets, directions and baseline waves.

    A matrix indicator's direction is its scoring rule's; a service-records metric's is
    the register's own (``direction``). ``targets`` are the jurisdiction's own
    (``targets:`` in its params, :class:`mwsn.config.Jurisdiction`): they replace the
    register's for the indicators they name.
    """
    from mwsn.register import targets_for

    rules = {i.id: i.rule for q in matrix.questions for i in q.indicators}
    return Plan(ids=[e.id for e in register.indicators],
                targets=targets_for(register, targets),
                directions={e.id: rules[e.id].direction if e.id in rules else e.direction
                            for e in register.indicators},
                baselines={e.id: e.baseline.wave for e in register.indicators})
