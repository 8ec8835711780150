"""The trend's disclosure pass: a wave's hidden figure stays hidden across waves.

Each wave's report shows its figures through its own pass (``disclosure.parquet``,
:mod:`mwsn.disclosure`): those figures are published and can no longer be hidden. A
trend adds figures a reader can combine with them: how many people answered in both
waves (matched by pseudonym), how many changed their answer each way (McNemar's
discordant cells), how many answered in one wave only, and the shares within each of
these groups. Since ``pairs + only_earlier`` is the earlier wave's base and ``agreeing
pairs + agreeing only_earlier`` its count agreeing, a trend figure shown carelessly gives
back a count its wave hid (a base of 4 hidden in wave 1, 3 pairs and 1 only-earlier
shown: 4), or a class disclosure hidden in a wave (19 of 20 agreeing).

:func:`trend_pass` therefore puts every round's cells and relations (rebuilt by
:func:`mwsn.privacy.build_ledger` from its processed tables, with the rules its own pass
applied) in one :class:`~mwsn.privacy.Ledger`, the figures already published kept as
they are, adds the trend's cells under the same primary rules (small counts, class
disclosure) and the relations between them and the waves' cells, and runs the same
secondary suppression (the linear-programming audit of :meth:`Ledger.protect`), which
may only hide trend cells. A change is shown only when both its ends are, and a test
only when every count it is computed from is (its statistic and p-value give them
back). No figure pools waves (a total over waves would give a hidden wave's figure by
subtraction), so none is registered.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mwsn import ingest, privacy, program

#: the cells of one change between two waves (table ``change|<indicator>|<from>|<to>``)
SPLIT_CELLS = {"pairs": ("pairs", "n"), "pairs_agree_earlier": ("pairs", "agree_earlier"),
               "pairs_agree_later": ("pairs", "agree_later"),
               "agree_to_not": ("pairs", "agree_to_not"),
               "not_to_agree": ("pairs", "not_to_agree"),
               "only_earlier": ("only_earlier", "n"),
               "only_earlier_agree": ("only_earlier", "agree"),
               "only_later": ("only_later", "n"), "only_later_agree": ("only_later", "agree")}


def key(wave_name: str, cell: str | tuple) -> privacy.Key:
    """A wave's ledger cell in the trend's pass: ``(<wave>|<table>, row, column)``."""
    table, row, column = cell.split("/", 2) if isinstance(cell, str) else cell
    return (f"{wave_name}|{table}", row, column)


def change_table(indicator: str, earlier: str, later: str) -> str:
    return f"change|{indicator}|{earlier}|{later}"


def add_wave(ledger: privacy.Ledger, wave_name: str, processed,
             limits: pd.DataFrame | None = None) -> None:
    """Every cell and relation of one wave's pass, as published: its hidden cells hidden
    (by its own rules), its shown cells kept (secondary suppression never picks them).

    Parameters
    ----------
    ledger : mwsn.privacy.Ledger
        The trend's pass, being built.
    wave_name : str
        The wave id (``-`` for the only round).
    processed : path
        The wave's processed folder (``disclosure.parquet`` and the tables it was made of).
    limits : pandas.DataFrame, optional
        :func:`mwsn.disclosure.score_limits`: the scores the wave's report shows beside
        its figures are bounds on them here too.
    """
    tables = privacy.pass_tables(processed)
    if limits is not None:
        tables["score_limits"] = limits
    survey = Path(processed) / "survey.parquet"
    if survey.is_file():  # respondents by sector: 01_clean's pass relates them to who took part
        tables["sectors"] = program.sectors(pd.read_parquet(survey))
    built = privacy.build_ledger(tables, ledger.min_cell)
    try:
        published = ingest.read_processed(processed, privacy.PROCESSED)
        rules = {(r.table, r.row, r.column): r.rule for r in published.itertuples(index=False)}
        unpublished = {(r.table, r.row, r.column) for r in published.itertuples(index=False)
                       if not r.published}
    except FileNotFoundError:  # no pass written: the one the wave's report computes
        protected = privacy.load_pass(processed, ledger.min_cell)
        rules, unpublished = dict(protected.rule), set(protected.unpublished)
    for k, value in built.value.items():
        new = key(wave_name, k)
        ledger.value[new] = value
        ledger.low[new], ledger.high[new] = built.low[k], built.high[k]
        rule = rules.get(k, built.rule.get(k, ""))
        if rule:
            ledger.rule[new] = rule
        if k in unpublished or (k not in rules and k in built.unpublished):
            ledger.unpublished.add(new)
        elif not rule:
            ledger.keep(new)
    for k, others in built.companions.items():
        ledger.companions[key(wave_name, k)] = [key(wave_name, o) for o in others]
    ledger.equations += [[(key(wave_name, k), c) for k, c in terms] for terms in built.equations]
    ledger.inequalities += [[(key(wave_name, k), c) for k, c in terms]
                            for terms in built.inequalities]
    ledger.bounds += [([(key(wave_name, k), c) for k, c in terms], constant)
                      for terms, constant in built.bounds]


def add_change(ledger: privacy.Ledger, table: str, split: dict[str, int],
               earlier: tuple[privacy.Key, privacy.Key] | None,
               later: tuple[privacy.Key, privacy.Key] | None) -> None:
    """The cells of one change in a share agreeing, and their relations.

    Parameters
    ----------
    ledger : mwsn.privacy.Ledger
    table : str
        :func:`change_table` of the indicator and the two waves.
    split : dict
        :func:`mwsn.trends.agreement_split`.
    earlier, later : tuple of (count key, base key), optional
        The indicator's cells in each wave's pass (prefixed by :func:`key`), when present.
    """
    k = {name: ledger.cell((table, *SPLIT_CELLS[name]), split[name]) for name in SPLIT_CELLS}
    ledger.zero_hideable.update(k.values())
    for agree, n in (("pairs_agree_earlier", "pairs"), ("pairs_agree_later", "pairs"),
                     ("only_earlier_agree", "only_earlier"), ("only_later_agree", "only_later")):
        ledger.share(k[agree], k[n])
    discordant = ledger.cell((table, "pairs", "discordant"),
                             split["agree_to_not"] + split["not_to_agree"])
    ledger.zero_hideable.add(discordant)
    ledger.total(discordant, [k["agree_to_not"], k["not_to_agree"]])
    # agreeing later = agreeing earlier - those who stopped + those who started
    ledger.equations.append([(k["pairs_agree_later"], 1.0), (k["pairs_agree_earlier"], -1.0),
                             (k["agree_to_not"], 1.0), (k["not_to_agree"], -1.0)])
    ledger.at_most(k["agree_to_not"], k["pairs_agree_earlier"])
    ledger.inequalities.append([(k["not_to_agree"], 1.0), (k["pairs"], -1.0),
                                (k["pairs_agree_earlier"], 1.0)])
    for wave, pairs_agree, alone, alone_agree in (
            (earlier, "pairs_agree_earlier", "only_earlier", "only_earlier_agree"),
            (later, "pairs_agree_later", "only_later", "only_later_agree")):
        if wave is None:
            continue
        count, n = wave
        if n in ledger.value and ledger.value[n] == split["pairs"] + split[alone]:
            ledger.total(n, [k["pairs"], k[alone]])
        if count in ledger.value and ledger.value[count] == split[pairs_agree] + split[alone_agree]:
            ledger.total(count, [k[pairs_agree], k[alone_agree]])


def trend_pass(processed: Sequence, wave_names: Sequence[str], min_cell: int,
               values: pd.DataFrame, splits: dict,
               limits: pd.DataFrame | None = None) -> privacy.Ledger:
    """The protected pass of a trend: the rounds' published cells and the trend's own.

    Parameters
    ----------
    processed : sequence of path
        Each round's processed folder, oldest first.
    wave_names : sequence of str
        Each round's :attr:`mwsn.trends.Round.name`, same order.
    min_cell : int
    values : pandas.DataFrame
        :func:`mwsn.trends.values_by_round`.
    splits : dict
        ``(indicator_id, earlier position, later position)`` →
        :func:`mwsn.trends.agreement_split`.
    limits : pandas.DataFrame, optional
        :func:`mwsn.disclosure.score_limits` of the evaluation matrix: each round's scores
        bound its hidden figures, as in its own pass.

    Returns
    -------
    mwsn.privacy.Ledger
        Protected: ask :meth:`~mwsn.privacy.Ledger.shown` for each trend figure.

    Raises
    ------
    mwsn.errors.DisclosureError
        A hidden figure could be worked out and no trend figure can be hidden to stop it.
    """
    ledger = privacy.Ledger(min_cell)
    for folder, name in zip(processed, wave_names):
        add_wave(ledger, name, folder, limits)
    published = set(ledger.value)
    cells = values.set_index(["indicator_id", "wave_order"])
    for (indicator, i, j), split in splits.items():
        ends = []
        for position in (i, j):
            row = cells.loc[(indicator, position)]
            ends.append((key(wave_names[position], row["count_cell"]),
                         key(wave_names[position], row["n_cell"]))
                        if row["count_cell"] and row["n_cell"] else None)
        add_change(ledger, change_table(indicator, wave_names[i], wave_names[j]), split, *ends)
    linked = linked_part(ledger, set(ledger.value) - published)
    hide_the_obvious(linked)
    linked.protect()
    ledger.rule.update(linked.rule)
    return ledger


def hide_the_obvious(ledger: privacy.Ledger) -> None:
    """Secondary suppression's easy cases first: a relation whose only unknown is a hidden
    cell gives it back, so the cheapest other cell a trend may hide in it is hidden, until
    none is left. :meth:`~mwsn.privacy.Ledger.protect` then audits the rest by linear
    programming, as for a wave; this only spares it one round of programmes per cell."""
    unknown = ledger.unpublished
    changed = True
    while changed:
        changed = False
        for terms in ledger.equations:
            hidden = [k for k, _ in terms if k in ledger.rule or k in unknown]
            if len(hidden) != 1 or hidden[0] not in ledger.rule:
                continue
            candidates = sorted((k for k, _ in terms if k not in ledger.rule
                                 and k not in unknown and k not in ledger.kept
                                 and (ledger.value[k] > 0 or k in ledger.zero_hideable)),
                                key=ledger._cost)
            if candidates:
                ledger._hide(candidates[0], "secondary")
                changed = True


def linked_part(ledger: privacy.Ledger, seeds: set) -> privacy.Ledger:
    """The cells linked to ``seeds`` by some chain of relations, with those relations: a
    wave's cells that no trend figure touches cannot be worked out through the trend, so the
    audit (two linear programmes per hidden cell, each round) runs on this part only."""
    relations = ledger.equations + ledger.inequalities + [t for t, _ in ledger.bounds]
    touching: dict = {}
    for n, terms in enumerate(relations):
        for k, _ in terms:
            touching.setdefault(k, []).append(n)
    for k, others in ledger.companions.items():
        for other in others:
            touching.setdefault(k, []), touching.setdefault(other, [])
    found, frontier, used = set(seeds), list(seeds), set()
    while frontier:
        k = frontier.pop()
        near = [x for n in touching.get(k, []) if n not in used for x, _ in relations[n]]
        used.update(touching.get(k, []))
        near += ledger.companions.get(k, [])
        for x in near:
            if x not in found:
                found.add(x)
                frontier.append(x)
    part = privacy.Ledger(ledger.min_cell)
    for k in found:
        part.value[k], part.low[k], part.high[k] = ledger.value[k], ledger.low[k], ledger.high[k]
        if k in ledger.rule:
            part.rule[k] = ledger.rule[k]
    part.unpublished = ledger.unpublished & found
    part.kept = ledger.kept & found
    part.zero_hideable = ledger.zero_hideable & found
    part.prefer = {k: v for k, v in ledger.prefer.items() if k in found}
    part.wholes = ledger.wholes & found
    part.companions = {k: v for k, v in ledger.companions.items() if k in found}
    first_bound = len(ledger.equations) + len(ledger.inequalities)
    part.equations = [relations[n] for n in sorted(used) if n < len(ledger.equations)]
    part.inequalities = [relations[n] for n in sorted(used)
                         if len(ledger.equations) <= n < first_bound]
    part.bounds = [ledger.bounds[n - first_bound] for n in sorted(used) if n >= first_bound]
    return part
