"""Matplotlib figures with alt text, deterministic and colour-blind safe.

Every function returns a :class:`Figure`: the SVG markup (no timestamps, fixed
element ids, labels as text laid out with DejaVu Sans and shown in the first of
DejaVu Sans, Liberation Sans, Arial or Helvetica the reader has) and an alt
text that states the main number. Titles, axis labels and alt text come from
the EN/FR catalogue (``i18n/<lang>/charts.yaml``); the title is not drawn in
the SVG but given with it, for the page's caption (one title, readable by a
screen reader); labels taken from data
(stakeholder groups, survey statements, recipients) are passed in already
translated by the caller.

Inputs are tidy frames that have already gone through
:func:`mwsn.privacy.suppress`: a suppressed value is missing (``NA``) and is
left out of the drawing, never drawn as zero. Figures are 7.5 inches wide with
10-point text, so they stay readable when printed on a Letter or A4 page.

The functions, and the columns each expects:

=======================  ======================================================
:func:`likert_bars`       ``group, level, pct`` (+ optional ``n``)
:func:`indicator_dots`    ``indicator, estimate, ci_low, ci_high``
:func:`agreement_dots`    ``item, agree_pct, ci_low, ci_high`` (``stats.agreement``)
:func:`spending_over_time` ``date, recipient, amount``
:func:`meeting_attendance` ``meeting_type, group, attendees``
:func:`services_by_quarter` ``quarter, service_type, services``
:func:`logic_model`       ``stage, id, text`` (+ links ``source, target``)
:func:`tfw_positions_by_stream` ``year, stream, positions`` (published TFWP figures)
=======================  ======================================================
"""

from __future__ import annotations

import functools
import io
import textwrap
from dataclasses import dataclass

import matplotlib
import pandas as pd
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure as Canvas
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import FuncFormatter

from mwsn import hygiene, i18n

#: Okabe & Ito (2008) colour-blind-safe palette, its light hues darkened so that every colour
#: has a contrast of at least 3:1 against the white background (WCAG 2.1, 1.4.11)
PALETTE = ["#0072B2", "#B26B00", "#008A64", "#B0578D", "#3A87C0", "#C25400", "#8F7A00",
           "#000000"]
#: diverging Likert colours, most negative to most positive, from the same palette;
#: the middle (neutral) level is grey
DIVERGING = ["#D55E00", "#E69F00", "#BBBBBB", "#56B4E9", "#0072B2"]
#: logic model stages, top to bottom
STAGES = ("inputs", "activities", "outputs", "immediate", "intermediate", "ultimate")
WIDTH = 7.5  # inches: the printable width of a Letter or A4 page

#: the house style, applied to each chart alone (:func:`_styled`): importing this module
#: changes none of matplotlib's global settings, nor its backend (no pyplot: each chart is a
#: figure of its own, saved as SVG)
STYLE = {
    "svg.hashsalt": "mwsn",  # stable element ids: byte-identical reruns
    # labels as SVG text, not glyph outlines: a third of the page's size, quicker to print,
    # selectable, and what a disclosure check reads; laid out with DejaVu Sans (shipped with
    # matplotlib), shown in the first of these a reader's machine has
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _styled(chart):
    """``chart`` drawn in :data:`STYLE`, matplotlib's global settings left as they were."""
    @functools.wraps(chart)
    def drawn(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return chart(*args, **kwargs)
    return drawn


def _subplots(figsize: tuple[float, float]):
    """A new figure (not pyplot's: nothing global to close) and its axes."""
    fig = Canvas(figsize=figsize)
    return fig, fig.subplots()


@dataclass(frozen=True)
class Figure:
    """An SVG chart with its title and an alt text stating its main number."""

    svg: str
    alt: str
    title: str


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = hygiene.strip_bidi(buf.getvalue())
    return text[text.index("<svg"):]


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


@_styled
def _empty(title: str, lang: str) -> Figure:
    fig, ax = _subplots(figsize=(WIDTH, 1.2))
    ax.axis("off")
    ax.text(0, 0.5, i18n.t("chart.empty.text", lang), va="center")
    return Figure(_svg(fig), i18n.t("chart.empty.alt", lang), title)


@_styled
def likert_bars(shares: pd.DataFrame, levels: list[tuple[int, str]], lang: str, *,
                statement: str = "") -> Figure:
    """Diverging stacked bars of one Likert item, one bar per stakeholder group.

    ``shares``: one row per group × level with columns ``group`` (display
    label), ``level`` (the level's code) and ``pct`` (share of that group's
    answers, 0–1; missing when suppressed); an optional ``n`` (answers in the
    group) is shown beside each bar. ``levels``: ``(code, label)`` pairs from
    the most negative to the most positive; with an odd number of levels the
    middle one is neutral and is split across zero. A group whose shares are
    all missing is drawn as an empty row labelled as suppressed.

    Alt text: the share agreeing (levels above neutral) in the groups with the
    highest and the lowest agreement.
    """
    title = i18n.t("chart.likert.title", lang, statement=statement) if statement else \
        i18n.t("chart.likert.title_plain", lang)
    if shares.empty:
        return _empty(title, lang)
    codes = [code for code, _ in levels]
    middle = len(codes) // 2 if len(codes) % 2 else None
    negative = codes[:len(codes) // 2]
    positive = codes[(len(codes) + 1) // 2:]
    colours = DIVERGING if len(codes) == 5 else matplotlib.colormaps["PuOr"](
        [i / max(len(codes) - 1, 1) for i in range(len(codes))])
    groups = list(dict.fromkeys(shares["group"]))
    table = (shares.assign(pct=pd.to_numeric(shares["pct"], errors="coerce").astype(float))
             .pivot_table(index="group", columns="level", values="pct", aggfunc="sum",
                          dropna=False)
             .reindex(index=groups, columns=codes))
    counts = (shares.groupby("group", sort=False)["n"].max().reindex(groups)
              if "n" in shares else None)
    fig, ax = _subplots(figsize=(WIDTH, 0.5 * len(groups) + 1.6))
    y = list(range(len(groups)))[::-1]
    for row, group in zip(y, groups):
        values = table.loc[group]
        if values.isna().all():
            ax.text(0, row, i18n.t("chart.suppressed", lang), ha="center", va="center",
                    fontsize=9, color="#555")
            continue
        values = values.fillna(0.0) * 100
        half = values[codes[middle]] / 2 if middle is not None else 0.0
        left = -(values[negative].sum() + half)
        for index, code in enumerate(codes):
            ax.barh(row, values[code], left=left, color=colours[index], height=0.6,
                    edgecolor="white", linewidth=0.5,
                    label=levels[index][1] if row == y[0] else None)
            left += values[code]
        if counts is not None and pd.notna(counts[group]):
            ax.text(101, row, f"n = {i18n.number(float(counts[group]), lang)}", va="center",
                    fontsize=8, color="#555")
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.set_xlim(-100, 100)
    ticks = [-100, -50, 0, 50, 100]
    ax.set_xticks(ticks, [i18n.percent(abs(v) / 100, lang) for v in ticks])
    ax.set_yticks(y, [_wrap(g, 28) for g in groups])
    ax.set_xlabel(i18n.t("chart.likert.xlabel", lang))
    ax.legend(ncol=min(len(codes), 3), loc="upper center", bbox_to_anchor=(0.5, -0.28),
              frameon=False, fontsize=8)
    agree = table[positive].sum(axis=1, min_count=1).dropna()
    if agree.empty:
        alt = i18n.t("chart.empty.alt", lang)
    else:
        alt = i18n.t("chart.likert.alt", lang, statement=statement or title,
                     n_groups=len(groups), top_group=agree.idxmax(),
                     top_pct=i18n.percent(float(agree.max()), lang),
                     low_group=agree.idxmin(), low_pct=i18n.percent(float(agree.min()), lang))
    return Figure(_svg(fig), alt, title)


@_styled
def indicator_dots(indicators: pd.DataFrame, lang: str, *, title: str | None = None,
                   thresholds: dict[str, float] | None = None) -> Figure:
    """Indicators as dots with their confidence intervals, against rubric thresholds.

    ``indicators``: one row per indicator with columns ``indicator`` (display
    label), ``estimate``, ``ci_low`` and ``ci_high`` (proportions, 0–1; rows
    with a missing estimate — suppressed — are left out). ``thresholds`` maps
    a rubric label (e.g. the catalogue's "strong progress") to the proportion
    an indicator must reach; each is drawn as a dashed vertical line. Thresholds that
    differ between indicators go in optional columns ``partly`` and ``met``
    (proportions), drawn as a short mark on each indicator's row.

    Alt text: the number of indicators, the highest estimate, and how many
    indicators' lower CI bound clears the highest threshold.
    """
    title = title or i18n.t("chart.indicators.title", lang)
    data = indicators.dropna(subset=["estimate"]).iloc[::-1]
    if data.empty:
        return _empty(title, lang)
    fig, ax = _subplots(figsize=(WIDTH, 0.55 * len(data) + 1.3))
    y = list(range(len(data)))
    estimate = data["estimate"].astype(float) * 100
    ax.hlines(y, data["ci_low"].astype(float) * 100, data["ci_high"].astype(float) * 100,
              color=PALETTE[0], linewidth=2)
    ax.plot(estimate, y, "o", color=PALETTE[0], markersize=7)
    for (label, value), colour, style in zip(sorted((thresholds or {}).items(),
                                                    key=lambda kv: kv[1]),
                                             [PALETTE[1], PALETTE[2], PALETTE[3]],
                                             ["--", "-.", ":"]):
        ax.axvline(value * 100, color=colour, linestyle=style, linewidth=1.2,
                   label=f"{label} ({i18n.percent(value, lang)})")
    # per-indicator thresholds (columns ``partly`` and ``met``): a short mark on each row
    for column, colour, key in (("partly", PALETTE[1], "score.partly"),
                                ("met", PALETTE[2], "score.met")):
        if column in data.columns and data[column].notna().any():
            ax.plot(data[column].astype(float) * 100, y, linestyle="none", marker="|",
                    markersize=16, markeredgewidth=2, color=colour,
                    label=i18n.t(key, lang))
    ax.set_yticks(y, [_wrap(i, 45) for i in data["indicator"]])
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100],
                  [i18n.percent(v / 100, lang) for v in (0, 25, 50, 75, 100)])
    ax.set_xlabel(i18n.t("chart.indicators.xlabel", lang))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.5 / (0.55 * len(data) + 1.3)
                                                      - 0.25), ncol=3, frameon=False,
                  fontsize=8)
    top = data.loc[data["estimate"].astype(float).idxmax()]
    if "met" in data.columns and data["met"].notna().any():
        above = int((data["ci_low"].astype(float) >= data["met"].astype(float)).sum())
    else:
        above = (int((data["ci_low"].astype(float) >= max(thresholds.values())).sum())
                 if thresholds else 0)
    alt = i18n.t("chart.indicators.alt", lang, n_items=len(data), top_item=top["indicator"],
                 top_pct=i18n.percent(float(top["estimate"]), lang), n_above=above)
    return Figure(_svg(fig), alt, title)


@_styled
def agreement_dots(indicators: pd.DataFrame, labels: dict[str, str], lang: str) -> Figure:
    """Share agreeing per survey item (all respondents) with its 95% CI, as dots and whiskers.

    ``indicators``: rows of ``stats.agreement`` for group ``all``, already
    suppressed: ``item, agree_pct, ci_low, ci_high``. ``labels`` maps an item
    to its statement in the report's language.
    """
    title = i18n.t("chart.agreement.title", lang)
    data = indicators.dropna(subset=["agree_pct"])
    frame = pd.DataFrame({"indicator": [labels.get(i, i) for i in data["item"]],
                          "estimate": data["agree_pct"].to_numpy(),
                          "ci_low": data["ci_low"].to_numpy(),
                          "ci_high": data["ci_high"].to_numpy()})
    fig = indicator_dots(frame, lang, title=title)
    if frame.empty:
        return fig
    top = frame.loc[frame["estimate"].astype(float).idxmax()]
    alt = i18n.t("chart.agreement.alt", lang, n_items=len(frame), top_item=top["indicator"],
                 top_pct=i18n.percent(float(top["estimate"]), lang))
    return Figure(fig.svg, alt, title)


@_styled
def spending_over_time(spending: pd.DataFrame, lang: str, *, budget: float | None = None,
                       currency: str = "CAD") -> Figure:
    """Funding Program spending to date, stacked by recipient, against the budget.

    ``spending``: one row per expenditure with columns ``date`` (datetime),
    ``recipient`` (display label) and ``amount`` (in ``currency``). Each
    recipient's spending is accumulated over time and the areas are stacked,
    so the top edge is total spending to date; ``budget`` is drawn as a
    dashed line.

    Alt text: total spent, its share of the budget, and the recipient that
    spent the most.
    """
    title = i18n.t("chart.spending.title", lang)
    data = spending.dropna(subset=["amount"])
    if data.empty:
        return _empty(title, lang)
    cumulative = (data.pivot_table(index="date", columns="recipient", values="amount",
                                   aggfunc="sum", fill_value=0.0)
                  .sort_index().cumsum())
    recipients = sorted(cumulative.columns)
    cumulative = cumulative[recipients]
    # each expenditure is dated at the end of the period it covers: draw it over the period
    # before its date (step "pre"), from zero one period before the first date, so the last
    # step shows the final total
    if len(cumulative) > 1:
        start = cumulative.index[0] - (cumulative.index[1] - cumulative.index[0])
        zero = pd.DataFrame(0.0, index=pd.DatetimeIndex([start]), columns=recipients)
        cumulative = pd.concat([zero, cumulative])
    fig, ax = _subplots(figsize=(WIDTH, 3.4))
    ax.stackplot(cumulative.index, *[cumulative[r] / 1e6 for r in recipients],
                 labels=recipients, colors=PALETTE[:len(recipients)], step="pre", alpha=0.9)
    if budget:
        ax.axhline(budget / 1e6, color="#333", linestyle="--", linewidth=1.2,
                   label=i18n.t("chart.spending.budget", lang,
                                budget=i18n.money(budget, lang, currency)))
    ax.set_ylabel(i18n.t("chart.spending.ylabel", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _: i18n.number(v, lang, 1)))
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    ax.set_ylim(0, max(cumulative.sum(axis=1).max(), budget or 0) / 1e6 * 1.1)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    total = float(data["amount"].sum())
    by_recipient = data.groupby("recipient")["amount"].sum()
    share = i18n.percent(total / budget, lang) if budget else "—"
    alt = i18n.t("chart.spending.alt", lang, total=i18n.money(total, lang, currency),
                 share=share, budget=i18n.money(budget or 0, lang, currency),
                 top_recipient=by_recipient.idxmax(),
                 top_amount=i18n.money(float(by_recipient.max()), lang, currency))
    return Figure(_svg(fig), alt, title)


def _drawn(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """The rows of ``frame`` whose ``value`` is shown: a hidden (missing) one is left out
    of its bar, never drawn as zero."""
    shown = pd.to_numeric(frame[value], errors="coerce").astype(float)
    return frame.assign(**{value: shown}).dropna(subset=[value])


def _stacked(data: pd.DataFrame, bars: str, segments: str, value: str, bar_order: list,
             segment_order: list) -> pd.DataFrame:
    """``value`` summed per bar (rows, in ``bar_order``) × segment (columns, in
    ``segment_order``), 0 where a bar has no such segment."""
    return (data.pivot_table(index=bars, columns=segments, values=value, aggfunc="sum",
                             fill_value=0.0)
            .reindex(index=bar_order, columns=segment_order, fill_value=0.0))


def _shown(labels: dict) -> pd.Series:
    """The protected figures a chart may print (``None`` or missing: hidden), as floats."""
    return pd.Series({k: v for k, v in labels.items() if v is not None and not pd.isna(v)},
                     dtype=float)


@_styled
def meeting_attendance(attendance: pd.DataFrame, lang: str,
                       totals: dict | None = None, total: float | None = None) -> Figure:
    """Network Meetings attendance by meeting type, stacked by stakeholder group.

    ``attendance``: one row per meeting type × stakeholder group with columns
    ``meeting_type`` and ``group`` (display labels) and ``attendees`` (total
    attendances; missing when suppressed, then left out of the bar).
    ``totals`` (meeting type label -> attendances, ``None`` when suppressed) and
    ``total`` (all attendances) are the protected figures to print: a bar's label
    and the alt text never sum what is drawn, which would give a suppressed
    segment back. Without them the drawn sums are printed.

    Alt text: total attendances, and the meeting type with the most.
    """
    title = i18n.t("chart.attendance.title", lang)
    data = _drawn(attendance, "attendees")
    if data.empty:
        return _empty(title, lang)
    types = list(dict.fromkeys(attendance["meeting_type"]))
    groups = list(dict.fromkeys(attendance["group"]))
    table = _stacked(data, "meeting_type", "group", "attendees", types, groups)
    fig, ax = _subplots(figsize=(WIDTH, 0.55 * len(types) + 1.8))
    y = list(range(len(types)))[::-1]
    left = pd.Series(0.0, index=types)
    for colour, group in zip(PALETTE, groups):
        ax.barh(y, table[group], left=left, color=colour, label=group, height=0.6,
                edgecolor="white", linewidth=0.5)
        left += table[group]
    labels = left.to_dict() if totals is None else {t: totals.get(t) for t in types}
    for row, meeting_type in zip(y, types):
        if labels[meeting_type] is None or pd.isna(labels[meeting_type]):
            continue
        ax.text(left[meeting_type], row, f" {i18n.number(labels[meeting_type], lang)}",
                va="center", fontsize=8)
    ax.set_yticks(y, [_wrap(t, 24) for t in types])
    ax.set_xlabel(i18n.t("chart.attendance.xlabel", lang))
    ax.set_xlim(0, left.max() * 1.12)
    ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False,
              fontsize=8)
    known = _shown(labels)
    all_attendances = left.sum() if totals is None else total
    if all_attendances is None or pd.isna(all_attendances) or known.empty:
        alt = i18n.t("chart.attendance.alt_protected", lang, n_types=len(types))
    else:
        alt = i18n.t("chart.attendance.alt", lang, total=i18n.number(all_attendances, lang),
                     n_types=len(types), top_type=known.idxmax(),
                     top_n=i18n.number(known.max(), lang))
    return Figure(_svg(fig), alt, title)


@_styled
def services_by_quarter(services: pd.DataFrame, lang: str, totals: dict | None = None,
                        total: float | None = None) -> Figure:
    """Services delivered per quarter, stacked by service type (service records).

    ``services``: one row per quarter × service type with columns ``quarter``
    (``2022Q3``), ``service_type`` (display label) and ``services`` (missing when the
    disclosure pass hides it: then left out of the bar, never drawn as zero).
    ``totals`` (quarter -> services, ``None`` when hidden) and ``total`` (all services)
    are the protected figures printed above the bars and in the alt text: the drawn
    sums are never printed, as they could give a hidden segment back.

    Alt text: all services, the number of quarters and the quarter with the most.
    """
    title = i18n.t("chart.services.title", lang)
    data = _drawn(services, "services")
    if data.empty:
        return _empty(title, lang)
    quarters = sorted(dict.fromkeys(services["quarter"]))
    types = list(dict.fromkeys(services["service_type"]))
    table = _stacked(data, "quarter", "service_type", "services", quarters, types)
    fig, ax = _subplots(figsize=(WIDTH, 3.6))
    x = list(range(len(quarters)))
    bottom = pd.Series(0.0, index=quarters)
    for colour, kind in zip(PALETTE * 2, types):
        ax.bar(x, table[kind], bottom=bottom, color=colour, label=kind, width=0.7,
               edgecolor="white", linewidth=0.5)
        bottom += table[kind]
    totals = totals or {}
    for position, quarter in zip(x, quarters):
        value = totals.get(quarter)
        if value is not None and not pd.isna(value):
            ax.text(position, bottom[quarter], i18n.number(value, lang), ha="center",
                    va="bottom", fontsize=7)
    ax.set_xticks(x, quarters, rotation=45 if len(quarters) > 8 else 0, fontsize=8)
    ax.set_ylabel(i18n.t("chart.services.ylabel", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: i18n.number(v, lang)))
    ax.set_ylim(0, bottom.max() * 1.15)
    ax.legend(ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False,
              fontsize=8)
    known = _shown(totals)
    if total is None or pd.isna(total) or known.empty:
        alt = i18n.t("chart.services.alt_protected", lang, n_quarters=len(quarters))
    else:
        alt = i18n.t("chart.services.alt", lang, total=i18n.number(total, lang),
                     n_quarters=len(quarters), top_quarter=known.idxmax(),
                     top_n=i18n.number(known.max(), lang))
    return Figure(_svg(fig), alt, title)


@_styled
def logic_model(elements: pd.DataFrame, lang: str,
                links: pd.DataFrame | None = None) -> Figure:
    """The program's logic model as a diagram: one row of boxes per stage, top to bottom.

    ``elements``: one row per box with columns ``stage`` (one of
    :data:`STAGES`: inputs, activities, outputs, immediate, intermediate,
    ultimate), ``id`` and ``text`` (in the report's language), in the order
    they should appear. ``links``: optional ``source, target`` ids drawn as
    arrows from a box to the box it leads to; without links, one arrow joins
    each stage to the next.

    Alt text: the number of elements per stage and the ultimate outcome(s).
    """
    title = i18n.t("chart.logic_model.title", lang)
    stages = [s for s in STAGES if s in set(elements["stage"])]
    if not stages:
        return _empty(title, lang)
    per_row = {s: elements[elements["stage"] == s] for s in stages}
    label_width, units, inch = 1.6, 10.0, WIDTH / 10.0  # x: 10 units across the page
    line, pad, gap = 0.135, 0.14, 0.32  # inches: one line of 7.5-point text, padding, gap
    layout = []
    for stage in stages:
        rows = per_row[stage]
        slot = (units - label_width) / len(rows)
        chars = max(int((slot - 0.3) * inch / 0.08), 10)
        texts = [_wrap(text, chars) for text in rows["text"]]
        height = max(t.count("\n") + 1 for t in texts) * line + 2 * pad
        layout.append((stage, rows, slot, texts, height))
    total = sum(h for *_, h in layout) + gap * (len(layout) - 1)
    fig, ax = _subplots(figsize=(WIDTH, total + 0.2))
    ax.set_xlim(0, units)
    ax.set_ylim(0, total)
    ax.axis("off")
    boxes: dict[str, tuple[float, float, float, float]] = {}  # id -> x centre, top, bottom, half width
    top = total
    for stage, rows, slot, texts, height in layout:
        middle = top - height / 2
        ax.text(0.05, middle, _wrap(i18n.t(f"chart.logic_model.stage.{stage}", lang), 14),
                va="center", ha="left", fontsize=8.5, fontweight="bold", color="#26374a")
        final = stage == stages[-1]
        for k, (element_id, text) in enumerate(zip(rows["id"], texts)):
            x = label_width + slot * k + 0.1
            ax.add_patch(FancyBboxPatch((x, top - height), slot - 0.2, height,
                                        boxstyle="round,pad=0,rounding_size=0.06",
                                        facecolor="#FFF1D6" if final else "#E8F1F8",
                                        edgecolor=PALETTE[1] if final else PALETTE[0],
                                        linewidth=1))
            ax.text(x + (slot - 0.2) / 2, middle, text, ha="center", va="center",
                    fontsize=7.5, linespacing=1.25)
            boxes[str(element_id)] = (x + (slot - 0.2) / 2, top, top - height, (slot - 0.2) / 2)
        top -= height + gap

    def arrow(start, end):
        if abs(start[1] - end[1]) < 1e-9:  # same stage: side to side, at mid-height
            y = (start[1] + start[2]) / 2
            sign = 1 if end[0] > start[0] else -1
            tail, head = (start[0] + sign * start[3], y), (end[0] - sign * end[3], y)
            style = "-"
        else:
            tail, head = (start[0], start[2]), (end[0], end[1])
            skips = any(b[1] < start[2] - 1e-9 and b[2] > end[1] + 1e-9 for b in boxes.values())
            style = "--" if skips else "-"  # dashed: passes behind an intermediate stage
        ax.add_patch(FancyArrowPatch(tail, head, arrowstyle="-|>", mutation_scale=8,
                                     color="#555", linewidth=0.7, linestyle=style,
                                     shrinkA=0, shrinkB=0, zorder=0.5))

    if links is not None and len(links):
        for source, target in zip(links["source"], links["target"]):
            if str(source) in boxes and str(target) in boxes:
                arrow(boxes[str(source)], boxes[str(target)])
    else:
        centre = label_width + (units - label_width) / 2
        for upper, lower in zip(stages, stages[1:]):
            first_upper = boxes[str(per_row[upper]["id"].iloc[0])]
            first_lower = boxes[str(per_row[lower]["id"].iloc[0])]
            arrow((centre, first_upper[1], first_upper[2], 0), (centre, first_lower[1], 0, 0))
    counts = "; ".join(f"{i18n.t(f'chart.logic_model.stage.{s}', lang)}: {len(per_row[s])}"
                       for s in stages)
    final_texts = " / ".join(str(t) for t in per_row[stages[-1]]["text"])
    alt = i18n.t("chart.logic_model.alt", lang, counts=counts, ultimate=final_texts)
    return Figure(_svg(fig), alt, title)


@_styled
def tfw_positions_by_stream(streams: pd.DataFrame, labels: dict[str, str], jurisdiction: str,
                            lang: str) -> Figure:
    """TFW positions on positive LMIAs by stream and year, as stacked bars.

    ``streams``: rows of ``context.positions_by_stream`` (``year, stream,
    positions``; the ``Total`` rows are left out); ``labels`` maps a published
    stream name to its label in ``lang``.
    """
    from matplotlib.ticker import FuncFormatter

    data = streams[streams["stream"] != "Total"]
    wide = data.pivot_table(index="year", columns="stream", values="positions",
                            aggfunc="sum", sort=False).astype(float).fillna(0.0)
    fig, ax = _subplots(figsize=(7.5, 4.2))
    bottom = pd.Series(0.0, index=wide.index)
    for k, stream in enumerate(wide.columns):
        ax.bar([str(y) for y in wide.index], wide[stream], bottom=bottom,
               color=PALETTE[k % len(PALETTE)], label=labels.get(stream, stream), width=0.65)
        bottom = bottom + wide[stream]
    ax.set_ylabel(i18n.t("chart.tfw_streams.ylabel", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: i18n.number(v, lang)))
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0),
              frameon=False)  # legend top-down in the order of the stacked bars
    title = i18n.t("chart.tfw_streams.title", lang, jurisdiction=jurisdiction)
    if len(wide):
        last = wide.index.max()
        total = float(wide.loc[last].sum())
        top = wide.loc[last].idxmax()
        alt = i18n.t("chart.tfw_streams.alt", lang, jurisdiction=jurisdiction,
                     first=wide.index.min(), last=last, total=i18n.number(total, lang),
                     top_stream=labels.get(top, top),
                     top_share=i18n.percent(float(wide.loc[last, top]) / total if total else 0,
                                            lang))
    else:
        alt = i18n.t("chart.empty.alt", lang)
    return Figure(_svg(fig), alt, title)


@_styled
def indicator_over_waves(values: pd.DataFrame, lang: str, *, title: str, target: float,
                         target_by: str, unit: str = "share") -> Figure:
    """One indicator over the data rounds: a dot per round with its 95% interval (when it has
    one), joined by a line, against the target (dashed).

    ``values``: one row per round, oldest first, ``round`` (display label), ``estimate``,
    ``ci_low``, ``ci_high`` (proportions 0-1 for a share; missing when hidden or not
    collected: the round keeps its place on the axis, with no dot). Alt text: each shown
    value by round, the rounds not shown, and the target with its date; nothing else.
    """
    share = unit == "share"
    scale = 100 if share else 1
    fmt = (lambda v: i18n.percent(v, lang)) if share else (lambda v: i18n.number(v, lang))
    x = list(range(len(values)))
    fig, ax = _subplots(figsize=(WIDTH, 2.8))
    estimate = pd.to_numeric(values["estimate"], errors="coerce").astype(float)
    low = pd.to_numeric(values["ci_low"], errors="coerce").astype(float)
    high = pd.to_numeric(values["ci_high"], errors="coerce").astype(float)
    shown = estimate.notna().to_numpy()
    xs = [i for i, s in zip(x, shown) if s]
    if shown.any():
        ax.plot(xs, estimate[shown] * scale, "-o", color=PALETTE[0], markersize=7,
                label=i18n.t("chart.trend.value", lang))
        with_ci = (shown & low.notna().to_numpy())
        if with_ci.any():
            ax.vlines([i for i, s in zip(x, with_ci) if s], low[with_ci] * scale,
                      high[with_ci] * scale, color=PALETTE[0], linewidth=2)
    ax.axhline(target * scale, color=PALETTE[2], linestyle="--", linewidth=1.2,
               label=i18n.t("chart.trend.target", lang, target=fmt(target), by=target_by))
    ax.set_xticks(x, [_wrap(r, 18) for r in values["round"]])
    ax.set_xlim(-0.5, len(values) - 0.5)
    if share:
        ax.set_ylim(0, 100)
        ax.set_yticks([0, 25, 50, 75, 100],
                      [i18n.percent(v / 100, lang) for v in (0, 25, 50, 75, 100)])
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: i18n.number(v, lang)))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False,
              fontsize=8)
    parts = [i18n.t("chart.trend.alt_value", lang, round=r, value=fmt(float(v)))
             for r, v, s in zip(values["round"], estimate, shown) if s]
    missing = [str(r) for r, s in zip(values["round"], shown) if not s]
    alt = i18n.t("chart.trend.alt", lang, indicator=title,
                 values="; ".join(parts) if parts else i18n.t("chart.trend.alt_none", lang),
                 target=fmt(target), by=target_by)
    if missing:
        alt += " " + i18n.t("chart.trend.alt_missing", lang, rounds=", ".join(missing))
    return Figure(_svg(fig), alt, title)


@_styled
def indicator_across_jurisdictions(values: pd.DataFrame, lang: str, *, title: str,
                                   unit: str = "share") -> Figure:
    """One indicator over time, a line per jurisdiction (the comparison's trend view).

    ``values``: ``jurisdiction`` (display name), ``round`` (display label), ``period_end``
    (``YYYY-MM``, the end of the round: the x position) and ``estimate`` (a proportion for a
    share; missing when hidden or not collected: no dot). Alt text: each jurisdiction's shown
    values by round, nothing else.
    """
    share = unit == "share"
    scale = 100 if share else 1
    fmt = (lambda v: i18n.percent(v, lang)) if share else (lambda v: i18n.number(v, lang))
    data = values.assign(estimate=pd.to_numeric(values["estimate"], errors="coerce"),
                         when=pd.to_datetime(values["period_end"] + "-01"))
    shown = data.dropna(subset=["estimate"])
    if shown.empty:
        return _empty(title, lang)
    fig, ax = _subplots(figsize=(WIDTH, 2.8))
    parts = []
    for (name, rows), colour, marker in zip(shown.groupby("jurisdiction", sort=False), PALETTE,
                                            "osD^v<>p"):
        rows = rows.sort_values("when")
        ax.plot(rows["when"], rows["estimate"].astype(float) * scale, "-", marker=marker,
                color=colour, label=name)
        parts.append(i18n.t("chart.compare_trend.alt_jurisdiction", lang, jurisdiction=name,
                            values=", ".join(f"{r} {fmt(float(v))}" for r, v in
                                             zip(rows["round"], rows["estimate"]))))
    if share:
        ax.set_ylim(0, 100)
        ax.set_yticks([0, 25, 50, 75, 100],
                      [i18n.percent(v / 100, lang) for v in (0, 25, 50, 75, 100)])
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: i18n.number(v, lang)))
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    ax.set_xlabel(i18n.t("chart.compare_trend.xlabel", lang))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=4, frameon=False,
              fontsize=8)
    alt = i18n.t("chart.compare_trend.alt", lang, indicator=title, values="; ".join(parts))
    return Figure(_svg(fig), alt, title)
