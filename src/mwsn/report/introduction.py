"""Introduction: the program (its aim, budget, period and two components) and the report's purpose.

The program's description is the lead of :mod:`~mwsn.report.about`; what its two
components delivered moves to the achievement of sub-objectives.
"""

from __future__ import annotations

from mwsn.report import regroup
from mwsn.report.html import Html, esc


def render(rep) -> Html:
    p = rep.params
    lead, _ = regroup.subsections(regroup.inner(rep.section("about")))
    purpose = rep.t("intro.purpose", jurisdiction=p.name(rep.lang), start=p.period.start,
                    end=p.period.end)
    return Html(regroup.section(
        "introduction", esc(rep.t("section.introduction")),
        f"{lead}<p>{esc(purpose)}</p><p>{esc(rep.t('intro.guide'))}</p>"))
