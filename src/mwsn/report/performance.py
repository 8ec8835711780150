"""Performance measurement: each registered indicator across the data rounds.

Under "Going forward", before the considerations: the assessment's sixth consideration
asks for a data collection and reporting system, and this is what it reports. For each
indicator of the register (``params/indicators.yaml``): its Performance Information
Profile (definition, source, frequency, the role responsible, baseline), a table of its
value in each round up to the report's with its interval, target and status, a chart, and
the change between rounds with the test the design allows. Each management action's
status in each round goes with the management response, after the considerations
(:func:`actions_history`). Figures come only from ``trend`` and ``trend_changes``
(``07_trends``), which hold only what the rounds' disclosure passes and the trend's own
show.
"""

from __future__ import annotations

import pandas as pd

from mwsn import findings, i18n, plots, privacy, register, response
from mwsn.report.html import Html, esc, figure, table


def _value(value, data_type: str, lang: str) -> str:
    if data_type == "amount":
        return i18n.money(float(value), lang)
    return findings.format_value(float(value), "share" if data_type == "share" else "count",
                                 lang)


def _round_labels(rep, trend: pd.DataFrame) -> dict:
    """wave id → ``pilot (2018-03 to 2020-03)``; the only round → its period."""
    periods = {w.id: w.period for w in rep.params.waves}
    labels = {}
    for wave in dict.fromkeys(trend["wave"]):
        if wave is None or pd.isna(wave):
            p = rep.params.period
            labels[wave] = rep.t("trend.only_round", start=p.start, end=p.end)
        else:
            p = periods.get(wave)
            labels[wave] = (rep.t("trend.round", round=wave, start=p.start, end=p.end)
                            if p is not None else str(wave))
    return labels


def _labels(rep, reg) -> dict[str, str]:
    return register.names(reg, rep.matrix, rep.lang)


def _round_ids(rep, trend: pd.DataFrame) -> dict:
    """wave id → itself; the only round → its period: how a short cell names a round."""
    p = rep.params.period
    return {w: (rep.t("trend.only_round", start=p.start, end=p.end) if w is None else str(w))
            for w in dict.fromkeys(trend["wave"])}


def _shown_value(row, data_type: str, lang: str) -> str:
    if row.status in ("not_collected", "no_table"):
        return i18n.t("trend.not_collected", lang)
    if pd.isna(row.estimate):
        return i18n.t("trend.hidden", lang)
    text = _value(row.estimate, data_type, lang)
    if not pd.isna(row.ci_low):
        text += f" ({_value(row.ci_low, data_type, lang)}-{_value(row.ci_high, data_type, lang)})"
    return text


def _baseline(rep, rows: pd.DataFrame, entry, labels: dict, data_type: str) -> str:
    base = rows[rows["is_baseline"]]
    if base.empty:
        if entry.baseline.wave == "first":  # no round so far collected it
            return rep.t("trend.baseline_none")
        return rep.t("trend.baseline_later", round=entry.baseline.wave)
    row = base.iloc[0]
    if row["status"] != "measured":
        return rep.t("trend.baseline_not_collected", round=labels[row["wave"]])
    if pd.isna(row["estimate"]):
        return rep.t("trend.baseline_not_shown", round=labels[row["wave"]])
    return rep.t("trend.baseline_value", value=_value(row["estimate"], data_type, rep.lang),
                 round=labels[row["wave"]])


def _signed(value: float, lang: str) -> str:
    points = i18n.number(abs(value) * 100, lang, 1)
    return i18n.t("trend.points", lang, sign="+" if value > 0 else ("-" if value < 0 else ""),
                  value=points)


def _change_text(rep, row, data_type: str, status: dict | None = None) -> str:
    """A change between two rounds as shown; ``status``: each round's status, so that a
    change with a round that did not collect the indicator says so ("not collected"),
    not "not shown" (which says a figure was hidden)."""
    if pd.isna(row.change):
        ends = [(status or {}).get(row.wave_from), (status or {}).get(row.wave_to)]
        if any(s in ("not_collected", "no_table") for s in ends):
            return rep.t("trend.not_collected")
        return rep.t("trend.hidden")
    if data_type == "share":
        return _signed(row.change, rep.lang)
    return ("+" if row.change > 0 else "") + _value(row.change, data_type, rep.lang)


def _test_text(rep, row) -> str:
    if not row.test:
        return ""
    if pd.isna(row.p_value):
        return (rep.t("trend.test.hidden", min_cell=rep.min_cell) if row.withheld
                else rep.t("trend.hidden"))
    p = ("< " + i18n.number(0.001, rep.lang, 3) if row.p_value < 0.001
         else i18n.number(row.p_value, rep.lang, 3))
    return rep.t(f"trend.test.{row.test}", p=p)


def _base(rep, rows: pd.DataFrame, data_type: str, name: str) -> list[str]:
    """The base (n) of each round's value: a count has none (not applicable); a share's
    hidden base reads "not shown". The counts shown passed the rounds' and the trend's
    disclosure passes; checked again here."""
    if data_type != "share":
        return [rep.t("trend.not_applicable")] * len(rows)
    privacy.check_disclosure(rows[["n"]], ["n"], rep.min_cell, name)
    return [rep.t("trend.not_collected") if r.status != "measured"
            else rep.t("trend.hidden") if pd.isna(r.n)
            else i18n.number(float(r.n), rep.lang) for r in rows.itertuples()]


def _design(rep, design: str, source: str) -> str:
    """Who a change compares: everyone who answered, or for a complete record (funding
    ledger, service records, recommendations register) the whole of it."""
    if design == "all" and source != "survey":
        return rep.t(f"trend.design.all_records.{source}")
    return rep.t(f"trend.design.{design}")


def indicator_block(rep, entry, rows: pd.DataFrame, changes: pd.DataFrame, label: str,
                    labels: dict) -> str:
    """One indicator: profile, table by round, chart, changes."""
    lang, data_type = rep.lang, entry.data_type
    profile = rep.t("trend.profile", source=rep.t(f"trend.source.{entry.source}"),
                    frequency=rep.t(f"trend.frequency.{entry.frequency}"),
                    owner=entry.owner(lang),
                    baseline=_baseline(rep, rows, entry, labels, data_type))
    target_text = rep.t("trend.target", target=_value(rows["target"].iloc[0], data_type, lang),
                        by=rows["target_by"].iloc[0])
    view = pd.DataFrame({
        rep.t("trend.col.round"): [rep.t("trend.baseline_round", round=labels[r.wave])
                                   if r.is_baseline else labels[r.wave]
                                   for r in rows.itertuples()],
        rep.t("trend.col.value"): [_shown_value(r, data_type, lang) for r in rows.itertuples()],
        rep.t("trend.col.base"): _base(rep, rows, data_type, f"trend_{entry.id}"),
        rep.t("trend.col.target"): [target_text] * len(rows),
        rep.t("trend.col.status"): [rep.t(f"trend.status.{s}") for s in rows["target_status"]],
    })
    view.attrs = {"mwsn_min_cell": rep.min_cell}  # figures of the rounds' and trend's passes
    parts = [f'<h4 id="trend-{esc(entry.id)}">{esc(label)}</h4>',
             f"<p>{esc(rep.t('trend.definition', definition=entry.definition(lang)))}</p>",
             f'<p class="note">{esc(profile)}</p>',
             table(view, rep.t("trend.caption", indicator=label), name=f"trend_{entry.id}",
                   lang=lang, min_cell=rep.min_cell)]
    if rows["estimate"].notna().any():  # no chart of nothing: the table says why
        chart = pd.DataFrame({"round": [labels[w] for w in rows["wave"]],
                              "estimate": rows["estimate"], "ci_low": rows["ci_low"],
                              "ci_high": rows["ci_high"]})
        parts.append(figure(plots.indicator_over_waves(
            chart, lang, title=label, target=float(rows["target"].iloc[0]),
            target_by=rows["target_by"].iloc[0],
            unit="share" if data_type == "share" else "count")))
    mine = changes[changes["indicator_id"] == entry.id]
    if len(mine):
        change_view = pd.DataFrame({
            rep.t("trend.col.from_to"): [rep.t("trend.from_to", from_round=r.wave_from,
                                               to_round=r.wave_to) for r in mine.itertuples()],
            rep.t("trend.col.who"): [_design(rep, d, entry.source) for d in mine["design"]],
            rep.t("trend.col.change"): [_change_text(rep, r, data_type,
                                                     dict(zip(rows["wave"], rows["status"])))
                                        for r in mine.itertuples()],
            rep.t("trend.col.test"): [_test_text(rep, r) for r in mine.itertuples()],
        })
        parts.append(table(change_view, rep.t("trend.changes_caption", indicator=label),
                           name=f"trend_changes_{entry.id}", lang=lang,
                           min_cell=rep.min_cell))
    return "".join(parts)


def summary_table(rep, trend: pd.DataFrame, reg, names: dict, labels: dict) -> Html:
    """Every indicator's latest round: value (with the round's id: its period is in the
    indicator's own table), baseline, target and status."""
    ids = _round_ids(rep, trend)
    latest = trend[trend["wave_order"] == trend["wave_order"].max()].set_index("indicator_id")
    rows = []
    for entry in reg.indicators:
        if entry.id not in latest.index:
            continue
        r = latest.loc[entry.id]
        mine = trend[trend["indicator_id"] == entry.id]
        rows.append({
            rep.t("trend.col.indicator"): names[entry.id],
            rep.t("trend.col.latest"): rep.t("trend.value_in", value=_shown_value(
                r, entry.data_type, rep.lang), round=ids[r["wave"]]),
            rep.t("trend.col.baseline"): _baseline(rep, mine, entry, labels, entry.data_type),
            rep.t("trend.col.target"): rep.t("trend.target", target=_value(
                r["target"], entry.data_type, rep.lang), by=r["target_by"]),
            rep.t("trend.col.status"): rep.t(f"trend.status.{r['target_status']}")})
    return table(pd.DataFrame(rows), rep.t("trend.summary_caption"), name="trend_summary",
                 lang=rep.lang, min_cell=rep.min_cell)


def rounds_so_far(rep) -> list[tuple]:
    """``(wave, period_end)`` of the report's round and those before it, oldest first."""
    waves = rep.params.waves
    if not waves or rep.where.wave is None:
        return [(None, rep.params.period.end)]
    ids = [w.id for w in waves]
    return [(w.id, w.period.end) for w in waves[:ids.index(rep.where.wave) + 1]]


def actions_history(rep) -> str:
    """Each management action's status at the end of each round up to the report's
    (``mwsn.response.history``): shown with the management response, after the
    considerations."""
    rounds = rounds_so_far(rep)
    labels = _round_labels(rep, pd.DataFrame({"wave": [w for w, _ in rounds]}))
    actions = rep.params.management_response
    if not actions or len(rounds) < 2:
        return ""
    past = response.history(actions, rounds)
    texts = {c.id: c.text(rep.lang) for c in rep.params.considerations}
    rows = []
    for a in actions:
        mine = past[past["consideration"] == a.consideration]
        row = {rep.t("response.col.consideration"): texts[a.consideration],
               rep.t("trend.col.action"): f"{a.action(rep.lang)} ({a.due})"}
        for r in mine.itertuples():
            row[labels[r.wave]] = rep.t(f"response.status.{r.tracking}")
        rows.append(row)
    return (f'<h4 id="actions-history">{esc(rep.t("trend.actions_heading"))}</h4>'
            + table(pd.DataFrame(rows), rep.t("trend.actions_caption"),
                    name="actions_history", lang=rep.lang, min_cell=rep.min_cell))


def render(rep) -> Html:
    heading = f'<h3 id="performance">{esc(rep.t("trend.heading"))}</h3>'
    try:
        trend = rep.processed("trend")
        changes = rep.processed("trend_changes")
    except FileNotFoundError:
        return Html(f'<section class="performance">{heading}'
                    f'<p class="note">{esc(rep.t("trend.none"))}</p></section>')
    trend["wave"] = trend["wave"].astype(object).where(trend["wave"].notna(), None)
    reg = register.load_register(rep.where.root)
    if not reg.indicators or trend.empty:
        return Html(f'<section class="performance">{heading}'
                    f'<p class="note">{esc(rep.t("trend.no_register"))}</p></section>')
    labels = _round_labels(rep, trend)
    names = _labels(rep, reg)
    order = trend.drop_duplicates("wave_order").sort_values("wave_order")
    rounds = list(zip(order["wave"], order["period_end"]))
    intro = i18n.plural("trend.intro", rep.lang, len(rounds), latest=labels[rounds[-1][0]])
    blocks = [indicator_block(rep, entry, trend[trend["indicator_id"] == entry.id]
                              .sort_values("wave_order"), changes, names[entry.id], labels)
              for entry in reg.indicators if (trend["indicator_id"] == entry.id).any()]
    return Html(f'<section class="performance">{heading}<p>{esc(intro)}</p>'
                f'<p class="note">{esc(rep.t("trend.caveat"))}</p>'
                + summary_table(rep, trend, reg, names, labels) + "".join(blocks)
                + "</section>")
