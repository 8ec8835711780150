"""Service records: what funded organizations delivered, worker by worker (a sub-objective).

The headline indicators of :func:`mwsn.services.service_indicators` (reach, services
delivered, repeat use, services and workers outside agriculture: the third
consideration's targeted outreach, organizations reporting) and services per
quarter by service type, as a chart with its data table. Every figure comes from
the jurisdiction's disclosure pass (``rep.protected``): a count hidden there is
hidden in the table, the chart, its alt text and the sentences, in each language.
A jurisdiction or wave without service records says so (*not collected*).
"""

from __future__ import annotations

import pandas as pd

from mwsn import i18n, plots, privacy
from mwsn.report.html import Html, esc, figure, table

#: the indicators shown, in order (ids of the indicator register where it has them)
SHOWN = ("workers_served", "services_delivered", "repeat_use", "services_outside_agriculture",
         "workers_served_outside_agriculture", "organizations_reporting")


def _indicators(rep) -> pd.DataFrame | None:
    try:
        frame = rep.processed("service_indicators")
    except FileNotFoundError:
        return None
    if frame.empty or (frame["status"] == "not_collected").all():
        return None
    return frame


def _figure(rep, key) -> str:
    value = rep.protected.shown(key)
    return "" if value is None else i18n.number(value, rep.lang)


def headline_table(rep, indicators: pd.DataFrame) -> Html:
    shown = privacy.protected_services(indicators, rep.protected)
    shown = shown.set_index("metric").reindex([m for m in SHOWN if m in set(shown["metric"])])
    mark = i18n.t("table.suppressed", rep.lang)
    # a count without a base has no share: blank, not the suppression mark
    shares = ["" if not isinstance(unit, str) else mark if pd.isna(share)
              else i18n.percent(float(share), rep.lang)
              for unit, share in zip(shown["base_unit"], shown["share"])]
    view = pd.DataFrame({
        rep.t("services.col.indicator"): [rep.t(f"services.metric.{m}") for m in shown.index],
        rep.t("services.col.count"): shown["count"].to_numpy(),
        rep.t("services.col.base"): [rep.t(f"services.base.{u}") if isinstance(u, str) else ""
                                     for u in shown["base_unit"]],
        rep.t("services.col.share"): shares})
    view.attrs = shown.attrs
    count = rep.t("services.col.count")
    return table(view, rep.t("services.table_caption"), name="service_indicators",
                 lang=rep.lang, min_cell=rep.min_cell, counts=[count],
                 formats={count: "count"})


def quarter_frames(rep) -> tuple[pd.DataFrame, dict, list[str]]:
    """Services per quarter and service type as the pass shows them (chart data), each
    quarter's shown total, and the service types in codebook order."""
    by_quarter = privacy.protected_services_by_quarter(rep.processed("services_by_quarter"),
                                                       rep.protected)
    parts = by_quarter[by_quarter["service_type"].astype("string") != "all"]
    codes = rep.codebook.category_codes("service_type")
    present = [c for c in codes if c in set(parts["service_type"].dropna())]
    totals = {q: rep.protected.shown(("services_by_quarter", f"{q}:all", "services"))
              for q in sorted(set(by_quarter["quarter"]))}
    return by_quarter, totals, present


def chart(rep) -> Html:
    by_quarter, totals, present = quarter_frames(rep)
    parts = by_quarter[by_quarter["service_type"].isin(present)]
    rank = {c: i for i, c in enumerate(present)}
    parts = parts.assign(rank=parts["service_type"].map(rank)).sort_values(["quarter", "rank"])
    data = pd.DataFrame({"quarter": parts["quarter"].astype(str),
                         "service_type": [rep.category("service_type", c)
                                          for c in parts["service_type"]],
                         "services": parts["services"]})
    return figure(plots.services_by_quarter(
        data, rep.lang, totals=totals,
        total=rep.protected.shown(("services", "services_delivered", "count"))))


def quarter_table(rep) -> Html:
    """The chart's data: per quarter, services by type, all services and distinct workers."""
    by_quarter, _, present = quarter_frames(rep)
    rows = []
    for quarter, block in by_quarter.groupby("quarter", sort=True):
        cells = dict(zip(block["service_type"].astype("string").fillna("unknown"),
                         zip(block["services"], block["workers"])))
        rows.append([str(quarter), *[cells.get(c, (0, 0))[0] for c in present],
                     cells.get("all", (pd.NA, pd.NA))[0], cells.get("all", (pd.NA, pd.NA))[1]])
    columns = [rep.t("services.col.quarter"), *[rep.category("service_type", c) for c in present],
               rep.t("services.col.all_services"), rep.t("services.col.workers")]
    view = pd.DataFrame(rows, columns=columns)
    for column in columns[1:]:
        view[column] = pd.to_numeric(view[column], errors="coerce").astype("Float64")
    view.attrs[privacy.MARK] = rep.min_cell
    return table(view, rep.t("services.quarter_caption"), name="services_by_quarter",
                 lang=rep.lang, min_cell=rep.min_cell, counts=columns[1:],
                 formats={c: "count" for c in columns[1:]})


def _sentences(rep, indicators: pd.DataFrame) -> str:
    p = rep.params
    orgs = indicators.set_index("metric").at["organizations_reporting", "count"]
    services = _figure(rep, ("services", "services_delivered", "count"))
    workers = _figure(rep, ("services", "workers_served", "count"))
    if services and workers:
        text = rep.t("services.body", organizations=i18n.number(orgs, rep.lang),
                     services=services, workers=workers, start=p.period.start, end=p.period.end)
    else:
        text = rep.t("services.body_protected", organizations=i18n.number(orgs, rep.lang),
                     start=p.period.start, end=p.period.end)
    shown = privacy.protected_services(indicators, rep.protected).set_index("metric")
    away = [shown.at[m, "share"] if m in shown.index else pd.NA
            for m in ("services_outside_agriculture", "workers_served_outside_agriculture")]
    if "services_outside_agriculture" not in shown.index:   # the export has no sector
        outreach = rep.t("services.outreach_not_collected")
    elif all(not pd.isna(v) for v in away):
        outreach = rep.t("services.outreach", services=i18n.percent(float(away[0]), rep.lang),
                         workers=i18n.percent(float(away[1]), rep.lang))
    else:
        outreach = rep.t("services.outreach_protected")
    return f"<p>{esc(text)}</p><p>{esc(outreach)}</p>"


def render(rep) -> Html:
    """The service-records part: text, headline table, chart and its data, or *not collected*."""
    heading = f'<section id="services"><h2>{esc(rep.t("services.heading"))}</h2>'
    indicators = _indicators(rep)
    if indicators is None:
        return Html(f"{heading}<p>{esc(rep.t('services.not_collected'))}</p></section>")
    return Html(f"{heading}{_sentences(rep, indicators)}{headline_table(rep, indicators)}"
                f"{chart(rep)}{quarter_table(rep)}</section>")
