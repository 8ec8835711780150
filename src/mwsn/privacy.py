"""Small-cell suppression and disclosure checks used by every table and chart.

No count below ``min_cell`` (default 5) is shown, nor any percentage or
interval computed from one. Where a table shows totals, a total minus the
shown cells would give a suppressed count back, so :func:`suppress` also
blanks complementary cells: in every sum shown (a row total, or a total row
over the other rows) either no cell is suppressed or at least two are. A
table that went through :func:`suppress` is marked, so that the report can
refuse a table that did not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mwsn.errors import DisclosureError
from mwsn.program import CATEGORY_COUNTS

MARK = "mwsn_min_cell"


def _sums(table: pd.DataFrame, counts: list[str], row_total: str | None,
          total_rows: tuple[str, str, list[str]] | None) -> list[list[tuple[int, int]]]:
    """Each sum the table shows, as (row, column) cell positions, the total cell last."""
    columns = {c: j for j, c in enumerate(counts)}
    sums = []
    if row_total:
        parts = [columns[c] for c in counts if c != row_total]
        for i in range(len(table)):
            sums.append([(i, j) for j in parts] + [(i, columns[row_total])])
    if total_rows:
        label, total_label, within = total_rows
        # an empty table (a survey that asked no item) has no sums; agg would give a frame
        keys = table[within].astype(str).agg("\x1f".join, axis=1) if within and len(
            table) else pd.Series("", index=table.index)
        positions = pd.Series(np.arange(len(table)), index=table.index)
        for _, block in positions.groupby(keys.to_numpy(), sort=False):
            is_total = (table[label].iloc[block.to_numpy()].astype(str) == total_label).to_numpy()
            if is_total.sum() != 1:
                continue
            total = int(block.to_numpy()[is_total][0])
            others = [int(i) for i in block.to_numpy()[~is_total]]
            for j in range(len(counts)):
                sums.append([(i, j) for i in others] + [(total, j)])
    return sums


def suppress(table: pd.DataFrame, counts: list[str], min_cell: int,
             derived: list[str] | None = None, *, row_total: str | None = None,
             total_rows: tuple[str, str, list[str]] | None = None) -> pd.DataFrame:
    """Blank every count below ``min_cell``, the cells that would reveal one, and the
    ``derived`` values (percentages, CIs) on a row with a blanked count.

    ``counts`` are the count columns; a count of 0 is not disclosive and is
    kept. ``row_total`` names the count column that sums the others on its
    row; ``total_rows=(label_column, total_label, within)`` says that the
    row whose ``label_column`` is ``total_label`` sums the other rows (within
    each group of the ``within`` columns). Complementary suppression blanks,
    in each such sum with exactly one blanked cell, the smallest other
    non-zero cell (the total itself when there is none), until no sum gives
    a blanked cell back.
    """
    out = table.copy()
    values = np.column_stack([pd.to_numeric(out[c], errors="coerce").to_numpy(dtype="float64")
                              for c in counts]) if counts else np.zeros((len(out), 0))
    hidden = (values > 0) & (values < min_cell)
    sums = _sums(out, counts, row_total, total_rows)
    changed = True
    while changed:
        changed = False
        for cells in sums:
            blanked = [cell for cell in cells if hidden[cell]]
            if len(blanked) != 1:
                continue
            candidates = [cell for cell in cells[:-1]
                          if not hidden[cell] and values[cell] > 0 and not np.isnan(values[cell])]
            pick = (min(candidates, key=lambda cell: values[cell]) if candidates
                    else cells[-1])
            if hidden[pick]:
                continue
            hidden[pick] = True
            changed = True
    for j, column in enumerate(counts):
        out[column] = pd.Series(values[:, j], index=out.index).astype("Float64").mask(
            hidden[:, j])
    row_hidden = pd.Series(hidden.any(axis=1), index=out.index)
    for column in derived or []:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64").mask(
            row_hidden)
    out.attrs[MARK] = min_cell
    return blank_notes(out, row_hidden)


#: columns of words a statistic's helper writes about the count behind it ("one answer
#: only", "one respondent only"): blanked on a row whose count is hidden
NOTES = ("note",)


def blank_notes(frame: pd.DataFrame, hidden) -> pd.DataFrame:
    """``frame`` with its :data:`NOTES` columns empty on the rows ``hidden`` (a boolean
    Series on its index) marks: a note beside a hidden base says what it was ("one answer
    only" beside a hidden n is n = 1)."""
    for column in [c for c in NOTES if c in frame.columns]:
        frame[column] = frame[column].mask(hidden.reindex(frame.index, fill_value=False)
                                           .astype(bool), "")
    return frame


def check_disclosure(table: pd.DataFrame, counts: list[str], min_cell: int, name: str) -> None:
    """Refuse a table with a small count that did not pass through :func:`suppress`."""
    if table.attrs.get(MARK, 0) >= min_cell:
        return
    for column in counts:
        values = pd.to_numeric(table[column], errors="coerce")
        if ((values > 0) & (values < min_cell)).any():
            raise DisclosureError(
                f"table '{name}' would show a count below {min_cell} in column '{column}' "
                "that was not suppressed: pass it through mwsn.privacy.suppress first")


# -- one disclosure pass per jurisdiction ----------------------------------------------------
#
# Every figure a public output can show (a count, a share's numerator, a table's margin, a
# chart's bar label, an alt text's total, an indicator in the findings' text) is a *cell* of
# one ledger, and every relation a reader can use between figures (a total and its parts, a
# survey base that cannot exceed the number who took the survey) is a constraint on it.
# Primary rules hide cells; secondary suppression then hides more until an attacker who
# solves the linear system of everything shown (the audit: minimum and maximum of each
# hidden cell by linear programming, HiGHS through scipy) cannot pin any hidden cell down.

#: rules, as written in the suppression audit and explained in docs/DATA.md
RULES = {
    "small_count": "count below min_cell",
    "class_all_or_none": "share of 0% or 100% of a group (class disclosure)",
    "class_complement": "the answer or its complement covers fewer than min_cell people",
    "base_hidden": "the share's base is hidden",
    "secondary": "would let a hidden cell be worked out from the figures shown",
    "uncovered": "no cell of the disclosure pass covers the figure, so it is refused, not shown "
                 "unchecked",
}

Key = tuple[str, str, str]


class Ledger:
    """Cells of every public table of a report, the relations between them, and which are
    hidden (primary or secondary).

    Keys are ``(table, row, column)`` strings. :meth:`protect` applies secondary
    suppression across all tables at once, which is what linked tables need: a cell
    hidden in one table is hidden wherever it appears (it is one cell), and a margin
    shown in another table is a constraint here like any other.
    """

    def __init__(self, min_cell: int):
        self.min_cell = int(min_cell)
        self.value: dict[Key, float] = {}
        self.low: dict[Key, float] = {}
        self.high: dict[Key, float | None] = {}
        self.rule: dict[Key, str] = {}
        self.companions: dict[Key, list[Key]] = {}
        self.unpublished: set[Key] = set()
        self.kept: set[Key] = set()  # headline figures secondary suppression never picks
        #: cells whose zero secondary suppression may hide (a trend's "no one in one wave
        #: only" gives a base back as much as any count)
        self.zero_hideable: set[Key] = set()
        #: a part's unpublished remainder -> the part to hide first when it could be worked
        #: out (a statement's base, not the number who took the survey)
        self.prefer: dict[Key, Key] = {}
        self.wholes: set[Key] = set()  # totals a part is subtracted from: hidden last
        self.equations: list[list[tuple[Key, float]]] = []   # sum(coef * cell) == 0
        self.inequalities: list[list[tuple[Key, float]]] = []  # sum(coef * cell) <= 0
        #: sum(coef * cell) + constant <= 0: what a score shown beside a hidden figure says
        #: of it (met at 65%: agree - 0.65 n >= 0), see :func:`_scores`
        self.bounds: list[tuple[list[tuple[Key, float]], float]] = []
        #: a class-hidden count with a score, and those who did not give the answer
        self.sides: list[tuple[Key, Key]] = []

    # building
    def cell(self, key: Key, value, *, rule: str | None = None, low: float | None = None,
             high: float | None = None, published: bool = True) -> Key:
        """Register a count; a count between 0 and ``min_cell`` (exclusive) is hidden.

        ``published=False``: a figure no output shows (a margin a reader does not see);
        it takes part in the relations as an unknown.
        """
        v = float(value)
        if key in self.value:
            if self.value[key] != v:
                raise ValueError(f"cell {key} registered twice with different values")
            if published:
                self.unpublished.discard(key)
            return key
        if not published:
            self.unpublished.add(key)
        self.value[key] = v
        # zeros are shown, so a reader knows a hidden count is at least 1
        self.low[key] = (1.0 if v > 0 else 0.0) if low is None else float(low)
        self.high[key] = high
        if rule is None and 0 < v < self.min_cell:
            rule = "small_count"
        if rule:
            self.rule[key] = rule
        return key

    def total(self, total: Key, parts: list[Key]) -> None:
        """``total`` is the sum of ``parts`` (all registered)."""
        self.equations.append([(total, 1.0)] + [(p, -1.0) for p in parts])

    def at_most(self, small: Key, large: Key) -> None:
        """A reader knows ``small <= large`` (e.g. a statement's respondents and the survey's)."""
        self.inequalities.append([(small, 1.0), (large, -1.0)])

    def within(self, part: Key, whole: Key, rest: Key) -> None:
        """``part`` counts a subset of the people ``whole`` counts (a statement's respondents
        and the survey's takers): ``rest = whole - part`` (those who gave no opinion) is a
        count a reader works out by subtraction, under the same small-count rule.

        ``rest`` is registered as an unpublished cell; when it could be worked out, secondary
        suppression hides ``part`` first (the base of one statement costs less than a margin
        of the participation table). A part larger than its whole (counted otherwise) is
        only known to be at most it.
        """
        left = self.value[whole] - self.value[part]
        if left < 0:
            self.at_most(part, whole)
            return
        self.cell(rest, left, low=0.0, published=False)
        self.total(whole, [part, rest])
        self.prefer[rest] = part
        self.wholes.add(whole)

    def share(self, count: Key, n: Key) -> None:
        """``count`` answered yes out of ``n``: class disclosure when either side is small.

        Hiding ``n`` hides the share (``count``) too.
        """
        c, base = self.value[count], self.value[n]
        self.low[count], self.high[count] = 0.0, None
        self.at_most(count, n)
        self.companions.setdefault(n, []).append(count)
        if base > 0 and count not in self.rule:
            if c == 0 or c == base:
                self.rule[count] = "class_all_or_none"
            elif c < self.min_cell or base - c < self.min_cell:
                self.rule[count] = "class_complement"

    # reading
    def hidden(self, key: Key) -> bool:
        return key in self.rule

    def shown(self, key: Key):
        """The value a public output may show, or ``None`` when it is hidden or unknown."""
        if key not in self.value or key in self.rule:
            return None
        return self.value[key]

    def keep(self, key: Key) -> None:
        """``key`` is a figure the text of every output states (how many took part, in each
        language's introduction and plain summary): secondary suppression hides other
        cells instead (a primary rule still hides it)."""
        self.kept.add(key)

    def publish(self, key: Key) -> None:
        """Mark a registered figure as shown by some output (it was an unknown)."""
        self.unpublished.discard(key)

    def _hide(self, key: Key, rule: str) -> None:
        if key in self.rule:
            return
        self.rule[key] = rule
        for other in self.companions.get(key, []):
            self._hide(other, "base_hidden")

    def intervals(self, only: list[Key] | None = None,
                  solved: dict | None = None) -> dict[Key, tuple[float, float]]:
        """For each hidden cell (or each of ``only``), the smallest and largest value
        consistent with everything shown.

        Two linear programs per cell (scipy's HiGHS), each over the cells related to it
        only (the connected part of the relations between hidden cells it is in: no other
        cell can move its bounds). ``solved``: a dict a caller keeps across calls while the
        ledger's relations, values and bounds stay as they are (:meth:`protect`, which
        only hides cells): a cell whose related hidden cells are the same as at an earlier
        call is not worked out again.

        Returns
        -------
        dict
            ``{cell: (low, high)}``; ``-inf``/``inf`` for an unbounded side, NaN where the
            relations admit no value.
        """
        solved = {} if solved is None else solved
        out = {}
        for k, cells, made in self._programs(only):
            if ("interval", cells, k) not in solved:
                solved["interval", cells, k] = (made().end(-1.0), made().end(1.0))
            out[k] = solved["interval", cells, k]
        return out

    def exposed(self, only: list[Key] | None = None, solved: dict | None = None) -> list[Key]:
        """Hidden cells a reader could work out exactly from what is shown: their interval
        (:meth:`intervals`) is narrower than 1 (``solved``: see there).

        The largest value is worked out first: where the figures as they are meet every
        relation (tables that add up), a cell that may be 1 or more above its own value is
        not exposed, whatever its smallest; only for the others is the smallest worked out
        too."""
        solved = {} if solved is None else solved
        found = []
        for k, cells, made in self._programs(only):
            if ("exposed", cells, k) not in solved:
                lp = made()
                high = lp.end(1.0)
                if np.isnan(high) or (lp.holds_values() and high - lp.own_value >= 1 - 1e-6):
                    solved["exposed", cells, k] = False
                else:
                    low = lp.end(-1.0)
                    solved["exposed", cells, k] = not np.isnan(low) and high - low < 1 - 1e-6
            if solved["exposed", cells, k]:
                found.append(k)
        return found

    def _programs(self, only: list[Key] | None):
        """For each hidden cell (or each of ``only``): the cell, the hidden cells related to
        it (a frozenset) and a function giving the :class:`_Program` of the relations
        between them (made when first called)."""
        hidden = set(self.rule) | self.unpublished
        given = [*((terms, 0.0, True) for terms in self.equations),
                 *((terms, 0.0, False) for terms in self.inequalities),
                 *((terms, constant, False) for terms, constant in self.bounds)]
        relations = []                  # (coefficients of hidden cells, right-hand side, =)
        for terms, constant, equal in given:
            coefs: dict[Key, float] = {}
            rhs = -constant
            for k, coef in terms:
                if k in hidden:
                    coefs[k] = coefs.get(k, 0.0) + coef
                else:
                    rhs -= coef * self.value[k]
            if coefs:
                relations.append((coefs, rhs, equal))
        part = _parts(hidden, [list(coefs) for coefs, _, _ in relations])

        def program(k: Key, cells: frozenset) -> "_Program":
            order = sorted(cells)
            index = {c: i for i, c in enumerate(order)}
            a = {True: ([], []), False: ([], [])}
            for coefs, rhs, equal in relations:
                if next(iter(coefs)) in cells:
                    row = np.zeros(len(order))
                    for c, coef in coefs.items():
                        row[index[c]] = coef
                    a[equal][0].append(row)
                    a[equal][1].append(rhs)
            (a_eq, b_eq), (a_ub, b_ub) = [
                (np.array(rows), np.array(rhs)) if rows else (None, None)
                for rows, rhs in (a[True], a[False])]
            return _Program(index[k], a_ub, b_ub, a_eq, b_eq,
                            [(self.low[o], self.high[o]) for o in order],
                            np.array([self.value[o] for o in order]))

        for k in (sorted(self.rule) if only is None else only):
            built: list = []            # the program, made when it is first asked for

            def made(k=k, built=built) -> _Program:
                if not built:
                    built.append(program(k, part[k]))
                return built[0]

            yield k, part[k], made

    def _neighbours(self, key: Key) -> list[Key]:
        found = []
        for terms in self.equations + self.inequalities + [t for t, _ in self.bounds]:
            keys = [k for k, _ in terms]
            if key in keys:
                found += [k for k in keys if k != key]
        return found

    def _cost(self, key: Key) -> tuple:
        # a base hides its share too, a total hides a margin: both cost more than a plain cell
        return (key in self.wholes, bool(self.companions.get(key)), key[1] in ("all", "total")
                or key[2] == "total", self.value[key], key)

    def protect(self) -> "Ledger":
        """Secondary suppression: for each hidden cell a reader could work out, hide the
        cheapest shown cell of a relation it is in that stops it (else the cheapest one,
        and look again), until none can be worked out."""
        solved: dict = {}        # the relations stay; only which cells are hidden changes
        while True:
            exposed = self.exposed(solved=solved)
            if not exposed:
                return self
            target = exposed[0]
            first = self.prefer.get(target)
            if first is not None and first not in self.rule and first not in self.kept:
                self._hide(first, "secondary")
                continue
            frontier, seen, candidates = [target], {target}, []
            while frontier and not candidates:
                near = []
                for k in frontier:
                    near += [n for n in self._neighbours(k) if n not in seen]
                seen.update(near)
                candidates = sorted({n for n in near if n not in self.rule
                                     and n not in self.unpublished and n not in self.kept
                                     and (self.value[n] > 0 or n in self.zero_hideable)},
                                    key=self._cost)
                frontier = near
            if not candidates:
                raise DisclosureError(
                    f"figure {'/'.join(target)} could be worked out from the figures shown and "
                    "no other figure can be hidden to protect it: raise min_cell or remove "
                    "the table that shows it")
            pick = candidates[0]
            for candidate in candidates[:8]:
                trial = set(self.rule)
                self._hide(candidate, "secondary")
                fixed = not self.exposed([target], solved)
                for k in set(self.rule) - trial:
                    del self.rule[k]
                if fixed:
                    pick = candidate
                    break
            self._hide(pick, "secondary")

    def audit(self) -> pd.DataFrame:
        """``cell, table, row, column, value, rule, kind`` (primary or secondary), one row per
        hidden cell: the restricted bundle's ``suppression_audit.csv``."""
        rows = [{"cell": "/".join(k), "table": k[0], "row": k[1], "column": k[2],
                 "value": self.value[k], "rule": r,
                 "kind": "secondary" if r == "secondary" else "primary"}
                for k, r in sorted(self.rule.items())]
        return pd.DataFrame(rows, columns=["cell", "table", "row", "column", "value", "rule",
                                           "kind"])

    def hidden_cells(self) -> pd.DataFrame:
        """:meth:`audit` without the values: which cells are hidden and why, as an executed
        notebook (a file for auditors, published beside the report) may show it.

        Returns
        -------
        pandas.DataFrame
            ``cell, table, row, column, rule, kind``, one row per hidden cell.
        """
        return self.audit().drop(columns="value")

    def frame(self) -> pd.DataFrame:
        """Every cell with its value and whether it may be shown (``rule`` empty)."""
        rows = [{"table": k[0], "row": k[1], "column": k[2], "value": v,
                 "rule": self.rule.get(k, ""), "published": k not in self.unpublished}
                for k, v in sorted(self.value.items())]
        return pd.DataFrame(rows, columns=["table", "row", "column", "value", "rule",
                                           "published"])


class _Program:
    """The relations between the hidden cells of one connected part, as a linear program
    over them, for one cell of it (``at``: its position): its smallest or largest value."""

    def __init__(self, at: int, a_ub, b_ub, a_eq, b_eq, bounds: list, values: np.ndarray):
        self.at, self.bounds, self.values = at, bounds, values
        self.a_ub, self.b_ub, self.a_eq, self.b_eq = a_ub, b_ub, a_eq, b_eq
        self.own_value = float(values[at])

    def end(self, sign: float) -> float:
        """The largest (``sign`` 1.0) or smallest (-1.0) value of the cell (scipy's HiGHS):
        ``inf``/``-inf`` unbounded, NaN where the relations admit no value."""
        from scipy.optimize import linprog

        objective = np.zeros(len(self.values))
        objective[self.at] = 1.0
        # linprog minimizes: the largest value is the smallest of its negative
        res = linprog(-sign * objective, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq,
                      b_eq=self.b_eq, bounds=self.bounds, method="highs")
        if res.status == 3:  # unbounded
            return sign * np.inf
        return -sign * res.fun if res.status == 0 else np.nan

    def holds_values(self, tolerance: float = 1e-6) -> bool:
        """Whether the cells' own values meet every relation and bound (figures that add
        up): then the cell's own value lies between its smallest and largest."""
        x = self.values
        if self.a_eq is not None and np.abs(self.a_eq @ x - self.b_eq).max() > tolerance:
            return False
        if self.a_ub is not None and (self.a_ub @ x - self.b_ub).max() > tolerance:
            return False
        return all((lo is None or v >= lo - tolerance) and (hi is None or v <= hi + tolerance)
                   for v, (lo, hi) in zip(x, self.bounds))


def _parts(cells: set, groups: list[list]) -> dict:
    """Each of ``cells`` mapped to the frozenset of cells it is connected to through
    ``groups`` (each group connects its members): the connected components, by union-find."""
    parent = {c: c for c in cells}

    def root(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for group in groups:
        first = root(group[0])
        for other in group[1:]:
            parent[root(other)] = first
    members: dict = {}
    for c in cells:
        members.setdefault(root(c), []).append(c)
    frozen = {r: frozenset(m) for r, m in members.items()}
    return {c: frozen[root(c)] for c in cells}


def _int(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _participants(ledger: Ledger, people: pd.DataFrame) -> None:
    counts = people.groupby(["stakeholder_group", "line_of_evidence"])["participant"].nunique()
    groups = sorted(people["stakeholder_group"].astype(str).unique())
    lines = sorted(people["line_of_evidence"].astype(str).unique())
    col_parts: dict[str, list[Key]] = {line: [] for line in lines + ["total"]}
    for g in groups:
        parts = []
        for line in lines:
            k = ledger.cell(("participants", g, line), counts.get((g, line), 0))
            parts.append(k)
            col_parts[line].append(k)
        # a person counts once in a group's total, whatever lines they took part in
        total = ledger.cell(("participants", g, "total"),
                            people.loc[people["stakeholder_group"] == g, "participant"].nunique())
        if ledger.value[total] == sum(ledger.value[k] for k in parts):
            ledger.total(total, parts)
        col_parts["total"].append(total)
    for line, parts in col_parts.items():
        if line == "total":
            value = people["participant"].nunique()
        else:
            value = people.loc[people["line_of_evidence"] == line, "participant"].nunique()
        k = ledger.cell(("participants", "all", line), value)
        if ledger.value[k] == sum(ledger.value[p] for p in parts):
            ledger.total(k, parts)
    # the number who took part is stated in words by the report and the plain summary
    ledger.keep(("participants", "all", "total"))


def _survey(ledger: Ledger, indicators: pd.DataFrame) -> None:
    for item, rows in indicators.groupby("item", sort=False):
        rows = rows[rows["n"] > 0]
        table = f"survey:{item}"
        ns, agrees = [], []
        for r in rows.itertuples():
            n = ledger.cell((table, r.group, "n"), r.n)
            agree = ledger.cell((table, r.group, "agree"), r.agree)
            ledger.share(agree, n)
            survey_takers = ("participants", r.group, "survey")
            if survey_takers in ledger.value:
                ledger.within(n, survey_takers, (table, r.group, "no_opinion"))
            if r.group != "all":
                ns.append(n)
                agrees.append(agree)
        if (table, "all", "n") in ledger.value:
            ledger.total((table, "all", "n"), ns)
            ledger.total((table, "all", "agree"), agrees)
            _asked(ledger, table, [n[1] for n in ns])


def _asked(ledger: Ledger, table: str, groups: list[str]) -> None:
    """A statement asked of some groups only (the others have no row): the survey takers of
    the groups shown, less its respondents, is a count a reader works out too (those asked
    who gave no opinion), under the small-count rule; its respondents are hidden first."""
    takers = [("participants", g, "survey") for g in groups]
    everyone = ("participants", "all", "survey")
    if not groups or not all(k in ledger.value for k in takers) or everyone not in ledger.value:
        return
    left = sum(ledger.value[k] for k in takers) - ledger.value[(table, "all", "n")]
    if left < 0 or sum(ledger.value[k] for k in takers) == ledger.value[everyone]:
        return  # counted otherwise, or every group was asked: the "all" row's own remainder
    rest = ledger.cell((table, "groups_asked", "no_opinion"), left, low=0.0, published=False)
    ledger.equations.append([(k, 1.0) for k in takers] + [((table, "all", "n"), -1.0),
                                                          (rest, -1.0)])
    ledger.prefer[rest] = (table, "all", "n")


def _sectors(ledger: Ledger, sectors: pd.DataFrame) -> None:
    """Survey respondents by group and sector: each group's sectors sum to its survey takers."""
    for group, rows in sectors.groupby("stakeholder_group"):
        parts = [ledger.cell((f"sectors:{group}", str(r.sector), "n"), r.n)
                 for r in rows.itertuples(index=False)]
        takers = ("participants", str(group), "survey")
        if takers in ledger.value and ledger.value[takers] == sum(ledger.value[k] for k in parts):
            ledger.total(takers, parts)


def _program(ledger: Ledger, tables: dict[str, pd.DataFrame]) -> None:
    attendance = tables.get("attendance")
    by_type = tables.get("meetings_by_type")
    if attendance is not None and len(attendance):
        groups = [c for c in attendance.columns if c != "meeting_type"]
        columns: dict[str, list[Key]] = {g: [] for g in groups}
        totals = []
        for r in attendance.itertuples(index=False):
            row = r.meeting_type
            parts = []
            for g in groups:
                k = ledger.cell(("attendance", row, g), _int(getattr(r, g)))
                parts.append(k)
                columns[g].append(k)
            total = ledger.cell(("attendance", row, "total"),
                                sum(ledger.value[k] for k in parts))
            ledger.total(total, parts)
            totals.append(total)
        for g, parts in columns.items():
            ledger.total(ledger.cell(("attendance", "total", g),
                                     sum(ledger.value[k] for k in parts), published=False),
                         parts)
        ledger.total(ledger.cell(("attendance", "total", "total"),
                                 sum(ledger.value[k] for k in totals)), totals)
        if by_type is not None:
            for r in by_type.itertuples(index=False):
                if ("attendance", r.meeting_type, "total") not in ledger.value:
                    ledger.cell(("attendance", r.meeting_type, "total"), _int(r.attendees))
    outcomes = tables.get("recommendation_outcomes")
    if outcomes is not None and len(outcomes):
        parts = [ledger.cell(("recommendations", r.status, "count"), _int(r.recommendations))
                 for r in outcomes.itertuples(index=False)]
        ledger.total(ledger.cell(("recommendations", "total", "count"),
                                 sum(ledger.value[k] for k in parts)), parts)
    recipients = tables.get("recipients")
    if recipients is not None and len(recipients):
        for column in ("sub_grants", "workers_reached"):
            if recipients[column].isna().all():   # not collected: the table leaves it out
                continue
            parts = [ledger.cell(("recipients", r.recipient, column), _int(getattr(r, column)))
                     for r in recipients.itertuples(index=False)]
            ledger.total(ledger.cell(("recipients", "total", column),
                                     sum(ledger.value[k] for k in parts)), parts)


#: service-record metrics that count people (the rest count services, or organizations)
SERVICE_PEOPLE = ("workers_served", "repeat_use", "workers_served_outside_agriculture")
#: the base of each service-record share, as a ledger row of table ``services``
SERVICE_BASES = {"repeat_use": "workers_served",
                 "workers_served_outside_agriculture": "workers_served",
                 "services_outside_agriculture": "services_with_sector"}


def _services(ledger: Ledger, tables: dict[str, pd.DataFrame]) -> None:
    """Service records: the headline counts (``services``) and services and workers per
    quarter and service type (``services_by_quarter``, with each quarter's total).

    Relations a reader can use: a quarter's services are the sum of its service types'
    and the quarters' sum to all services delivered; a service type's workers are its
    services less the services a worker came back for (an unpublished count, 1 to
    ``min_cell - 1`` of them hidden by hiding the workers), and at most the quarter's
    workers, who are at most the sum of the types' workers and at most all the workers
    served; a share's count is at most its base.
    Organizations reporting count no people and are not cells.
    """
    headline = tables.get("service_indicators")
    if headline is None or not len(headline) or headline["count"].isna().all():
        return
    rows = headline.set_index("metric")
    cells: dict[str, Key] = {}
    for metric in ("services_delivered", "workers_served"):
        if metric in rows.index:
            cells[metric] = ledger.cell(("services", metric, "count"), _int(rows.at[metric,
                                                                                  "count"]))
            ledger.keep(cells[metric])  # stated in the text of every language
    if "services_outside_agriculture" in rows.index:
        with_sector = ledger.cell(("services", "services_with_sector", "count"),
                                  _int(rows.at["services_outside_agriculture", "base"]))
        cells["services_with_sector"] = with_sector
        if "services_delivered" in cells:
            ledger.at_most(with_sector, cells["services_delivered"])
    for metric, base in SERVICE_BASES.items():
        if metric in rows.index and base in cells:
            count = ledger.cell(("services", metric, "count"), _int(rows.at[metric, "count"]))
            ledger.share(count, cells[base])
    by_quarter = tables.get("services_by_quarter")
    if by_quarter is None or not len(by_quarter):
        return
    quarter_services, quarter_workers = [], []
    for quarter, block in by_quarter.groupby("quarter", sort=True):
        is_total = (block["service_type"].astype("string") == "all").fillna(False).to_numpy()
        services, workers = [], []
        for r in block[~is_total].itertuples(index=False):
            row = f"{quarter}:{service_row(r.service_type)}"
            s = ledger.cell(("services_by_quarter", row, "services"), _int(r.services))
            w = ledger.cell(("services_by_quarter", row, "workers"), _int(r.workers))
            # services less workers: the services a worker came back for (29 workers given
            # 30 services: one of them came back), a count under the small-count rule
            ledger.within(w, s, ("services_by_quarter", row, "repeat_services"))
            services.append(s)
            workers.append(w)
        total_s = ledger.cell(("services_by_quarter", f"{quarter}:all", "services"),
                              sum(ledger.value[k] for k in services))
        ledger.total(total_s, services)
        quarter_services.append(total_s)
        if not is_total.any():
            continue
        total_w = ledger.cell(("services_by_quarter", f"{quarter}:all", "workers"),
                              _int(block[is_total]["workers"].iloc[0]))
        ledger.within(total_w, total_s, ("services_by_quarter", f"{quarter}:all",
                                          "repeat_services"))
        for w in workers:
            ledger.at_most(w, total_w)
        ledger.inequalities.append([(total_w, 1.0)] + [(w, -1.0) for w in workers])
        quarter_workers.append(total_w)
    if "services_delivered" in cells and sum(ledger.value[k] for k in quarter_services) \
            == ledger.value[cells["services_delivered"]]:
        ledger.total(cells["services_delivered"], quarter_services)
    if "workers_served" in cells:
        for w in quarter_workers:
            ledger.at_most(w, cells["workers_served"])


def service_row(service_type) -> str:
    """The ledger row label of a service type (a record without one: ``unknown``)."""
    return str(service_type) if isinstance(service_type, str) and service_type else "unknown"


def indicator_cells(row) -> tuple[Key | None, Key | None]:
    """The ledger cells behind an indicator's count and base: ``(count, n)`` keys."""
    group = row.group if isinstance(row.group, str) and row.group else "all"
    if row.kind == "survey_agreement":
        return (f"survey:{row.subject}", group, "agree"), (f"survey:{row.subject}", group, "n")
    if row.kind == "survey_gain":
        return (f"gain:{row.subject}", group, "agree"), (f"gain:{row.subject}", group, "n")
    if row.kind == "participation":
        return ("participants", "all", "total"), ("participants", "all", "total")
    if row.kind == "code_share":
        return None, (f"qualitative:{group}", "all", "n")
    metric = {"recommendations_acted_on": (("recommendations", "implemented", "count"),
                                           ("recommendations", "total", "count")),
              "recommendations_made": (("recommendations", "total", "count"),
                                       ("recommendations", "total", "count")),
              "sub_grantees": (("program", "sub_grantees", "count"), None),
              "workers_reached": (("recipients", "total", "workers_reached"), None),
              "migrant_worker_attendance_share": (("attendance", "total", "migrant_worker"),
                                                  ("attendance", "total", "total"))}
    return metric.get(row.subject, (None, None))


#: program metrics that count no people (records, organizations, meeting types): shown as is
NOT_PEOPLE = frozenset({"budget_spent_share", "funding_recipients", "meetings_held",
                        "meeting_types_held", "stakeholder_groups_attending"})


def _covered(row, count: Key | None, n: Key | None, ledger: Ledger) -> bool:
    """Whether the pass has a cell for every figure of an indicator row that counts people."""
    if row.kind == "program_metric" and row.subject in NOT_PEOPLE:
        return True
    keys = [k for k in (count, n) if k is not None]
    return bool(keys) and all(k in ledger.value for k in keys)


def _indicators(ledger: Ledger, indicators: pd.DataFrame) -> None:
    for row in indicators.itertuples(index=False):
        count, n = indicator_cells(row)
        if (row.kind in ("survey_agreement", "survey_gain") and not pd.isna(row.n)
                and not (count in ledger.value and n in ledger.value)):
            # an item the survey tables do not show (a knowledge level, a gain) is a share
            # of a group like any other: its own cells, under the same rules
            ledger.cell(n, row.n)
            ledger.cell(count, 0 if pd.isna(row.count) else row.count)
            ledger.share(count, n)
            if ("participants", count[1], "survey") in ledger.value:
                ledger.within(n, ("participants", count[1], "survey"),
                              (n[0], count[1], "no_opinion"))
        elif row.kind == "code_share" and not pd.isna(row.n):
            ledger.cell(n, row.n)
            # its base is the interview and focus-group participants of its groups (all when
            # none is named, missing or not): a margin of the participation table
            groups = [g.strip() for g in n[0].split(":", 1)[1].split(",")]
            lines = [("participants", g, line) for g in groups
                     for line in ("interview", "focus_group")
                     if ("participants", g, line) in ledger.value]
            if lines and sum(ledger.value[k] for k in lines) == row.n:
                ledger.total(n, lines)
        elif row.kind == "program_metric" and row.subject == "sub_grantees":
            k = ledger.cell(count, row.estimate)
            if ("recipients", "total", "sub_grants") in ledger.value:
                ledger.at_most(k, ("recipients", "total", "sub_grants"))
        elif row.kind == "program_metric":
            for k in (count, n):
                if k is not None and k in ledger.value:
                    ledger.publish(k)


#: a strict inequality between counts as the linear programme states it (a share strictly
#: below 25% of 7 is at most 1.75 less this)
STRICT = 1e-6


def _scores(ledger: Ledger, indicators: pd.DataFrame, limits: pd.DataFrame) -> None:
    """What each indicator's score, shown beside its figures in every output, tells of them.

    "Not met" beside a hidden count of 7 recommendations under a rule "partly met from 25%"
    says fewer than 1.75 were acted on: with zeros shown, exactly 1. So a score is a bound
    of the ledger on the cells behind its estimate (:func:`indicator_cells`): met, the
    estimate is at or beyond the ``met`` limit; partly, beyond ``partly`` but short of
    ``met``; not met, short of ``partly``; each scored base at least the rule's ``min_n``
    and an ``insufficient`` one below it. Those who did not give the answer (``n`` less the
    count) are a cell too, under the rule that hid the share: a score must not say that a
    whole group agreed. Secondary suppression then hides what would let the score pin a
    hidden cell down, as for any relation.

    ``limits``: ``question_id, indicator_id, direction, met, met_strict, partly,
    partly_strict`` (:func:`mwsn.findings.threshold` of each rule; ``inf`` where nothing
    can pass). An estimate that is neither ``count / n`` nor the count itself of its cells
    (participation against its targets) is no bound of them and is left out.
    """
    from mwsn.findings import INSUFFICIENT_DATA, SCORED

    rules = {(r.question_id, r.indicator_id): r for r in limits.itertuples(index=False)}
    for row in indicators.itertuples(index=False):
        rule = rules.get((row.question_id, row.indicator_id))
        if rule is None or pd.isna(row.estimate) or row.score not in (*SCORED,
                                                                       INSUFFICIENT_DATA):
            continue
        count, n = indicator_cells(row)
        if n is not None and n in ledger.value and not pd.isna(row.min_n):
            if row.score == INSUFFICIENT_DATA:  # n <= min_n - 1
                ledger.bounds.append(([(n, 1.0)], 1.0 - float(row.min_n)))
            else:                               # n >= min_n
                ledger.bounds.append(([(n, -1.0)], float(row.min_n)))
        if count is None or count not in ledger.value or count == n \
                or row.score == INSUFFICIENT_DATA:
            continue
        if n is None:
            share = False
        elif n in ledger.value and ledger.value[n] > 0:
            share = True
        else:
            continue
        value = ledger.value[count] / ledger.value[n] if share else ledger.value[count]
        if abs(value - float(row.estimate)) > 1e-9:
            continue
        if share and ledger.hidden(count):
            # those who did not give the answer: "met at 90%" with 5 or 6 survey takers
            # says all of them agreed (n - agree <= 0.6) though neither figure is shown
            rest = ledger.cell((count[0], count[1], f"{count[2]}_rest"),
                               ledger.value[n] - ledger.value[count], low=0.0,
                               rule=(ledger.rule[count] if ledger.rule[count].startswith(
                                   "class") else None), published=False)
            ledger.total(n, [count, rest])
            if ledger.rule[count].startswith("class"):
                ledger.sides.append((count, rest))
        sign = 1.0 if rule.direction == "higher" else -1.0
        passed = {"met": ("met",), "partly": ("partly",), "not_met": ()}[str(row.score)]
        failed = {"met": (), "partly": ("met",), "not_met": ("partly",)}[str(row.score)]
        for name in passed + failed:
            limit, strict = float(getattr(rule, name)), bool(getattr(rule, f"{name}_strict"))
            if not np.isfinite(limit):
                continue
            # passed: sign * (estimate - limit) >= 0 (> 0 when strict); failed: the opposite
            way = -1.0 if name in passed else 1.0
            gap = STRICT if (strict if name in passed else not strict) else 0.0
            terms = [(count, way * sign)]
            constant = gap
            if share:
                terms.append((n, -way * sign * limit))
            else:
                constant -= way * sign * limit
            ledger.bounds.append((terms, constant))


def _bound_sides(ledger: Ledger) -> bool:
    """The evidence text says why a share is hidden ("fewer than 5 of the 16 respondents gave
    one of the two answers"); where what is shown leaves one of the two (those who gave the
    answer, :attr:`Ledger.sides`, or those who did not) at ``min_cell`` or more, a reader
    knows the other is below it: set that bound. Returns whether one was set."""
    changed = False
    for count, rest in ledger.sides:
        found = ledger.intervals([count, rest])
        for big, small in ((count, rest), (rest, count)):
            high = ledger.high[small]
            if found[big][0] >= ledger.min_cell and (high is None
                                                     or high > ledger.min_cell - 1):
                ledger.high[small] = ledger.min_cell - 1.0
                changed = True
    return changed


def protect_report(tables: dict[str, pd.DataFrame], min_cell: int) -> Ledger:
    """The one disclosure pass of a jurisdiction: every figure its public outputs may show.

    ``tables`` holds the processed tables ``participants``, ``survey_indicators``,
    ``indicator_scores``, ``attendance``, ``meetings_by_type``,
    ``recommendation_outcomes`` and ``recipients`` (any may be absent). Returns the
    protected :class:`Ledger`: ask it :meth:`Ledger.shown` for each figure.

    Rules (docs/DATA.md): counts of people and of program records (recommendations,
    sub-grants) below ``min_cell``; a group's share when those who gave the answer or
    those who did not are fewer than ``min_cell`` (always at 0% and 100%); then
    secondary suppression across every linked table until no hidden cell can be
    worked out (Statistics Canada, ONS and ABS practice: primary, then complementary
    suppression audited against the published margins).
    """
    ledger = build_ledger(tables, min_cell).protect()
    if _bound_sides(ledger):   # what the published figures tell of a class-hidden share
        ledger.protect()
    return ledger


def build_ledger(tables: dict[str, pd.DataFrame], min_cell: int) -> Ledger:
    """The cells and relations of :func:`protect_report`, before secondary suppression (the
    trend step, :mod:`mwsn.trend_disclosure`, adds a later wave's cells to them)."""
    ledger = Ledger(min_cell)
    if tables.get("participants") is not None and len(tables["participants"]):
        _participants(ledger, tables["participants"])
    if tables.get("survey_indicators") is not None:
        _survey(ledger, tables["survey_indicators"])
    if tables.get("sectors") is not None and len(tables["sectors"]):
        _sectors(ledger, tables["sectors"])
    _program(ledger, tables)
    _services(ledger, tables)
    if tables.get("indicator_scores") is not None:
        _indicators(ledger, tables["indicator_scores"])
        if tables.get("score_limits") is not None and "score" in tables["indicator_scores"]:
            _scores(ledger, tables["indicator_scores"], tables["score_limits"])
    return ledger


def protected_indicators(indicators: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """Indicator rows as they may be shown: ``estimate``, CI, ``count`` and ``n`` blanked
    where the ledger hides the cells behind them; ``withheld`` names the rule (else "")."""
    out = indicators.copy()
    withheld = []
    # the rows (index labels) whose estimate and CI are blanked, with count and n, count only,
    # or count and n when the count is its own base
    blank: dict[str, list] = {"both": [], "count": [], "n": []}
    for i, row in zip(out.index, out.itertuples(index=False)):
        count, n = indicator_cells(row)
        why = ""
        if n is not None and ledger.hidden(n):
            why = ledger.rule[n]
            blank["both"].append(i)
        elif count is not None and ledger.hidden(count):
            why = ledger.rule[count]
            blank["count"].append(i)
            if n is None:  # a base of records that are the count itself (sub-grants)
                blank["n"].append(i)
        elif (n is None and not pd.isna(row.n) and 0 < row.n < ledger.min_cell
              and not (row.kind == "program_metric" and row.subject in CATEGORY_COUNTS)):
            why = "small_count"
            blank["both"].append(i)
        elif not pd.isna(row.estimate) and not _covered(row, count, n, ledger):
            why = "uncovered"
            blank["both"].append(i)
        withheld.append("secondary" if why == "base_hidden" else why)
    # one assignment per column set, not one per row (each .loc assignment costs ~1 ms)
    for labels, columns, value in ((blank["both"] + blank["count"], ["estimate", "ci_low",
                                                                     "ci_high"], np.nan),
                                   (blank["both"], ["count", "n"], pd.NA),
                                   (blank["count"], ["count"], pd.NA),
                                   (blank["n"], ["n"], pd.NA)):
        if labels:
            out.loc[out.index.isin(labels), columns] = value
    out["withheld"] = pd.array(withheld, dtype="string")
    out.attrs[MARK] = ledger.min_cell
    return out


def indicators_as_shown(indicators: pd.DataFrame, ledger: Ledger,
                        words: list[dict]) -> pd.DataFrame:
    """Indicator rows as the default auditor bundle shows them: :func:`protected_indicators`,
    and a code share (participants who raised a theme) only in the evaluators' ``words``
    (column ``words``; estimate, interval and count missing), as the report shows it:
    a share of 34 participants to six decimals gives the exact count back."""
    from mwsn.qualitative import in_words

    out = protected_indicators(indicators, ledger)
    shares = (out["kind"] == "code_share").to_numpy()
    out["words"] = pd.array([in_words(float(e), words) if s and not pd.isna(e) else pd.NA
                             for s, e in zip(shares, out["estimate"])], dtype="string")
    out.loc[shares, ["estimate", "ci_low", "ci_high"]] = np.nan
    out["count"] = out["count"].astype("object").where(~shares, pd.NA)
    return out


#: the processed tables the disclosure pass reads (besides the indicators of 06_findings)
INPUTS = ("participants", "survey_indicators", "attendance", "meetings_by_type",
          "recommendation_outcomes", "recipients", "service_indicators", "services_by_quarter")
#: the processed table that holds the pass: every public figure and whether it may be shown
PROCESSED = "disclosure"


def disclosure_pass(processed: Path, min_cell: int,
                    indicators: pd.DataFrame | None = None) -> Ledger:
    """:func:`protect_report` over the processed tables of one jurisdiction (those present)."""
    return protect_report(pass_tables(processed, indicators), min_cell)


def pass_tables(processed: Path, indicators: pd.DataFrame | None = None
                ) -> dict[str, pd.DataFrame]:
    """The processed tables :func:`protect_report` reads, those present in ``processed``."""
    from mwsn import ingest

    tables = {}
    for name in INPUTS + (() if indicators is not None else ("indicator_scores",)):
        try:
            tables[name] = ingest.read_processed(processed, name)
        except FileNotFoundError:  # a table a jurisdiction does not have (no program data)
            continue
    if indicators is not None:
        tables["indicator_scores"] = indicators
    return tables


def load_pass(processed: Path, min_cell: int) -> "Ledger":
    """The pass written by ``06_findings`` (``disclosure.parquet``), else computed now."""
    from mwsn import ingest

    try:
        frame = ingest.read_processed(processed, PROCESSED)
    except FileNotFoundError:
        return disclosure_pass(processed, min_cell)
    ledger = Ledger(min_cell)
    for r in frame.itertuples(index=False):
        key = (r.table, r.row, r.column)
        ledger.value[key] = float(r.value)
        if r.rule:
            ledger.rule[key] = r.rule
        if not r.published:
            ledger.unpublished.add(key)
    return ledger


def mask(frame: pd.DataFrame, ledger: Ledger, table: str | None, row_column: str,
         cells: dict[str, str], derived: dict[str, list[str]] | None = None,
         table_column: str | None = None) -> pd.DataFrame:
    """``frame`` with each shown figure replaced by the pass's value (missing when hidden).

    ``cells`` maps a column of ``frame`` to the ledger column of its cells; each row's
    ledger row is ``frame[row_column]``; the ledger table is ``table`` or, per row,
    ``frame[table_column]``. ``derived`` maps a ledger column to columns of ``frame``
    computed from it (a share, an interval): blanked with it. A figure the pass does
    not know is left as it is. The result is marked as checked.
    """
    out = frame.copy()
    for column in cells:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64")
    for column in [c for cs in (derived or {}).values() for c in cs]:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64")
    hidden = pd.Series(False, index=out.index)
    for i, row in zip(out.index, out.itertuples(index=False)):
        name = table if table is not None else getattr(row, table_column)
        key_row = str(getattr(row, row_column))
        for column, ledger_column in cells.items():
            key = (name, key_row, ledger_column)
            if key in ledger.value:
                out.loc[i, column] = pd.NA if ledger.hidden(key) else ledger.value[key]
                hidden[i] = hidden[i] or ledger.hidden(key)
        for ledger_column, columns in (derived or {}).items():
            key = (name, key_row, ledger_column)
            if key in ledger.value and ledger.hidden(key):
                out.loc[i, columns] = pd.NA
    out.attrs[MARK] = ledger.min_cell
    return blank_notes(out, hidden)


def participation_view(participants: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """Who took part, by ``stakeholder_group`` (rows, with ``all``) and line of evidence
    (columns, with ``total``), as every output shows it."""
    counts = (participants.groupby(["stakeholder_group", "line_of_evidence"])["participant"]
              .nunique().unstack(fill_value=0))
    counts.columns = [str(c) for c in counts.columns]
    counts["total"] = counts.sum(axis=1)
    counts.loc["all"] = counts.sum()
    view = counts.reset_index().astype({"stakeholder_group": str})
    return mask(view, ledger, "participants", "stakeholder_group",
                {c: c for c in counts.columns})


def follow(frame: pd.DataFrame, ledger: Ledger, keys, columns: list[str]) -> pd.DataFrame:
    """Blank ``columns`` on each row whose ledger cells (``keys(row)``: a list of keys) are
    hidden: a detail table (answers by level) never shows what its summary hides."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64")
    hidden = pd.Series(False, index=out.index)
    for i, row in zip(out.index, out.itertuples(index=False)):
        if any(k in ledger.value and ledger.hidden(k) for k in keys(row)):
            out.loc[i, columns] = pd.NA
            hidden[i] = True
    out.attrs[MARK] = ledger.min_cell
    return blank_notes(out, hidden)


#: what a test of a statement's answers by group gives back of the table behind it: the
#: statistic with the respondents gives the chi-square, the smallest expected count the
#: product of the smallest group and the smallest answer count, the p-value and the power
#: constrain the cells too
TEST_FIGURES = ["statistic", "p_value", "p_holm", "cramers_v", "min_expected", "power_medium"]


def group_tests_as_shown(tests: pd.DataFrame, ledger: Ledger, min_cell: int) -> pd.DataFrame:
    """Tests of each survey statement's answers by stakeholder group
    (:func:`mwsn.stats.crosstab_test`: ``outcome, test, ..., n, ...``) as every output shows
    them: the respondents (``n``) where the pass shows the statement's total, and a test's
    figures (:data:`TEST_FIGURES`) only where the pass shows every count behind it (each
    group's respondents and those who agree), as a trend's test is shown: Cramér's V and the
    smallest expected count of a 2 x 3 table of 10 respondents gave back a group of 2."""
    shown = follow(suppress(tests, ["n"], min_cell,
                            derived=["statistic", "p_value", "p_holm", "cramers_v"]),
                   ledger, lambda r: [(f"survey:{r.outcome}", "all", "n")],
                   ["n", "statistic", "cramers_v", "min_expected", "power_medium"])
    behind: dict[str, list[Key]] = {}
    for key in ledger.value:
        if str(key[0]).startswith("survey:") and key[2] in ("n", "agree"):
            behind.setdefault(str(key[0])[len("survey:"):], []).append(key)
    out = follow(shown, ledger, lambda r: behind.get(str(r.outcome), []), TEST_FIGURES)
    # which test was chosen says whether the smallest expected count reached 5 (chi-square)
    # or not (Fisher's exact): blank where that count is
    return _blank_words(out, tests, ["test", "statistic_name"], "min_expected")


#: what a paired test of the knowledge items gives back: the signed-rank statistic and the
#: rank-biserial correlation tell how many improved (153 = 1 + ... + 17: all 17 pairs that
#: changed went up), and so do the p-value and the median change, in part
CHANGE_FIGURES = ["statistic", "p_value", "rank_biserial", "median_change"]


def change_as_shown(change: pd.DataFrame, ledger: Ledger, min_cell: int) -> pd.DataFrame:
    """Paired change in knowledge by group (:func:`mwsn.stats.paired_change`: ``group,
    statistic, p_value, rank_biserial, median_change, n_pairs, ...``) as every output shows
    it: the pairs (``n_pairs``) where the pass shows that group's pairs, the test's figures
    (:data:`CHANGE_FIGURES`) only where it also shows how many improved (the ``gain:``
    cells; the ``all`` row: every group's). The pass hid "17 of 18 improved" (one did
    not: class disclosure), which a signed-rank statistic of 153 gave back."""
    gains = [key for key in ledger.value if str(key[0]).startswith("gain:")]

    def behind(row, columns=("n", "agree")) -> list[Key]:
        return [k for k in gains if k[2] in columns and (row.group == "all" or k[1] == row.group)]

    shown = suppress(change, ["n_pairs"], min_cell, derived=CHANGE_FIGURES)
    shown = follow(shown, ledger, lambda r: behind(r, ("n",)), ["n_pairs", *CHANGE_FIGURES])
    out = follow(shown, ledger, behind, CHANGE_FIGURES)
    # the method says whether some pairs did not change or changed alike (no exact p-value
    # then): blank where the test is
    return _blank_words(out, change, ["method"], "statistic")


def _blank_words(shown: pd.DataFrame, original: pd.DataFrame, columns: list[str],
                 figure: str) -> pd.DataFrame:
    """``shown`` with its ``columns`` of words empty on each row where ``figure`` was
    blanked (present in ``original``, missing in ``shown``): words chosen from the figures
    say what the figures would."""
    if figure not in shown.columns or figure not in original.columns:
        return shown
    was = pd.to_numeric(original[figure], errors="coerce").reindex(shown.index).notna()
    blanked = was & pd.to_numeric(shown[figure], errors="coerce").isna()
    for column in [c for c in columns if c in shown.columns]:
        shown[column] = shown[column].mask(blanked.to_numpy(), pd.NA)
    return shown


def protected_metrics(metrics: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """Program metrics (``metric, ..., estimate, ci_low, ci_high, count, n``) as shown."""
    rows = metrics.rename(columns={"metric": "subject"}).assign(kind="program_metric",
                                                                group=None)
    shown = protected_indicators(rows, ledger)
    return shown.rename(columns={"subject": "metric"}).drop(columns=["kind", "group"])


def protected_services(indicators: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """Service-record indicators (``mwsn.services.service_indicators``: ``metric, count,
    base, base_unit, share, status``) as every output shows them.

    ``count``, ``base`` and ``share`` are the pass's figures: missing where it hides the
    count or the base (``withheld`` names the rule, else ""). Organizations reporting
    count no people and are shown as they are; a count of people or services the pass
    does not cover is refused (``uncovered``).
    """
    out = indicators.copy()
    out["count"] = out["count"].astype("Float64")
    out["base"] = out["base"].astype("Float64")
    out["share"] = out["share"].astype("Float64")
    withheld = []
    for i, row in zip(out.index, out.itertuples(index=False)):
        why = ""
        if row.metric != "organizations_reporting" and not pd.isna(row.count):
            count = ("services", row.metric, "count")
            base = ("services", SERVICE_BASES[row.metric], "count") \
                if row.metric in SERVICE_BASES else None
            if count not in ledger.value or (base is not None and base not in ledger.value):
                why = "uncovered"
                out.loc[i, ["count", "base", "share"]] = pd.NA
            else:
                if base is not None and ledger.hidden(base):
                    why = ledger.rule[base]
                    out.loc[i, ["base", "share", "count"]] = pd.NA
                if ledger.hidden(count):
                    why = why or ledger.rule[count]
                    out.loc[i, ["count", "share"]] = pd.NA
        withheld.append("secondary" if why == "base_hidden" else why)
    out["withheld"] = pd.array(withheld, dtype="string")
    out.attrs[MARK] = ledger.min_cell
    return out


def protected_services_by_quarter(by_quarter: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """``quarter, service_type, services, workers`` (``services_by_quarter(totals=True)``)
    with each figure the pass's: missing where hidden."""
    keyed = by_quarter.assign(ledger_row=[f"{q}:{service_row(t)}" for q, t in
                                     zip(by_quarter["quarter"], by_quarter["service_type"])])
    out = mask(keyed, ledger, "services_by_quarter", "ledger_row",
               {"services": "services", "workers": "workers"})
    for i, row in zip(out.index, out.itertuples(index=False)):
        for column in ("services", "workers"):  # a figure the pass does not cover: refused
            if ("services_by_quarter", row.ledger_row, column) not in ledger.value:
                out.loc[i, column] = pd.NA
    return out.drop(columns="ledger_row")
