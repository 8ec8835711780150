"""Achievement of sub-objectives: delivery of the Funding Program and of the Network Meetings.

The questions on delivery (see :func:`~mwsn.report.outcomes.split_questions`),
then what the two components delivered: spending and attendance charts from
:mod:`~mwsn.report.about`, the program tables of :mod:`~mwsn.report.program` and
the service records of :mod:`~mwsn.report.services`, each as those modules render them.
"""

from __future__ import annotations

from mwsn.report import chart_data, outcomes, regroup
from mwsn.report.html import Html, esc


def render(rep) -> Html:
    _, delivery = outcomes.split_questions(rep)
    _, found = outcomes.findings_parts(rep)
    articles = "".join(found[q] for q in delivery if q in found)
    _, charts = regroup.subsections(regroup.inner(rep.section("about")))
    if charts and rep.params.network_in_place:   # the funding block: its chart, then its data
        charts[0] += chart_data.spending_table(rep)
    tables = regroup.demote(regroup.inner(rep.section("program")))
    records = regroup.demote(regroup.inner(rep.section("services")))
    return Html(regroup.section(
        "sub_objectives", esc(rep.t("section.sub_objectives")),
        f"<p>{esc(rep.t('sub_objectives.body'))}</p>{articles}{''.join(charts)}"
        f'<h3 id="program">{esc(rep.t("prog.heading"))}</h3>{tables}'
        f'<h3 id="services">{esc(rep.t("services.heading"))}</h3>{records}'))
