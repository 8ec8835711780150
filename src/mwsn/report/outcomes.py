"""Achievement of outcomes: the evaluation questions about the Network's outcomes.

A question is about an outcome when its ``logic_model`` element is one of the
logic model's outcomes (immediate, intermediate, ultimate); the others (the
delivery of the Funding Program and of the Network Meetings) are
sub-objectives. The findings are :mod:`~mwsn.report.findings` as rendered,
with the sub-objectives' articles moved to :mod:`~mwsn.report.sub_objectives`.
"""

from __future__ import annotations

from pathlib import Path

from mwsn import findings
from mwsn.report import regroup
from mwsn.report.html import Html, esc


def outcome_ids(root: Path) -> set[str]:
    """Element ids of the logic model's outcomes; empty when there is no logic model."""
    if not (Path(root) / "params" / "logic_model.yaml").is_file():
        return set()
    outcomes = findings.load_logic_model(root).get("outcomes") or {}
    return {e["id"] for level in outcomes.values() for e in level or []}


def split_questions(rep) -> tuple[list[str], list[str]]:
    """The ids of the questions on outcomes and on sub-objectives, in the matrix's order.

    Without a logic model every question is taken as an outcome.
    """
    questions = rep.matrix.for_jurisdiction(rep.params)
    ids = outcome_ids(rep.where.root)
    outcomes = [q.id for q in questions if not ids or q.logic_model in ids]
    return outcomes, [q.id for q in questions if q.id not in outcomes]


def findings_parts(rep) -> tuple[str, dict[str, str]]:
    """The rendered findings without their question articles, and the articles by question id."""
    rest, found = regroup.articles(regroup.inner(rep.section("findings")))
    return rest, {k.removeprefix("finding-"): v for k, v in found.items()}


def render(rep) -> Html:
    outcomes, _ = split_questions(rep)
    rest, found = findings_parts(rep)
    # the findings' lead, its ratings table, then the outcome questions, then the survey indicators
    lead, subsections = regroup.subsections(rest)
    articles = "".join(found[q] for q in outcomes if q in found)
    return Html(regroup.section(
        "outcomes", esc(rep.t("section.outcomes")),
        f"<p>{esc(rep.t('outcomes.body'))}</p>{lead}{articles}{''.join(subsections)}"))
