"""Considerations, each linked to the findings and SWOT entries that support it."""

from __future__ import annotations

from mwsn import findings
from mwsn.report import performance, response
from mwsn.report.html import Html, esc


def render(rep) -> Html:
    matrix = rep.matrix
    ratings = rep.processed("findings").set_index("question_id")["rating"]
    swot = rep.processed("swot").set_index("code")
    items = []
    for c in rep.params.considerations:
        links = []
        rated = [q for q in c.findings if q in ratings.index]
        if rated:
            found = "".join(
                f'<li><a href="#finding-{esc(q)}">{esc(matrix.question(q).question(rep.lang))}'
                f"</a> - {esc(findings.rating_label(ratings[q], rep.lang))}</li>" for q in rated)
            links.append(f"<p>{esc(rep.t('cons.supported_by'))}</p><ul>{found}</ul>")
        entries = [s for s in c.swot if s in swot.index]
        if entries:
            listed = "".join(
                f"<li>{esc(rep.codebook.category_label('swot', swot.loc[s, 'swot'], rep.lang))}: "
                f"{esc(findings.code_label(s, rep.lang))} "
                f"({esc(rep.t('words.' + swot.loc[s, 'words']))})</li>" for s in entries)
            links.append(f"<p>{esc(rep.t('cons.swot'))}</p><ul>{listed}</ul>")
        if not links:
            links.append(f'<p class="note">{esc(rep.t("cons.no_links"))}</p>')
        items.append(f'<li id="consideration-{esc(c.id)}"><p>{esc(c.text(rep.lang))}</p>'
                     f"{''.join(links)}</li>")
    # what is measured round after round comes before what the assessment recommends
    return Html(f'<section id="considerations"><h2>{esc(rep.t("considerations.heading"))}'
                f"</h2>{performance.render(rep)}<ol>{''.join(items)}</ol>"
                f"{response.render(rep)}</section>")
