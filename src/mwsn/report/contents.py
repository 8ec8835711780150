"""The table of contents: every section after the executive summary, then each annex."""

from __future__ import annotations

from mwsn.report.html import Html, esc

#: the catalogue key of each section's heading, by section (the annexes are listed one by one)
HEADINGS = {"introduction": "section.introduction",
            "overview": "section.overview", "outcomes": "section.outcomes",
            "sub_objectives": "section.sub_objectives", "swot": "swot.heading",
            "considerations": "considerations.heading"}


def entries(rep) -> list[tuple[str, str]]:
    """``(anchor, heading)`` of every section and annex, in the report's order."""
    from mwsn.report import SECTIONS
    from mwsn.report.annexes import ANNEXES

    found = []
    for name in SECTIONS:
        if name == "annexes":
            found += [(anchor, rep.t(key)) for anchor, key in ANNEXES]
        elif name in HEADINGS:
            found.append((name, rep.t(HEADINGS[name])))
    return found


def render(rep) -> Html:
    items = "".join(f'<li><a href="#{esc(anchor)}">{esc(text)}</a></li>'
                    for anchor, text in entries(rep))
    return Html(f'<nav class="toc" aria-labelledby="toc-heading"><h2 id="toc-heading">'
                f'{esc(rep.t("report.contents"))}</h2><ol>{items}</ol></nav>')
