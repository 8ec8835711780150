"""Methodology: lines of evidence, who took part (small cells suppressed), limitations."""

from __future__ import annotations

from mwsn import i18n, privacy
from mwsn.report.html import Html, esc, table

#: the limitations every assessment of this kind states, in the catalogue as method.limitation.<id>
LIMITATIONS = ("self_selection", "small_groups", "recall", "no_baseline", "attribution")


def _lines_of_evidence(rep) -> str:
    lines = ("document_review", "interview", "focus_group", "survey") \
        if rep.params.network_in_place else ("interview", "focus_group", "survey")
    items = "".join(f"<li>{esc(rep.t(f'method.line.{line}'))}</li>" for line in lines)
    return f"<ul>{items}</ul>"


def _limitations(rep) -> str:
    # without a Network there is no program to attribute change to, nor a baseline to miss
    keys = LIMITATIONS if rep.params.network_in_place else ("self_selection", "small_groups")
    items = [rep.t(f"method.limitation.{key}", n=rep.params.min_cell) for key in keys]
    if rep.where.is_synthetic:
        items.insert(0, rep.t("method.limitation.synthetic"))
    body = "".join(f"<li>{esc(item)}</li>" for item in items)
    return (f'<h3>{esc(rep.t("method.limitations_heading"))}</h3>'
            f'<ul class="limitations">{body}</ul>')


def render(rep) -> Html:
    people = rep.processed("participants")
    counts = (people.groupby(["stakeholder_group", "line_of_evidence"]).size()
              .unstack(fill_value=0))
    lines = [c for c in ("survey", "interview", "focus_group") if c in counts.columns]
    counts = counts.reindex(columns=lines, fill_value=0)
    counts["total"] = counts.sum(axis=1)
    # the total row is shown: the text states the overall number, which it would sum to
    counts.loc["all"] = counts.sum()
    shown = counts.reset_index()
    # the figures of the jurisdiction's one disclosure pass (linked with every other table)
    shown = privacy.mask(shown, rep.protected, "participants", "stakeholder_group",
                         {c: c for c in lines + ["total"]})
    shown["stakeholder_group"] = [rep.t("col.total") if g == "all" else rep.group_label(g)
                                  for g in shown["stakeholder_group"]]
    headers = {"stakeholder_group": rep.t("col.stakeholder_group"),
               "total": rep.t("col.total"),
               **{c: rep.codebook.category_label("line_of_evidence", c, rep.lang)
                  for c in lines}}
    shown = shown.rename(columns=headers)
    total = people["participant"].nunique()
    intro = rep.t("method.body", n=i18n.number(total, rep.lang))
    tbl = table(shown, rep.t("method.table_caption"), name="participants", lang=rep.lang,
                min_cell=rep.params.min_cell,
                counts=[headers[c] for c in lines + ["total"]],
                formats={headers[c]: "count" for c in lines + ["total"]})
    return Html(f'<section id="methodology"><h2>{esc(rep.t("method.heading"))}</h2>'
                f"<p>{esc(intro)}</p>{_lines_of_evidence(rep)}{tbl}{_limitations(rep)}"
                "</section>")
