"""Assessment overview: scope, methodology and limitations.

The methodology and its limitations are :mod:`~mwsn.report.methodology` as
rendered (its participation table moves to Annex 3); the national TFWP context
is Annex 4, pointed to from here.
"""

from __future__ import annotations

from mwsn.report import regroup
from mwsn.report.html import Html, esc


def render(rep) -> Html:
    p = rep.params
    name = p.name(rep.lang)
    questions = rep.matrix.for_jurisdiction(p)
    scope = rep.t("overview.scope" if p.network_in_place else "overview.scope_consultation",
                  jurisdiction=name, start=p.period.start, end=p.period.end,
                  n_questions=len(questions))
    method, _tables = regroup.take_tables(regroup.inner(rep.section("methodology")))
    lead, rest = regroup.subsections(method)
    pointers = (f"<p>{esc(rep.t('overview.participation_pointer'))}</p>"
                f"<p>{esc(rep.t('overview.context_pointer', jurisdiction=name))}</p>")
    return Html(regroup.section(
        "overview", esc(rep.t("section.overview")),
        f'<h3 id="scope">{esc(rep.t("overview.scope_heading"))}</h3><p>{esc(scope)}</p>'
        f'<h3 id="methodology">{esc(rep.t("overview.methodology_heading"))}</h3>'
        f"{lead}{pointers}{''.join(rest)}"))
