"""The manager report: HTML sections in EN or FR, tables, figures, the page around them.

Each section function returns :class:`Html`, which a notebook displays as its
output; ``runner`` exports those outputs without code and wraps them with
:func:`page`. Everything that comes from data is HTML-escaped; every table
is checked for small cells before it is rendered; every visible word comes
from the EN/FR catalogue.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mwsn import i18n, ingest, plots, privacy
from mwsn.codebook import Codebook, load_codebook
from mwsn.config import Jurisdiction, Paths, load, paths


class Html(str):
    """A fragment of trusted HTML that notebooks display as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def esc(value) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value))
                       else str(value))


def figure(fig: plots.Figure) -> Html:
    data = base64.b64encode(fig.svg.encode("utf-8")).decode("ascii")
    return Html(f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{esc(fig.alt)}">'
                f"<figcaption>{esc(fig.title)}</figcaption></figure>")


def table(frame: pd.DataFrame, caption: str, *, name: str, lang: str, min_cell: int,
          counts: list[str] = (), formats: dict[str, str] | None = None) -> Html:
    """An accessible table: caption, header cells, numbers formatted for ``lang``.

    ``formats`` maps a column to ``"count"``, ``"pct"`` or ``"money"``; a
    suppressed (missing) cell is shown as the catalogue's suppression mark.
    Raises :class:`~mwsn.errors.DisclosureError` on an unsuppressed small count.
    """
    privacy.check_disclosure(frame, list(counts), min_cell, name)
    formats = formats or {}
    mark = i18n.t("table.suppressed", lang)

    def cell(column, value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return mark if column in formats else ""
        kind = formats.get(column)
        if kind == "count":
            return i18n.number(float(value), lang)
        if kind == "pct":
            return i18n.percent(float(value), lang)
        if kind == "money":
            return i18n.money(float(value), lang)
        return value

    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = [esc(cell(c, row[c])) for c in frame.columns]
        body.append(f'<tr><th scope="row">{cells[0]}</th>'
                    + "".join(f"<td>{v}</td>" for v in cells[1:]) + "</tr>")
    note = (f'<p class="note">{esc(i18n.t("table.suppressed_note", lang, mark=mark, n=min_cell))}'
            "</p>") if counts else ""
    return Html(f'<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table>{note}')


@dataclass
class Report:
    """Everything a manager report needs for one jurisdiction and language."""

    params: Jurisdiction
    where: Paths
    codebook: Codebook
    lang: str

    def t(self, key: str, **values) -> str:
        return i18n.t(key, self.lang, **values)

    def processed(self, name: str) -> pd.DataFrame:
        return ingest.read_processed(self.where.processed, name)

    def label(self, source: str, variable: str) -> str:
        return getattr(self.codebook.sources[source].variable(variable).label, self.lang)

    def group_label(self, code: str) -> str:
        if code == "all":
            return self.t("group.all")
        return self.codebook.category_label("stakeholder_group", code, self.lang)

    # -- sections ------------------------------------------------------------------------------
    def title(self) -> Html:
        name = self.params.name(self.lang)
        return Html(f'<header><p class="kicker">{esc(self.t("report.kicker"))}</p>'
                    f"<h1>{esc(self.t('report.title', jurisdiction=name))}</h1>"
                    f'<p class="period">{esc(self.t("report.period", start=self.params.period.start, end=self.params.period.end))}</p>'
                    "</header>")

    def about(self) -> Html:
        p = self.params
        text = self.t("about.body", jurisdiction=p.name(self.lang),
                      budget=i18n.money(p.budget.amount, self.lang, p.budget.currency),
                      start=p.period.start, end=p.period.end)
        components = "".join(f"<li>{esc(self.t(k))}</li>"
                             for k in ("about.funding_program", "about.network_meetings"))
        return Html(f'<section id="about"><h2>{esc(self.t("about.heading"))}</h2>'
                    f"<p>{esc(text)}</p><ul>{components}</ul></section>")

    def methodology(self) -> Html:
        people = self.processed("participants")
        counts = (people.groupby(["stakeholder_group", "line_of_evidence"]).size()
                  .unstack(fill_value=0))
        lines = [c for c in ("survey", "interview", "focus_group") if c in counts.columns]
        counts = counts.reindex(columns=lines, fill_value=0)
        counts["total"] = counts.sum(axis=1)
        shown = counts.reset_index()
        shown = privacy.suppress(shown, lines + ["total"], self.params.min_cell)
        shown["stakeholder_group"] = shown["stakeholder_group"].map(self.group_label)
        headers = {"stakeholder_group": self.t("col.stakeholder_group"),
                   "total": self.t("col.total"),
                   **{c: self.codebook.category_label("line_of_evidence", c, self.lang)
                      for c in lines}}
        shown = shown.rename(columns=headers)
        total = people["participant"].nunique()
        intro = self.t("method.body", n=i18n.number(total, self.lang))
        tbl = table(shown, self.t("method.table_caption"), name="participants", lang=self.lang,
                    min_cell=self.params.min_cell,
                    counts=[headers[c] for c in lines + ["total"]],
                    formats={headers[c]: "count" for c in lines + ["total"]})
        return Html(f'<section id="methodology"><h2>{esc(self.t("method.heading"))}</h2>'
                    f"<p>{esc(intro)}</p>{tbl}</section>")

    def findings(self) -> Html:
        indicators = self.processed("survey_indicators")
        shown = privacy.suppress(indicators, ["n", "agree"], self.params.min_cell,
                                 derived=["agree_pct", "ci_low", "ci_high"])
        labels = {v: self.label("survey", v) for v in shown["item"].unique()}
        overall = shown[shown["group"] == "all"]
        chart = figure(plots.agreement_dots(overall, labels, self.lang))
        view = pd.DataFrame({
            self.t("col.item"): shown["item"].map(labels),
            self.t("col.stakeholder_group"): shown["group"].map(self.group_label),
            self.t("col.n"): shown["n"],
            self.t("col.agree_pct"): shown["agree_pct"],
            self.t("col.ci_low"): shown["ci_low"],
            self.t("col.ci_high"): shown["ci_high"],
        })
        view.attrs = shown.attrs
        tbl = table(view, self.t("findings.table_caption"), name="survey_indicators",
                    lang=self.lang, min_cell=self.params.min_cell, counts=[self.t("col.n")],
                    formats={self.t("col.n"): "count", self.t("col.agree_pct"): "pct",
                             self.t("col.ci_low"): "pct", self.t("col.ci_high"): "pct"})
        return Html(f'<section id="findings"><h2>{esc(self.t("findings.heading"))}</h2>'
                    f"<p>{esc(self.t('findings.body'))}</p>{chart}{tbl}</section>")

    def considerations(self) -> Html:
        items = "".join(f'<li id="consideration-{esc(c.id)}">{esc(c.text(self.lang))}</li>'
                        for c in self.params.considerations)
        return Html(f'<section id="considerations"><h2>{esc(self.t("considerations.heading"))}'
                    f"</h2><ol>{items}</ol></section>")


def load_report(jurisdiction: str, root: str | Path = ".", lang: str = "en") -> Report:
    where = paths(jurisdiction, root)
    return Report(load(jurisdiction, root), where, load_codebook(where.root), lang)


CSS = """
:root { --ink:#1b1b1b; --muted:#555; --rule:#ccc; --accent:#26374a; --banner:#b3261e; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink);
       max-width: 60rem; margin: 0 auto; padding: 3.5rem 1.5rem 2rem; line-height: 1.5; }
.banner { position: fixed; top: 0; left: 0; right: 0; background: var(--banner); color: #fff;
          text-align: center; font-weight: bold; padding: .4rem; letter-spacing: .05em;
          z-index: 10; }
h1 { color: var(--accent); font-size: 1.9rem; margin: .2rem 0; }
h2 { color: var(--accent); border-bottom: 2px solid var(--accent); padding-bottom: .2rem;
     margin-top: 2.2rem; }
.kicker, .period, .note { color: var(--muted); }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem; text-align: right; }
th[scope=row], thead th:first-child { text-align: left; }
thead th { border-bottom: 2px solid var(--ink); }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .9rem; }
@media print {
  body { max-width: none; padding-top: 2.5rem; }
  section { break-before: page; }
  table, figure { break-inside: avoid; }
  .banner { position: fixed; }
}
"""


def page(body: str, lang: str, title: str, synthetic: bool) -> str:
    """A whole self-contained HTML document around exported report ``body``."""
    banner = (f'<div class="banner" role="note">{esc(i18n.t("banner.synthetic", lang))}</div>'
              if synthetic else "")
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{banner}\n"
            f"<main>\n{body}\n</main>\n</body>\n</html>\n")
