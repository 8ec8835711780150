"""Context: the jurisdiction's temporary foreign workers, from official TFWP statistics.

Positions on positive LMIAs by stream over time and the share outside primary
agriculture (ESDC table 13), leading occupations (table 7), the standing among
provinces (with IRCC work-permit holders) and the needs assessment for
expanding the Network with its weights. The source is cited under every table
and chart. These are published aggregates, not counts of the assessment's
participants: they are shown as published (the publishers' own suppression,
``--``, appears as the suppression mark), without the small-cell rule.
"""

from __future__ import annotations

import pandas as pd

from mwsn import config, context, i18n, ingest, plots
from mwsn.report.html import Html, esc, figure, table

TOTAL = "Total"


def _label(rep, kind: str, name: str) -> str:
    """A published name (stream, province) in the report's language, else as published."""
    key = f"{kind}.{name}"
    return rep.t(key) if key in i18n.catalogue(rep.lang) else name


def _source(rep, sources: pd.DataFrame, *names: str) -> Html:
    texts = []
    for name in names:
        row = sources.set_index("name").loc[name]
        key = "context.source.esdc" if row["publisher"] == "ESDC" else "context.source.ircc"
        texts.append(rep.t(key, table=row["table"], edition=row["edition"]))
    return Html(f'<p class="note source">{esc(" ".join(texts))}</p>')


def _table(rep, frame, caption, name, formats) -> Html:
    return table(frame, caption, name=name, lang=rep.lang, min_cell=rep.params.min_cell,
                 formats=formats)


def _streams(rep, sources, streams, outside, jurisdiction) -> str:
    labels = {s: _label(rep, "stream", s) for s in streams["stream"].unique()}
    chart = figure(plots.tfw_positions_by_stream(streams, labels, jurisdiction, rep.lang))
    wide = streams.pivot_table(index="stream", columns="year", values="positions",
                               aggfunc="sum", sort=False)
    years = [str(y) for y in wide.columns]
    wide.columns = years
    wide = wide.reset_index()
    wide["stream"] = wide["stream"].map(lambda s: rep.t("col.total") if s == TOTAL else labels[s])
    wide = wide.rename(columns={"stream": rep.t("context.col.stream")})
    streams_table = _table(rep, wide, rep.t("context.streams.caption", jurisdiction=jurisdiction),
                           "context_streams", {y: "count" for y in years})
    first, last = outside.iloc[0], outside.iloc[-1]
    body = rep.t("context.streams.body", jurisdiction=jurisdiction, last=int(last["year"]),
                 total=i18n.number(float(last["total"]), rep.lang),
                 share_outside=i18n.percent(float(last["share_outside"]), rep.lang),
                 first=int(first["year"]),
                 share_first=i18n.percent(float(first["share_outside"]), rep.lang))
    view = pd.DataFrame({
        rep.t("context.col.year"): outside["year"].astype(str),
        rep.t("context.col.positions"): outside["total"],
        rep.t("context.col.agriculture"): outside["agriculture"],
        rep.t("context.col.outside"): outside["outside_agriculture"],
        rep.t("context.col.share_outside"): outside["share_outside"],
    })
    counts = [rep.t(f"context.col.{c}") for c in ("positions", "agriculture", "outside")]
    outside_table = _table(rep, view, rep.t("context.outside.caption", jurisdiction=jurisdiction),
                           "context_outside_agriculture",
                           {**{c: "count" for c in counts},
                            rep.t("context.col.share_outside"): "pct"})
    source = _source(rep, sources, "positions_by_stream")
    return (f"<h3>{esc(rep.t('context.streams.heading'))}</h3><p>{esc(body)}</p>"
            f"{chart}{source}{streams_table}{source}{outside_table}{source}")


def _occupations(rep, sources, occupations, jurisdiction) -> str:
    year = int(occupations["year"].iloc[0]) if len(occupations) else ""
    view = pd.DataFrame({
        rep.t("context.col.occupation"): occupations["code"].fillna("") + " "
        + occupations["occupation"],
        rep.t("context.col.rank"): occupations["rank"].astype(str),
        rep.t("context.col.positions"): occupations["positions"],
        rep.t("context.col.share_of_jurisdiction"): occupations["share"],
    })
    tbl = _table(rep, view, rep.t("context.occupations.caption", jurisdiction=jurisdiction,
                                  year=year, n=len(occupations)), "context_occupations",
                 {rep.t("context.col.positions"): "count",
                  rep.t("context.col.share_of_jurisdiction"): "pct"})
    return (f"<h3>{esc(rep.t('context.occupations.heading'))}</h3>"
            f"<p>{esc(rep.t('context.occupations.body'))}</p>{tbl}"
            f"{_source(rep, sources, 'positions_by_occupation')}")


def _standing(rep, sources, provinces, province, jurisdiction) -> str:
    mine = provinces[provinces["province"] == province]
    body = ""
    if len(mine):
        row = mine.iloc[0]
        body = rep.t("context.standing.body", jurisdiction=jurisdiction,
                     rank=int(row["rank_positions"]), n=len(provinces), year=int(row["year"]),
                     share=i18n.percent(float(row["share_of_canada"]), rep.lang),
                     rank_holders=int(row["rank_holders"]), permit_year=int(row["permit_year"]))
    year, permit_year = int(provinces["year"].iloc[0]), int(provinces["permit_year"].iloc[0])
    view = pd.DataFrame({
        rep.t("context.col.province"): provinces["province"].map(
            lambda p: _label(rep, "province", p)),
        rep.t("context.col.positions_year", year=year): provinces["positions"],
        rep.t("context.col.share_of_canada"): provinces["share_of_canada"],
        rep.t("context.col.holders_year", year=permit_year): provinces["work_permit_holders"],
        rep.t("context.col.holders_share"): provinces["holders_share_of_canada"],
    })
    cols = list(view.columns)
    tbl = _table(rep, view, rep.t("context.standing.caption"), "context_provinces",
                 {cols[1]: "count", cols[2]: "pct", cols[3]: "count", cols[4]: "pct"})
    return (f"<h3>{esc(rep.t('context.standing.heading'))}</h3><p>{esc(body)}</p>{tbl}"
            f"{_source(rep, sources, 'positions_by_stream', 'work_permit_holders')}")


def _needs(rep, sources, needs, weights, province, jurisdiction) -> str:
    ranked = needs[needs["ranked"]]
    mine = needs[needs["province"] == province]
    if rep.params.network_in_place:
        body = rep.t("context.needs.body_network", jurisdiction=jurisdiction)
    elif len(mine) and bool(mine.iloc[0]["ranked"]):
        body = rep.t("context.needs.body_no_network", jurisdiction=jurisdiction,
                     rank=int(mine.iloc[0]["rank"]), n=len(ranked))
    else:
        body = rep.t("context.needs.body_not_ranked", jurisdiction=jurisdiction)
    row = needs.iloc[0]
    method = rep.t("context.needs.method", first=int(row["first_year"]),
                   last=int(row["last_year"]), permit_year=int(row["permit_year"]),
                   min_positions=i18n.number(float(weights["min_positions"].iloc[0]), rep.lang))
    wview = pd.DataFrame({
        rep.t("context.col.indicator"): weights["indicator"].map(
            lambda i: rep.t(f"context.indicator.{i}")),
        rep.t("context.col.weight"): weights["share"],
    })
    wtable = _table(rep, wview, rep.t("context.weights.caption"), "context_weights",
                    {rep.t("context.col.weight"): "pct"})
    why = "".join(f"<dt>{esc(rep.t(f'context.indicator.{r.indicator}'))} "
                  f"({esc(i18n.percent(float(r.share), rep.lang))})</dt>"
                  f"<dd>{esc(getattr(r, f'explanation_{rep.lang}'))}</dd>"
                  for r in weights.itertuples())
    wtable = Html(f"{wtable}<p>{esc(rep.t('context.col.why'))}</p><dl>{why}</dl>")
    ind = {i: rep.t(f"context.indicator.{i}") for i in
           ("workforce", "growth", "low_wage_share", "agriculture_share")}
    nview = pd.DataFrame({
        rep.t("context.col.province"): ranked["province"].map(
            lambda p: _label(rep, "province", p)),
        rep.t("context.col.rank"): ranked["rank"].astype(str),
        ind["workforce"]: ranked["workforce"],
        ind["growth"]: ranked["growth"].map(
            lambda g: i18n.percent(float(g), rep.lang, decimals=1)),
        ind["low_wage_share"]: ranked["low_wage_share"],
        ind["agriculture_share"]: ranked["agriculture_share"],
        rep.t("context.col.score"): ranked["score"].map(
            lambda s: i18n.number(float(s), rep.lang, decimals=2)),
    })
    ntable = _table(rep, nview, rep.t("context.needs.caption"), "context_needs",
                    {ind["workforce"]: "count",
                     ind["low_wage_share"]: "pct", ind["agriculture_share"]: "pct"})
    left_out = []
    for reason in ("network_in_place", "few_positions"):
        names = needs.loc[needs["reason"] == reason, "province"]
        if len(names):
            left_out.append(rep.t(f"context.needs.not_ranked.{reason}",
                                  provinces=", ".join(_label(rep, "province", p) for p in names)))
    note = "".join(f'<p class="note">{esc(t)}</p>' for t in left_out)
    source = _source(rep, sources, "positions_by_stream", "work_permit_holders")
    return (f"<h3>{esc(rep.t('context.needs.heading'))}</h3><p>{esc(body)}</p>"
            f"<p>{esc(method)}</p>{wtable}"
            f'<p class="note source">{esc(rep.t("context.weights.source"))}</p>'
            f"{ntable}{note}{source}")


def _quality(rep, sources, checks, province) -> str:
    esdc = sources[sources["publisher"] == "ESDC"]
    parts = [rep.t("context.quality.esdc", table=r["table"], n=int(r["total_mismatches"]))
             for _, r in esdc.iterrows()]
    mine = checks[(checks["province"] == province) & (checks["name"] != "work_permit_holders")]
    tables = sources.set_index("name")["table"]
    for name, rows in mine.groupby("name", sort=False):
        years = ", ".join(sorted({str(y) for y in rows["year"]}))
        parts.append(rep.t("context.quality.jurisdiction", table=tables[name], years=years))
    parts.append(rep.t("context.quality.ircc"))
    return (f"<h3>{esc(rep.t('context.quality.heading'))}</h3>"
            + "".join(f'<p class="note">{esc(p)}</p>' for p in parts))


def _national(rep, name: str) -> pd.DataFrame:
    """A table of the national context, computed once per run (``data/processed/_national/``)."""
    return ingest.read_processed(config.national_paths(rep.where.root).processed, name)


def _mine(rep, name: str) -> pd.DataFrame:
    """This jurisdiction's rows of a per-province national context table."""
    where = config.national_paths(rep.where.root).processed / f"{name}.parquet"
    return context.for_province(_national(rep, name), rep.params.tfwp_province,
                                where.relative_to(rep.where.root).as_posix())


def render(rep) -> Html:
    sources = _national(rep, "context_sources")
    province = rep.params.tfwp_province
    jurisdiction = rep.params.name(rep.lang)
    parts = [
        _streams(rep, sources, _mine(rep, "context_streams"),
                 _mine(rep, "context_outside_agriculture"), jurisdiction),
        _occupations(rep, sources, _mine(rep, "context_occupations"), jurisdiction),
        _standing(rep, sources, _national(rep, "context_provinces"), province, jurisdiction),
        _needs(rep, sources, _national(rep, "context_needs"), _national(rep, "context_weights"),
               province, jurisdiction),
        _quality(rep, sources, _national(rep, "context_total_checks"), province),
    ]
    return Html(f'<section id="context"><h2>{esc(rep.t("context.heading"))}</h2>'
                f"<p>{esc(rep.t('context.intro', jurisdiction=jurisdiction))}</p>"
                + "".join(parts) + "</section>")
